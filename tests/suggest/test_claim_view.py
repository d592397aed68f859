"""The claim-level view of the stance model: a claim against the body sentences closest to
it, compared for negation, denial, hedging and attribution, without any topic word."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import FakeEmbedder

from workbench.suggest.stance import (
    CLAIM_VIEW_NAMES,
    FEATURE_NAMES,
    StanceFeaturizer,
    claim_view,
    prepare,
    sentence_view,
)


def _view(claim: str, *top: str, second: float = 0.5) -> dict[str, float]:
    values = claim_view(sentence_view(claim), [sentence_view(t) for t in top], second)
    return dict(zip(CLAIM_VIEW_NAMES, values, strict=True))


def test_a_body_sentence_negating_the_claim_s_own_words_is_seen() -> None:
    denied = _view("Militants beheaded the hostage", "The hostage was not beheaded by militants.")
    stated = _view("Militants beheaded the hostage", "Militants beheaded the hostage on Friday.")
    assert denied["negated_claim_top1"] > 0.3
    assert denied["negation_flip"] == 1.0
    assert stated["negated_claim_top1"] == stated["negation_flip"] == 0.0


def test_a_negation_both_sides_share_is_no_flip() -> None:
    both = _view("The hostage was not beheaded", "Officials say the hostage was not beheaded.")
    assert both["claim_negates"] == 1.0
    assert both["negation_flip"] == 0.0


def test_denial_hedging_relaying_and_refuting_words_of_the_closest_sentences() -> None:
    found = _view(
        "Apple launches a streaming service",
        "Apple denied the report, calling it a hoax.",
        "The service may launch in April, according to Bloomberg.",
        second=0.42,
    )
    assert found["denies_top1"] == found["denies_top3"] == 1.0
    assert found["hedges_top1"] == 0.0 and found["hedges_top3"] == 1.0
    assert found["relays_top1"] == 0.0
    assert found["fnc_refute_top1"] == 1.0  # "hoax"; "denied" is not on the baseline's list
    assert found["emb_second"] == pytest.approx(0.42)


def test_the_claim_view_columns_follow_the_named_ones() -> None:
    claims = ["Apple launches a streaming service"]
    bodies = ["Apple denied the report. It called it a hoax. Nothing was launched."]
    encode = lambda texts: FakeEmbedder().encode(texts)  # noqa: E731
    texts = prepare(claims, bodies, encode)
    plain = StanceFeaturizer(interactions=False).fit(claims + bodies)
    viewed = StanceFeaturizer(interactions=False, claim_view=True)
    viewed.tfidf_ = plain.tfidf_
    index = np.array([0])
    a = plain.transform(texts, index, index)
    b = viewed.transform(texts, index, index)
    assert viewed.names(384) == [*FEATURE_NAMES, *CLAIM_VIEW_NAMES]
    assert b.shape == (1, len(FEATURE_NAMES) + len(CLAIM_VIEW_NAMES))
    assert np.array_equal(a, b[:, : len(FEATURE_NAMES)])
    assert b[0, len(FEATURE_NAMES) + CLAIM_VIEW_NAMES.index("denies_top3")] == 1.0


def test_the_batched_passage_path_gives_the_per_pair_claim_view() -> None:
    from workbench.suggest import framing
    from workbench.suggest.stance import body_sentences, passage_side, transform_sides

    texts = [
        "Militants beheaded the hostage on Friday. The video was posted online.",
        "The hostage was not beheaded, officials said. Reports of a video are a hoax. "
        "The family may speak on Monday, according to Reuters.",
    ]
    encode = lambda x: FakeEmbedder().encode(x)  # noqa: E731
    featurizer = StanceFeaturizer(interactions=False, claim_view=True).fit(texts)
    sentences = [s for t in texts for s in body_sentences(t)]
    counts = [len(body_sentences(t)) for t in texts]
    ptr = np.concatenate([[0], np.cumsum(counts)])
    side = passage_side(
        featurizer, texts, encode(sentences), ptr, [framing.analyse(t) for t in texts]
    )
    batched = transform_sides(featurizer, side, np.array([0, 1]), np.array([1, 1]))
    for row, claim in enumerate(sentences[:2]):
        single = featurizer.transform(prepare([claim], [texts[1]], encode), [0], [0])
        np.testing.assert_allclose(batched[row], single[0], rtol=1e-5, atol=1e-6)
    view = batched[0, len(FEATURE_NAMES) :]
    assert view[CLAIM_VIEW_NAMES.index("negated_claim_top3")] > 0
    assert view[CLAIM_VIEW_NAMES.index("fnc_refute_top3")] >= 1
