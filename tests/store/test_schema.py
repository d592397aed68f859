"""Numbered migrations: applied in order, each in its own transaction."""

import sqlite3
from pathlib import Path

import pytest

from workbench.errors import StoreError
from workbench.store import MIGRATIONS, Store
from workbench.store import sqlite as store_sqlite
from workbench.store.schema import m001_create_tables


def test_migrations_are_numbered_in_order() -> None:
    names = [m.__name__ for m in MIGRATIONS]
    assert names == [f"m{n:03d}_{name.split('_', 1)[1]}" for n, name in enumerate(names, 1)]


def test_an_old_database_is_brought_up_to_the_current_schema(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN")
    m001_create_tables(conn)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("COMMIT")
    conn.close()
    with Store(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        assert store.tags() == [] and store.adjudications() == {}


def test_a_failing_migration_leaves_the_database_at_its_last_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "db.sqlite"
    Store(path).close()

    def m004_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (id INTEGER)")
        raise sqlite3.OperationalError("disk on fire")

    monkeypatch.setattr(store_sqlite, "MIGRATIONS", [*MIGRATIONS, m004_broken])
    with pytest.raises(StoreError, match="disk on fire"):
        Store(path)
    monkeypatch.undo()
    with Store(path) as store:
        assert store.schema_version() == len(MIGRATIONS)
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master")}
        assert "half_done" not in tables


def test_what_a_document_never_addresses_is_read_by_index_not_by_scanning_passages(
    tmp_path: Path,
) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        plan = " ".join(
            str(row[-1])
            for row in store.conn.execute(
                "EXPLAIN QUERY PLAN SELECT c.passage_id FROM coverage c"
                " JOIN passages p ON p.id = c.passage_id"
                " WHERE c.addressed = 0 AND c.doc_id = ? ORDER BY p.doc_id, p.seq",
                ("d",),
            )
        )
    assert "coverage_doc" in plan, plan
