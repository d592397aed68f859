"""`workbench backup` copies a consistent database while writers keep writing."""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

from workbench.store import Store

from .helpers import integrity, store_with_pairs
from .test_concurrent_writers import _writer


def test_backup_while_writers_are_active(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    db = tmp_path / "wb.db"
    pair_ids = store_with_pairs(db, pairs=3000)  # a few MB, so the copy takes a while
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    workers = [
        context.Process(target=_writer, args=(str(db), pair_ids, w, 3000, errors)) for w in range(4)
    ]
    for w in workers:
        w.start()
    with Store(db) as store:
        while len(store.tags()) < 500:  # writers are under way
            time.sleep(0.05)
        committed_before = len(store.tags())
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "backup", str(tmp_path / "b.db"), "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    with Store(db) as store:
        committed_after = len(store.tags())
    for w in workers:
        w.join(300)
    assert errors.empty()
    assert committed_after < 12000  # the backup really ran while writers were writing
    assert result.returncode == 0, result.stderr
    assert "integrity check ok" in result.stdout
    assert integrity(tmp_path / "b.db") == "ok"
    with Store(tmp_path / "b.db") as copy, Store(db) as live:
        in_copy = {t.note for t in copy.tags()}
        in_live = [t.note for t in live.tags()]
    assert set(in_live[:committed_before]) <= in_copy  # every tag committed before is there
    assert in_copy <= set(in_live)
    assert len(in_live) == 12000
    figure(
        f"backup during writes: {committed_before} tags committed when the backup began, "
        f"{len(in_copy)} in the copy (all of them present), {committed_after} when it "
        f"ended, 12000 at the end; the copy passes integrity_check"
    )
