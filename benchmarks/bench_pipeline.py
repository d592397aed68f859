"""Core pipeline benchmark: embedding throughput, alignment at scale, warm re-run.

Prints, in one run:
1. embedding throughput (passages/s) of the product's embedder beside a stock
   ``SentenceTransformer.encode`` call on the same bundled-corpus passages;
2. alignment time and peak memory (RSS) for 10k and 100k synthetic passages, each size in a
   fresh process. Synthetic passages are sentences of the bundled corpus recombined, with
   vectors made from the real vectors plus noise, so no model time is counted;
3. a warm re-run of ingest + align on the unchanged bundled corpus: passages re-embedded.

Usage: python benchmarks/bench_pipeline.py [--sizes 10000 100000] [--docs-per 200]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_embedding(repeat: int) -> None:
    import numpy as np
    from sentence_transformers import SentenceTransformer

    from workbench.config import Settings
    from workbench.embed.embedder import load_embedder, resolve_model
    from workbench.ingest.segment import segment

    texts = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        texts += [
            p.text for p in segment(path.stem, path.read_text("utf-8")).passages if p.kind == "text"
        ]
    texts = (texts * repeat)[: max(len(texts), 2000 if repeat > 1 else len(texts))]
    embedder = load_embedder(Settings.load())
    embedder.encode(texts[:8])  # load the model outside the timing
    location, _ = resolve_model(Settings.load().model)
    stock = SentenceTransformer(location, device="cpu")
    stock.encode(texts[:8])
    t = time.perf_counter()
    reference = stock.encode(texts, normalize_embeddings=True)
    stock_s = time.perf_counter() - t
    t = time.perf_counter()
    ours = embedder.encode(texts)
    ours_s = time.perf_counter() - t
    agreement = float(np.mean(np.sum(reference * ours, axis=1) > 0.99))
    print(f"embedding {len(texts)} passages ({embedder.model_id}, backend {embedder.backend}):")
    print(f"  stock SentenceTransformer.encode   {len(texts) / stock_s:7.1f} passages/s")
    print(
        f"  workbench embedder                 {len(texts) / ours_s:7.1f} passages/s "
        f"({stock_s / ours_s:.2f}x); vectors within cosine 0.99 of stock: {agreement:.1%}"
    )


def align_child(size: int, docs_per: int) -> dict[str, float]:
    """Runs in a fresh process: synthetic corpus of ``size`` passages, then align()."""
    import numpy as np

    from workbench.align.aligner import align, build_corpus
    from workbench.align.scorer import PairScorer
    from workbench.config import Settings
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache
    from workbench.ingest.segment import segment
    from workbench.models import Document, DocumentMeta, Passage
    from workbench.store import Store

    settings = Settings.load(embeddings_dir=Path(os.environ["BENCH_EMB"]))
    sentences = []
    for path in sorted((ROOT / "corpus").glob("*.txt")):
        sentences += [s.text for s in segment(path.stem, path.read_text("utf-8")).sentences]
    embedder = load_embedder(settings)
    base = embed_texts(sentences, embedder, open_cache(settings, embedder)).vectors
    rng = np.random.default_rng(0)
    per_passage = rng.integers(1, 5, size=size)
    picks = rng.integers(0, len(sentences), size=int(per_passage.sum()))
    sentence_vectors = base[picks] + rng.normal(scale=0.03, size=(len(picks), base.shape[1]))
    sentence_vectors = (
        sentence_vectors / np.linalg.norm(sentence_vectors, axis=1, keepdims=True)
    ).astype(np.float32)
    bounds = np.r_[0, np.cumsum(per_passage)]
    texts = [" ".join(sentences[j] for j in picks[bounds[i] : bounds[i + 1]]) for i in range(size)]
    passage_vectors = np.add.reduceat(sentence_vectors, bounds[:-1], axis=0)
    passage_vectors /= np.linalg.norm(passage_vectors, axis=1, keepdims=True)
    docs = [f"doc{i // docs_per:05d}" for i in range(size)]
    before = _rss_mb()
    t = time.perf_counter()
    corpus = build_corpus(
        [f"p{i}" for i in range(size)],
        docs,
        texts,
        passage_vectors,
        per_passage.tolist(),
        sentence_vectors,
    )
    built = time.perf_counter() - t
    result = align(
        corpus,
        PairScorer.load(),
        top_k=settings.top_k,
        candidates=settings.candidates,
        threshold=settings.threshold,
    )
    aligned = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "wb.db") as store:
        for doc in sorted(set(docs)):
            members = (
                [i for i in range(size) if docs[i] == doc]
                if size <= 20_000
                else range(int(doc[3:]) * docs_per, min(size, (int(doc[3:]) + 1) * docs_per))
            )
            body = "\n\n".join(texts[i] for i in members)
            passages, pos = [], 0
            for seq, i in enumerate(members):
                passages.append(Passage(f"p{i}", doc, seq, pos, pos + len(texts[i]), texts[i]))
                pos += len(texts[i]) + 2
            store.replace_document(
                Document(doc, doc, "text", doc, body, DocumentMeta()), passages, []
            )
        t = time.perf_counter()
        store.replace_alignments(result.rows(), result.coverage(), "bench")
        stored = time.perf_counter() - t
    return {
        "size": size,
        "docs": len(set(docs)),
        "build_s": built,
        "align_s": aligned,
        "store_s": stored,
        "pairs": len(result),
        "candidates": result.candidates,
        "rss_before_mb": before,
        "rss_peak_mb": _rss_mb(),
    }


def bench_alignment(sizes: list[int], docs_per: int, emb: Path) -> None:
    print(f"alignment of synthetic passages ({docs_per} passages per document):")
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(size), "--docs-per", str(docs_per)],
            capture_output=True,
            text=True,
            env=os.environ | {"BENCH_EMB": str(emb)},
        )
        if out.returncode != 0:
            print(f"  {size}: failed\n{out.stderr[-2000:]}")
            continue
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"  {r['size']:>7,} passages in {r['docs']:>4} documents: align "
            f"{r['align_s']:6.1f} s (of which TF-IDF and specifics {r['build_s']:.1f} s), "
            f"write to SQLite {r['store_s']:5.1f} s; {r['candidates']:,} candidates -> "
            f"{r['pairs']:,} pairs; peak RSS {r['rss_peak_mb']:.0f} MB "
            f"({r['rss_peak_mb'] - r['rss_before_mb']:+.0f} MB during alignment)"
        )


def bench_warm_rerun(emb: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = os.environ | {
            "WORKBENCH_DB": str(Path(tmp) / "wb.db"),
            "WORKBENCH_EMBEDDINGS": str(emb),
        }
        cmd = [sys.executable, "-m", "workbench", "--quiet"]
        subprocess.run(
            [*cmd, "ingest", str(ROOT / "corpus")], env=env, check=True, capture_output=True
        )
        subprocess.run([*cmd, "align"], env=env, check=True, capture_output=True)
        t = time.perf_counter()
        ingest = subprocess.run(
            [*cmd, "ingest", str(ROOT / "corpus")],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        align = subprocess.run([*cmd, "align"], env=env, check=True, capture_output=True, text=True)
        elapsed = time.perf_counter() - t
    unchanged = ingest.stdout.count("unchanged")
    print(
        f"warm re-run on the unchanged bundled corpus: {unchanged} files unchanged; "
        f"align: {align.stdout.strip()} [{elapsed:.1f} s for both commands]"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--docs-per", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=21, help="corpus repeats for throughput")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(align_child(args.child, args.docs_per)))
        return
    with tempfile.TemporaryDirectory() as emb:
        bench_embedding(args.repeat)
        bench_alignment(args.sizes, args.docs_per, Path(emb))
        bench_warm_rerun(Path(emb))


if __name__ == "__main__":
    main()
