"""Accounts, sessions, failed sign-ins and the audit trail in the store (both databases)."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import Any

import pytest

from workbench.models import DocumentMeta
from workbench.store.base import now

from .conftest import B_TEXTS, add_document


def test_add_user_refuses_a_taken_name_and_keeps_the_first(store: Any) -> None:
    assert store.add_user("ann", "analyst", "$argon2id$first")
    assert not store.add_user("ann", "admin", "$argon2id$second")
    found = store.user("ann")
    assert (found.name, found.role, found.password_hash) == ("ann", "analyst", "$argon2id$first")
    assert store.user("nobody") is None
    assert store.user_count() == 1


def test_users_are_listed_by_name(store: Any) -> None:
    for name in ["zoe", "ann", "bob"]:
        store.add_user(name, "analyst", f"h-{name}")
    assert [u.name for u in store.users()] == ["ann", "bob", "zoe"]


def test_a_user_role_outside_the_three_is_refused_by_the_schema(store: Any) -> None:
    import pytest

    with pytest.raises(Exception):  # noqa: B017 - sqlite3 and psycopg raise their own kinds
        store.add_user("mallory", "root", "h")
    assert store.user("mallory") is None


def test_new_password_and_new_role_end_the_sessions(store: Any) -> None:
    store.add_user("ann", "analyst", "h1")
    store.add_session("t1", "ann", "9999-01-01T00:00:00.000+00:00")
    assert store.session_user("t1", now()).name == "ann"
    assert store.set_password_hash("ann", "h2")
    assert store.session_user("t1", now()) is None
    store.add_session("t2", "ann", "9999-01-01T00:00:00.000+00:00")
    assert store.set_user_role("ann", "adjudicator")
    assert store.session_user("t2", now()) is None
    assert store.user("ann").role == "adjudicator"
    assert not store.set_password_hash("nobody", "h")
    assert not store.set_user_role("nobody", "admin")


def test_expired_sessions_give_no_user(store: Any) -> None:
    store.add_user("ann", "analyst", "h")
    store.add_session("old", "ann", "2000-01-01T00:00:00.000+00:00")
    assert store.session_user("old", now()) is None
    store.remove_session("old")
    assert store.session_count("ann") == 0


def test_removing_a_user_ends_sessions_and_keeps_tags_history(store: Any) -> None:
    store.add_user("ann", "analyst", "h")
    store.add_session("t", "ann", "9999-01-01T00:00:00.000+00:00")
    store.note_sign_in_failure("ann", now())
    assert store.remove_user("ann")
    assert store.user("ann") is None
    assert store.session_user("t", now()) is None
    assert store.sign_in_block("ann") == (0, "")
    assert not store.remove_user("ann")


def test_failed_sign_ins_count_up_per_name_and_clear(store: Any) -> None:
    assert store.sign_in_block("ann") == (0, "")
    assert [store.note_sign_in_failure("ann", now()) for _ in range(3)] == [1, 2, 3]
    assert store.note_sign_in_failure("bob", now()) == 1
    store.block_sign_in("ann", "2999-01-01T00:00:00.000+00:00")
    assert store.sign_in_block("ann") == (3, "2999-01-01T00:00:00.000+00:00")
    store.clear_sign_in_failures("ann")
    assert store.sign_in_block("ann") == (0, "")
    assert store.sign_in_block("bob")[0] == 1


def test_audit_events_keep_actor_action_subject_and_detail(store: Any) -> None:
    first = store.record_event("cli:root", "user.add", "ann", {"role": "analyst"})
    second = store.record_event("ann", "sign_in", "ann")
    assert second > first
    events = store.audit_events()
    assert [(e.actor, e.action, e.subject, e.detail) for e in events] == [
        ("cli:root", "user.add", "ann", {"role": "analyst"}),
        ("ann", "sign_in", "ann", {}),
    ]
    assert [e.action for e in store.audit_events(actor="ann")] == ["sign_in"]


def test_audit_trail_merges_ingestion_tags_adjudications_and_events(aligned: Any) -> None:
    store = aligned.store
    store.record_event("cli:root", "user.add", "ann", {"role": "analyst"})
    store.add_tag(aligned.pair(0, 0), "corroborates", "ann", "same day")
    store.add_adjudication(aligned.pair(0, 0), "corroborates", "adj", "agreed")
    store.record_event("ann", "sign_in", "ann")
    trail = store.audit_trail()
    actions = [e.action for e in trail]
    assert actions.count("document.ingest") == 2
    assert actions[-3:] == ["user.add", "tag", "adjudicate"]
    assert "sign_in" not in actions
    tag = next(e for e in trail if e.action == "tag")
    assert (tag.actor, tag.subject, tag.detail) == (
        "ann",
        aligned.pair(0, 0),
        {"label": "corroborates", "note": "same day"},
    )
    assert all(a.at <= b.at for a, b in pairwise(trail))


def test_first_adjudications_give_the_earliest_decision_per_pair(aligned: Any) -> None:
    store = aligned.store
    first = store.add_adjudication(aligned.pair(0, 0), "corroborates", "adj")
    store.add_adjudication(aligned.pair(0, 0), "contradicts", "adj")
    other = store.add_adjudication(aligned.pair(1, 1), "related", "adj")
    assert store.first_adjudications() == {
        aligned.pair(0, 0): first.created_at,
        aligned.pair(1, 1): other.created_at,
    }


def test_audit_trail_records_who_ingested_replaced_updated_and_removed_documents(
    corpus: Any,
) -> None:
    store = corpus.store
    document = store.document("b")
    passages = store.passages("b")
    store.replace_document(replace(document, content_hash="hash-b2"), passages, [], actor="ann")
    store.update_document_meta(
        "b", DocumentMeta(outlet="Renamed"), "/corpus/b.txt", "", actor="bob"
    )
    assert store.delete_document("b", actor="cli:root")
    assert not store.delete_document("b", actor="cli:root")  # nothing to remove, nothing noted
    events = [(e.actor, e.action, e.subject) for e in store.audit_trail() if e.subject == "b"]
    assert events == [
        ("", "document.ingest", "b"),  # the fixture stored it without naming anyone
        ("ann", "document.replace", "b"),
        ("bob", "document.update", "b"),
        ("cli:root", "document.remove", "b"),
    ]
    replaced = next(e for e in store.audit_trail() if e.action == "document.replace")
    assert replaced.detail == {
        "source": "/corpus/b.txt",
        "content_sha256": "hash-b2",
        "previous_sha256": "hash-b",
    }


def test_a_recorded_ingestion_is_not_listed_twice(store: Any) -> None:
    add_document(store, "b", B_TEXTS, outlet="Group")
    store.delete_document("b")
    events = store.audit_trail()
    assert [(e.action, e.subject) for e in events] == [
        ("document.ingest", "b"),
        ("document.remove", "b"),
    ]


def test_a_failed_document_write_leaves_no_audit_event(corpus: Any) -> None:
    store = corpus.store
    before = len(store.audit_events())
    document = store.document("b")
    broken = [*store.passages("b"), store.passages("b")[0]]  # the same passage twice
    with pytest.raises(Exception):  # noqa: B017 - either driver's integrity error
        store.replace_document(document, broken, [], actor="ann")
    assert len(store.audit_events()) == before
    assert store.document("b") is not None


def test_audit_trail_tells_a_changed_tag_and_decision_from_a_first_one(aligned: Any) -> None:
    store = aligned.store
    pair = aligned.pair(0, 0)
    store.add_tag(pair, "corroborates", "ann")
    store.add_tag(pair, "contradicts", "ann", "misread at first")
    store.add_tag(pair, "related", "bob")
    store.add_adjudication(pair, "contradicts", "judge")
    store.add_adjudication(pair, "related", "judge", "on second thoughts")
    trail = [e for e in store.audit_trail() if e.subject == pair]
    assert [(e.actor, e.action, e.detail.get("previous")) for e in trail] == [
        ("ann", "tag", None),
        ("ann", "tag.change", "corroborates"),
        ("bob", "tag", None),
        ("judge", "adjudicate", None),
        ("judge", "adjudicate.change", "contradicts"),
    ]
