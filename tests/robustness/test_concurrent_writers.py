"""Eight processes saving tags at once lose nothing and never show "database is locked",
on SQLite and on PostgreSQL (the ``db`` fixture gives each store in turn)."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time

from workbench.store.factory import open_store

from .helpers import integrity, store_with_pairs

WRITERS = 8
TAGS_EACH = 1000


def _writer(db: str, pair_ids: list[str], writer: int, count: int, errors: object) -> None:
    with open_store(db) as store:
        for i in range(count):
            try:
                store.add_tag(
                    pair_ids[i % len(pair_ids)],
                    "related",
                    f"analyst-{writer}",
                    note=f"{writer}:{i}",
                )
            except Exception as exc:  # recorded, and the test fails on any
                errors.put(f"{type(exc).__name__}: {exc}")  # type: ignore[attr-defined]


def test_eight_processes_save_eight_thousand_tags(db: str, figure) -> None:  # type: ignore[no-untyped-def]
    pair_ids = store_with_pairs(db)
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    start = time.perf_counter()
    workers = [
        context.Process(target=_writer, args=(db, pair_ids, w, TAGS_EACH, errors))
        for w in range(WRITERS)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join(600)
    elapsed = time.perf_counter() - start
    found = []
    while not errors.empty():
        found.append(errors.get())
    assert found == []
    assert all(w.exitcode == 0 for w in workers)
    with open_store(db) as store:
        saved = store.tags()
        kind = type(store).__name__
    assert len(saved) == WRITERS * TAGS_EACH
    assert len({t.note for t in saved}) == WRITERS * TAGS_EACH
    assert [t.tag_id for t in saved] == sorted(t.tag_id for t in saved)
    assert integrity(db) == "ok"
    figure(
        f"concurrent writers ({kind}): {WRITERS} processes x {TAGS_EACH} tags -> "
        f"{len(saved)} tags saved, 0 errors, integrity ok, {elapsed:.1f} s "
        f"({len(saved) / elapsed:.0f} tags/s)"
    )


def test_concurrent_cli_taggers(db: str, figure) -> None:  # type: ignore[no-untyped-def]
    pair_ids = store_with_pairs(db, pairs=10)
    env = {**os.environ, "WORKBENCH_DB": db}
    script = (
        "import subprocess, sys\n"
        "for i in range(int(sys.argv[2])):\n"
        "    r = subprocess.run([sys.executable, '-m', 'workbench', 'tag', sys.argv[3 + i % 10],"
        " 'corroborates', '--analyst', sys.argv[1]], capture_output=True, text=True)\n"
        "    if r.returncode: print(r.stderr, end='')\n"
    )
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, f"cli-{n}", "15", *pair_ids],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    outputs = [r.communicate(timeout=600)[0] for r in runs]
    assert outputs == [""] * 4  # no error reached the user, "database is locked" included
    with open_store(db) as store:
        assert len(store.tags()) == 60
    assert integrity(db) == "ok"
    kind = "PostgreSQL" if "://" in db else "SQLite"
    figure(
        f"concurrent CLI taggers ({kind}): 4 processes x 15 `workbench tag` runs -> 60 tags, "
        "0 errors, integrity ok"
    )
