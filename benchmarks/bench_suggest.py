"""Time the suggestion stage (and the reads) on the bundled corpus or on real news; prints figures.

Run from the repository root: ``python benchmarks/bench_suggest.py``. The corpus is embedded
and aligned once, and the suggestion stage run once to store the framing cues and load the
libraries (not timed); then the suggestion stage runs on it from scratch once per relation
model, in the same process one after the other, so the rates compare:

- ``--documents N``: N FNC-1 article bodies (``../shared/data/fnc1-train``, the sample of
  ``bench_scale.py``) as five outlets, instead of the bundled corpus;
- ``--relation-model FILE`` (repeatable): time these models too, beside the shipped one.

Printed per model: the visible pairs scored and the candidate pairs (every pair the
alignment kept, which the stage decides about: score, or leave unsuggested) per second,
and the milliseconds per scored pair. On the bundled corpus the reads
(``workbench passages`` and ``pairs``) are timed after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from workbench.config import Settings  # noqa: E402
from workbench.pipeline import run  # noqa: E402
from workbench.store import Store  # noqa: E402
from workbench.suggest.relation import RelationModel  # noqa: E402
from workbench.suggest.stage import RUN_META_KEY, suggest_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=0, help="FNC-1 bodies (0: bundled)")
    parser.add_argument("--relation-model", type=Path, action="append", default=[])
    parser.add_argument("--embeddings", type=Path, default=None, help="vector cache to reuse")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        settings = Settings.load(
            db=Path(home) / "wb.db",
            embeddings_dir=args.embeddings or Path(home) / "emb",
            progress=False,
        )
        source = ROOT / "corpus"
        if args.documents:
            from bench_scale import DEFAULT_BODIES, write_corpus

            source = Path(home) / "docs"
            write_corpus(DEFAULT_BODIES, args.documents, source)
        with Store(settings.db) as store:
            run(store, settings, [source], through="align")
            models = [("shipped", RelationModel.load())]
            models += [(str(p), RelationModel.load(p)) for p in args.relation_model]
            # untimed: stores the framing cues and loads the libraries, which every model's
            # run would otherwise share unequally
            suggest_store(store, settings, model=models[0][1])
            for name, model in models:
                store.delete_meta(RUN_META_KEY)  # else the stage resumes and scores nothing
                started = time.perf_counter()
                stats = suggest_store(store, settings, model=model)
                seconds = time.perf_counter() - started
                print(
                    f"{name} ({model.model_id}): {stats.scored} visible pairs scored of "
                    f"{stats.candidates} candidate pairs, {stats.passages} passages, in "
                    f"{seconds:.1f} s: {stats.scored / seconds:,.0f} visible pairs/s, "
                    f"{stats.candidates / seconds:,.0f} candidate pairs/s, "
                    f"{1000 * seconds / max(stats.scored, 1):.2f} ms per scored pair",
                    flush=True,
                )
        if args.documents:
            return
        env = {**os.environ, "WORKBENCH_DB": str(settings.db)}
        for command in (["passages", "--format", "jsonl"], ["pairs", "--format", "jsonl"]):
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "workbench", *command],
                env=env,
                check=True,
                capture_output=True,
            )
            print(f"workbench {' '.join(command)}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
