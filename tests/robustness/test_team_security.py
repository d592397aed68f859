"""The team server under attack: SQL metacharacters in every field on both stores, hostile
user names, a failed write on PostgreSQL, and a backup that restores. (Eight concurrent
writers on both stores: test_concurrent_writers.py.)"""

from __future__ import annotations

import shutil
import subprocess
from typing import Any

import pytest

from workbench.accounts import Accounts, SignInRefused
from workbench.errors import InvalidInput, NotFound
from workbench.ingest.segment import segment
from workbench.models import Alignment, Document, DocumentMeta, PassageKind, pair_id
from workbench.store.factory import open_store

from .helpers import store_with_pairs

SQL_METACHARACTERS = [
    "'",
    "''",
    '"',
    "; DROP TABLE tags; --",
    "' OR '1'='1",
    "\\",
    "%",
    "_",
    "%s",
    "%(x)s",
    "?",
    "$1",
    "E'\\x00'",
    "/* c */",
    "-- c",
    "ünïcödé ✓ 🙂",
    "a\nb\rc\td",
    "x" * 5000,
]


def _hostile(i: int) -> str:
    return SQL_METACHARACTERS[i % len(SQL_METACHARACTERS)] + f"#{i}"


def test_sql_metacharacters_in_every_field_are_stored_and_read_back_exactly(
    any_store: Any,
) -> None:
    store = any_store
    passages = {}
    for n, doc_id in enumerate(["d'1", 'd"2']):
        text = "\n\n".join(
            f"Para {k} {_hostile(k + n)} end." for k in range(len(SQL_METACHARACTERS))
        )
        seg = segment(doc_id, text)
        meta = DocumentMeta(
            outlet=_hostile(n),
            kind=_hostile(n + 1),
            title=_hostile(n + 2),
            author=_hostile(n + 3),
            published=_hostile(n + 4),
            url=_hostile(n + 5),
            language=_hostile(n + 6),
            extra={_hostile(n + 7): _hostile(n + 8)},
        )
        document = Document(
            doc_id, _hostile(n + 9), "text", _hostile(n + 10), text, meta, date=_hostile(n + 11)
        )
        store.replace_document(document, seg.passages, seg.sentences, actor=_hostile(n + 12))
        assert store.document(doc_id) in store.documents()
        assert store.document(doc_id).meta == meta
        passages[doc_id] = seg.passages
    stored = store.passages("d'1", kinds=list(PassageKind))
    assert [p.text for p in stored] == [p.text for p in passages["d'1"]]
    a, b = passages["d'1"], passages['d"2']
    alignments = [
        Alignment(pair_id(x.id, y.id), x.id, y.id, y.doc_id, 1, 0.5, True, {_hostile(i): 1.0})
        for i, (x, y) in enumerate(zip(a, b, strict=True))
    ]
    store.replace_alignments(alignments, [], _hostile(3), meta={_hostile(4): _hostile(5)})
    assert store.get_meta(_hostile(4)) == _hostile(5)
    for i, al in enumerate(alignments):
        saved = store.add_tag(al.pair_id, "related", f"analyst {i}", note=_hostile(i))
        assert saved.note == _hostile(i)
        store.add_adjudication(al.pair_id, "contradicts", f"judge {i}", note=_hostile(i + 1))
    assert [t.note for t in store.tags()] == [_hostile(i) for i in range(len(alignments))]
    assert {p: adj.note for p, adj in store.adjudications().items()} == {
        al.pair_id: _hostile(i + 1) for i, al in enumerate(alignments)
    }
    # a search for a metacharacter finds it literally, never as a pattern
    for term in ["%", "_", "\\", "'", "?"]:
        found = store.matching_passages([term])
        assert found and all(term in f["text"] for f in found)
    assert store.matching_passages(["%%%%"]) == []
    with pytest.raises(NotFound):
        store.add_tag("' OR '1'='1", "related", "ann")
    with pytest.raises(NotFound):
        store.document("' OR '1'='1")
    events = [
        store.record_event(_hostile(i), _hostile(i + 1), _hostile(i + 2), {"x": _hostile(i)})
        for i in range(len(SQL_METACHARACTERS))
    ]
    assert len(set(events)) == len(SQL_METACHARACTERS)
    assert [e.actor for e in store.audit_events()] == [_hostile(12), _hostile(13)] + [
        _hostile(i) for i in range(len(SQL_METACHARACTERS))
    ]
    ingested = [e for e in store.audit_trail() if e.action == "document.ingest"]
    assert [(e.subject, e.detail["source"]) for e in ingested] == [
        ("d'1", _hostile(9)),
        ('d"2', _hostile(10)),
    ]
    assert store.integrity() == "ok"
    assert len(store.tags()) == len(alignments)  # no statement was injected


@pytest.mark.parametrize("name", ["'; DROP TABLE users; --", "a' OR '1'='1", "%", "_", "\\"])
def test_hostile_user_names_never_reach_the_database(any_store: Any, name: str) -> None:
    accounts = Accounts(any_store)
    accounts.add("ann", "admin", "correct horse", actor="test")
    with pytest.raises(InvalidInput):
        accounts.add(name, "analyst", "correct horse", actor="test")
    with pytest.raises(SignInRefused):
        accounts.sign_in(name, "correct horse")
    with pytest.raises(InvalidInput):
        accounts.remove(name, actor="test")
    assert [u.name for u in accounts.list()] == ["ann"]
    assert any_store.user_count() == 1


def test_passwords_full_of_metacharacters_work(any_store: Any) -> None:
    accounts = Accounts(any_store)
    for i, password in enumerate(["'; DROP TABLE users; --", "%s%s%s%s", "?' OR '1'='1 \\"]):
        accounts.add(f"user{i}", "analyst", password, actor="test")
        assert accounts.sign_in(f"user{i}", password).user.name == f"user{i}"
        with pytest.raises(SignInRefused):
            accounts.sign_in(f"user{i}", "' OR '1'='1")


def test_a_failed_write_leaves_nothing_half_written_on_postgres(pg_url: str) -> None:
    pair_ids = store_with_pairs(pg_url, pairs=5)
    with open_store(pg_url) as store:
        before = store.passages("a")
        text = "One.\n\nTwo.\n"
        seg = segment("a", text)
        doubled = list(seg.passages) * 2  # duplicate ids: the insert fails half-way
        with pytest.raises(Exception):  # noqa: B017 - the driver's integrity error
            store.replace_document(
                Document("a", "/a.txt", "text", "h", text, DocumentMeta()), doubled, seg.sentences
            )
        assert store.passages("a") == before
        assert store.add_tag(pair_ids[0], "related", "ann").pair_id == pair_ids[0]


@pytest.mark.skipif(shutil.which("pg_restore") is None, reason="pg_restore is not installed")
def test_backup_of_postgres_restores_to_the_same_rows(pg_server: Any, tmp_path: Any) -> None:
    url = pg_server.fresh_db()
    pair_ids = store_with_pairs(url, pairs=5)
    with open_store(url) as store:
        store.add_tag(pair_ids[0], "corroborates", "ann", note="it's the same")
        size = store.backup(tmp_path / "team.dump")
        with pytest.raises(Exception, match="already exists"):
            store.backup(tmp_path / "team.dump")
    assert size > 0
    copy = pg_server.fresh_db()
    done = subprocess.run(
        ["pg_restore", "--no-owner", "--dbname", copy, str(tmp_path / "team.dump")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with open_store(url) as original, open_store(copy) as restored:
        assert restored.tags() == original.tags()
        assert restored.passages() == original.passages()
        assert restored.schema_version() == original.schema_version()
