"""The relation head: the writer's stance per passage, relayed claims that do not corroborate,
the head's training code on a small fixture and the shipped model file."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder
from fnc_sample import write_fnc

from workbench.config import Settings
from workbench.evaluation.fnc import featurize, load_fnc, train_relation_model
from workbench.suggest import writer
from workbench.suggest.relation import PAIR_FEATURES, RelationHead, RelationModel
from workbench.suggest.train_head import (
    KINDS,
    corroboration_scores,
    ecb_pairs,
    fit_head,
    fold_of,
    out_of_fold,
    report_and_save,
    topic_groups,
)
from workbench.views.evidence import reason_text

# -- the writer's stance, per passage ---------------------------------------------------------


def test_a_sentence_that_reports_what_a_named_source_said_relays_it() -> None:
    relayed = writer.passage_stance(
        "The harbour was closed for a week. According to the Red Cross, 40 families lost "
        "their homes."
    )
    assert [s.stance for s in relayed.sentences] == ["asserts", "relays"]
    assert relayed.sources == ["Red Cross"]
    says = writer.passage_stance("Oxfam says the drought has left 2 million people hungry.")
    assert says.sources == ["Oxfam"]
    appeal = writer.passage_stance(
        "Oxfam has called on donors to act: “the drought is the worst in 40 years.”"
    )
    assert appeal.sources == ["Oxfam"]


def test_a_writer_naming_itself_asserts_rather_than_relays() -> None:
    own = ("Harbour Watch", "Jane Q. Doe")  # (outlet, author)
    assert writer.names_writer("Harbour Watch", own)
    assert writer.names_writer("HW", own)  # by its initials
    assert writer.names_writer("Harbour Watch researcher Ali Khan", own)
    assert writer.names_writer("Doe", own)  # the author by their last name
    assert not writer.names_writer("Red Cross", own)
    assert not writer.names_writer("Watch", ("Harbour Watch", ""))
    assert not writer.names_writer("Harbour Watch", ("unknown", ""))
    assert not writer.names_writer("Doe", ("Doe Daily", ""))
    text = "The harbour was closed for a week, Harbour Watch said today."
    assert writer.passage_stance(text).sources == ["Harbour Watch"]
    itself = writer.passage_stance(text, own)
    assert itself.sources == [] and itself.sentences[0].stance == "asserts"
    other = writer.passage_stance("The harbour was closed, the Red Cross said.", own)
    assert other.sources == ["Red Cross"]


def test_routine_attribution_to_officials_is_not_relaying_a_named_source() -> None:
    found = writer.passage_stance("Three people died in the fire, officials said.")
    assert found.sentences[0].stance == "asserts"


def test_an_opening_adverb_or_the_listener_is_not_a_source() -> None:
    assert writer.attribution_source("Particularly noted was the rise in arrests.") is None
    assert writer.attribution_source("Several women told Amnesty International so.") is None
    assert writer.attribution_source("The Ministry described it as a success.") == "Ministry"


def test_pair_features_are_symmetric_and_see_negated_shared_words() -> None:
    a = writer.passage_stance("The minister resigned on Monday.")
    b = writer.passage_stance("The minister did not resign, according to Reuters.")
    ab, ba = writer.pair_features(a, b), writer.pair_features(b, a)
    assert np.allclose(ab, ba)
    named = dict(zip(writer.PAIR_FEATURES, ab, strict=True))
    assert named["writer_relays_max"] == 1.0 and named["writer_relays_min"] == 0.0
    assert named["negated_shared"] > 0


def test_the_relays_reason_names_the_source_from_either_side() -> None:
    reason = {"kind": "relays", "side": "b", "values": ["Human Rights Watch"], "weight": 0.0}
    assert reason_text(reason).startswith("b attributes this to Human Rights Watch")
    assert reason_text(reason, seen_from_a=False).startswith(
        "a attributes this to Human Rights Watch"
    )
    asserts = {"kind": "asserts", "side": "a", "values": [], "weight": 0.0}
    assert reason_text(asserts) == "a asserts this itself"


# -- the head: older heads, training on a small fixture ----------------------------------------


def test_a_head_fitted_on_fewer_features_reads_the_leading_columns() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, len(PAIR_FEATURES)))
    y = np.where(X[:, 0] > 0, "corroborates", "related")
    old = RelationHead().fit(X[:, :21], y)
    restored = RelationHead.from_dict({k: v for k, v in old.to_dict().items() if k != "columns"})
    assert np.array_equal(restored.predict(X), old.predict(X[:, :21]))
    assert restored.contributions(X[0], 0)[21:].tolist() == [0.0] * (len(PAIR_FEATURES) - 21)


def _sentence(doc: str, topic: int, sub: str, sent: int, text: str, events: list[str]) -> dict:
    split = "train" if topic < 3 else "dev"
    return {
        "doc": doc,
        "topic": topic,
        "subtopic": sub,
        "sent": sent,
        "text": text,
        "split": split,
        "event_instances": events,
    }


@pytest.fixture
def ecb_file(tmp_path: Path) -> Path:
    rows = [
        _sentence("1_1ecb", 1, "1_ecb", 0, "A quake hit Napa on Sunday.", ["E1"]),
        _sentence("1_1ecb", 1, "1_ecb", 1, "The mayor spoke on Monday.", ["E2"]),
        _sentence("1_2ecb", 1, "1_ecb", 0, "An earthquake struck Napa on Sunday.", ["E1"]),
        _sentence("1_2ecb", 1, "1_ecb", 2, "Schools closed on Tuesday.", ["E3"]),
        _sentence("1_3ecbplus", 1, "1_ecbplus", 0, "A quake shook Chile.", ["E9"]),
        _sentence("3_1ecb", 3, "3_ecb", 0, "A fire broke out in Leeds.", ["F1"]),
        _sentence("3_2ecb", 3, "3_ecb", 0, "Fire in Leeds, police say.", ["F1"]),
    ]
    path = tmp_path / "sentences.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_ecb_pairs_are_read_across_documents_of_one_topic_by_kind(ecb_file: Path) -> None:
    pairs = ecb_pairs(ecb_file, "train")
    kinds = {(p.a, p.b): p.kind for p in pairs}
    assert kinds[("A quake hit Napa on Sunday.", "An earthquake struck Napa on Sunday.")] == (
        "same_event"
    )
    assert kinds[("A quake hit Napa on Sunday.", "Schools closed on Tuesday.")] == "same_story"
    assert kinds[("A quake hit Napa on Sunday.", "A quake shook Chile.")] == "other_event"
    assert not [p for p in pairs if p.a == "A quake hit Napa on Sunday." and p.b.startswith("The")]
    assert {p.topic for p in ecb_pairs(ecb_file, "dev")} == {3}
    assert len(ecb_pairs(ecb_file, "train", per_kind=1)) == len(KINDS)


def test_fnc_topics_join_headlines_through_the_bodies_they_discuss() -> None:
    groups = topic_groups(
        ["h1", "h2", "h3", "h1"], [1, 1, 2, 2], ["agree", "discuss", "agree", "unrelated"]
    )
    assert groups[0] == groups[1] == groups[3] != groups[2]
    folds = fold_of(np.array([0, 0, 1, 1, 2]), 2)
    assert folds[0] == folds[1] and folds[2] == folds[3]


def test_corroboration_is_scored_against_same_event_pairs() -> None:
    scores = corroboration_scores(
        ["same_event", "same_event", "other_event"], ["corroborates", "related", "corroborates"]
    )
    assert scores["precision"] == 0.5 and scores["recall"] == 0.5


def test_the_training_run_saves_a_head_that_loads_without_pickle(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    relations = ["corroborates", "contradicts", "related", "unrelated"]
    gold = {"corroborates": "agree", "contradicts": "disagree", "related": "discuss"}
    y = np.array([relations[i % 4] for i in range(120)])
    X = rng.normal(size=(120, len(PAIR_FEATURES)))
    X[:, 0] += np.array([relations.index(r) for r in y]) * 2.0
    fnc = {
        "X": X,
        "y": y,
        "gold": np.array([gold.get(r, "unrelated") for r in y]),
        "body": np.arange(120) // 3,
        "topic": np.arange(120) // 10,
    }
    kinds = np.array([KINDS[i % 3] for i in range(30)])
    relation_of = {"same_event": "corroborates", "same_story": "related"}
    ecb = {
        "X": rng.normal(size=(30, len(PAIR_FEATURES))),
        "y": np.array([relation_of.get(k, "unrelated") for k in kinds]),
        "kind": kinds,
        "topic": np.zeros(30, dtype=int),
        "relays": np.zeros(30, dtype=bool),
    }
    args = argparse.Namespace(ecb_weight=1.0, C=1.0, seed=0, per_kind=10, out=tmp_path / "head.npz")
    shipped = RelationModel.load()
    assert report_and_save(args, shipped, fnc, fnc, ecb, ecb, time.perf_counter()) == 0
    with open(tmp_path / "head.npz", "rb") as f:
        arrays = dict(np.load(f, allow_pickle=False))
    assert int(arrays["head_columns"].size) == len(PAIR_FEATURES)
    model = RelationModel.load(tmp_path / "head.npz")
    assert set(model.card["held_out"]) == {"body_ids", "unseen_topics", "ecb_dev"}
    assert np.mean(model.head.predict(X) == y) > 0.5
    assert fit_head(X, y).classes_.tolist() == sorted(relations)


def test_the_stance_bags_out_of_fold_probabilities_are_recovered_from_its_members(
    tmp_path: Path,
) -> None:
    data = load_fnc(*write_fnc(tmp_path))
    encode = lambda texts: FakeEmbedder().encode(texts)  # noqa: E731
    model, _ = train_relation_model(data, encode, folds=2, tree_params={"max_iter": 10})
    prepared = featurize(data, model.stance.featurizer, encode)
    recovered = out_of_fold(model, prepared.X, data.body_ids)
    assert np.allclose(recovered, model.stance.oof_)
    assert not np.allclose(recovered, model.stance.predict_proba(prepared.X))


def test_the_shipped_model_loads_without_pickle_and_its_head_reads_its_own_features() -> None:
    path = Path(__file__).parents[2] / "workbench" / "data" / "relation-model.npz"
    with open(path, "rb") as f:
        arrays = dict(np.load(f, allow_pickle=False))
    made_for = tuple(json.loads(str(arrays["config_json"]))["pair_features"])
    assert made_for == PAIR_FEATURES[: len(made_for)]
    model = RelationModel.load()
    assert model.head.columns_.tolist() == list(range(len(made_for)))
    row = np.zeros((1, len(PAIR_FEATURES)))
    assert model.head.predict_proba(row).shape == (1, len(model.head.classes_))


# -- with the shipped model and the real embedder ----------------------------------------------


@pytest.fixture(scope="module")
def suggest(tmp_path_factory: pytest.TempPathFactory):
    from workbench.embed.embedder import embed_texts, load_embedder, open_cache

    settings = Settings.load(embeddings_dir=tmp_path_factory.mktemp("emb"), progress=False)
    embedder = load_embedder(settings)
    cache = open_cache(settings, embedder)
    model = RelationModel.load()

    def run(a: str, b: str):
        return model.suggest([a], [b], lambda t: embed_texts(t, embedder, cache).vectors)[0]

    return run


QUAKE = (
    "A magnitude 6.1 earthquake struck the port city of Valdera on Sunday, killing 14 people "
    "and destroying 300 homes."
)


@pytest.mark.model
def test_two_sources_asserting_the_same_specific_fact_corroborate(suggest) -> None:
    found = suggest(
        QUAKE,
        "Fourteen people were killed and 300 homes destroyed when a 6.1-magnitude quake hit "
        "Valdera on Sunday.",
    )
    assert found.relation == "corroborates", found.probabilities
    assert not [r for r in found.reasons if r["kind"] == "relays"]


@pytest.mark.model
def test_a_relayed_claim_does_not_corroborate_and_names_its_source(suggest) -> None:
    found = suggest(
        QUAKE,
        "Fourteen people were killed and 300 homes destroyed when a 6.1-magnitude quake hit "
        "Valdera on Sunday, the Red Cross said.",
    )  # without the rule the shipped head says corroborates (0.57)
    assert found.relation != "corroborates", found.probabilities
    assert found.probabilities["corroborates"] == 0.0
    relays = [r for r in found.reasons if r["kind"] == "relays"]
    assert relays == [
        {"kind": "relays", "side": "b", "values": ["Red Cross"], "weight": 0.0, "ranked": False}
    ]
    assert reason_text(relays[0]).startswith("b attributes this to Red Cross")
    assert {"kind": "asserts", "side": "a"} in [
        {"kind": r["kind"], "side": r["side"]} for r in found.reasons
    ]
