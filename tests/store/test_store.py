import sqlite3
from pathlib import Path

import pytest

from workbench.errors import InvalidInput, NotFound, StoreError
from workbench.models import Alignment, Document, DocumentMeta, pair_id
from workbench.ingest.segment import segment
from workbench.store import MIGRATIONS, Store, add_tag, tags


def _doc(doc_id: str, text: str) -> tuple[Document, object]:
    seg = segment(doc_id, text)
    doc = Document(doc_id, f"/x/{doc_id}.txt", "text", "h-" + doc_id, text, DocumentMeta())
    return doc, seg


def test_new_database_is_migrated_and_in_wal_mode(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1


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


def test_replacing_a_document_swaps_passages_atomically(tmp_path: Path) -> None:
    with Store(tmp_path / "db.sqlite") as store:
        doc, seg = _doc("d", "One paragraph.\n\nTwo paragraph.\n")
        store.replace_document(doc, seg.passages, seg.sentences)
        doc2, seg2 = _doc("d", "Only one now.\n")
        bad = list(seg2.passages) * 2  # duplicate ids: the insert fails half-way
        with pytest.raises(sqlite3.IntegrityError):
            store.replace_document(doc2, bad, seg2.sentences)
        assert [p.text for p in store.passages("d")] == ["One paragraph.", "Two paragraph."]


def _aligned_store(path: Path) -> tuple[Store, str]:
    store = Store(path)
    for doc_id, text in [("a", "The border closed.\n"), ("b", "Borders were shut.\n")]:
        doc, seg = _doc(doc_id, text)
        store.replace_document(doc, seg.passages, seg.sentences)
    pa, pb = store.passages("a")[0].id, store.passages("b")[0].id
    pid = pair_id(pa, pb)
    store.replace_alignments([Alignment(pid, pa, pb, "b", 1, 0.9, True)], [], "k")
    return store, pid


def test_tags_keep_history_and_latest_per_analyst(tmp_path: Path) -> None:
    store, pid = _aligned_store(tmp_path / "db.sqlite")
    with store:
        add_tag(store, pid, "related", "ana")
        add_tag(store, pid, "corroborates", "ana", note="same figure")
        add_tag(store, pid, "contradicts", "ben")
        assert [t.label.value for t in tags(store)] == ["related", "corroborates", "contradicts"]
        latest = {t.analyst: t.label.value for t in tags(store, latest=True)}
        assert latest == {"ana": "corroborates", "ben": "contradicts"}


@pytest.mark.parametrize(
    ("pair", "label", "analyst", "error", "message"),
    [
        (None, "agree", "ana", InvalidInput, "unknown label 'agree'; use one of corroborates, "
         "contradicts, disputes_framing, related, unrelated"),
        (None, "related", "  ", InvalidInput, "the analyst's name is empty"),
        ("prnothing", "related", "ana", NotFound, "no aligned pair 'prnothing'"),
    ],
)
def test_bad_tags_are_refused(tmp_path: Path, pair, label, analyst, error, message) -> None:  # type: ignore[no-untyped-def]
    store, pid = _aligned_store(tmp_path / "db.sqlite")
    with store, pytest.raises(error) as err:
        add_tag(store, pair or pid, label, analyst)
    assert str(err.value).startswith(message)
