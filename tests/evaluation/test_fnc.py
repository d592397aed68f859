"""FNC-1 data, the official score, and training the relation model on FNC-format data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import FakeEmbedder
from fnc_sample import write_fnc

from workbench.errors import InvalidInput
from workbench.evaluation.fnc import (
    StanceData,
    evaluate_relation_model,
    fnc_score,
    load_fnc,
    short_bodies,
    split_by_body,
    split_by_topic,
    stance_scores,
    topic_components,
    train_relation_model,
)
from workbench.suggest.relation import RelationModel


def test_fnc_score_follows_the_official_formula() -> None:
    gold = ["agree", "disagree", "discuss", "unrelated", "agree"]
    predicted = ["agree", "discuss", "unrelated", "unrelated", "disagree"]
    # agree right: .25 + .5 + .25; disagree->discuss: related .25; discuss->unrelated: 0;
    # unrelated right: .25; agree->disagree: related .25
    score, best = fnc_score(gold, predicted)
    assert score == pytest.approx(1.0 + 0.25 + 0 + 0.25 + 0.25)
    assert best == pytest.approx(4 * 1.0 + 0.25)


def test_macro_f1_averages_the_four_classes() -> None:
    scores = stance_scores(
        ["agree", "unrelated", "discuss", "disagree"], ["agree", "unrelated", "discuss", "agree"]
    )
    assert scores.f1 == {
        "agree": pytest.approx(2 / 3),
        "disagree": 0.0,
        "discuss": 1.0,
        "unrelated": 1.0,
    }
    assert scores.macro_f1 == pytest.approx((2 / 3 + 0 + 1 + 1) / 4)
    assert scores.relative_score == pytest.approx(100 * 2.5 / 3.25)


def test_the_hold_out_keeps_every_body_on_one_side(tmp_path: Path) -> None:
    data = load_fnc(*write_fnc(tmp_path))
    train, test = split_by_body(data, 0.25, seed=1)
    assert set(train) | set(test) == set(range(len(data)))
    assert not {data.body_ids[i] for i in train} & {data.body_ids[i] for i in test}


def _topics_data() -> StanceData:
    """Four claims, each with two bodies about it, and unrelated pairs across claims."""
    headlines, ids, stances = [], [], []
    for claim in range(4):
        for version in range(2):
            headline = f"claim {claim} version {version}"
            for body in (2 * claim, 2 * claim + 1):
                headlines.append(headline)
                ids.append(str(body))
                stances.append("agree" if (body + version) % 2 else "discuss")
            for other in range(8):
                if other // 2 != claim:
                    headlines.append(headline)
                    ids.append(str(other))
                    stances.append("unrelated")
    return StanceData(headlines, ids, stances, {str(b): f"body {b}" for b in range(8)})


def test_topics_are_a_claims_headlines_and_the_bodies_related_to_them() -> None:
    data = _topics_data()
    rows, bodies = topic_components(data)
    assert len(set(rows)) == 4
    for i, (headline, body) in enumerate(zip(data.headlines, data.body_ids, strict=True)):
        same_claim = headline.split()[1] == str(int(body) // 2)
        assert (rows[i] == bodies[body]) == same_claim


def test_the_topic_hold_out_shows_only_new_claims_and_new_bodies() -> None:
    data = _topics_data()
    train, test = split_by_topic(data, 0.4, seed=3)
    assert not set(train.headlines) & set(test.headlines)
    assert not set(train.body_ids) & set(test.body_ids)
    # every held-out row is kept, its unrelated pairs redrawn among held-out bodies
    held = {h for h in data.headlines if h in set(test.headlines)}
    assert len(test) == sum(h in held for h in data.headlines)
    assert test.stances.count("unrelated") == sum(
        h in held and s == "unrelated" for h, s in zip(data.headlines, data.stances, strict=True)
    )
    for i, stance in enumerate(test.stances):
        claim = test.headlines[i].split()[1]
        assert (str(int(test.body_ids[i]) // 2) == claim) == (stance != "unrelated")
    # training keeps only pairs inside training topics
    assert all(str(int(b) // 2) not in {h.split()[1] for h in held} for b in train.body_ids)


def test_a_topic_hold_out_needs_topics_on_both_sides() -> None:
    with pytest.raises(InvalidInput, match="cannot hold out 99% of 4 topics"):
        split_by_topic(_topics_data(), 0.99)


def test_short_bodies_keeps_only_pairs_with_short_bodies() -> None:
    data = StanceData(
        ["a", "b", "c"],
        ["1", "2", "1"],
        ["agree", "discuss", "unrelated"],
        {"1": "One sentence here.", "2": "First one. Second one. Third one here."},
    )
    short = short_bodies(data, 2)
    assert short.headlines == ["a", "c"]
    assert set(short.bodies) == {"1"}
    with pytest.raises(InvalidInput, match="no pair has a body of at most 0 sentences"):
        short_bodies(data, 0)


def test_unknown_body_ids_and_stances_are_reported_with_the_line(tmp_path: Path) -> None:
    bodies, stances = write_fnc(tmp_path)
    stances.write_text("Headline,Body ID,Stance\nA headline,9999,agree\n")
    with pytest.raises(InvalidInput, match=r"stances.csv:2: Body ID '9999' is not in"):
        load_fnc(bodies, stances)
    stances.write_text("Headline,Body ID,Stance\nA headline,0,maybe\n")
    with pytest.raises(InvalidInput, match=r"stances.csv:2: unknown stance 'maybe'"):
        load_fnc(bodies, stances)
    stances.write_text("Title,Body\nx,0\n")
    with pytest.raises(InvalidInput, match="has no column Headline, Body ID"):
        load_fnc(bodies, stances)


def _encode(texts: list[str]) -> np.ndarray:
    return FakeEmbedder().encode(texts)


@pytest.mark.parametrize(
    "featurizer",
    [{}, {"claim_view": True, "interactions": False}],
    ids=["shipped-features", "claim-view"],
)
def test_the_relation_model_round_trips_without_pickle(
    tmp_path: Path, featurizer: dict[str, bool]
) -> None:
    data = load_fnc(*write_fnc(tmp_path / "fnc"))
    model, report = train_relation_model(
        data,
        _encode,
        folds=2,
        tree_params={"max_iter": 20},
        featurizer_params=featurizer,
        card={"embedding_model": FakeEmbedder.model_id},
    )
    assert report.pairs == len(data)
    path = tmp_path / "model.npz"
    model.save(path)
    assert path.with_suffix(".json").exists()
    with np.load(path, allow_pickle=False) as arrays:  # loads with pickling refused
        assert "card_json" in arrays
    loaded = RelationModel.load(path)
    a = ["A tiger escaped from the city zoo", "Apple will launch a streaming service"]
    b = [data.bodies["0"], data.bodies["5"]]
    before = model.suggest(a, b, _encode)
    after = loaded.suggest(a, b, _encode)
    assert [s.relation for s in before] == [s.relation for s in after]
    for x, y in zip(before, after, strict=True):
        assert x.probabilities == pytest.approx(y.probabilities)
    assert loaded.card["embedding_model"] == FakeEmbedder.model_id
    assert loaded.stance.featurizer.claim_view == model.stance.featurizer.claim_view
    assert loaded.stance.featurizer.interactions == model.stance.featurizer.interactions
    first = evaluate_relation_model(model, data, _encode)
    second = evaluate_relation_model(loaded, data, _encode)
    assert first.predicted == second.predicted
    assert first.product.relative_score > 60  # it learned something from its training data
