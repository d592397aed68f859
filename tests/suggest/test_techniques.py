"""The technique detector: its text features match scikit-learn's, it learns and saves as plain
arrays, it finds spans with offsets, and the shipped model flags loaded sentences written
here with the real bundled embedder."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import ModelError
from workbench.suggest import techniques as tq
from workbench.suggest.techniques import (
    HEADS,
    NgramTfidf,
    TechniqueDetector,
    TechniqueModel,
    TrainingDocument,
    Vocabulary,
    best_threshold,
    word_terms,
)

TEXTS = [
    "The so-called experts LIED again!",
    "Officials said the bridge will reopen in May.",
    "What a disgraceful, shameful betrayal of the people.",
    "The report was published on Monday.",
    "Officials said the report was shameful.",
]


def test_word_tfidf_equals_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    ours = NgramTfidf("word", min_df=2).fit(TEXTS)
    theirs = TfidfVectorizer(analyzer=word_terms, min_df=2, sublinear_tf=True).fit(TEXTS)
    assert ours.vocabulary_.terms == theirs.get_feature_names_out().tolist()
    np.testing.assert_allclose(
        ours.transform(TEXTS).toarray(), theirs.transform(TEXTS).toarray(), atol=1e-6
    )


def test_char_tfidf_equals_scikit_learns_char_wb() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [*TEXTS, "A   “quoted” word!!  and a b c"]
    ours = NgramTfidf("char", min_df=1).fit(texts)
    theirs = TfidfVectorizer(
        analyzer="char_wb", ngram_range=tq.CHAR_NGRAMS, min_df=1, sublinear_tf=True
    ).fit(texts)
    assert ours.vocabulary_.terms == theirs.get_feature_names_out().tolist()
    np.testing.assert_allclose(
        ours.transform(texts).toarray(), theirs.transform(texts).toarray(), atol=1e-6
    )


def test_a_vocabulary_round_trips_through_a_byte_array() -> None:
    vocab = Vocabulary(["naïve", "so-called", "“quoted”", "日本"])
    back = Vocabulary.from_array(vocab.to_array())
    assert back.terms == vocab.terms
    assert vocab.to_array().dtype == np.uint8
    with pytest.raises(ValueError, match="newline"):
        Vocabulary(["two\nlines"]).to_array()


def test_the_threshold_maximises_f1() -> None:
    y = np.array([1, 1, 0, 1, 0, 0])
    p = np.array([0.9, 0.8, 0.7, 0.6, 0.2, 0.1])
    threshold, f1 = best_threshold(y, p)
    # cutting below 0.6 keeps 4 sentences, 3 of them positive: P 0.75, R 1.0; the cut is
    # halfway to the next score
    assert threshold == pytest.approx(0.4)
    assert f1 == pytest.approx(6 / 7)


def test_label_matrix_marks_any_dispute_and_each_technique() -> None:
    Y = tq.label_matrix([set(), {"Flag-Waving"}, {"Doubt", "Slogans"}])
    assert Y[:, 0].tolist() == [0, 1, 1]
    assert Y[:, 1].tolist() == [0, 0, 1]  # Flag-Waving is not in the dispute subset
    assert Y[2, HEADS.index("Slogans")] == 1


# -- fitting and saving on made-up documents -------------------------------------------------

LOADED_WORDS = ["disgraceful", "shameless", "treacherous", "despicable", "vile"]
PLAIN = [
    "The council met on Tuesday to discuss the budget.",
    "The report lists road repairs for the northern district.",
    "Officials said the bridge will reopen after an inspection.",
    "The library extends its opening hours in June.",
    "Rainfall in March was close to the average.",
    "The company hired forty new workers this year.",
]


def fake_vectors(texts: list[str]) -> np.ndarray:
    rng = np.random.default_rng(len(texts))
    v = rng.normal(size=(len(texts), 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def made_up_documents(n: int = 12) -> list[TrainingDocument]:
    rng = np.random.default_rng(1)
    docs = []
    for k in range(n):
        sentences, found, spans = [], [], []
        for _ in range(8):
            if rng.random() < 0.35:
                word = LOADED_WORDS[int(rng.integers(len(LOADED_WORDS)))]
                sentence = f"The mayor called the plan {word} and the council agreed."
                start = sentence.index(word)
                sentences.append(sentence)
                found.append({"Loaded_Language"})
                spans.append([(start, start + len(word))])
            else:
                sentences.append(PLAIN[int(rng.integers(len(PLAIN)))])
                found.append(set())
                spans.append([])
        docs.append(TrainingDocument(sentences, fake_vectors(sentences), found, spans, str(k)))
    return docs


@pytest.fixture(scope="module")
def fitted() -> TechniqueModel:
    detector = TechniqueDetector(inner_folds=3, hidden=16, span_threshold=0.5)
    return detector.fit(made_up_documents(), card={"id": "test-model"}).model_


def test_the_detector_learns_loaded_words_and_finds_their_span(fitted: TechniqueModel) -> None:
    passage = "Rainfall in March was close to the average. The mayor called the plan vile."
    sentences = [(0, 43), (44, len(passage))]
    spans = fitted.detect(passage, sentences, fake_vectors([passage[s:e] for s, e in sentences]))
    assert spans, "the loaded sentence was not flagged"
    assert {s.technique for s in spans} == {"Loaded_Language"}
    span = spans[0]
    assert span.start >= 44  # in the second sentence
    assert span.text == passage[span.start : span.end]
    assert "vile" in span.text
    assert span.source == "model"
    assert 0.5 < span.confidence <= 1.0
    record = span.record(offset=100)
    assert record["start"] == span.start + 100
    assert record["technique"] == "Loaded_Language"


def test_plain_sentences_are_not_flagged(fitted: TechniqueModel) -> None:
    verdicts = fitted.analyse_sentences(PLAIN, fake_vectors(PLAIN))
    assert not any(v.flagged for v in verdicts)
    assert all(v.span is None and v.techniques == () for v in verdicts)
    assert set(verdicts[0].probabilities) == set(HEADS)


def test_the_model_round_trips_through_npz_without_pickle(
    fitted: TechniqueModel, tmp_path: Path
) -> None:
    path = tmp_path / "techniques.npz"
    fitted.save(path)
    with np.load(path, allow_pickle=False) as data:
        assert all(data[k].dtype != object for k in data.files)
    with zipfile.ZipFile(path) as archive:
        assert all(name.endswith(".npy") for name in archive.namelist())
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["id"] == "test-model"
    assert card["format"] == tq.FORMAT
    assert set(card["thresholds"]) == set(HEADS)
    loaded = TechniqueModel.load(path)
    texts = [*PLAIN, "The mayor called the plan despicable and the council agreed."]
    vectors = fake_vectors(texts)
    np.testing.assert_array_equal(
        loaded.probabilities(texts, vectors), fitted.probabilities(texts, vectors)
    )


def test_a_missing_or_foreign_model_file_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="make train-techniques"):
        TechniqueModel.load(tmp_path / "absent.npz")
    np.savez(tmp_path / "other.npz", x=np.zeros(3))
    with pytest.raises(ModelError, match="is not a technique model"):
        TechniqueModel.load(tmp_path / "other.npz")


def test_vectors_of_the_wrong_shape_are_refused(fitted: TechniqueModel) -> None:
    with pytest.raises(ModelError, match="expects 384-dimensional vectors"):
        fitted.probabilities(["One sentence."], np.zeros((1, 64), dtype=np.float32))
    with pytest.raises(ModelError, match="one sentence vector per sentence"):
        fitted.probabilities(["One.", "Two."], np.zeros((1, 384), dtype=np.float32))


def test_fitting_needs_two_documents() -> None:
    with pytest.raises(ValueError, match="at least two documents"):
        TechniqueDetector().fit(made_up_documents(1))


# -- the shipped model with the real bundled embedder ----------------------------------------

LOADED_SENTENCES = [
    "These disgusting, treacherous globalist traitors want to destroy our great nation!",
    "The corrupt, lying media will never tell you the shocking truth about this evil regime.",
]
NEUTRAL_SENTENCES = [
    "The committee will meet on Tuesday at 10 a.m. in room 4 of the town hall.",
    "Rainfall in the region was close to the long-term average last month.",
]


@pytest.fixture(scope="module")
def shipped_and_vectors(tmp_path_factory: pytest.TempPathFactory):
    from workbench.config import Settings
    from workbench.embed.embedder import load_embedder

    model = TechniqueModel.load()
    settings = Settings.load(embeddings_dir=tmp_path_factory.mktemp("emb"), progress=False)
    embedder = load_embedder(settings)
    texts = LOADED_SENTENCES + NEUTRAL_SENTENCES
    return model, texts, embedder.encode(texts)


def test_the_shipped_model_file_is_small_and_carries_its_card() -> None:
    assert tq.DEFAULT_MODEL_FILE.stat().st_size < 5_000_000
    card = json.loads(tq.DEFAULT_MODEL_FILE.with_suffix(".json").read_text())
    assert card["format"] == tq.FORMAT
    assert card["embedding_model"] == "sentence-transformers/all-MiniLM-L6-v2"
    cv = card["cross_validation"]
    assert cv["folds"] == 5
    assert {"precision", "recall", "f1"} <= set(cv["sentence"]["any"])
    assert set(cv["techniques"]) == set(tq.TECHNIQUES)


@pytest.mark.model
def test_the_shipped_model_flags_loaded_sentences_and_not_neutral_ones(
    shipped_and_vectors,
) -> None:
    model, texts, vectors = shipped_and_vectors
    verdicts = model.analyse_sentences(texts, vectors)
    loaded, neutral = verdicts[:2], verdicts[2:]
    assert all(v.flagged for v in loaded)
    assert not any(v.flagged for v in neutral)
    assert min(v.probabilities["any"] for v in loaded) > max(
        v.probabilities["any"] for v in neutral
    )
    for v in loaded:
        assert {"Loaded_Language", "Name_Calling,Labeling"} & set(v.techniques)
        assert v.disputes


@pytest.mark.model
def test_the_shipped_model_returns_spans_inside_the_passage(shipped_and_vectors) -> None:
    model, texts, vectors = shipped_and_vectors
    passage = " ".join([texts[2], texts[0]])
    sentences = [(0, len(texts[2])), (len(texts[2]) + 1, len(passage))]
    spans = model.detect(passage, sentences, vectors[[2, 0]])
    assert spans
    for span in spans:
        assert sentences[1][0] <= span.start < span.end <= sentences[1][1]
        assert span.text == passage[span.start : span.end]
        assert span.technique in tq.TECHNIQUES
        assert 0.0 <= span.confidence <= 1.0
        assert span.source == "model"


def test_several_networks_of_a_head_are_averaged_in_one_wide_layer() -> None:
    rng = np.random.default_rng(3)
    nets = [
        (j, rng.normal(size=(5, 4)), rng.normal(size=4), rng.normal(size=4), float(rng.normal()))
        for j in (0, 0, 1)
    ]
    wide = tq._stack_networks(nets, np.zeros(2), dim=5, hidden=4)
    x = rng.normal(size=(3, 5))
    got = np.maximum(x @ wide["M1"] + wide["m1"], 0) @ wide["M2"] + wide["m2"]

    def one(net):
        _, w1, b1, w2, b2 = net
        return np.maximum(x @ w1 + b1, 0) @ w2 + b2

    np.testing.assert_allclose(got[:, 0], (one(nets[0]) + one(nets[1])) / 2, rtol=1e-4)
    np.testing.assert_allclose(got[:, 1], one(nets[2]), rtol=1e-4)


# -- reading a sentence within its document --------------------------------------------------


def test_context_features_place_each_sentence_in_its_document() -> None:
    texts = ["A title", "One two three.", "Four.", "Another title", "Five six."]
    F = tq.context_features(texts, [3, 2])
    assert F[:, 0].tolist() == [0.0, 0.5, 1.0, 0.0, 1.0]  # relative position
    assert F[:, 1].tolist() == [1, 0, 0, 1, 0]  # first line
    np.testing.assert_allclose(F[:, 2], np.log([3, 3, 3, 2, 2]))
    np.testing.assert_allclose(F[:, 3], np.log1p([2, 3, 1, 2, 2]))
    with pytest.raises(ModelError, match="add up to 4, not to the 5 sentences"):
        tq.context_features(texts, [2, 2])


def test_a_context_model_reads_where_the_sentence_is_and_saves_it(tmp_path: Path) -> None:
    model = (
        TechniqueDetector(inner_folds=3, hidden=16, context=True)
        .fit(made_up_documents(), card={"id": "context-model"})
        .model_
    )
    width = 3 + len(tq.TECHNIQUES) + 2 + len(tq.CONTEXT_FEATURES)
    assert model.uses_context and model.S_W.shape == (width, 2)
    texts = [PLAIN[0], "The mayor called the plan vile.", PLAIN[1]]
    vectors = fake_vectors(texts)
    whole = model.probabilities(texts, vectors)
    apart = model.probabilities(texts, vectors, documents=[1, 1, 1])
    assert not np.allclose(whole[:, :2], apart[:, :2])  # any/dispute read the context
    np.testing.assert_allclose(whole[:, 2:], apart[:, 2:])  # technique heads do not
    model.save(tmp_path / "m.npz")
    loaded = TechniqueModel.load(tmp_path / "m.npz")
    np.testing.assert_allclose(
        loaded.probabilities(texts, vectors, [2, 1]), model.probabilities(texts, vectors, [2, 1])
    )


def test_a_model_without_context_ignores_the_documents(fitted: TechniqueModel) -> None:
    texts = [PLAIN[0], "The mayor called the plan vile.", PLAIN[1]]
    vectors = fake_vectors(texts)
    assert not fitted.uses_context
    np.testing.assert_allclose(
        fitted.probabilities(texts, vectors), fitted.probabilities(texts, vectors, [1, 1, 1])
    )


def test_a_stacking_combiner_reads_the_technique_heads_and_saves_it(tmp_path: Path) -> None:
    docs = made_up_documents()
    stacked = TechniqueDetector(inner_folds=3, hidden=16, stack=True, token_view=False)
    stacked = stacked.fit(docs).model_
    plain = TechniqueDetector(inner_folds=3, hidden=16, stack=False, token_view=False)
    plain = plain.fit(docs).model_
    assert stacked.stacks and stacked.S_W.shape == (3 + len(tq.TECHNIQUES), 2)
    assert not plain.stacks and plain.S_W.shape == (3, 2)
    assert not stacked.uses_context
    texts = [PLAIN[0], "The mayor called the plan vile and the council agreed."]
    vectors = fake_vectors(texts)
    views = stacked.view_scores(texts, vectors)
    # a technique head's score moves the any/dispute probability of a stacking model only
    bumped = views.copy()
    bumped[:, 2:16] += 1.0
    for model, moves in ((stacked, True), (plain, False)):
        args = (model.calib_a, model.calib_b, model.S_W, model.S_b)
        before = tq.probabilities_from_views(views, *args, stack=model.stacks)
        after = tq.probabilities_from_views(bumped, *args, stack=model.stacks)
        assert (not np.allclose(before[:, :2], after[:, :2])) is moves
    stacked.save(tmp_path / "m.npz")
    loaded = TechniqueModel.load(tmp_path / "m.npz")
    assert loaded.stacks
    np.testing.assert_array_equal(
        loaded.probabilities(texts, vectors), stacked.probabilities(texts, vectors)
    )


def test_a_model_saved_before_stacking_loads_as_not_stacking(tmp_path: Path) -> None:
    detector = TechniqueDetector(inner_folds=3, hidden=16, stack=False, token_view=False)
    model = detector.fit(made_up_documents()).model_
    arrays = model.to_arrays()
    arrays.pop("S_stack")
    old = TechniqueModel(arrays, model.card)
    texts = [PLAIN[0], "The mayor called the plan vile and the council agreed."]
    assert not old.stacks and not old.uses_context
    np.testing.assert_array_equal(
        old.probabilities(texts, fake_vectors(texts)),
        model.probabilities(texts, fake_vectors(texts)),
    )


def test_the_combiner_c_is_chosen_by_held_out_log_loss() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat(np.arange(4), 200)
    noise = rng.normal(size=(800, 10))
    y_noise = rng.integers(0, 2, 800)
    assert tq.choose_C(noise, y_noise, groups) == min(tq.COMBINER_CS)
    signal = rng.normal(size=(800, 1))
    y_signal = (signal[:, 0] > 0).astype(int)
    assert tq.choose_C(signal * 0.1, y_signal, groups) == max(tq.COMBINER_CS)


def test_the_detector_chooses_its_combiner_c_inside_fit_unless_given() -> None:
    docs = made_up_documents()
    chosen = TechniqueDetector(inner_folds=3, hidden=16).fit(docs).model_
    fixed = TechniqueDetector(inner_folds=3, hidden=16, combiner_C=0.3).fit(docs).model_
    assert set(chosen.card["combiner_C"].values()) <= set(tq.COMBINER_CS)
    assert fixed.card["combiner_C"] == {"any": 0.3, "dispute": 0.3}


def test_the_token_view_scores_every_sentence_from_its_loaded_words(tmp_path: Path) -> None:
    docs = made_up_documents()
    model = TechniqueDetector(inner_folds=3, hidden=16, token_view_terms=50).fit(docs).model_
    assert model.token_view and len(model.A_vocabulary) == 50
    assert model.S_W.shape == (3 + len(tq.TECHNIQUES) + 2, 2)
    assert model.card["vocabulary"]["token_view"] == 50
    texts = [PLAIN[0], "The mayor called the plan vile and the council agreed."]
    scores = model.token_view_scores(texts)
    assert scores.shape == (2, 2)
    assert scores[1, 0] > scores[0, 0]  # the loaded word's token scores higher
    views = model.view_scores(texts, fake_vectors(texts))
    assert views.shape == (2, len(HEADS) + 4 + 2)
    np.testing.assert_array_equal(views[:, -2:], scores)
    model.save(tmp_path / "m.npz")
    loaded = TechniqueModel.load(tmp_path / "m.npz")
    assert loaded.token_view
    np.testing.assert_array_equal(
        loaded.probabilities(texts, fake_vectors(texts)),
        model.probabilities(texts, fake_vectors(texts)),
    )
    without = TechniqueDetector(inner_folds=3, hidden=16, token_view=False).fit(docs).model_
    assert not without.token_view
    assert without.view_scores(texts, fake_vectors(texts)).shape == (2, len(HEADS) + 4)


def with_span_techniques(docs: list[TrainingDocument], name: str) -> list[TrainingDocument]:
    for doc in docs:
        doc.span_techniques = [[name] * len(found) for found in doc.spans]
    return docs


def test_the_dispute_token_view_learns_only_from_dispute_spans() -> None:
    texts = [PLAIN[0], "The mayor called the plan vile and the council agreed."]
    disputed = with_span_techniques(made_up_documents(), "Loaded_Language")
    detector = TechniqueDetector(inner_folds=3, hidden=16, dispute_token_view=True)
    model = detector.fit(disputed).model_
    assert model.token_view and model.dispute_token_view
    assert model.view_scores(texts, fake_vectors(texts)).shape == (2, len(HEADS) + 4 + 4)
    scores = model.token_view_scores(texts)
    assert scores[1, 2] > scores[0, 2]  # a Loaded_Language span is a dispute span
    # the same spans named Flag-Waving (not in the dispute subset): nothing to learn
    waving = with_span_techniques(made_up_documents(), "Flag-Waving")
    other = detector.fit(waving).model_
    assert other.dispute_token_view and not np.any(other.D_w)
    assert other.S_W.shape == model.S_W.shape == (3 + len(tq.TECHNIQUES) + 2, 2)
    default = TechniqueDetector(inner_folds=3, hidden=16).fit(disputed).model_
    assert not default.dispute_token_view


def test_training_documents_keep_each_spans_technique() -> None:
    sentence = "They lied. Vile plan."
    docs = tq.documents_from_spans(
        [["They lied.", "Vile plan."]],
        [fake_vectors(["a", "b"])],
        [[0, 11]],
        [[("Doubt", 5, 9), ("Loaded_Language", 11, 15)]],
    )
    assert sentence[11:15] == "Vile"
    assert docs[0].spans == [[(5, 9)], [(0, 4)]]
    assert docs[0].span_techniques == [["Doubt"], ["Loaded_Language"]]
