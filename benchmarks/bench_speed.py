"""Speed of the workbench's embedder, command start-up and search, printed in one run.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_speed.py            # everything
    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/bench_speed.py --sizes 10000 --rounds 2

1. Embedding: the product's embedder (``embed_texts`` with the backend ``auto`` picks)
   against the stock ``SentenceTransformer.encode`` call (batch 32) on the same >= 2,000
   texts: the bundled corpus's passages plus runs of consecutive sentences of its documents.
   Both run in this process, interleaved chunk by chunk, for several rounds, so that load
   from other processes falls on both alike; the figures are per round and their median.
   Then the top-1 cross-document neighbour agreement of the two sets of vectors.
2. Cold start: wall time and peak memory of fresh ``workbench`` processes.
3. Search: ``nearest_per_group`` at 10k and 100k passages of real MiniLM vectors (FNC-1
   article paragraphs, sentences and sentence pairs from ``../shared/data``; synthetic
   vectors made from the bundled corpus if that is missing), exact and HNSW, with time, peak
   memory and HNSW's recall against exact search. Each search runs in its own process.

Vectors and the converted model are cached in ``--work`` (default ``benchmarks/.cache``),
so a second run skips embedding the 100k texts. Nothing here asserts anything.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from workbench.config import Settings  # noqa: E402
from workbench.embed.backends.verify import neighbour_agreement  # noqa: E402
from workbench.embed.embedder import LazyEmbedder, VectorCache, embed_texts  # noqa: E402
from workbench.ingest.segment import segment, split_sentences  # noqa: E402
from workbench.models import PassageKind, text_hash  # noqa: E402


def machine() -> str:
    flags = ""
    cpu = platform.processor()
    try:
        info = Path("/proc/cpuinfo").read_text()
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in info.splitlines()
            if line.startswith("model name")
        )
        flags = next(line for line in info.splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        pass
    extras = [f for f in ("avx512_bf16", "amx_bf16", "avx512_vnni") if f in flags.split()]
    return (
        f"{cpu}, {os.cpu_count()} cores, {', '.join(extras) or 'no bf16/vnni'}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )


# -- 1. embedding -------------------------------------------------------------------------


def corpus_texts(n: int) -> tuple[list[str], np.ndarray]:
    """Bundled-corpus passages, then runs of 2, 3, ... consecutive sentences: n unique texts."""
    docs = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        seg = segment(path.stem, path.read_text(encoding="utf-8"))
        docs.append(
            (
                [p.text for p in seg.passages if p.kind is PassageKind.TEXT],
                [s.text for s in seg.sentences],
            )
        )
    texts: dict[str, int] = {}
    for d, (passages, _) in enumerate(docs):
        for text in passages:
            texts.setdefault(text, d)
    width = 2
    while len(texts) < n and width < 50:
        for d, (_, sentences) in enumerate(docs):
            for i in range(len(sentences) - width + 1):
                texts.setdefault(" ".join(sentences[i : i + width]), d)
        width += 1
    items = list(texts.items())[:n]
    return [t for t, _ in items], np.array([d for _, d in items])


def bench_embedding(work: Path, n: int, rounds: int, chunk: int) -> None:
    from sentence_transformers import SentenceTransformer

    texts, groups = corpus_texts(n)
    settings = Settings.load(embeddings_dir=work / "embeddings", progress=False)
    product = LazyEmbedder(settings)
    print(
        f"\n## Embedding: {len(texts)} texts from the bundled corpus "
        f"(mean {np.mean([len(t) for t in texts]):.0f} characters)"
    )
    print(f"product backend: {product.backend} ({product.choice.reason})")
    product.encode(["warm up"])
    stock = SentenceTransformer(product.location, device="cpu")
    stock.encode(["warm up"] * 4)

    def run_stock(part: list[str]) -> np.ndarray:
        return stock.encode(part, batch_size=32, normalize_embeddings=True)

    def run_product(part: list[str]) -> np.ndarray:
        with tempfile.TemporaryDirectory() as tmp:  # a fresh cache: everything is embedded
            cache = VectorCache(Path(tmp), product.model_id, product.backend)
            return embed_texts(part, product, cache).vectors

    ratios, cpu_ratios = [], []
    vectors: dict[str, list[np.ndarray]] = {}
    for r in range(rounds):
        wall = {"stock": 0.0, "product": 0.0}
        cpu = {"stock": 0.0, "product": 0.0}
        vectors = {"stock": [], "product": []}
        for i, lo in enumerate(range(0, len(texts), chunk)):
            part = texts[lo : lo + chunk]
            runs = [("stock", run_stock), ("product", run_product)]
            for name, fn in runs if i % 2 == 0 else runs[::-1]:
                t0, c0 = time.perf_counter(), time.process_time()
                vectors[name].append(fn(part))
                wall[name] += time.perf_counter() - t0
                cpu[name] += time.process_time() - c0
        ratios.append(wall["stock"] / wall["product"])
        cpu_ratios.append(cpu["stock"] / cpu["product"])
        print(
            f"round {r + 1}: stock {len(texts) / wall['stock']:6.1f} texts/s, product "
            f"{len(texts) / wall['product']:6.1f} texts/s: {ratios[-1]:.2f}x "
            f"(CPU time {cpu_ratios[-1]:.2f}x; load {os.getloadavg()[0]:.1f})"
        )
    print(
        f"median over {rounds} rounds: {statistics.median(ratios):.2f}x wall, "
        f"{statistics.median(cpu_ratios):.2f}x CPU time"
    )
    ref, fast = np.vstack(vectors["stock"]), np.vstack(vectors["product"])
    cosine = np.einsum("ij,ij->i", ref, fast)
    print(
        f"top-1 cross-document neighbour agreement with the stock call: "
        f"{neighbour_agreement(ref, fast, groups):.2%} (min cosine {cosine.min():.6f})"
    )


# -- 2. cold start ------------------------------------------------------------------------


HIGH_WATER = (
    "import atexit, sys\n"
    "def hwm():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM:'):\n"
    "            sys.stderr.write('HWM ' + line.split()[1] + '\\n')\n"
    "atexit.register(hwm)\n"
    "from workbench.cli import main\n"
    "main(sys.argv[1:], prog_name='workbench')\n"
)


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MB (the process's own high-water mark) of a fresh workbench."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", HIGH_WATER, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"workbench {' '.join(args)} failed: {proc.stderr[-500:]}")
    kb = [int(line.split()[1]) for line in proc.stderr.splitlines() if line.startswith("HWM ")]
    return elapsed, kb[-1] / 1024 if kb else float("nan")


def bench_cold_start(work: Path, repeat: int) -> None:
    home = work / "coldstart"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env |= {
        "WORKBENCH_DB": str(home / "wb.db"),
        "HF_HUB_OFFLINE": "1",
        "WORKBENCH_EMBEDDINGS": str(work / "embeddings"),
        "WORKBENCH_PROGRESS": "0",
    }
    wb = [sys.executable, "-m", "workbench"]
    subprocess.run([*wb, "ingest", str(ROOT / "corpus")], env=env, check=True, capture_output=True)
    subprocess.run([*wb, "align"], env=env, check=True, capture_output=True)
    wb = []  # timed() starts the CLI itself, through a wrapper that reports peak memory
    runtime = next((work / "embeddings").glob("*/openvino-runtime"), None)

    def fresh_cache(keep_runtime: bool) -> dict[str, str]:
        cache = Path(tempfile.mkdtemp(dir=home))
        if keep_runtime and runtime is not None:
            shutil.copytree(runtime, cache / runtime.parent.name / runtime.name)
        return env | {"WORKBENCH_EMBEDDINGS": str(cache)}

    cases = [
        ("workbench --help", [*wb, "--help"], lambda: env),
        ("workbench passages", [*wb, "passages"], lambda: env),
        ("workbench pairs", [*wb, "pairs"], lambda: env),
        ("workbench tags", [*wb, "tags"], lambda: env),
        ("workbench align (vectors cached)", [*wb, "align"], lambda: env),
        ("workbench align (embeds, OpenVINO)", [*wb, "align"], lambda: fresh_cache(True)),
        (
            "workbench align (embeds, torch)",
            [*wb, "align", "--backend", "torch"],
            lambda: fresh_cache(False),
        ),
    ]
    print(f"\n## Cold start: fresh processes, bundled corpus, median of {repeat}")
    for name, args, make_env in cases:
        runs = [timed(args, make_env()) for _ in range(repeat)]
        print(
            f"{name:40s} {statistics.median(r[0] for r in runs):6.2f} s "
            f"{statistics.median(r[1] for r in runs):6.0f} MB peak"
        )


# -- 3. search ----------------------------------------------------------------------------


def real_texts(limit: int) -> tuple[list[str], np.ndarray] | None:
    """FNC-1 article texts, grouped by article: paragraphs, sentences, and runs of 2 to 4
    consecutive sentences (overlapping passage-sized texts: many near neighbours)."""
    bodies = SHARED / "fnc1-train" / "train_bodies.csv"
    if not bodies.exists():
        return None
    texts: dict[str, int] = {}
    with open(bodies, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for doc, row in enumerate(rows):
        sentences = []
        for para in row["articleBody"].split("\n"):
            para = para.strip()
            if len(para) >= 40:
                texts.setdefault(para, doc)
                sentences += [para[s:e] for s, e in split_sentences(para)]
        for width in (1, 2, 3, 4):
            for i in range(len(sentences) - width + 1):
                text = " ".join(sentences[i : i + width])
                if len(text) >= 20:
                    texts.setdefault(text, doc)
        if len(texts) >= limit:
            break
    items = list(texts.items())[:limit]
    return [t for t, _ in items], np.array([d for _, d in items])


def search_vectors(work: Path, n: int) -> tuple[np.ndarray, np.ndarray, str]:
    found = real_texts(n)
    if found is not None and len(found[0]) >= n:
        texts, groups = found
        settings = Settings.load(embeddings_dir=work / "embeddings", progress=False)
        embedder = LazyEmbedder(settings)
        cache = VectorCache(settings.embeddings_dir, embedder.model_id, embedder.backend)
        missing = sum(1 for t in texts if text_hash(t) not in cache)
        if missing:
            print(f"(embedding {missing} FNC-1 texts once; cached in {work})", flush=True)
        t0 = time.perf_counter()
        vectors = embed_texts(texts, embedder, cache).vectors
        if missing:
            print(
                f"(embedded in {time.perf_counter() - t0:.0f} s: "
                f"{missing / (time.perf_counter() - t0):.0f} texts/s)",
                flush=True,
            )
        return vectors, groups, f"real MiniLM vectors of FNC-1 texts, {len(set(groups))} articles"
    texts, groups = corpus_texts(2000)
    settings = Settings.load(embeddings_dir=work / "embeddings", progress=False)
    embedder = LazyEmbedder(settings)
    cache = VectorCache(settings.embeddings_dir, embedder.model_id, embedder.backend)
    base = embed_texts(texts, embedder, cache).vectors
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    mix = base[a] + 0.5 * base[b] + rng.normal(scale=0.02, size=(n, base.shape[1]))
    mix = (mix / np.linalg.norm(mix, axis=1, keepdims=True)).astype(np.float32)
    why = "no ../shared" if found is None else f"../shared has only {len(found[0])} texts"
    return mix, np.arange(n) // 50, f"SYNTHETIC mixtures of bundled-corpus vectors ({why})"


def search_child(vectors_file: str, groups_file: str, mode: str, k: int, out: str) -> None:
    from workbench.align import search

    vectors = np.load(vectors_file)
    groups = np.load(groups_file)
    if mode == "exact-global":  # an exact scan for the candidates HNSW approximates
        documents = len(np.unique(groups))
        search.GLOBAL_CANDIDATES = max(
            search.GLOBAL_CANDIDATES, min(search.MAX_APPROXIMATE_CANDIDATES, k * (documents - 1))
        )
        search.MAX_GROUPS_EXACT = 0
    before = _status_mb("VmRSS:")
    t0 = time.perf_counter()
    found = search.nearest_per_group(
        vectors, groups, k, approximate_above=0 if mode == "hnsw" else None
    )
    elapsed = time.perf_counter() - t0
    peak = _status_mb("VmHWM:")
    np.savez(out, query=found.query, target=found.target)
    print(
        json.dumps({"seconds": elapsed, "peak_extra_mb": peak - before, "pairs": len(found.query)})
    )


def _status_mb(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0


def _pair_keys(file: Path, n: int) -> np.ndarray:
    found = np.load(file)
    return np.unique(found["query"].astype(np.int64) * n + found["target"])


def bench_search(work: Path, sizes: list[int], k: int) -> None:
    vectors, groups, source = search_vectors(work, max(sizes))
    print(f"\n## Search: nearest_per_group, k={k}, {source}")
    print("exact: the default (every other document when <= 200 documents, else the 64 nearest")
    print("overall); exact-global: an exact scan for the candidate set HNSW approximates;")
    print("recall of HNSW against exact-global (the index) and against exact (what alignment")
    print("would lose by switching). Extra MB: peak memory above the loaded vectors.")
    print(
        f"{'passages':>9s} {'documents':>10s} {'method':>12s} {'seconds':>8s} "
        f"{'extra MB':>9s} {'pairs':>10s} {'recall':>14s}"
    )
    tmp = Path(tempfile.mkdtemp(dir=work))
    try:
        for n in sizes:
            for doc_groups in [groups[:n], np.arange(n) * 20 // n]:
                np.save(tmp / "v.npy", vectors[:n])
                np.save(tmp / "g.npy", doc_groups)
                docs = len(np.unique(doc_groups))
                keys, lines = {}, []
                for mode in ("exact", "exact-global", "hnsw"):
                    out = tmp / f"{mode}.npz"
                    child = [
                        sys.executable,
                        __file__,
                        "--search-child",
                        str(tmp / "v.npy"),
                        str(tmp / "g.npy"),
                        mode,
                        str(k),
                        str(out),
                    ]
                    proc = subprocess.run(child, capture_output=True, text=True, check=True)
                    r = json.loads(proc.stdout.strip().splitlines()[-1])
                    keys[mode] = _pair_keys(out, n)
                    lines.append((mode, r))
                for mode, r in lines:
                    recall = ""
                    if mode == "hnsw":
                        index = len(np.intersect1d(keys["hnsw"], keys["exact-global"]))
                        product = len(np.intersect1d(keys["hnsw"], keys["exact"]))
                        recall = (
                            f"{index / max(1, len(keys['exact-global'])):.3f} / "
                            f"{product / max(1, len(keys['exact'])):.3f}"
                        )
                    print(
                        f"{n:9d} {docs:10d} {mode:>12s} {r['seconds']:8.1f} "
                        f"{r['peak_extra_mb']:9.0f} {r['pairs']:10d} {recall:>14s}",
                        flush=True,
                    )
                print(f"{'':9s} (load average {os.getloadavg()[0]:.1f})", flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", type=Path, default=ROOT / "benchmarks" / ".cache")
    parser.add_argument("--texts", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--chunk", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=3, help="cold-start runs per command")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--k", type=int, default=10, help="candidates per document")
    parser.add_argument("--skip", nargs="*", default=[], choices=["embed", "cold", "search"])
    parser.add_argument("--search-child", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.search_child:
        v, g, mode, k, out = args.search_child
        search_child(v, g, mode, int(k), out)
        return
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"# bench_speed: {machine()}")
    if "embed" not in args.skip:
        bench_embedding(args.work, args.texts, args.rounds, args.chunk)
    if "cold" not in args.skip:
        bench_cold_start(args.work, args.repeat)
    if "search" not in args.skip:
        bench_search(args.work, sorted(args.sizes), args.k)
    print(f"\n# done; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
