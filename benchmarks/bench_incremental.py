"""Adding (and removing) one document on an aligned 50-document corpus vs a full re-alignment.

Real news text and the real model: ``--documents`` + 1 FNC-1 article bodies (the same
sample as ``bench_scale.py``), five made-up outlets. In one run, in one database:

1. ingest the first ``--documents``, embed them and the extra one (embedding is not timed:
   the vector cache makes it the same for both paths), align and suggest (the starting
   point, timed for reference);
2. ingest the extra document, then ``align_store`` (incremental: only the new passages are
   searched against all, and all passages against the new document) and ``suggest_store``
   (resumes: only pairs not yet suggested are scored): "add 1, incremental";
3. the same corpus again with ``align_store(incremental=False)`` (the whole search) and
   ``suggest_store``: "add 1, full re-align" (suggestions resume in both, as they do for
   ``workbench align``);
4. remove one document and realign incrementally, then fully, the same way;
5. the whole corpus from scratch in a fresh database (search, scoring and every
   suggestion): "full, fresh database".

Each step prints its align and suggest seconds, passages searched against all, and
alignment rows; the incremental and the full alignments of the same corpus are compared
(same pairs, ranks and mutual marks; the largest score difference).

Usage: python benchmarks/bench_incremental.py [--documents 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from bench_scale import DEFAULT_BODIES, write_corpus  # noqa: E402


def _snapshot(store) -> dict[tuple[str, str], tuple[int, bool, float]]:
    return {
        (r["a_id"], r["b_id"]): (r["rank"], bool(r["mutual"]), r["score"])
        for r in store.aligned_pairs()
    }


def _compare(mine: dict, theirs: dict) -> str:
    same = {k: v[:2] for k, v in mine.items()} == {k: v[:2] for k, v in theirs.items()}
    diff = max((abs(mine[k][2] - theirs[k][2]) for k in mine.keys() & theirs.keys()), default=0)
    return f"same pairs, ranks and mutual marks: {same}; largest score difference {diff:.1e}"


def _step(label: str, store, settings, embedder, *, incremental: bool) -> dict:
    from workbench.align.aligner import align_store
    from workbench.suggest.stage import suggest_store

    t = time.perf_counter()
    aligned = align_store(store, settings, embedder=embedder, incremental=incremental)
    align_s = time.perf_counter() - t
    t = time.perf_counter()
    suggested = suggest_store(store, settings, embedder=embedder)
    suggest_s = time.perf_counter() - t
    print(
        f"{label:<34}{align_s:>9.2f}{suggest_s:>11.2f}{align_s + suggest_s:>9.2f}"
        f"{aligned.searched:>10}{aligned.passages:>10}{aligned.pairs:>10}{suggested.scored:>9}"
        f"  {'incremental' if aligned.incremental else 'full'}",
        flush=True,
    )
    return {"align_s": align_s, "suggest_s": suggest_s, "snapshot": _snapshot(store)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--bodies", type=Path, default=DEFAULT_BODIES)
    args = parser.parse_args()

    from workbench.config import Settings
    from workbench.embed.embedder import embed_store, load_embedder
    from workbench.ingest.batch import ingest_paths
    from workbench.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_corpus(args.bodies, args.documents + 1, home / "all")
        files = sorted(p for p in (home / "all").glob("*.txt"))
        removed = files[0]
        (home / "base").mkdir()
        shutil.copy(home / "all" / "manifest.csv", home / "base" / "manifest.csv")
        for f in files[:-1]:
            shutil.copy(f, home / "base" / f.name)
        settings = Settings.load(db=home / "wb.db", embeddings_dir=home / "emb", progress=False)
        embedder = load_embedder(settings)
        header = f"{'step':<34}{'align s':>9}{'suggest s':>11}{'total':>9}"
        header += f"{'searched':>10}{'passages':>10}{'rows':>10}{'scored':>9}"
        with Store(settings.db) as store:
            ingest_paths(store, [home / "base"], settings=settings)
            embed_store(store, settings, embedder=embedder)
            print(header)
            _step(
                f"{args.documents} documents, first run",
                store,
                settings,
                embedder,
                incremental=True,
            )
            ingest_paths(store, [home / "all"], settings=settings)
            embed_store(store, settings, embedder=embedder)
            inc = _step("add 1 document, incremental", store, settings, embedder, incremental=True)
            full = _step(
                "add 1 document, full re-align", store, settings, embedder, incremental=False
            )
            print("  " + _compare(inc["snapshot"], full["snapshot"]))
            print(
                f"  align: incremental {inc['align_s']:.2f} s vs full {full['align_s']:.2f} s "
                f"({full['align_s'] / inc['align_s']:.1f}x)"
            )
            store.delete_document(removed.stem)
            inc = _step(
                "remove 1 document, incremental", store, settings, embedder, incremental=True
            )
            full = _step("remove 1 document, full", store, settings, embedder, incremental=False)
            print("  " + _compare(inc["snapshot"], full["snapshot"]))
        fresh = settings.replace(db=home / "fresh.db")
        with Store(fresh.db) as store:
            ingest_paths(store, [home / "all"], settings=fresh)
            embed_store(store, fresh, embedder=embedder)
            _step(
                f"{args.documents + 1} documents, fresh database",
                store,
                fresh,
                embedder,
                incremental=True,
            )


if __name__ == "__main__":
    main()
