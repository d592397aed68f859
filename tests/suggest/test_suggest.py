"""The suggestion stage, reading what it stored, learning from tags and ranking pairs.

Unit tests use a tiny relation model trained on a small FNC-format sample with the fake
embedder; the end-to-end tests at the bottom use the shipped model and the real embedder
on the bundled corpus.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, FakeEmbedder
from fnc_sample import write_fnc

from workbench.config import Settings
from workbench.errors import NothingToDo
from workbench.evaluation.fnc import load_fnc, train_relation_model
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import realign, run
from workbench.store import Store
from workbench.suggest.ranking import rank_for_tagging
from workbench.suggest.relation import RELATIONS, RelationModel
from workbench.suggest.stage import HEAD_META_KEY, suggest_store
from workbench.suggest.training import forget_training, train_from_tags
from workbench.views.evidence import framing_for, reason_text
from workbench.views.evidence import stored_suggestions as suggestions_for
from workbench.views.records import cues_record, suggestion_record


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> RelationModel:
    data = load_fnc(*write_fnc(tmp_path_factory.mktemp("fnc")))
    model, _ = train_relation_model(
        data,
        lambda texts: FakeEmbedder().encode(texts),
        folds=2,
        tree_params={"max_iter": 20},
        card={"embedding_model": FakeEmbedder.model_id},
    )
    return model


@pytest.fixture
def store(settings: Settings, fake_embedder: FakeEmbedder, tiny_model: RelationModel):
    with Store(settings.db) as opened:
        ingest_paths(opened, [CORPUS], settings=settings)
        run(opened, settings, through="align", embedder=fake_embedder)
        suggest_store(opened, settings, embedder=fake_embedder, model=tiny_model)
        yield opened


def _documents(store: Store) -> dict[str, str]:
    return {d.id: d.text for d in store.documents()}


def _suggested_records(store: Store):
    """Each aligned row that has a suggestion, with the suggestion's record as exported."""
    found = suggestions_for(store)
    for row in store.aligned_pairs():
        if row["pair_id"] in found:
            yield (
                row,
                suggestion_record(
                    found[row["pair_id"]], row["a_id"], row["a_start"], row["b_start"]
                ),
            )


def test_every_visible_pair_gets_a_suggestion_and_no_other_pair(
    store: Store, settings: Settings
) -> None:
    rows = store.aligned_pairs()
    visible = {
        r["pair_id"]
        for r in rows
        if (r["rank"] == 1 and r["score"] >= settings.threshold) or r["mutual"]
    }
    found = suggestions_for(store)
    assert visible and len(visible) < len({r["pair_id"] for r in rows})
    assert set(found) == visible
    for s in found.values():
        assert s.relation in RELATIONS
        assert 0 < s.confidence <= 1
        assert s.confidence == max(s.probabilities.values())
        assert sum(s.probabilities.values()) == pytest.approx(1, abs=1e-3)


def test_specifics_offsets_index_the_documents_from_either_side(store: Store) -> None:
    docs = _documents(store)
    checked = 0
    for row, record in _suggested_records(store):
        spec = record["specifics"]
        for entry in spec["shared"] + spec["conflicting"]:
            for side, doc in (("a", row["a_doc"]), ("b", row["b_doc"])):
                item = entry[side]
                assert docs[doc][item["start"] : item["end"]] == item["text"]
                checked += 1
        for item in spec["a_only"]:
            assert docs[row["a_doc"]][item["start"] : item["end"]] == item["text"]
        for item in spec["b_only"]:
            assert docs[row["b_doc"]][item["start"] : item["end"]] == item["text"]
    assert checked > 50


def test_reasons_are_stored_as_facts_and_read_in_words_from_either_side(store: Store) -> None:
    found = suggestions_for(store)
    kinds = set()
    for s in found.values():
        for reason in s.reasons:
            assert set(reason) == {"kind", "side", "values", "weight", "ranked"}
            assert reason["side"] in {"a", "b", "both", None}
            kinds.add(reason["kind"])
            from_a, from_b = reason_text(reason, True), reason_text(reason, False)
            assert from_a and from_b
            if reason["kind"] not in {
                "framing",
                "conflict",
                "writer",
                "relays",
                "asserts",
                "claim_pair",
            }:
                assert from_a == from_b  # the rest name no side
            elif reason["side"] in {"a", "b"}:
                assert from_a.startswith(reason["side"]) and from_b.startswith(
                    {"a": "b", "b": "a"}[reason["side"]]
                )
    assert {"stance", "shared_names"} <= kinds
    raw = store.conn.execute("SELECT reasons FROM suggestions").fetchall()
    assert not any('"text": "stance model' in row[0] for row in raw)  # no sentences stored


def test_every_suggestion_names_the_sentence_pair_it_rests_on_by_document_offsets(
    store: Store,
) -> None:
    from workbench.ingest.segment import split_sentences

    docs = _documents(store)
    checked = 0
    for row, record in _suggested_records(store):
        claim = [r for r in record["reasons"] if r["kind"] == "claim_pair"]
        assert len(claim) == 1, record["reasons"]
        for side in ("a", "b"):
            start, end = claim[0][side]
            text, offset = row[f"{side}_text"], row[f"{side}_start"]
            sentences = {text[s:e] for s, e in split_sentences(text)} or {text}
            assert docs[row[f"{side}_doc"]][start:end] in sentences
            assert offset <= start < end <= offset + len(text)
        checked += 1
    assert checked > 20


def test_stored_framing_is_read_back_with_document_offsets(store: Store) -> None:
    passages = store.passages()
    framings = framing_for(store, passages)
    stored = store.conn.execute("SELECT count(*) FROM passage_framing").fetchone()[0]
    assert stored == len(passages)
    docs = _documents(store)
    flagged = 0
    for p in passages:
        record = cues_record(framings[p.id], p.start)
        for cue in record["cues"]:
            assert docs[p.doc_id][cue["start"] : cue["end"]] == cue["text"]
        flagged += record["disputes_framing"]
    assert flagged >= 5


def test_untagged_pairs_are_ranked_by_uncertainty(store: Store) -> None:
    ranked = rank_for_tagging(store, limit=None)
    assert len(ranked) == len(suggestions_for(store))
    values = [r.uncertainty for r in ranked]
    assert values == sorted(values, reverse=True)
    assert all(0 <= v <= 1 for v in values)
    store.add_tag(ranked[0].pair_id, "related", "Ana")
    assert ranked[0].pair_id not in {r.pair_id for r in rank_for_tagging(store, limit=None)}
    assert len(rank_for_tagging(store, limit=3)) == 3


def test_training_needs_enough_tags(store: Store, settings: Settings) -> None:
    pair = store.aligned_pairs()[0]["pair_id"]
    store.add_tag(pair, "related", "Ana")
    with pytest.raises(NothingToDo) as err:
        train_from_tags(store, settings)
    assert str(err.value).startswith(
        "training needs at least 5 tagged pairs with two different labels; there are 1 "
        "with 1 label(s)."
    )


def test_training_from_tags_learns_them_and_can_be_forgotten(
    store: Store,
    settings: Settings,
    fake_embedder: FakeEmbedder,
    tiny_model: RelationModel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(RelationModel, "load", classmethod(lambda cls, path=None: tiny_model))
    rows = store.aligned_pairs(max_rank=1)
    # Tag the most and least similar pairs (raw cosine, which the relation head sees),
    # so the two labels are learnable from the head's own evidence.
    ranked = sorted(
        {r["pair_id"]: r["features"]["cosine"] for r in rows}.items(), key=lambda kv: -kv[1]
    )
    strong = [p for p, _ in ranked[:8]]
    weak = [p for p, _ in ranked[-8:]]
    for pair in strong:
        store.add_tag(pair, "corroborates", "Ana")
    for pair in weak:
        store.add_tag(pair, "unrelated", "Ben")
    suggest_store(store, settings, embedder=fake_embedder, model=tiny_model)
    before = suggestions_for(store)
    stats = train_from_tags(store, settings)
    assert stats.tags == 16
    assert stats.label_counts == {"corroborates": 8, "unrelated": 8}
    assert stats.training_accuracy >= 0.75
    assert store.get_meta(HEAD_META_KEY) is not None
    assert suggestions_for(store) == before  # training does not run the stage itself
    suggest_store(store, settings, embedder=fake_embedder)
    found = suggestions_for(store)
    assert all(s.model.endswith("+tags") for s in found.values())
    learned = [found[p].relation for p in strong] + [found[p].relation for p in weak]
    # a pair where one side relays a named source is never suggested as corroborating,
    # whoever trained the head: its tag's corroboration goes to related
    relayed = {p for p in strong if any(r["kind"] == "relays" for r in found[p].reasons)}
    assert not [p for p in relayed if found[p].relation == "corroborates"]
    expected = ["related" if p in relayed else "corroborates" for p in strong] + ["unrelated"] * 8
    assert np.mean([a == b for a, b in zip(learned, expected, strict=True)]) >= 0.75
    assert forget_training(store) is True
    assert store.get_meta(HEAD_META_KEY) is None
    assert forget_training(store) is False


def test_a_model_for_another_embedder_is_skipped_with_advice(
    tmp_path: Path, settings: Settings, fake_embedder: FakeEmbedder
) -> None:
    model = RelationModel.load()
    with Store(settings.db) as opened:
        ingest_paths(opened, [CORPUS], settings=settings)
        stats = realign(opened, settings, embedder=fake_embedder)
        assert stats.suggested.skipped.startswith(
            f"the relation model {model.model_id} reads sentence-transformers/all-MiniLM-L6-v2"
            " vectors, the embedder is fake/hashing-64"
        )
        assert suggestions_for(opened) == {}
        assert opened.conn.execute("SELECT count(*) FROM passage_framing").fetchone()[0] > 0


# -- end to end with the shipped model and the real embedder ------------------------------


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("real")
    settings = Settings.load(db=home / "wb.db", embeddings_dir=home / "emb", progress=False)
    with Store(settings.db) as opened:
        ingest_paths(opened, [CORPUS], settings=settings)
        stats = realign(opened, settings)
        yield opened, stats


def _pair(store: Store, a_words: str, b_words: str) -> dict:
    found = suggestions_for(store)
    for row in store.aligned_pairs():
        if a_words in row["a_text"] and b_words in row["b_text"] and row["pair_id"] in found:
            return {
                "row": row,
                **suggestion_record(
                    found[row["pair_id"]], row["a_id"], row["a_start"], row["b_start"]
                ),
            }
    raise AssertionError(f"no aligned pair {a_words!r} / {b_words!r}")


@pytest.mark.model
def test_the_shipped_model_suggests_for_every_visible_pair_of_the_corpus(real) -> None:
    store, stats = real
    assert not stats.suggested.skipped
    assert stats.suggested.pairs == len(store.visible_pairs(0.5))
    assert stats.suggested.candidates == len({r["pair_id"] for r in store.aligned_pairs()})
    relations = stats.suggested.relations
    assert set(relations) <= set(RELATIONS)
    assert relations.get("disputes_framing", 0) > 0
    assert relations.get("corroborates", 0) > 0


@pytest.mark.model
def test_the_195_north_koreans_corroborate_with_the_figure_among_the_reasons(real) -> None:
    store, _ = real
    pair = _pair(store, "only 195 did so", "only 195 North Koreans")
    assert pair["relation"] == "corroborates", pair["probabilities"]
    assert any(r["kind"] == "shared" and "195" in r["text"] for r in pair["reasons"])
    assert any(e["value"] == "195" for e in pair["specifics"]["shared"])


@pytest.mark.model
def test_the_195_pair_rests_on_the_two_sentences_giving_the_figure(real) -> None:
    store, _ = real
    pair = _pair(store, "only 195 did so", "only 195 North Koreans")
    docs = _documents(store)
    claim = next(r for r in pair["reasons"] if r["kind"] == "claim_pair")
    a_sentence = docs[pair["row"]["a_doc"]][slice(*claim["a"])]
    b_sentence = docs[pair["row"]["b_doc"]][slice(*claim["b"])]
    assert "195" in a_sentence and "195" in b_sentence, (a_sentence, b_sentence)
    assert "in both: 195" in claim["text"]


@pytest.mark.model
def test_the_border_zone_distances_conflict(real) -> None:
    store, _ = real
    pair = _pair(store, "one to two kilometers", "within 1km")
    conflicts = [(e["a"]["text"], e["b"]["text"]) for e in pair["specifics"]["conflicting"]]
    assert ("one to two kilometers", "1km") in conflicts
    assert any(r["kind"] == "conflict" and "1-2 km vs 1 km" in r["text"] for r in pair["reasons"])


@pytest.mark.model
def test_pairs_with_a_disputing_outlet_passage_are_suggested_as_disputing_framing(real) -> None:
    store, _ = real
    found = suggestions_for(store)
    framings = framing_for(store, store.passages())
    disputing = [
        s
        for s in found.values()
        if framings[s.a_id].disputes_framing or framings[s.b_id].disputes_framing
    ]
    assert disputing
    share = np.mean([s.relation == "disputes_framing" for s in disputing])
    assert share >= 0.5
    calm = [
        s
        for s in found.values()
        if not framings[s.a_id].disputes_framing and not framings[s.b_id].disputes_framing
    ]
    assert not [s for s in calm if s.relation == "disputes_framing"]


def test_suggestions_and_cues_go_with_a_deleted_document(store: Store) -> None:
    doc = store.documents()[0].id
    mine = {p.id for p in store.passages(doc)}
    store.delete_document(doc)
    left = suggestions_for(store)
    assert left
    assert not [s for s in left.values() if s.a_id in mine or s.b_id in mine]
    rows = store.conn.execute("SELECT passage_id FROM passage_framing").fetchall()
    assert not {r[0] for r in rows} & mine


def test_a_pair_without_a_stored_suggestion_reads_as_empty() -> None:
    record = suggestion_record(None, "p1", 0, 0)
    assert record["relation"] is None and record["confidence"] is None
    assert record["reasons"] == []
    assert record["specifics"] == {"shared": [], "conflicting": [], "a_only": [], "b_only": []}


@pytest.mark.model
def test_the_stage_stores_rule_and_model_cues_and_only_the_outlet_disputes(real) -> None:
    store, _ = real
    outlets = {d.id: d.meta.outlet for d in store.documents()}
    passages = store.passages()
    framings = framing_for(store, passages)
    records = [cues_record(framings[p.id], p.start) for p in passages]
    cues = [c for r in records for c in r["cues"]]
    assert {c["source"] for c in cues} == {"rule", "model"}
    assert all({"technique", "confidence", "source"} <= set(c) for c in cues)
    texts = _documents(store)
    for p, r in zip(passages, records, strict=True):
        for c in r["cues"]:
            assert texts[p.doc_id][c["start"] : c["end"]] == c["text"]
    pairs = zip(passages, records, strict=True)
    disputing = {outlets[p.doc_id] for p, r in pairs if r["disputes_framing"]}
    assert disputing == {"New Eastern Outlook"}
