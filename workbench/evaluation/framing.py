"""Persuasion techniques on PTC-format data: reading it, the standard metrics, the baselines.

The Propaganda Techniques Corpus (PTC; Da San Martino et al. 2019, SemEval-2020 Task 11)
stores each article as ``article<ID>.txt`` with one sentence per line and its annotations
as ``article<ID>.task2-TC.labels``: tab-separated article id, technique, start, end, the
offsets counting characters of the article file (end exclusive).

Metrics, all returned as plain dicts so the CLI can print them as a table or JSON:

- sentence level: a sentence (non-blank line) is positive when it overlaps at least one
  technique span; precision, recall and F1 for "any technique", for the dispute subset
  (:data:`DISPUTE_TECHNIQUES`) and per technique (F1 and the number of positive sentences).
- span level: the SemEval-2020 span-identification measure. Gold spans of one article are
  merged where they overlap (whatever their technique), and so are predicted spans; then
  precision is the mean over predicted spans of the share of their characters inside gold
  spans, and recall the mean over gold spans of the share of their characters predicted.
- baselines: flag every sentence; TF-IDF + logistic regression trained on a training folder.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import InvalidInput
from workbench.suggest.techniques import DISPUTE_TECHNIQUES, TECHNIQUES

if TYPE_CHECKING:
    from workbench.suggest.techniques import TechniqueModel

_ARTICLE_NAME = re.compile(r"^article(.+)\.txt$")
LABELS_SUFFIX = ".task2-TC.labels"
SHARED_PTC = Path(__file__).resolve().parents[3] / "shared" / "data" / "ptc-train"
"""The PTC training folder beside the repository (``../shared/data/ptc-train``)."""


def default_training_dirs() -> tuple[Path, Path] | None:
    """(articles, labels) of :data:`SHARED_PTC` when it is there: the default training
    folder of ``workbench eval framing``'s TF-IDF baseline; None otherwise."""
    articles, labels = SHARED_PTC / "articles", SHARED_PTC / "labels"
    return (articles, labels) if articles.is_dir() and labels.is_dir() else None


@dataclass(frozen=True)
class Sentence:
    """One non-blank line of an article: ``text == article.text[start:end]``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class GoldSpan:
    technique: str
    start: int
    end: int


@dataclass
class Article:
    """A PTC article: its text, its sentences (lines) and its gold technique spans."""

    id: str
    text: str
    sentences: list[Sentence]
    spans: list[GoldSpan] = field(default_factory=list)

    def sentence_techniques(self) -> list[set[str]]:
        """The techniques whose spans overlap each sentence (empty set: negative)."""
        out: list[set[str]] = [set() for _ in self.sentences]
        starts = [s.start for s in self.sentences]
        for span in self.spans:
            i = max(0, int(np.searchsorted(starts, span.start, side="right")) - 1)
            while i < len(self.sentences) and self.sentences[i].start < span.end:
                if self.sentences[i].end > span.start:
                    out[i].add(span.technique)
                i += 1
        return out


def split_lines(text: str) -> list[Sentence]:
    """The non-blank lines of ``text`` with their character offsets."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append(Sentence(pos, pos + len(line), line))
        pos += len(line) + 1
    return out


def read_labels(path: Path, article_id: str, length: int) -> list[GoldSpan]:
    """The spans of one ``.task2-TC.labels`` file, checked against the article's length."""
    spans = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.rstrip("\r").split("\t")
        if len(parts) != 4:
            raise InvalidInput(
                f"{path}:{number}: expected 4 tab-separated fields (article id, technique, "
                f"start, end), found {len(parts)}"
            )
        aid, technique, start_text, end_text = parts
        if aid != article_id:
            raise InvalidInput(f"{path}:{number}: article id {aid!r} is not {article_id!r}")
        if technique not in TECHNIQUES:
            raise InvalidInput(
                f"{path}:{number}: unknown technique {technique!r}; use one of the 14 PTC names"
            )
        try:
            start, end = int(start_text), int(end_text)
        except ValueError:
            raise InvalidInput(
                f"{path}:{number}: offsets {start_text!r}, {end_text!r} are not integers"
            ) from None
        if not 0 <= start < end <= length:
            raise InvalidInput(
                f"{path}:{number}: span {start}-{end} is outside the article ({length} characters)"
            )
        spans.append(GoldSpan(technique, start, end))
    return spans


def read_ptc(articles_dir: Path, labels_dir: Path | None = None) -> list[Article]:
    """Every ``article<ID>.txt`` of ``articles_dir`` with its labels from ``labels_dir``.

    An article without a labels file has no spans (all its sentences are negative); a
    labels file that cannot be read or names an offset outside its article is an error
    naming the file and line.
    """
    articles_dir = Path(articles_dir)
    if not articles_dir.is_dir():
        raise InvalidInput(f"{articles_dir} is not a folder of PTC articles (article<ID>.txt)")
    files = sorted(p for p in articles_dir.iterdir() if _ARTICLE_NAME.match(p.name))
    if not files:
        raise InvalidInput(f"{articles_dir} holds no article<ID>.txt files")
    if labels_dir is not None and not Path(labels_dir).is_dir():
        raise InvalidInput(f"{labels_dir} is not a folder of .task2-TC.labels files")
    articles = []
    for path in files:
        article_id = _ARTICLE_NAME.match(path.name).group(1)  # type: ignore[union-attr]
        try:
            # newline="" keeps CR characters, so offsets count exactly the file's characters
            with open(path, encoding="utf-8", newline="") as handle:
                text = handle.read()
        except UnicodeDecodeError:
            raise InvalidInput(f"{path} is not UTF-8 text") from None
        spans: list[GoldSpan] = []
        if labels_dir is not None:
            label_file = Path(labels_dir) / f"article{article_id}{LABELS_SUFFIX}"
            if label_file.exists():
                spans = read_labels(label_file, article_id, len(text))
        articles.append(Article(article_id, text, split_lines(text), spans))
    return articles


# -- metrics --------------------------------------------------------------------------------


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F1 from counts (0 where undefined)."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def binary_prf(gold: Sequence[bool], predicted: Sequence[bool]) -> dict[str, float]:
    g = np.asarray(gold, dtype=bool)
    p = np.asarray(predicted, dtype=bool)
    if g.shape != p.shape:
        raise ValueError(f"{len(g)} gold labels but {len(p)} predictions")
    return prf(int((g & p).sum()), int((~g & p).sum()), int((g & ~p).sum()))


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping (or touching) character spans joined into one."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if end <= start:
            continue
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(s, e) for s, e in out]


def span_prf(
    predicted: Mapping[str, Iterable[tuple[int, int]]],
    gold: Mapping[str, Iterable[tuple[int, int]]],
) -> dict[str, float]:
    """The SemEval-2020 span-identification precision, recall and F1 (character overlap).

    Both sides are dicts article id -> spans; spans are merged per article first.
    """
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for article_id in set(predicted) | set(gold):
        pred = merge_spans(predicted.get(article_id, ()))
        true = merge_spans(gold.get(article_id, ()))
        n_pred += len(pred)
        n_gold += len(true)
        for ps, pe in pred:
            for gs, ge in true:
                inter = min(pe, ge) - max(ps, gs)
                if inter > 0:
                    p_sum += inter / (pe - ps)
                    r_sum += inter / (ge - gs)
    precision = p_sum / n_pred if n_pred else 0.0
    recall = r_sum / n_gold if n_gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


@dataclass
class Predictions:
    """What a detector says about a set of articles, in article order.

    ``sentences[a][i]`` is the set of techniques predicted for sentence ``i`` of article
    ``a``; ``any[a][i]`` and ``dispute[a][i]`` the two binary decisions (a detector may
    decide them with their own heads rather than from the technique sets); ``spans[a]``
    the predicted (start, end) character spans.
    """

    any: list[list[bool]]
    dispute: list[list[bool]]
    sentences: list[list[set[str]]]
    spans: list[list[tuple[int, int]]]


def score_predictions(articles: Sequence[Article], predictions: Predictions) -> dict[str, Any]:
    """Sentence, span and per-technique figures of ``predictions`` against the gold labels."""
    gold_sets = [t for a in articles for t in a.sentence_techniques()]
    pred_any = [x for row in predictions.any for x in row]
    pred_dispute = [x for row in predictions.dispute for x in row]
    pred_sets = [x for row in predictions.sentences for x in row]
    if not len(gold_sets) == len(pred_any) == len(pred_dispute) == len(pred_sets):
        raise ValueError("predictions do not cover the articles' sentences one to one")
    techniques = {}
    for name in TECHNIQUES:
        g = [name in s for s in gold_sets]
        p = [name in s for s in pred_sets]
        scores = binary_prf(g, p)
        techniques[name] = {
            "f1": scores["f1"],
            "precision": scores["precision"],
            "recall": scores["recall"],
            "support": int(sum(g)),
        }
    gold_spans = {a.id: [(s.start, s.end) for s in a.spans] for a in articles}
    pred_spans = {a.id: list(spans) for a, spans in zip(articles, predictions.spans, strict=True)}
    return {
        "sentence": {
            "any": binary_prf([bool(s) for s in gold_sets], pred_any),
            "dispute": binary_prf([bool(s & DISPUTE_TECHNIQUES) for s in gold_sets], pred_dispute),
        },
        "span": span_prf(pred_spans, gold_spans),
        "techniques": techniques,
        "sentences": len(gold_sets),
        "articles": len(articles),
    }


# -- baselines ------------------------------------------------------------------------------


def flag_everything(articles: Sequence[Article]) -> Predictions:
    """Every sentence positive for every technique, each sentence its own span."""
    return Predictions(
        any=[[True] * len(a.sentences) for a in articles],
        dispute=[[True] * len(a.sentences) for a in articles],
        sentences=[[set(TECHNIQUES) for _ in a.sentences] for a in articles],
        spans=[[(s.start, s.end) for s in a.sentences] for a in articles],
    )


def tfidf_baseline(
    train: Sequence[Article], test: Sequence[Article], *, C: float = 1.0
) -> Predictions:
    """TF-IDF (word 1-2 grams) + logistic regression per head, trained on ``train``.

    One head for "any technique", one for the dispute subset and one per technique with at
    least two positive sentences; each decides at probability 0.5 with balanced class
    weights (no threshold is tuned, so nothing is fitted on ``test``). Positive sentences
    are their own spans.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train_texts = [s.text for a in train for s in a.sentences]
    test_texts = [s.text for a in test for s in a.sentences]
    gold = [t for a in train for t in a.sentence_techniques()]
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    X = vectorizer.fit_transform(train_texts)
    Xt = vectorizer.transform(test_texts)

    def head(labels: list[bool]) -> np.ndarray:
        y = np.asarray(labels, dtype=int)
        if y.sum() < 2 or y.sum() == len(y):
            return np.full(len(test_texts), bool(y.mean() > 0.5))
        clf = LogisticRegression(C=C, class_weight="balanced", max_iter=2000)
        return clf.fit(X, y).predict(Xt).astype(bool)

    any_pred = head([bool(s) for s in gold])
    dispute_pred = head([bool(s & DISPUTE_TECHNIQUES) for s in gold])
    per_technique = {name: head([name in s for s in gold]) for name in TECHNIQUES}
    sets = [{n for n in TECHNIQUES if per_technique[n][i]} for i in range(len(test_texts))]
    return _regroup(test, any_pred, dispute_pred, sets)


def _regroup(
    articles: Sequence[Article],
    any_pred: Sequence[bool],
    dispute_pred: Sequence[bool],
    sets: Sequence[set[str]],
    spans: Sequence[Sequence[tuple[int, int]]] | None = None,
) -> Predictions:
    """Flat per-sentence decisions cut back into articles; spans default to whole sentences."""
    out = Predictions([], [], [], [])
    i = 0
    for k, a in enumerate(articles):
        n = len(a.sentences)
        out.any.append([bool(x) for x in any_pred[i : i + n]])
        out.dispute.append([bool(x) for x in dispute_pred[i : i + n]])
        out.sentences.append([set(x) for x in sets[i : i + n]])
        if spans is None:
            out.spans.append(
                [(s.start, s.end) for s, flag in zip(a.sentences, out.any[-1], strict=True) if flag]
            )
        else:
            out.spans.append(list(spans[k]))
        i += n
    return out


# -- the learned detector -------------------------------------------------------------------

Encode = Callable[[list[str]], np.ndarray]
"""Sentence texts -> L2-normalised sentence vectors (the workbench embedder's ``encode``)."""


def article_vectors(articles: Sequence[Article], encode: Encode) -> list[np.ndarray]:
    """The sentence vectors of every article, embedded in one call."""
    texts = [s.text for a in articles for s in a.sentences]
    vectors = np.asarray(encode(texts), dtype=np.float32) if texts else np.zeros((0, 0))
    out = []
    i = 0
    for a in articles:
        out.append(vectors[i : i + len(a.sentences)])
        i += len(a.sentences)
    return out


def training_documents(articles: Sequence[Article], vectors: Sequence[np.ndarray]) -> list:
    """PTC articles as :class:`~workbench.suggest.techniques.TrainingDocument` objects."""
    from workbench.suggest.techniques import documents_from_spans

    return documents_from_spans(
        [[s.text for s in a.sentences] for a in articles],
        vectors,
        [[s.start for s in a.sentences] for a in articles],
        [[(g.technique, g.start, g.end) for g in a.spans] for a in articles],
        [a.id for a in articles],
    )


def model_predictions(
    model: TechniqueModel, articles: Sequence[Article], vectors: Sequence[np.ndarray]
) -> Predictions:
    """What ``model`` finds in ``articles`` (sentence decisions and character spans)."""
    out = Predictions([], [], [], [])
    for article, vecs in zip(articles, vectors, strict=True):
        verdicts = model.analyse_sentences([s.text for s in article.sentences], vecs)
        out.any.append([v.flagged for v in verdicts])
        out.dispute.append([v.disputes for v in verdicts])
        out.sentences.append([set(v.techniques) for v in verdicts])
        out.spans.append(
            [
                (s.start + v.span[0], s.start + v.span[1])
                for s, v in zip(article.sentences, verdicts, strict=True)
                if v.span is not None
            ]
        )
    return out


def evaluate_framing(
    articles: Sequence[Article],
    model: TechniqueModel,
    encode: Encode,
    *,
    train_articles: Sequence[Article] | None = None,
) -> dict[str, Any]:
    """The detector's figures on ``articles`` and the baselines, as one JSON-ready dict.

    Shape: ``{"sentence": {"any": {precision, recall, f1}, "dispute": {...}}, "span":
    {...}, "techniques": {NAME: {"f1", "support", ...}}, "baselines": {"flag_everything":
    {...}, "tfidf_lr": {...}}, "model": {...}}``. The TF-IDF baseline is left out (with the
    reason) when no training articles are given. ``model.overlap`` counts evaluated articles
    the model was trained on: figures on those are not held-out figures.
    """
    vectors = article_vectors(articles, encode)
    report = score_predictions(articles, model_predictions(model, articles, vectors))
    baselines: dict[str, Any] = {
        "flag_everything": score_predictions(articles, flag_everything(articles))
    }
    if train_articles:
        baselines["tfidf_lr"] = score_predictions(
            articles, tfidf_baseline(train_articles, articles)
        )
        baselines["tfidf_lr"]["trained_on_articles"] = len(train_articles)
    else:
        baselines["tfidf_lr"] = {"skipped": "no training articles given"}
    for base in baselines.values():
        base.pop("sentences", None)
        base.pop("articles", None)
    trained_on = set(model.card.get("training_article_ids", []))
    report["baselines"] = baselines
    report["model"] = {
        "id": model.model_id,
        "overlap": sum(1 for a in articles if a.id in trained_on),
        "thresholds": model.card.get("thresholds", {}),
    }
    return report


def format_table(report: Mapping[str, Any]) -> str:
    """The report as aligned text: sentence and span figures, baselines, then techniques."""
    lines = [f"{'':34} {'precision':>9} {'recall':>7} {'F1':>6}"]

    def row(name: str, scores: Mapping[str, float]) -> None:
        lines.append(
            f"{name:34} {scores['precision']:9.3f} {scores['recall']:7.3f} {scores['f1']:6.3f}"
        )

    row("sentence, any technique", report["sentence"]["any"])
    row("sentence, dispute subset", report["sentence"]["dispute"])
    row("span (SemEval-2020 SI)", report["span"])
    for name, base in report.get("baselines", {}).items():
        if "skipped" in base:
            lines.append(f"baseline {name}: skipped ({base['skipped']})")
            continue
        row(f"{name}: sentence, any", base["sentence"]["any"])
        row(f"{name}: sentence, dispute", base["sentence"]["dispute"])
        row(f"{name}: span", base["span"])
    lines.append("")
    lines.append(f"{'technique (sentence level)':34} {'F1':>9} {'support':>7}")
    for name, scores in report["techniques"].items():
        lines.append(f"{name:34} {scores['f1']:9.3f} {scores['support']:7d}")
    overlap = report.get("model", {}).get("overlap", 0)
    if overlap:
        lines.append("")
        lines.append(
            f"warning: the model was trained on {overlap} of these articles; "
            "these are not held-out figures"
        )
    return "\n".join(lines)
