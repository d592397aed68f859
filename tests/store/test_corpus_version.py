"""``Store.corpus_version``: moves with every corpus write, not with analysts' work.

The app keys its shared caches of corpus-wide figures by it (Overview's silence table and
suggested counts, Compare's focus pairs, Corpus's pair count), so a write it missed would
serve stale figures, and a tag that moved it would make every page read everything again.
Both stores (SQLite and PostgreSQL) run each test.
"""

from __future__ import annotations

import pytest

from workbench.models import DocumentMeta
from workbench.store.suggestions import StoredFraming, StoredSuggestion, SuggestionRow

from .conftest import Corpus, add_document, align


def _suggestion(corpus: Corpus) -> SuggestionRow:
    a_id, b_id = sorted((corpus.a[0].id, corpus.b[0].id))
    return SuggestionRow(
        StoredSuggestion(
            corpus.pair(0, 0),
            a_id,
            b_id,
            "corroborates",
            0.7,
            {"corroborates": 0.7, "unrelated": 0.3},
            [],
            {},
            "m1",
            "2026-12-02T00:00:00.000+00:00",
        ),
        [0.1],
    )


def test_corpus_version_moves_with_every_corpus_write_and_not_on_reads(corpus: Corpus) -> None:
    store = corpus.store
    seen = [store.corpus_version()]
    store.documents()
    store.passage_counts()
    assert store.corpus_version() == seen[-1]
    writes = [
        lambda: align(corpus),
        lambda: store.replace_suggestions([_suggestion(corpus)]),
        lambda: store.write_suggestions([_suggestion(corpus)]),
        lambda: store.write_framing([StoredFraming(corpus.a[0].id, [], 0.0, False, "f/1")]),
        lambda: store.set_meta("some_key", "x"),
        lambda: store.update_document_meta("b", DocumentMeta(outlet="Renamed"), "/b.txt", ""),
        lambda: add_document(store, "c", ["Another source."], outlet="Paper"),
        lambda: store.delete_document("c"),
    ]
    for write in writes:
        write()
        seen.append(store.corpus_version())
    assert len(set(seen)) == len(seen), seen


def test_corpus_version_stays_when_only_tags_decisions_and_accounts_are_written(
    corpus: Corpus,
) -> None:
    align(corpus)
    store = corpus.store
    before = store.corpus_version()
    store.add_tag(corpus.pair(0, 0), "corroborates", "Ana")
    store.add_adjudication(corpus.pair(0, 0), "related", "Chief")
    store.add_user("ana", "analyst", "hash-1")
    store.set_user_role("ana", "adjudicator")
    store.add_session("token-hash", "ana", "2099-01-01T00:00:00+00:00")
    store.remove_session("token-hash")
    store.record_event("ana", "sign_in", "ana")
    assert store.corpus_version() == before


def test_a_corpus_write_inside_an_analysts_transaction_still_moves_it(corpus: Corpus) -> None:
    store = corpus.store
    before = store.corpus_version()
    with store.write(corpus=False):
        store.set_meta("some_key", "y")
    assert store.corpus_version() != before


def test_a_rolled_back_write_leaves_the_corpus_version_as_it_was(corpus: Corpus) -> None:
    store = corpus.store
    before = store.corpus_version()
    with pytest.raises(RuntimeError), store.write():
        store.set_meta("some_key", "z")
        raise RuntimeError("stop")
    assert store.corpus_version() == before
    assert store.get_meta("some_key") is None
