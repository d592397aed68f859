"""The store's reads and writes of suggestions and framing cues (``SuggestionQueries``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.ingest.segment import segment
from workbench.models import Alignment, Document, DocumentMeta, pair_id
from workbench.store import MIGRATIONS, Store
from workbench.store.suggestions import (
    CHUNK,
    StoredFraming,
    StoredSuggestion,
    SuggestionRow,
)

TEXTS = {
    "a": "The border closed in 2020.\n\nGuards fired at people.\n",
    "b": "Borders were shut in 2020.\n",
    "c": "Flooding hit in August.\n",
}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "db.sqlite") as opened:
        for doc_id, text in TEXTS.items():
            seg = segment(doc_id, text)
            doc = Document(doc_id, f"/x/{doc_id}.txt", "text", "h-" + doc_id, text, DocumentMeta())
            opened.replace_document(doc, seg.passages, seg.sentences)
        yield opened


def _ids(store: Store) -> dict[str, list[str]]:
    return {doc: [p.id for p in store.passages(doc)] for doc in TEXTS}


def _align(store: Store) -> list[str]:
    ids = _ids(store)
    a1, a2, b1, c1 = ids["a"][0], ids["a"][1], ids["b"][0], ids["c"][0]
    rows = [
        Alignment(pair_id(a1, b1), a1, b1, "b", 1, 0.9, True),
        Alignment(pair_id(a1, b1), b1, a1, "a", 1, 0.9, True),
        Alignment(pair_id(a2, c1), a2, c1, "c", 1, 0.4, False),
    ]
    store.replace_alignments(rows, [], "key")
    return [pair_id(a1, b1), pair_id(a2, c1)]


def _row(
    pid: str, a_id: str, b_id: str, relation: str = "related", model: str = "m1"
) -> SuggestionRow:
    a_id, b_id = sorted((a_id, b_id))
    suggestion = StoredSuggestion(
        pair_id=pid,
        a_id=a_id,
        b_id=b_id,
        relation=relation,
        confidence=0.6,
        probabilities={relation: 0.6, "unrelated": 0.4},
        reasons=[
            {
                "kind": "shared_names",
                "side": "both",
                "values": {"names": ["Genève"]},
                "weight": 0.2,
                "ranked": False,
            }
        ],
        specifics={"shared": [], "conflicting": [], "a_only": [], "b_only": []},
        model=model,
        computed_at="2026-12-01T00:00:00.000+00:00",
    )
    return SuggestionRow(suggestion, [0.1, 0.25, 1.0])


def _suggested(store: Store) -> tuple[list[str], list[SuggestionRow]]:
    pairs = _align(store)
    ids = _ids(store)
    rows = [
        _row(pairs[0], ids["a"][0], ids["b"][0], "corroborates", "m1"),
        _row(pairs[1], ids["a"][1], ids["c"][0], "contradicts", "m2"),
    ]
    store.replace_suggestions(rows)
    return pairs, rows


def test_suggestions_are_read_back_as_written(store: Store) -> None:
    assert not store.has_suggestions()
    assert store.suggestions() == {}
    pairs, rows = _suggested(store)
    assert store.has_suggestions()
    assert store.suggestions() == {r.suggestion.pair_id: r.suggestion for r in rows}
    assert store.suggestions([pairs[1], "prnone"]) == {pairs[1]: rows[1].suggestion}
    assert store.suggestions([]) == {}
    assert store.suggestion_models() == ["m1", "m2"]
    assert store.suggestion_features() == {p: [0.1, 0.25, 1.0] for p in pairs}


def test_replacing_suggestions_swaps_them_all(store: Store) -> None:
    pairs, rows = _suggested(store)
    store.replace_suggestions(rows[:1])
    assert list(store.suggestions()) == [pairs[0]]
    store.replace_suggestions([])
    assert not store.has_suggestions()


def test_relations_and_probabilities_of_many_pairs_are_read_in_chunks(store: Store) -> None:
    pairs, _ = _suggested(store)
    asked = [f"pr{i:05d}" for i in range(CHUNK * 2)] + pairs
    assert store.suggested_relations(asked) == {pairs[0]: "corroborates", pairs[1]: "contradicts"}
    assert store.suggested_relations() == store.suggested_relations(pairs)
    assert store.suggestion_probabilities(asked)[pairs[1]] == {"contradicts": 0.6, "unrelated": 0.4}
    assert set(store.suggestions(asked)) == set(pairs)


def test_suggestions_go_with_a_deleted_passage(store: Store) -> None:
    pairs, _ = _suggested(store)
    store.delete_document("c")
    assert list(store.suggestions()) == [pairs[0]]


def test_framing_is_read_back_for_the_current_rules_only(store: Store) -> None:
    ids = [p.id for p in store.passages()]
    cues = [{"kind": "hedge", "start": 0, "end": 9, "text": "allegedly", "weight": 0.4}]
    store.replace_framing(
        [
            StoredFraming(ids[0], cues, 1.2, True, "framing/1"),
            StoredFraming(ids[1], [], 0.0, False, "framing/1"),
            StoredFraming(ids[2], [], 0.0, False, "framing/0"),
        ]
    )
    found = store.stored_framing([*ids, "pnone"], "framing/1")
    assert set(found) == {ids[0], ids[1]}
    assert found[ids[0]] == StoredFraming(ids[0], cues, 1.2, True, "framing/1")
    assert store.framing_verdicts(ids, "framing/1") == {ids[0]: True, ids[1]: False}
    assert store.framing_verdicts(ids, "framing/0") == {ids[2]: False}
    store.replace_framing([StoredFraming(ids[3], [], 0.0, False, "framing/1")])
    assert set(store.stored_framing(ids, "framing/1")) == {ids[3]}


def test_pairs_to_suggest_lists_every_aligned_direction(store: Store) -> None:
    assert store.pairs_to_suggest() == []
    pairs = _align(store)
    found = store.pairs_to_suggest()
    assert len(found) == 3
    assert [pid for pid, _, _ in found].count(pairs[0]) == 2


def test_tagged_pairs_and_deleting_a_meta_key(store: Store) -> None:
    pairs = _align(store)
    assert store.tagged_pair_ids() == set()
    store.add_tag(pairs[1], "related", "Ana")
    store.add_tag(pairs[1], "unrelated", "Ben")
    assert store.tagged_pair_ids() == {pairs[1]}
    store.set_meta("relation_head", "{}")
    assert store.delete_meta("relation_head") is True
    assert store.get_meta("relation_head") is None
    assert store.delete_meta("relation_head") is False


def test_suggestions_with_reasons_in_sentences_are_dropped_on_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    for migration in MIGRATIONS[:3]:
        migration(conn)
    conn.execute("PRAGMA user_version = 3")
    conn.execute("INSERT INTO meta (key, value) VALUES ('aligned_corpus', 'k'), ('x', 'y')")
    conn.execute(
        "INSERT INTO suggestions (pair_id, a_id, b_id, relation, confidence, reasons, model,"
        " computed_at) VALUES ('pr1', 'p1', 'p2', 'related', 0.5,"
        ' \'[{"kind": "shared_names", "text": "both name: X", "weight": 0.1}]\', \'m\', \'t\')'
    )
    conn.close()
    with Store(path) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert not store.has_suggestions()
        assert store.get_meta("aligned_corpus") is None  # the alignment reads as stale
        assert store.get_meta("x") == "y"


# -- the stage's batch writes and what it reads to resume ------------------------------


def test_write_suggestions_adds_and_replaces_only_the_batch_pairs(store: Store) -> None:
    (p1, p2), ids = _align(store), _ids(store)
    store.write_suggestions([_row(p1, ids["a"][0], ids["b"][0])])
    store.write_suggestions([_row(p2, ids["a"][1], ids["c"][0], relation="unrelated")])
    store.write_suggestions([_row(p1, ids["a"][0], ids["b"][0], relation="corroborates")])
    assert store.suggested_relations() == {p1: "corroborates", p2: "unrelated"}


def test_suggested_pair_ids_by_model_and_delete_suggestions(store: Store) -> None:
    (p1, p2), ids = _align(store), _ids(store)
    store.write_suggestions(
        [_row(p1, ids["a"][0], ids["b"][0]), _row(p2, ids["a"][1], ids["c"][0], model="m2")]
    )
    assert store.suggested_pair_ids() == {p1, p2}
    assert store.suggested_pair_ids("m2") == {p2}
    assert store.delete_suggestions([p2, "pr-unknown"]) == 1
    assert store.suggested_pair_ids() == {p1}


def test_visible_pairs_are_best_above_threshold_mutual_or_tagged(store: Store) -> None:
    (p1, p2), ids = _align(store), _ids(store)
    a1, b1 = sorted((ids["a"][0], ids["b"][0]))
    assert store.visible_pairs(0.5) == [(p1, a1, b1)]
    assert {pid for pid, _, _ in store.visible_pairs(0.3)} == {p1, p2}
    store.add_tag(p2, "unrelated", "Ana")
    assert {pid for pid, _, _ in store.visible_pairs(0.95)} == {p1, p2}
    assert store.pair_count() == 2


def test_write_framing_replaces_only_the_given_passages(store: Store) -> None:
    ids = _ids(store)
    first = StoredFraming(ids["a"][0], [], 0.0, False, "framing/1")
    other = StoredFraming(ids["b"][0], [], 0.5, True, "framing/0")
    store.write_framing([first, other])
    store.write_framing([StoredFraming(ids["a"][0], [], 0.7, True, "framing/1")])
    assert store.framed_passage_ids("framing/1") == {ids["a"][0]}
    assert store.framed_passage_ids("framing/0") == {ids["b"][0]}
    assert store.framing_verdicts([ids["a"][0]], "framing/1") == {ids["a"][0]: True}
