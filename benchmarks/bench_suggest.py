"""Time the suggestion stage and the reads on the bundled corpus; prints figures.

Run from the repository root: ``python benchmarks/bench_suggest.py``. The first alignment
(embedding the corpus) is not timed; the figures are for the stage that runs after it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from workbench.config import Settings
from workbench.pipeline import run
from workbench.store import Store
from workbench.suggest.stage import RUN_META_KEY, suggest_store

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    with tempfile.TemporaryDirectory() as home:
        settings = Settings.load(
            db=Path(home) / "wb.db", embeddings_dir=Path(home) / "emb", progress=False
        )
        with Store(settings.db) as store:
            run(store, settings, [ROOT / "corpus"])
            store.delete_meta(RUN_META_KEY)  # else the stage resumes and scores nothing
            started = time.perf_counter()
            stats = suggest_store(store, settings)
            seconds = time.perf_counter() - started
        print(
            f"suggestion stage: {stats.scored} visible pairs scored of {stats.candidates} "
            f"aligned, {stats.passages} passages in {seconds:.1f} s "
            f"({1000 * seconds / max(stats.scored, 1):.1f} ms per scored pair)"
        )
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
