"""The SQLite connection: WAL, migrations on open, transactions, backup, meta keys."""

import sqlite3
from pathlib import Path

import pytest

from workbench.errors import StoreError
from workbench.store import MIGRATIONS, Store

from .conftest import Corpus, add_document, align


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert store.schema_version() == len(MIGRATIONS)


def test_missing_database_gives_advice(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as err:
        Store(tmp_path / "none.db", create=False)
    assert "run `workbench ingest` first" in str(err.value)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "db.sqlite")
    conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this workbench"):
        Store(tmp_path / "db.sqlite")


def test_a_file_that_is_no_database_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"these are notes, not a database" * 100)
    with pytest.raises(StoreError, match=f"cannot open database {path}"):
        Store(path)


def test_a_failed_write_leaves_nothing_behind(store: Store) -> None:
    store.set_meta("kept", "1")
    with pytest.raises(RuntimeError), store.write():
        store.set_meta("kept", "2")  # joins the outer transaction
        store.set_meta("new", "x")
        raise RuntimeError("boom")
    assert (store.get_meta("kept"), store.get_meta("new")) == ("1", None)


def test_meta_keys_are_set_replaced_and_defaulted(store: Store) -> None:
    assert store.get_meta("model") is None
    assert store.get_meta("model", "none yet") == "none yet"
    store.set_meta("model", "one")
    store.set_meta("model", "two")
    assert store.get_meta("model") == "two"


def test_backup_is_a_complete_copy_and_never_overwrites(aligned: Corpus, tmp_path: Path) -> None:
    if not isinstance(aligned.store, Store):
        pytest.skip("SQLite's online backup; pg_dump's: tests/robustness/test_team_security.py")
    target = tmp_path / "copies" / "backup.sqlite"
    assert aligned.store.backup(target) > 0
    with Store(target) as copy:
        assert copy.integrity() == "ok"
        assert [d.id for d in copy.documents()] == ["a", "b"]
        assert copy.alignment_count() == aligned.store.alignment_count()
    with pytest.raises(StoreError, match="already exists; choose a new file"):
        aligned.store.backup(target)


def test_integrity_of_a_sound_database_is_ok(aligned: Corpus) -> None:
    assert aligned.store.integrity() == "ok"


def test_change_marks_move_with_tags_decisions_alignment_and_documents(corpus: Corpus) -> None:
    store = corpus.store
    seen = [store.change_marks()]
    assert store.change_marks() == seen[0]
    align(corpus)
    seen.append(store.change_marks())
    store.add_tag(corpus.pair(0, 0), "corroborates", "Ana")
    seen.append(store.change_marks())
    store.add_adjudication(corpus.pair(0, 0), "related", "Chief")
    seen.append(store.change_marks())
    add_document(store, "c", ["Another source."], outlet="Paper")
    seen.append(store.change_marks())
    assert len(set(seen)) == len(seen)


def test_rows_leave_the_store_as_plain_values(aligned: Corpus) -> None:
    rows = [
        *aligned.store.aligned_pairs(),
        *aligned.store.coverage(),
        *aligned.store.unaddressed_passages(),
        *aligned.store.silence_counts(),
        *aligned.store.matching_passages(["guards"]),
    ]
    assert rows and all(type(row) is dict for row in rows)
