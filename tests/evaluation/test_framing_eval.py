"""PTC-format reading, span -> sentence labels, the sentence and span metrics, the baselines,
the report's JSON shape and cross-validation, on small articles written here."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from workbench.errors import InvalidInput
from workbench.evaluation import framing
from workbench.evaluation.framing import (
    Predictions,
    binary_prf,
    merge_spans,
    prf,
    read_ptc,
    score_predictions,
    span_prf,
)
from workbench.suggest.techniques import TechniqueDetector
from workbench.suggest.train_techniques import cross_validate, merge_folds

LOADED = [
    "The disgraceful traitors in the swamp betrayed every decent citizen!",
    "These shameless crooks will stop at nothing to destroy our great nation.",
    "The corrupt elites laughed while the disgraceful swamp looted the treasury.",
    "Only a shameless traitor would defend such a disgraceful betrayal.",
]
NEUTRAL = [
    "The council met on Tuesday to discuss the budget for next year.",
    "The report lists road repairs planned for the northern district.",
    "Officials said the bridge will reopen after an inspection in May.",
    "The library extends its opening hours during the exam period.",
    "Rainfall in March was close to the long-term average, the agency said.",
]


def write_article(
    root: Path, article_id: str, lines: list[str], labels: list[tuple[str, str]] | None = None
) -> str:
    """Write article<ID>.txt and its labels: each label is (technique, exact phrase)."""
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "labels").mkdir(parents=True, exist_ok=True)
    text = "\n".join(lines) + "\n"
    (root / "articles" / f"article{article_id}.txt").write_text(text, encoding="utf-8")
    rows = []
    for technique, phrase in labels or []:
        start = text.index(phrase)
        rows.append(f"{article_id}\t{technique}\t{start}\t{start + len(phrase)}")
    (root / "labels" / f"article{article_id}.task2-TC.labels").write_text(
        "\n".join(rows) + ("\n" if rows else ""), encoding="utf-8"
    )
    return text


@pytest.fixture
def ptc(tmp_path: Path) -> Path:
    write_article(
        tmp_path,
        "1",
        [
            "A headline about the swamp",
            "",
            "They are shameless crooks, all of them.",
            "The vote was held on Monday.",
        ],
        [("Name_Calling,Labeling", "shameless crooks"), ("Loaded_Language", "swamp")],
    )
    write_article(
        tmp_path,
        "2",
        ["First line.", "Second line ends here.", "Third line."],
        # one span across a line break: both lines are positive
        [("Doubt", "ends here.\nThird")],
    )
    return tmp_path


def test_articles_are_read_with_one_sentence_per_non_blank_line(ptc: Path) -> None:
    articles = read_ptc(ptc / "articles", ptc / "labels")
    assert [a.id for a in articles] == ["1", "2"]
    first = articles[0]
    assert [s.text for s in first.sentences] == [
        "A headline about the swamp",
        "They are shameless crooks, all of them.",
        "The vote was held on Monday.",
    ]
    for s in first.sentences:
        assert first.text[s.start : s.end] == s.text


def test_a_sentence_is_labelled_with_every_technique_whose_span_overlaps_it(ptc: Path) -> None:
    one, two = read_ptc(ptc / "articles", ptc / "labels")
    assert one.sentence_techniques() == [{"Loaded_Language"}, {"Name_Calling,Labeling"}, set()]
    assert two.sentence_techniques() == [set(), {"Doubt"}, {"Doubt"}]


def test_an_article_without_labels_file_has_no_spans(ptc: Path) -> None:
    (ptc / "labels" / "article2.task2-TC.labels").unlink()
    articles = read_ptc(ptc / "articles", ptc / "labels")
    assert articles[1].spans == []


def test_a_span_outside_its_article_is_reported_with_file_and_line(ptc: Path) -> None:
    path = ptc / "labels" / "article2.task2-TC.labels"
    path.write_text("2\tDoubt\t0\t5\n2\tDoubt\t30\t900\n")
    with pytest.raises(InvalidInput) as err:
        read_ptc(ptc / "articles", ptc / "labels")
    assert str(err.value) == (f"{path}:2: span 30-900 is outside the article (47 characters)")


def test_an_unknown_technique_is_rejected(ptc: Path) -> None:
    path = ptc / "labels" / "article2.task2-TC.labels"
    path.write_text("2\tSarcasm\t0\t5\n")
    with pytest.raises(InvalidInput, match="unknown technique 'Sarcasm'"):
        read_ptc(ptc / "articles", ptc / "labels")


def test_a_folder_without_articles_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"holds no article<ID>\.txt files"):
        read_ptc(tmp_path)


# -- metrics --------------------------------------------------------------------------------


def test_precision_recall_f1_from_counts() -> None:
    assert prf(3, 1, 2) == pytest.approx({"precision": 0.75, "recall": 0.6, "f1": 2 / 3})
    assert prf(0, 0, 4) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert binary_prf([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]) == pytest.approx(
        {"precision": 2 / 3, "recall": 2 / 3, "f1": 2 / 3}
    )


def test_overlapping_spans_are_merged() -> None:
    assert merge_spans([(5, 20), (0, 10), (30, 40), (40, 45)]) == [(0, 20), (30, 45)]


def test_span_f1_gives_partial_credit_for_character_overlap() -> None:
    # predicted 5-15 against gold 0-10: half of each is shared
    assert span_prf({"a": [(5, 15)]}, {"a": [(0, 10)]}) == pytest.approx(
        {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    )


def test_span_f1_merges_gold_spans_and_counts_every_article() -> None:
    gold = {"a": [(0, 10), (5, 20)], "b": [(0, 4)]}  # a merges into 0-20
    predicted = {"a": [(0, 10)], "b": [(10, 12)]}
    # precision: (10/10 + 0) / 2 predicted spans; recall: (10/20 + 0) / 2 gold spans
    assert span_prf(predicted, gold) == pytest.approx(
        {"precision": 0.5, "recall": 0.25, "f1": 1 / 3}
    )


def test_no_predicted_span_scores_zero_not_an_error() -> None:
    assert span_prf({}, {"a": [(0, 4)]}) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}


def test_scores_of_a_perfect_and_of_the_flag_everything_prediction(ptc: Path) -> None:
    articles = read_ptc(ptc / "articles", ptc / "labels")
    gold = [a.sentence_techniques() for a in articles]
    perfect = Predictions(
        any=[[bool(s) for s in g] for g in gold],
        dispute=[[bool(s & framing.DISPUTE_TECHNIQUES) for s in g] for g in gold],
        sentences=gold,
        spans=[[(s.start, s.end) for s in a.spans] for a in articles],
    )
    report = score_predictions(articles, perfect)
    assert report["sentence"]["any"]["f1"] == 1.0
    assert report["span"]["f1"] == 1.0
    assert report["techniques"]["Doubt"] == {
        "f1": 1.0,
        "precision": 1.0,
        "recall": 1.0,
        "support": 2,
    }
    flagged = score_predictions(articles, framing.flag_everything(articles))
    # 4 of 6 sentences hold a technique
    assert flagged["sentence"]["any"] == pytest.approx(
        {"precision": 4 / 6, "recall": 1.0, "f1": 0.8}
    )


# -- learning on PTC-format data -------------------------------------------------------------


def make_corpus(root: Path, n: int = 8) -> Path:
    """n articles mixing loaded and neutral sentences; the loaded words are labelled."""
    rng = np.random.default_rng(0)
    for k in range(n):
        lines = []
        for _ in range(6):
            pool = LOADED if rng.random() < 0.4 else NEUTRAL
            lines.append(pool[int(rng.integers(len(pool)))])
        # the same sentence may appear twice: label each occurrence by its own offsets
        text = "\n".join(lines) + "\n"
        (root / "articles").mkdir(parents=True, exist_ok=True)
        (root / "labels").mkdir(parents=True, exist_ok=True)
        (root / "articles" / f"article{100 + k}.txt").write_text(text, encoding="utf-8")
        rows, pos = [], 0
        for line in lines:
            if line in LOADED:
                rows.append(f"{100 + k}\tLoaded_Language\t{pos}\t{pos + len(line)}")
            pos += len(line) + 1
        (root / "labels" / f"article{100 + k}.task2-TC.labels").write_text("\n".join(rows) + "\n")
    return root


def hashed_encode(texts: list[str]) -> np.ndarray:
    """A deterministic stand-in for sentence vectors (words hashed into 384 dimensions)."""
    import hashlib
    import re

    out = np.zeros((len(texts), 384), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % 384] += 1.0
        out[i] /= np.linalg.norm(out[i]) or 1.0
    return out


def test_the_tfidf_baseline_learns_the_loaded_sentences(tmp_path: Path) -> None:
    articles = read_ptc(*_dirs(make_corpus(tmp_path / "c", 10)))
    predicted = framing.tfidf_baseline(articles[:7], articles[7:])
    report = score_predictions(articles[7:], predicted)
    assert report["sentence"]["any"]["f1"] == 1.0


def _dirs(root: Path) -> tuple[Path, Path]:
    return root / "articles", root / "labels"


@pytest.fixture(scope="module")
def corpus_and_model(tmp_path_factory: pytest.TempPathFactory):
    root = make_corpus(tmp_path_factory.mktemp("ptc"), 10)
    articles = read_ptc(*_dirs(root))
    train = articles[:7]
    vectors = framing.article_vectors(train, hashed_encode)
    docs = framing.training_documents(train, vectors)
    model = TechniqueDetector(inner_folds=2, hidden=8).fit(docs).model_
    return articles, model


def test_the_report_has_the_documented_json_shape(corpus_and_model) -> None:
    articles, model = corpus_and_model
    report = framing.evaluate_framing(
        articles[7:], model, hashed_encode, train_articles=articles[:7]
    )
    json.dumps(report)  # plain data
    assert set(report) >= {"sentence", "span", "techniques", "baselines"}
    for key in ("any", "dispute"):
        assert set(report["sentence"][key]) == {"precision", "recall", "f1"}
    assert set(report["span"]) == {"precision", "recall", "f1"}
    assert list(report["techniques"]) == list(framing.TECHNIQUES)
    assert {"f1", "support"} <= set(report["techniques"]["Loaded_Language"])
    assert set(report["baselines"]) == {"flag_everything", "tfidf_lr"}
    assert report["baselines"]["flag_everything"]["sentence"]["any"]["recall"] == 1.0
    assert report["sentence"]["any"]["f1"] == 1.0  # the loaded sentences are easy here
    assert report["model"]["overlap"] == 0
    text = framing.format_table(report)
    assert "sentence, any technique" in text and "Loaded_Language" in text


def test_the_report_says_when_no_training_folder_was_given(corpus_and_model) -> None:
    articles, model = corpus_and_model
    report = framing.evaluate_framing(articles[7:], model, hashed_encode)
    assert report["baselines"]["tfidf_lr"] == {"skipped": "no training articles given"}
    assert "baseline tfidf_lr: skipped" in framing.format_table(report)


def test_cross_validation_pools_held_out_folds_and_folds_can_run_apart(tmp_path: Path) -> None:
    articles = read_ptc(*_dirs(make_corpus(tmp_path / "c", 6)))
    vectors = framing.article_vectors(articles, hashed_encode)
    params = {"inner_folds": 2, "hidden": 8}
    whole = cross_validate(articles, vectors, folds=3, params=params, log=lambda _: None)
    assert whole["folds"] == 3
    assert whole["sentences"] == sum(len(a.sentences) for a in articles)
    assert set(whole["baselines"]) == {"flag_everything", "tfidf_lr"}
    runs = [
        cross_validate(articles, vectors, folds=3, params=params, only_fold=k, log=lambda _: None)
        for k in (2, 0, 1)
    ]
    apart = merge_folds(articles, json.loads(json.dumps(runs)))
    for key in ("sentence", "span", "techniques", "baselines"):
        assert apart[key] == whole[key]
    with pytest.raises(ValueError, match="do not cover"):
        merge_folds(articles, runs[:2])


def test_the_default_training_folder_is_the_shared_ptc_folder_when_present() -> None:
    found = framing.default_training_dirs()
    if framing.SHARED_PTC.is_dir():
        assert found == (framing.SHARED_PTC / "articles", framing.SHARED_PTC / "labels")
    else:
        assert found is None


@pytest.mark.model
def test_eval_framing_command_prints_the_documented_json_and_a_table(tmp_path: Path) -> None:
    """`workbench eval framing` as a user runs it, with the shipped model and the bundled
    embedder, on a small PTC-format folder."""
    import json
    import os
    import subprocess
    import sys

    root = make_corpus(tmp_path / "c", 6)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env |= {"HF_HUB_OFFLINE": "1", "WORKBENCH_EMBEDDINGS": str(tmp_path / "emb")}
    base = [
        sys.executable,
        "-m",
        "workbench",
        "-q",
        "eval",
        "framing",
        "--articles",
        str(root / "articles"),
        "--labels",
        str(root / "labels"),
        "--train-articles",
        str(root / "articles"),
        "--train-labels",
        str(root / "labels"),
    ]
    out = subprocess.run(
        [*base, "--format", "json"], capture_output=True, text=True, env=env, timeout=600
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    for level in ("any", "dispute"):
        assert set(report["sentence"][level]) >= {"precision", "recall", "f1"}
    assert set(report["span"]) >= {"precision", "recall", "f1"}
    assert report["techniques"]["Loaded_Language"]["support"] > 0
    assert set(report["baselines"]) == {"flag_everything", "tfidf_lr"}
    assert report["baselines"]["flag_everything"]["sentence"]["any"]["recall"] == 1.0
    table = subprocess.run(base, capture_output=True, text=True, env=env, timeout=600)
    assert table.returncode == 0, table.stderr
    assert "sentence, any technique" in table.stdout and "Loaded_Language" in table.stdout
    bad = subprocess.run(
        [*base[:-4], "--train-articles", str(root / "articles")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert bad.returncode == 1
    assert "give --train-articles and --train-labels together" in bad.stderr
