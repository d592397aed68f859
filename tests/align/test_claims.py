"""Claim-level and neighbourhood evidence of the pair scorer, on hand-made vectors."""

import json
from pathlib import Path

import numpy as np

from workbench.align.aligner import build_corpus, content_stems, pair_features
from workbench.align.claims import claim_features, sentence_hubness
from workbench.align.scorer import COLUMNS, PairScorer


def _unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def _named(features: np.ndarray) -> dict[str, float]:
    return dict(zip(COLUMNS, features.tolist(), strict=True))


def test_claim_csls_prefers_a_specific_claim_to_a_generic_sentence() -> None:
    # Query passage 0: a specific claim (axis 0) and a generic sentence (axis 1). Candidate 1
    # restates the claim less closely than candidate 2 echoes the generic sentence, but the
    # generic sentence is close to every other sentence (a hub), so its match counts less.
    rng = np.random.default_rng(0)
    generic = np.eye(8)[1]
    sentences = _unit(
        np.vstack(
            [
                np.eye(8)[0],  # 0: query's claim
                generic,  # 1: query's generic sentence
                np.eye(8)[0] + 0.6 * np.eye(8)[2],  # 2: candidate 1 restates the claim
                generic + 0.4 * np.eye(8)[3],  # 3: candidate 2 echoes the generic one
                *[generic + 0.5 * rng.normal(size=8) for _ in range(6)],  # 4-9: generic everywhere
            ]
        )
    )
    ptr = np.array([0, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    a = np.array([0] * 8)
    b = np.arange(1, 9)
    hub = sentence_hubness(sentences, ptr, a, b, fallback=np.zeros(9), k=3)
    best, claim, _ = claim_features(sentences, ptr, hub, a, b).T
    assert best[1] > best[0]  # by raw cosine the generic echo wins
    assert claim[0] > claim[1]  # corrected for hubness, the restated claim wins


def test_sentence_hubness_of_passages_never_queried_is_their_passage_hubness() -> None:
    sentences = _unit(np.eye(4)[[0, 1, 2, 3]] + 0.1)
    ptr = np.array([0, 2, 4])
    hub = sentence_hubness(
        sentences, ptr, np.array([0]), np.array([1]), fallback=np.array([0.3, 0.7]), k=1
    )
    np.testing.assert_allclose(hub[2:], 0.7)
    np.testing.assert_allclose(hub[:2], (sentences[:2] @ sentences[2:].T).max(axis=1), rtol=1e-6)


def test_claim_cover_is_lower_when_only_one_claim_of_a_paragraph_matches() -> None:
    e = np.eye(6)
    sentences = _unit(
        np.vstack([e[0], e[1], e[0] + 0.1 * e[5], e[1] + 0.1 * e[5], e[0] + 0.1 * e[5], e[4]])
    )
    # passage 0 says two things; passage 1 says both; passage 2 says one and something else
    ptr = np.array([0, 2, 4, 6])
    a, b = np.array([0, 0]), np.array([1, 2])
    hub = np.zeros(len(sentences), dtype=np.float32)
    best, _, cover = claim_features(sentences, ptr, hub, a, b).T
    assert best[0] > 0.99 and best[1] > 0.99
    assert cover[0] > 0.99 > 0.6 > cover[1]


def test_context_words_meet_across_word_forms_in_neighbouring_passages() -> None:
    assert content_stems("executed") == content_stems("execution") == ["execut"]
    a_texts = [
        "The council met.",
        "Guards executed a deserter.",
        "Weather was mild.",
        "Markets opened.",
        "Trains ran late.",
        "Schools closed.",
    ]
    b_texts = [
        "Ministers resigned.",
        "Prices rose.",
        "Farmers planted rice.",
        "Ships docked.",
        "The execution of a deserter was reported.",
        "Rain fell.",
    ]
    texts = a_texts + b_texts
    vectors = _unit(np.eye(16)[:12] + 0.01)
    ids = [f"p{i}" for i in range(12)]
    corpus = build_corpus(ids, ["a"] * 6 + ["b"] * 6, texts, vectors, [1] * 12, vectors)
    words = COLUMNS.index("context_words")
    shared = pair_features(corpus, np.array([1, 1]), np.array([10, 6]))[:, words]
    # only through the stems of "executed" and "execution" (and "deserter") do they meet
    assert shared[0] > 0 == shared[1]
    alone = build_corpus(ids, [f"d{i}" for i in range(12)], texts, vectors, [1] * 12, vectors)
    assert pair_features(alone, np.array([1]), np.array([6]))[0, words] == 0


def test_single_sentence_pairs_get_weights_of_their_own() -> None:
    # For single-sentence pairs only column "lexical" tells the label; for the others only
    # "claim_csls" does. One set of weights cannot rank both; the interaction can.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(2000, len(COLUMNS))).astype(np.float32)
    single = rng.random(2000) < 0.5
    X[:, COLUMNS.index("single")] = single
    signal = np.where(single, X[:, COLUMNS.index("lexical")], X[:, COLUMNS.index("claim_csls")])
    y = (signal > 0).astype(int)
    features = ("lexical", "claim_csls", "single")
    plain = PairScorer(features=features, interactions=()).fit(X, y)
    gated = PairScorer(features=features, interactions=("lexical", "claim_csls")).fit(X, y)
    assert np.mean(gated.predict(X) == y) > 0.95 > 0.85 > np.mean(plain.predict(X) == y)


def test_scorer_with_interactions_round_trips_and_old_files_still_load(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, len(COLUMNS)))
    X[:, COLUMNS.index("single")] = rng.random(300) < 0.5
    y = (X[:, 2] + X[:, 10] > 0).astype(int)
    scorer = PairScorer().fit(X, y)
    scorer.save(tmp_path / "s.json")
    loaded = PairScorer.load(tmp_path / "s.json")
    assert loaded.interactions == scorer.interactions and loaded.interactions
    assert (
        loaded.positive and (loaded.coef_[[n != "single" for n in loaded.design_names]] >= 0).all()
    )
    np.testing.assert_allclose(loaded.score_pairs(X), scorer.score_pairs(X))
    old = {
        "format": "workbench.pair-scorer/1",
        "features": ["csls", "lexical"],
        "C": 1.0,
        "mean": [0, 0],
        "scale": [1, 1],
        "coef": [1.0, 2.0],
        "intercept": 0.0,
    }
    (tmp_path / "old.json").write_text(json.dumps(old))
    first = PairScorer.load(tmp_path / "old.json")
    assert first.interactions == ()
    expected = X[:, COLUMNS.index("csls")] + 2 * X[:, COLUMNS.index("lexical")]
    np.testing.assert_allclose(first.decision_function(X), expected)


def test_positive_scorer_keeps_correlated_evidence_from_cancelling_out() -> None:
    # Two near-copies of one signal: unconstrained, logistic regression gives them weights
    # of opposite signs and so rewards their small difference; kept positive, it cannot.
    rng = np.random.default_rng(4)
    X = np.zeros((3000, len(COLUMNS)))
    signal = rng.normal(size=3000)
    difference = rng.normal(size=3000)
    X[:, COLUMNS.index("csls")] = signal + 0.05 * difference
    X[:, COLUMNS.index("claim_cover")] = signal - 0.05 * difference
    y = (signal + 0.2 * difference + 0.3 * rng.normal(size=3000) > 0).astype(int)
    features = ("csls", "claim_cover", "single")
    free = PairScorer(features=features, interactions=(), positive=False).fit(X, y)
    kept = PairScorer(features=features, interactions=(), positive=True).fit(X, y)
    assert min(free.coef_[:2]) < 0
    assert min(kept.coef_[:2]) >= 0
    more = X.copy()
    more[:, COLUMNS.index("claim_cover")] += 1.0
    assert (kept.decision_function(more) >= kept.decision_function(X)).all()
