"""Scale benchmark: real news articles (FNC-1 bodies) through embed, align and suggest.

For each size in ``--sizes`` (documents), in a fresh process with a fresh database and a
cold vector cache: FNC-1 article bodies (``train_bodies.csv``, a fixed random sample) are
written as text files of five made-up outlets and ingested, then each stage is timed as the
pipeline runs it (``embed_store``, ``align_store``, ``suggest_store``). Printed per size:
passages, each stage's time, the alignment rows and distinct pairs kept, the visible pairs
suggested, the suggestion stage's rate (candidate pairs and scored pairs per second), the
database size (with its WAL) and the process's peak memory (``ru_maxrss``).

Beside it, the old per-pair path (``RelationModel.suggest`` on each pair's texts, trees
walked in numpy) and the frame (``passage_features`` once, ``score`` in one batch) score
the same sample of ``--compare`` visible pairs, and the two rates are printed side by side.

The acceptance figures of issue 14 are printed when the sizes include 100 and 200: align
(with suggestions) over embed at 200 documents (at most 3x) and align at 200 over align at
100 (at most 2.5x).

``--workers N`` / ``--scheduler ADDRESS`` are passed to the pipeline's partitioned stages
(:mod:`workbench.distributed`, when present); without them everything runs in-process.

Usage: python benchmarks/bench_scale.py [--sizes 10 100 200] [--compare 200]
           [--bodies ../shared/data/fnc1-train/train_bodies.csv] [--workers N]
           [--scheduler ADDRESS]
"""

from __future__ import annotations

import argparse
import csv
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
DEFAULT_BODIES = ROOT.parent / "shared" / "data" / "fnc1-train" / "train_bodies.csv"
OUTLETS = ["Outlet A", "Outlet B", "Outlet C", "Outlet D", "Outlet E"]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_corpus(bodies: Path, size: int, folder: Path) -> None:
    """``size`` FNC-1 bodies as text files with a manifest assigning five outlets."""
    import random

    csv.field_size_limit(10**8)
    with open(bodies, encoding="utf-8", newline="") as handle:
        rows = [(r["Body ID"], r["articleBody"]) for r in csv.DictReader(handle)]
    rows = random.Random(14).sample(rows, min(size, len(rows)))
    folder.mkdir(parents=True)
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["file", "outlet", "kind", "title"])
        for i, (body_id, text) in enumerate(rows):
            name = f"{i:05d}_body{body_id}.txt"
            (folder / name).write_text(text, encoding="utf-8")
            out.writerow([name, OUTLETS[i % len(OUTLETS)], "news", f"FNC-1 body {body_id}"])


def _mapper(workers: int | None, scheduler: str | None):
    """The partition runner for the pipeline: None (in-process) unless asked otherwise."""
    if not workers and not scheduler:
        return None
    try:
        from workbench import distributed  # type: ignore[attr-defined]
    except ImportError:
        raise SystemExit(
            "--workers/--scheduler need workbench.distributed (issue 14 item 4)"
        ) from None
    return distributed.partition_mapper(workers=workers, scheduler=scheduler)


def compare_paths(store, settings, embedder, sample: int) -> dict[str, float]:
    """Old per-pair path and the frame on the same visible pairs: pairs per second."""
    import numpy as np

    from workbench.suggest import frame
    from workbench.suggest.relation import RelationModel
    from workbench.suggest.stage import _encoder
    from workbench.suggest.trees import TreeEnsemble

    model = RelationModel.load()
    encode = _encoder(settings, embedder)
    visible = store.visible_pairs(settings.threshold)
    pick = np.random.default_rng(0).choice(len(visible), min(sample, len(visible)), replace=False)
    pairs = [visible[i] for i in sorted(pick)]
    text = {p.id: p.text for p in store.passages()}
    t = time.perf_counter()
    ids = sorted({p for _, a, b in pairs for p in (a, b)})
    index = {pid: i for i, pid in enumerate(ids)}
    texts = [text[pid] for pid in ids]
    features = model.passage_features(texts, encode, frame.passage_framing(texts))
    proba, evidence = model.score(
        features,
        np.array([index[a] for _, a, _ in pairs]),
        np.array([index[b] for _, _, b in pairs]),
    )
    _ = [model.suggestion(p, e) for p, e in zip(proba, evidence, strict=True)]
    new_s = time.perf_counter() - t
    fast = TreeEnsemble.decision_function
    TreeEnsemble.decision_function = TreeEnsemble.decision_function_walk
    try:
        t = time.perf_counter()
        old = model.suggest([text[a] for _, a, _ in pairs], [text[b] for _, _, b in pairs], encode)
        old_s = time.perf_counter() - t
    finally:
        TreeEnsemble.decision_function = fast
    old_p = np.array([[s.probabilities[c] for c in model.head.classes_] for s in old])
    return {
        "compare_pairs": len(pairs),
        "old_pairs_per_s": len(pairs) / old_s,
        "frame_pairs_per_s": len(pairs) / new_s,
        "max_probability_difference": float(np.abs(old_p - np.round(proba, 4)).max()),
    }


def _partial(out: dict[str, float]) -> None:
    """What a size has measured so far, on stderr: a long size that is stopped still says
    what it did."""
    print(json.dumps({**out, "peak_mb": _peak_mb(), "partial": True}), file=sys.stderr, flush=True)


def child(size: int, bodies: Path, sample: int, workers: int | None, scheduler: str | None):
    """Runs in a fresh process: one size, every stage timed; prints one JSON line."""
    from workbench.align.aligner import align_store
    from workbench.config import Settings
    from workbench.embed.embedder import embed_store, load_embedder
    from workbench.ingest.batch import ingest_paths
    from workbench.store import Store
    from workbench.suggest.stage import suggest_store

    out: dict[str, float] = {"documents": size}
    mapper = _mapper(workers, scheduler)
    extra = {"map_partitions": mapper} if mapper else {}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_corpus(bodies, size, home / "corpus")
        settings = Settings.load(db=home / "wb.db", embeddings_dir=home / "emb", progress=False)
        with Store(settings.db) as store:
            t = time.perf_counter()
            ingest_paths(store, [home / "corpus"], settings=settings)
            out["ingest_s"] = time.perf_counter() - t
            embedder = load_embedder(settings)
            t = time.perf_counter()
            embedded = embed_store(store, settings, embedder=embedder)
            out["embed_s"] = time.perf_counter() - t
            out["passages"] = embedded.passages
            _partial(out)
            out["sentences"] = embedded.sentences
            t = time.perf_counter()
            aligned = align_store(store, settings, embedder=embedder)
            out["align_s"] = time.perf_counter() - t
            out["alignment_rows"] = store.alignment_count()
            out["pairs"] = aligned.pairs
            out["distinct_pairs"] = store.pair_count()
            _partial(out)
            t = time.perf_counter()
            suggested = suggest_store(store, settings, embedder=embedder, **extra)
            out["suggest_s"] = time.perf_counter() - t
            out["suggested"] = suggested.pairs
            out["scored"] = suggested.scored
            out["candidates_per_s"] = suggested.candidates / out["suggest_s"]
            out["scored_per_s"] = suggested.scored / out["suggest_s"]
            out["peak_mb_pipeline"] = _peak_mb()
            _partial(out)
            if sample:
                out.update(compare_paths(store, settings, embedder, sample))
        out["db_mb"] = sum(p.stat().st_size for p in home.glob("wb.db*") if p.is_file()) / 2**20
    out["peak_mb"] = _peak_mb()
    print(json.dumps(out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 200])
    parser.add_argument("--bodies", type=Path, default=DEFAULT_BODIES)
    parser.add_argument("--compare", type=int, default=200, help="pairs for old vs frame")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.bodies, args.compare, args.workers, args.scheduler)
        return
    results = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--child", str(size), "--bodies", str(args.bodies)]
        command += ["--compare", str(args.compare)]
        if args.workers:
            command += ["--workers", str(args.workers)]
        if args.scheduler:
            command += ["--scheduler", args.scheduler]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{size} documents failed:\n{done.stderr[-2000:]}", file=sys.stderr)
            continue
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(results[-1]), file=sys.stderr, flush=True)
    columns = [
        ("documents", "docs", "{:.0f}"),
        ("passages", "passages", "{:.0f}"),
        ("embed_s", "embed s", "{:.1f}"),
        ("align_s", "align s", "{:.1f}"),
        ("suggest_s", "suggest s", "{:.1f}"),
        ("alignment_rows", "align rows", "{:.0f}"),
        ("distinct_pairs", "pairs", "{:.0f}"),
        ("suggested", "suggested", "{:.0f}"),
        ("candidates_per_s", "pairs/s", "{:.0f}"),
        ("scored_per_s", "scored/s", "{:.0f}"),
        ("old_pairs_per_s", "old/s", "{:.1f}"),
        ("frame_pairs_per_s", "frame/s", "{:.1f}"),
        ("db_mb", "db MB", "{:.1f}"),
        ("peak_mb", "peak MB", "{:.0f}"),
    ]
    print(" | ".join(h for _, h, _ in columns))
    for r in results:
        print(" | ".join(f.format(r.get(k, float("nan"))) for k, _, f in columns))
    by = {int(r["documents"]): r for r in results}
    if 200 in by:
        r = by[200]
        ratio = (r["align_s"] + r["suggest_s"]) / r["embed_s"]
        print(
            f"200 documents: (align {r['align_s']:.1f} s + suggest {r['suggest_s']:.1f} s) / "
            f"embed {r['embed_s']:.1f} s = {ratio:.2f} (target <= 3)"
        )
    if 100 in by and 200 in by:
        a, b = by[100], by[200]
        ratio = (b["align_s"] + b["suggest_s"]) / (a["align_s"] + a["suggest_s"])
        print(f"100 -> 200 documents: align with suggestions x{ratio:.2f} (target <= 2.5)")


if __name__ == "__main__":
    main()
