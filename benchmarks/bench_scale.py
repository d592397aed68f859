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
(:mod:`workbench.distributed`); without them everything runs in-process. ``--cluster 1 2``
runs every size in-process and again on local Dask clusters of 1 and 2 workers, then
prints them side by side and a projection, with its arithmetic, for a million passages on
N workers from the measured per-partition rates (:func:`print_cluster_comparison`).

Usage: python benchmarks/bench_scale.py [--sizes 10 100 200] [--compare 200]
           [--bodies ../shared/data/fnc1-train/train_bodies.csv] [--workers N]
           [--scheduler ADDRESS] [--cluster 1 2]
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


class _Timed:
    """A partition function that also returns the seconds it took (where it ran)."""

    def __init__(self, fn) -> None:
        self.fn = fn

    def __call__(self, partition, *args):
        started = time.perf_counter()
        result = self.fn(partition, *args)
        return time.perf_counter() - started, result


def _partition_size(partition) -> int:
    """Work units of a partition: query rows of a search block, pairs, texts or passages."""
    if isinstance(partition, tuple) and len(partition) == 2 and isinstance(partition[0], int):
        return partition[1] - partition[0]
    if hasattr(partition, "pair_ids"):
        return len(partition.pair_ids)
    return len(partition)


class MeasuringRunner:
    """Wraps the pipeline's runner: per stage, partitions, work units and the seconds spent
    inside the partition functions (on the workers, for a cluster)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.in_process = inner.in_process
        self.stages: dict[str, list[float]] = {}

    def describe(self) -> str:
        return self.inner.describe()

    def share(self, array, spill_dir=None):
        return self.inner.share(array, spill_dir)

    def map_partitions(self, fn, partitions, *args, name="task"):
        record = self.stages.setdefault(name, [0, 0, 0.0])

        def counted():
            for partition in partitions:
                record[0] += 1
                record[1] += _partition_size(partition)
                yield partition

        for seconds, result in self.inner.map_partitions(_Timed(fn), counted(), *args, name=name):
            record[2] += seconds
            yield result

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, (parts, units, seconds) in self.stages.items():
            out[f"{name}_partitions"] = parts
            out[f"{name}_units"] = units
            out[f"{name}_busy_s"] = seconds
        return out


GLOBAL_SEARCH_COLUMNS = 20_000
"""Columns of the search partition timed for the projection."""


def global_search_rate(store, settings, embedder) -> dict[str, float]:
    """Row-column pairs per second of one search partition in the mode a million passages
    use (more than 200 documents: a block of 4,096 rows against every passage, 64 nearest
    kept), on this corpus's vectors repeated (with a little noise) to 20,000 passages.

    Below 200 documents the pipeline searches document by document, and a small corpus's
    search is mostly fixed costs: neither measures the big corpus's search.
    """
    import numpy as np

    from workbench.align import search
    from workbench.embed.embedder import stored_vectors

    real = stored_vectors(store, settings, embedder).passage_vectors
    rng = np.random.default_rng(0)
    x = np.resize(real, (GLOBAL_SEARCH_COLUMNS, real.shape[1]))
    x = x + rng.normal(scale=0.01, size=x.shape).astype(np.float32)
    x = np.ascontiguousarray(x / np.linalg.norm(x, axis=1, keepdims=True), dtype=np.float32)
    groups = np.sort(rng.integers(0, GLOBAL_SEARCH_COLUMNS // 20, GLOBAL_SEARCH_COLUMNS))
    rows = min(search.SEARCH_BLOCK_ROWS, GLOBAL_SEARCH_COLUMNS)
    t = time.perf_counter()
    search.exact_global_rows((0, rows), x, groups, 64, 10, True)
    seconds = time.perf_counter() - t
    return {"global_search_pairs_per_s": rows * GLOBAL_SEARCH_COLUMNS / seconds}


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
    from workbench.distributed import open_runner
    from workbench.embed.embedder import embed_store, load_embedder
    from workbench.ingest.batch import ingest_paths
    from workbench.store import Store
    from workbench.suggest.stage import suggest_store

    out: dict[str, float] = {"documents": size, "workers": workers or 0}
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_corpus(bodies, size, home / "corpus")
        settings = Settings.load(
            db=home / "wb.db",
            embeddings_dir=home / "emb",
            progress=False,
            workers=workers,
            scheduler=scheduler,
        )
        with open_runner(settings) as opened, Store(settings.db) as store:
            runner = MeasuringRunner(opened)
            extra = {"runner": runner}
            t = time.perf_counter()
            ingest_paths(store, [home / "corpus"], settings=settings)
            out["ingest_s"] = time.perf_counter() - t
            embedder = load_embedder(settings)
            # the one-time OpenVINO conversion and check of a cold cache, apart from embedding
            t = time.perf_counter()
            out["backend"] = embedder.backend
            out["backend_s"] = time.perf_counter() - t
            t = time.perf_counter()
            embedded = embed_store(store, settings, embedder=embedder, **extra)
            out["embed_s"] = time.perf_counter() - t
            out["passages"] = embedded.passages
            _partial(out)
            out["sentences"] = embedded.sentences
            t = time.perf_counter()
            aligned = align_store(store, settings, embedder=embedder, **extra)
            out["align_s"] = time.perf_counter() - t
            out["alignment_rows"] = store.alignment_count()
            out["pairs"] = aligned.pairs
            out["distinct_pairs"] = store.pair_count()
            out.update(global_search_rate(store, settings, embedder))
            _partial(out)
            t = time.perf_counter()
            suggested = suggest_store(store, settings, embedder=embedder, **extra)
            out["suggest_s"] = time.perf_counter() - t
            out["suggested"] = suggested.pairs
            out["scored"] = suggested.scored
            out["candidates_per_s"] = suggested.candidates / out["suggest_s"]
            out["scored_per_s"] = suggested.scored / out["suggest_s"]
            out["peak_mb_pipeline"] = _peak_mb()
            out.update(runner.figures())
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
    parser.add_argument(
        "--cluster",
        type=int,
        nargs="*",
        default=[],
        metavar="N",
        help="also run each size on a local Dask cluster of N workers (e.g. --cluster 1 2), "
        "print the comparison and the projection for a million passages",
    )
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.bodies, args.compare, args.workers, args.scheduler)
        return
    results = []
    cluster_results = []
    for size in args.sizes:
        for workers in [args.workers, *args.cluster]:
            command = [sys.executable, __file__, "--child", str(size)]
            command += ["--bodies", str(args.bodies), "--compare", str(args.compare)]
            if workers:
                command += ["--workers", str(workers)]
            if args.scheduler:
                command += ["--scheduler", args.scheduler]
            done = subprocess.run(command, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(f"{size} documents failed:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            found = json.loads(done.stdout.strip().splitlines()[-1])
            (results if workers == args.workers else cluster_results).append(found)
            print(json.dumps(found), file=sys.stderr, flush=True)
    if args.cluster:
        print_cluster_comparison(results + cluster_results)
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


PROJECTED_PASSAGES = 1_000_000


def print_cluster_comparison(results: list[dict[str, float]]) -> None:
    """Each size in-process and on local clusters, then the projection for a million passages.

    The projection splits each stage into its partitions' work (seconds inside the partition
    functions, measured on the workers) and the client's share (the rest of the stage's
    time: reading, scoring features, writing, and Dask's own overhead; an upper bound, as
    the client also works while tasks are in flight), from the largest size's one-worker
    run: a worker's rate is its partitions' work units per second. Embedding, framing and
    suggestions grow with passages (with the counterparts bounded, the visible pairs do
    too); the exact search grows with passages squared (every query row against every
    passage), its rate measured in the mode a million passages use
    (:func:`global_search_rate`). The time on N workers is the client's share plus the
    work divided by N.
    """
    columns = [
        ("documents", "docs", "{:.0f}"),
        ("workers", "workers", "{:.0f}"),
        ("passages", "passages", "{:.0f}"),
        ("embed_s", "embed s", "{:.1f}"),
        ("align_s", "align s", "{:.1f}"),
        ("suggest_s", "suggest s", "{:.1f}"),
        ("distinct_pairs", "pairs", "{:.0f}"),
        ("suggested", "suggested", "{:.0f}"),
        ("db_mb", "db MB", "{:.1f}"),
        ("peak_mb", "peak MB", "{:.0f}"),
    ]
    print()
    print("in-process (workers 0) and on a local Dask cluster")
    print(" | ".join(h for _, h, _ in columns))
    for r in sorted(results, key=lambda r: (r["documents"], r.get("workers", 0))):
        print(" | ".join(f.format(r.get(k, float("nan"))) for k, _, f in columns))
    one = [r for r in results if r.get("workers") == 1]
    if not one:
        return
    r = max(one, key=lambda r: r["passages"])
    p = r["passages"]
    scale = PROJECTED_PASSAGES / p
    print()
    print(
        f"projection for {PROJECTED_PASSAGES:,} passages from {r['documents']:.0f} documents "
        f"({p:.0f} passages) on 1 worker: scale s = {PROJECTED_PASSAGES:,} / {p:.0f} = "
        f"{scale:.1f}"
    )
    stages = [  # (stage, its partitioned step, how the work grows, the stage's time)
        ("embed", "embed", scale, r["embed_s"]),
        ("align", "search", scale**2, r["align_s"]),
        ("suggest", "suggest", scale, r["suggest_s"]),
    ]
    client_total = 0.0
    work_total = 0.0
    for stage, step, growth, stage_s in stages:
        busy = r.get(f"{step}_busy_s", 0.0)
        units = r.get(f"{step}_units", 0.0)
        if stage == "suggest":
            busy += r.get("framing_busy_s", 0.0)
        client = max(0.0, stage_s - busy)
        rate = units / busy if busy else float("nan")
        grows = "s^2" if growth != scale else "s"
        print(
            f"  {stage}: {units:.0f} {step} units in {busy:.1f} s of partitions "
            f"({rate:.1f} units/s per worker) -> work {busy:.1f} x {grows} = "
            f"{busy * growth:,.0f} s; client {stage_s:.1f} - {busy:.1f} = {client:.1f} s "
            f"x s = {client * scale:,.0f} s"
        )
        if step == "search" and "global_search_pairs_per_s" in r:
            # a million passages are searched each against all (the mode over 200
            # documents): that partition's rate, not the per-document loop of a small corpus
            rate = r["global_search_pairs_per_s"]
            work = PROJECTED_PASSAGES**2 / rate
            print(
                f"  search, as a million passages run it: {rate:,.0f} row-passage pairs/s per "
                f"worker (a block of 4,096 rows x 20,000 passages) -> work "
                f"{PROJECTED_PASSAGES:,}^2 / {rate:,.0f} = {work:,.0f} s (instead of "
                f"{busy * growth:,.0f} s)"
            )
            busy, growth = work, 1.0
        client_total += client * scale
        work_total += busy * growth
    print(f"  client share {client_total:,.0f} s; partition work {work_total:,.0f} worker-seconds")
    for n in (1, 2, 8, 32, 128):
        total = client_total + work_total / n
        print(
            f"  N = {n:3d}: {client_total:,.0f} + {work_total:,.0f} / {n} = {total:,.0f} s "
            f"({total / 3600:.1f} h)"
        )


if __name__ == "__main__":
    main()
