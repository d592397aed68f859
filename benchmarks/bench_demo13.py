"""The demo corpus thirteen times over (65 documents) through the CLI, as a user runs it.

Issue 14's done-when line: "the 65-document corpus aligns with suggestions in minutes, not
hours". The five seed documents (``../shared/seeds``, the bundled corpus) are copied 13
times into one folder under distinct file names (so distinct document ids: ``c00_000_...``
to ``c12_004_...``), with a manifest repeating the seeds' metadata; the text of each copy is
byte-for-byte the seed's. Then, in a fresh database and a cold vector cache, each command
runs in its own process, as a user would type it:

    workbench --db DB --embeddings EMB ingest CORPUS
    workbench --db DB --embeddings EMB embed
    workbench --db DB --embeddings EMB align        (alignment, then relation suggestions)

Printed per command: wall time and the command's peak memory (``ru_maxrss`` of the child,
which covers its own children too); then passages, alignment rows and suggested pairs.

Copies hold identical passages, so the vector cache (keyed by text hash) embeds each
distinct text once: ``embed`` is about as cheap as for the five seeds. Alignment and
suggestions see 13 times the passages, with many exact duplicates across documents.

Usage: python benchmarks/bench_demo13.py [--copies 13] [--seeds ../shared/seeds]
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEEDS = ROOT.parent / "shared" / "seeds"


def write_corpus(seeds: Path, copies: int, folder: Path) -> int:
    """``copies`` copies of every seed file, with the bundled manifest's metadata."""
    with open(ROOT / "corpus" / "manifest.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    folder.mkdir(parents=True)
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as handle:
        out = csv.DictWriter(handle, fieldnames=list(rows[0]))
        out.writeheader()
        for copy in range(copies):
            for row in rows:
                name = f"c{copy:02d}_{row['file']}"
                (folder / name).write_bytes((seeds / row["file"]).read_bytes())
                out.writerow({**row, "file": name, "title": f"{row['title']} (copy {copy})"})
    return copies * len(rows)


def _run(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall seconds and peak MB of one command run to completion (fails loudly)."""
    t = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed with {status}")
    return seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=13)
    parser.add_argument("--seeds", type=Path, default=DEFAULT_SEEDS)
    args = parser.parse_args()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "WORKBENCH_PROGRESS": "0",
    }
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        documents = write_corpus(args.seeds, args.copies, home / "corpus")
        base = [sys.executable, "-m", "workbench.cli", "-q"]
        base += ["--db", str(home / "wb.db"), "--embeddings", str(home / "emb")]
        print(f"{documents} documents ({args.copies} copies of {args.seeds}), fresh database")
        print(f"{'command':<22}{'wall s':>10}{'peak MB':>10}")
        total = 0.0
        for name, extra in (
            ("ingest", ["ingest", str(home / "corpus")]),
            ("embed", ["embed"]),
            ("align (+suggest)", ["align"]),
        ):
            seconds, peak = _run(base + extra, env)
            total += seconds
            print(f"workbench {name:<12}{seconds:>10.1f}{peak:>10.0f}", flush=True)
        print(f"{'total':<22}{total:>10.1f}")
        with sqlite3.connect(home / "wb.db") as db:
            for label, sql in (
                ("passages", "SELECT count(*) FROM passages"),
                ("alignment rows", "SELECT count(*) FROM alignments"),
                ("suggested pairs", "SELECT count(*) FROM suggestions"),
            ):
                try:
                    print(f"{label}: {db.execute(sql).fetchone()[0]:,}")
                except sqlite3.Error as exc:
                    print(f"{label}: ({exc})")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"benchmark process peak MB: {peak:.0f}")


if __name__ == "__main__":
    main()
