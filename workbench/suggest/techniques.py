"""Persuasion techniques in sentences: a learned detector with published names, spans, confidence.

The detector names the 14 techniques of the Propaganda Techniques Corpus (PTC, Da San
Martino et al. 2019; SemEval-2020 Task 11) in each sentence of a text and marks where in
the sentence they are. It works on top of the sentence vectors the embedding stage already
computes (all-MiniLM-L6-v2), with word n-grams and a few lexical features:

1. Sentence heads: one logistic regression per target ("any technique", the dispute subset
   and each of the 14 techniques) over the sentence's vector, its TF-IDF word 1-2-grams and
   lexical counts (quotes, exclamation and question marks, capitalised words, intensifiers).
2. For "any" and "dispute", two more views of the sentence: a one-hidden-layer network over
   the vector and lexical counts, and a logistic regression over binary word n-grams scaled
   by their naive-Bayes log-count ratios (NB-LR, Wang and Manning 2012). A combiner (logistic
   regression over the three scores and the 14 technique heads' scores, its regularisation
   chosen by cross-validation) is fitted on out-of-fold scores.
3. Confidence: every output is a probability calibrated on out-of-fold scores (Platt
   scaling for the technique heads; the combiner is itself a Platt-style fit for the other
   two). Each target has a threshold chosen by cross-validation to maximise its F1.
4. Spans: a token model (logistic regression over the word, its neighbours, its shape and
   whether it is inside quotation marks) scores the tokens of a flagged sentence; the span
   runs from the first to the last token over the span threshold.

:class:`TechniqueDetector` fits all of this with scikit-learn (an estimator: parameters in
``__init__``, fitted state in ``model_``). :class:`TechniqueModel` is what it produces and
what the workbench loads: plain numpy arrays saved as ``.npz`` (``allow_pickle=False``) with
a JSON model card, applied with numpy and scipy only, so inference needs neither torch nor
scikit-learn. The shipped model is ``workbench/data/techniques.npz`` with its card
``techniques.json``; :mod:`workbench.suggest.train_techniques` rebuilds both.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.errors import ModelError

if TYPE_CHECKING:
    from scipy import sparse

TECHNIQUES: tuple[str, ...] = (
    "Loaded_Language",
    "Name_Calling,Labeling",
    "Repetition",
    "Doubt",
    "Exaggeration,Minimisation",
    "Appeal_to_fear-prejudice",
    "Flag-Waving",
    "Causal_Oversimplification",
    "Appeal_to_Authority",
    "Slogans",
    "Whataboutism,Straw_Men,Red_Herring",
    "Black-and-White_Fallacy",
    "Thought-terminating_Cliches",
    "Bandwagon,Reductio_ad_hitlerum",
)
"""The 14 PTC techniques by their published names, most frequent first."""

DISPUTE_TECHNIQUES: frozenset[str] = frozenset(
    {
        "Doubt",
        "Name_Calling,Labeling",
        "Loaded_Language",
        "Exaggeration,Minimisation",
        "Whataboutism,Straw_Men,Red_Herring",
        "Bandwagon,Reductio_ad_hitlerum",
        "Thought-terminating_Cliches",
    }
)
"""Techniques a writer turns on someone else's claim: the "disputes framing" subset."""

HEADS: tuple[str, ...] = ("any", "dispute", *TECHNIQUES)
"""The sentence heads, in the column order of every score matrix."""

FORMAT = "workbench.techniques/1"
DEFAULT_MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "techniques.npz"

# -- text features ---------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?|[!?\"“”‘’]")
_TOKEN = re.compile(r"\w+(?:['’]\w+)?|[^\w\s]")
_QUOTES = frozenset('"“”')
INTENSIFIERS = frozenset(
    {
        "very",
        "extremely",
        "utterly",
        "totally",
        "completely",
        "absolutely",
        "incredibly",
        "truly",
        "really",
        "so",
        "most",
        "never",
        "always",
        "all",
        "every",
        "nothing",
        "everyone",
        "everything",
        "nobody",
        "entire",
        "whole",
        "worst",
        "best",
        "huge",
        "massive",
        "enormous",
        "horrible",
        "terrible",
        "disgusting",
        "outrageous",
        "shocking",
    }
)
LEXICAL_FEATURES: tuple[str, ...] = (
    "log_chars",
    "log_words",
    "has_exclamation",
    "has_question",
    "double_quotes",
    "single_quotes",
    "share_all_caps",
    "share_capitalised",
    "share_intensifiers",
    "has_intensifier",
)


CONTEXT_FEATURES: tuple[str, ...] = (
    "relative_position",
    "first_line",
    "log_document_sentences",
    "log_words",
)
"""Where a sentence sits in its document: what the combiner of a context model also reads."""


def context_features(texts: Sequence[str], documents: Sequence[int] | None = None) -> np.ndarray:
    """The :data:`CONTEXT_FEATURES` of each sentence.

    Args:
        texts: the sentences of one or more documents, each document's in reading order.
        documents: how many of ``texts`` each document holds, in order (default: all of
            them are one document).

    Raises:
        ModelError: when ``documents`` does not add up to the number of sentences.
    """
    sizes = [len(texts)] if documents is None else [int(n) for n in documents]
    if sum(sizes) != len(texts) or any(n < 0 for n in sizes):
        raise ModelError(
            f"document sizes {sizes[:5]}... add up to {sum(sizes)}, not to the "
            f"{len(texts)} sentences given; give each document's sentence count in order"
        )
    out = np.zeros((len(texts), len(CONTEXT_FEATURES)), dtype=np.float64)
    at = 0
    for n in sizes:
        rows = slice(at, at + n)
        out[rows, 0] = np.arange(n) / max(n - 1, 1)
        out[rows, 1] = np.arange(n) == 0
        out[rows, 2] = math.log(max(n, 1))
        at += n
    out[:, 3] = [math.log1p(len(_WORD.findall(t))) for t in texts]
    return out


def word_terms(text: str) -> list[str]:
    """Lowercased words (and ! ? quote marks) and their bigrams: the word n-gram analyzer."""
    words = [m.group(0).lower() for m in _WORD.finditer(text)]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


CHAR_NGRAMS = (2, 5)
"""Lengths of the character n-grams of :func:`char_terms`."""


def char_terms(text: str) -> list[str]:
    """Lowercased character 2-5-grams inside words padded with one space each side (like
    scikit-learn's ``char_wb``): spelling variants, stems and marks such as "!!" or quotes
    that whole words miss."""
    low, high = CHAR_NGRAMS
    out = []
    for word in text.lower().split():
        padded = f" {word} "
        size = len(padded)
        for n in range(low, min(high, size) + 1):
            out.extend(padded[i : i + n] for i in range(size - n + 1))
    return out


ANALYZERS = {"word": word_terms, "char": char_terms}


def lexical_features(text: str) -> np.ndarray:
    """The :data:`LEXICAL_FEATURES` of one sentence."""
    tokens = _WORD.findall(text)
    alpha = [t for t in tokens if t[0].isalpha()]
    n = max(len(alpha), 1)
    caps = sum(1 for t in alpha if len(t) > 1 and t.isupper())
    capitalised = sum(1 for t in alpha[1:] if t[0].isupper())
    intense = sum(1 for t in alpha if t.lower() in INTENSIFIERS)
    return np.array(
        [
            math.log1p(len(text)),
            math.log1p(len(alpha)),
            "!" in text,
            "?" in text,
            sum(text.count(q) for q in _QUOTES) / 2.0,
            sum(text.count(q) for q in "‘’'") / 2.0,
            caps / n,
            capitalised / n,
            intense / n,
            intense > 0,
        ],
        dtype=np.float32,
    )


def tokenize(text: str) -> list[tuple[int, int, str]]:
    """(start, end, token) for the words and punctuation marks of ``text``."""
    return [(m.start(), m.end(), m.group(0)) for m in _TOKEN.finditer(text)]


def _shape(token: str) -> str:
    if len(token) > 1 and token.isupper():
        return "CAPS"
    if token[:1].isupper():
        return "Title"
    if token[:1].isdigit():
        return "digit"
    if not token[:1].isalnum():
        return "punct"
    return "lower"


def token_features(tokens: Sequence[tuple[int, int, str]]) -> list[list[str]]:
    """The features of each token for the span model: the word, its neighbours, shape,
    whether it is inside double quotation marks, where it is in the sentence."""
    low = [t[2].lower() for t in tokens]
    n = len(low)
    inside = False
    quoted = []
    for word in low:
        if word in _QUOTES:
            inside = not inside
        quoted.append(inside)
    out = []
    for i, word in enumerate(low):
        p1 = low[i - 1] if i > 0 else "<s>"
        p2 = low[i - 2] if i > 1 else "<s>"
        n1 = low[i + 1] if i + 1 < n else "</s>"
        n2 = low[i + 2] if i + 2 < n else "</s>"
        out.append(
            [
                f"w={word}",
                f"p={p1}",
                f"n={n1}",
                f"pw={p1}_{word}",
                f"wn={word}_{n1}",
                f"p2={p2}",
                f"n2={n2}",
                f"shape={_shape(tokens[i][2])}",
                f"quoted={quoted[i]}",
                f"part={4 * i // max(n, 1)}",
                f"length={min(n // 10, 5)}",
            ]
        )
    return out


def token_logits(
    tokens: Sequence[tuple[int, int, str]], index: dict[str, int], w: np.ndarray, b: float
) -> np.ndarray:
    """Logit of each token under a token model (its :func:`token_features` weights)."""
    scores = np.full(len(tokens), b, dtype=np.float64)
    for i, feats in enumerate(token_features(tokens)):
        cols = [index[f] for f in feats if f in index]
        if cols:
            scores[i] += float(w[cols].sum())
    return scores


# -- plain-array building blocks ------------------------------------------------------------


class Vocabulary:
    """Terms -> columns, saved as one newline-joined string (compact, no pickle)."""

    def __init__(self, terms: Sequence[str]) -> None:
        self.terms = list(terms)
        self.index = {t: i for i, t in enumerate(self.terms)}

    def __len__(self) -> int:
        return len(self.terms)

    def to_array(self) -> np.ndarray:
        if any("\n" in t for t in self.terms):
            raise ValueError("a vocabulary term contains a newline")
        return np.frombuffer("\n".join(self.terms).encode("utf-8"), dtype=np.uint8)

    @classmethod
    def from_array(cls, array: np.ndarray) -> Vocabulary:
        text = np.asarray(array, dtype=np.uint8).tobytes().decode("utf-8")
        return cls(text.split("\n") if text else [])


class NgramTfidf:
    """Sublinear TF-IDF over one analyzer's terms (``"word"``), L2-normalised;
    the same figures as scikit-learn's ``TfidfVectorizer(sublinear_tf=True)``."""

    def __init__(self, analyzer: str = "word", min_df: int = 2) -> None:
        if analyzer not in ANALYZERS:
            raise ValueError(f"unknown analyzer {analyzer!r}; use one of {sorted(ANALYZERS)}")
        self.analyzer = analyzer
        self.min_df = min_df

    def fit(self, texts: Sequence[str]) -> NgramTfidf:
        analyze = ANALYZERS[self.analyzer]
        df: Counter[str] = Counter()
        for text in texts:
            df.update(set(analyze(text)))
        terms = sorted(t for t, c in df.items() if c >= self.min_df)
        self.vocabulary_ = Vocabulary(terms)
        n = len(texts)
        self.idf_ = np.array(
            [math.log((1 + n) / (1 + df[t])) + 1.0 for t in terms], dtype=np.float32
        )
        return self

    def rows(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(columns, weights) of each text's row: the sparse matrix without scipy, which is
        what scoring a few sentences at a time needs (building a matrix costs more)."""
        analyze = ANALYZERS[self.analyzer]
        index = self.vocabulary_.index
        out = []
        for text in texts:
            counts = Counter(index[t] for t in analyze(text) if t in index)
            cols = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log([counts[k] for k in cols.tolist()])) * self.idf_[cols]
            norm = float(np.sqrt((weights**2).sum())) or 1.0
            out.append((cols, (weights / norm).astype(np.float32)))
        return out

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        from scipy import sparse

        rows = self.rows(texts)
        indptr = np.r_[0, np.cumsum([len(c) for c, _ in rows])]
        cols = np.concatenate([c for c, _ in rows]) if rows else np.zeros(0, np.int64)
        vals = np.concatenate([v for _, v in rows]) if rows else np.zeros(0, np.float32)
        return sparse.csr_matrix(
            (vals.astype(np.float32), cols, indptr), shape=(len(texts), len(self.vocabulary_))
        )

    def to_arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}terms": self.vocabulary_.to_array(), f"{prefix}idf": self.idf_}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str, analyzer: str) -> NgramTfidf:
        out = cls(analyzer)
        out.vocabulary_ = Vocabulary.from_array(arrays[f"{prefix}terms"])
        out.idf_ = np.asarray(arrays[f"{prefix}idf"], dtype=np.float32)
        return out


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


def best_threshold(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """(threshold, F1) maximising F1 when ``p >= threshold`` is predicted positive.

    The threshold sits halfway between the lowest score kept and the next one below, so a
    score a little under those seen in training still counts.
    """
    y = np.asarray(y, dtype=bool)
    if not y.any():
        return 1.0, 0.0
    order = np.argsort(-p, kind="stable")
    ps = p[order]
    tp = np.cumsum(y[order])
    k = np.arange(1, len(ps) + 1)
    f1 = 2 * tp / (k + y.sum())
    # only cut between distinct scores
    last = np.r_[ps[1:] != ps[:-1], True]
    f1 = np.where(last, f1, -1.0)
    best = int(np.argmax(f1))
    below = ps[best + 1] if best + 1 < len(ps) else 0.0
    return float((ps[best] + below) / 2), float(f1[best])


def platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(a, b) of Platt scaling, ``p = sigmoid(a * score + b)``, fitted on held-out scores."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return 0.0, float(-30.0 if y.max() == 0 else 30.0)
    clf = LogisticRegression(C=1e4, max_iter=1000).fit(scores.reshape(-1, 1), y)
    return float(clf.coef_[0, 0]), float(clf.intercept_[0])


# -- outputs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TechniqueSpan:
    """One technique found in a text: ``text == source_text[start:end]``.

    ``confidence`` is the calibrated probability that the sentence holding the span uses
    ``technique``; ``sentence_confidence`` the probability that it uses any technique.
    ``source`` is ``"model"`` (the rules in :mod:`workbench.suggest.framing` say ``"rule"``).
    """

    start: int
    end: int
    text: str
    technique: str
    confidence: float
    sentence_confidence: float
    disputes: bool
    source: str = "model"

    def record(self, offset: int = 0) -> dict[str, Any]:
        """The JSON shape, offsets shifted by ``offset`` (e.g. the passage's start)."""
        return {
            "technique": self.technique,
            "start": self.start + offset,
            "end": self.end + offset,
            "text": self.text,
            "confidence": round(self.confidence, 4),
            "sentence_confidence": round(self.sentence_confidence, 4),
            "disputes": self.disputes,
            "source": self.source,
        }


@dataclass(frozen=True)
class SentenceTechniques:
    """The detector's verdict on one sentence (offsets into the text given).

    ``probabilities`` holds the calibrated probability of every head (:data:`HEADS`);
    ``flagged`` and ``disputes`` are the thresholded "any" and "dispute" decisions;
    ``techniques`` the techniques over their thresholds, most probable first (only when
    ``flagged``); ``span`` the (start, end) of the technique inside the sentence.
    """

    start: int
    end: int
    probabilities: dict[str, float]
    flagged: bool
    disputes: bool
    techniques: tuple[str, ...]
    span: tuple[int, int] | None


@dataclass
class TrainingDocument:
    """One document for fitting: its sentences in order, their vectors and gold labels.

    ``techniques[i]`` is the set of techniques whose spans overlap sentence ``i``;
    ``spans[i]`` their (start, end) offsets clipped to, and relative to, that sentence;
    ``span_techniques[i]`` the technique of each of those spans, in the same order (empty
    when not known: the dispute token view then learns nothing).
    """

    sentences: list[str]
    vectors: np.ndarray
    techniques: list[set[str]]
    spans: list[list[tuple[int, int]]] = field(default_factory=list)
    id: str = ""
    span_techniques: list[list[str]] = field(default_factory=list)


def label_matrix(techniques: Sequence[set[str]]) -> np.ndarray:
    """0/1 targets of every head (:data:`HEADS`) for sentences with these technique sets."""
    Y = np.zeros((len(techniques), len(HEADS)), dtype=np.int8)
    for i, found in enumerate(techniques):
        Y[i, 0] = bool(found)
        Y[i, 1] = bool(found & DISPUTE_TECHNIQUES)
        for j, name in enumerate(TECHNIQUES, start=2):
            Y[i, j] = name in found
    return Y


# -- the fitted model: numpy only -------------------------------------------------------------

COMBINED = ("any", "dispute")
"""Heads whose probability comes from the combiner of three views rather than Platt scaling."""


class TechniqueModel:
    """A fitted detector as plain arrays, applied with numpy and scipy only.

    Arrays: ``word_terms``/``word_idf`` (the TF-IDF vocabulary), ``dense_mean``/
    ``dense_scale`` (the sentence vector and lexical features' scaler), the sentence heads
    ``W_word``, ``W_dense``, ``b`` (one column per :data:`HEADS`); for "any" and "dispute"
    the network ``M1``, ``m1``, ``M2``, ``m2`` and the NB-LR weights ``N_w``, ``N_b`` (one
    column each) and the combiner ``S_W``, ``S_b`` (rows: LR, network, NB-LR scores, then
    the 14 technique LR scores when ``S_stack`` is 1, then any context features); Platt
    ``calib_a``/``calib_b`` and ``thresholds`` per head; the token model ``T_terms``,
    ``T_w``, ``T_b`` and ``span_threshold``.
    """

    def __init__(self, arrays: dict[str, np.ndarray], card: dict[str, Any]) -> None:
        self.card = card
        self._arrays = arrays
        self.word = NgramTfidf.from_arrays(arrays, "word_", "word")
        f32 = {
            k: np.asarray(arrays[k], dtype=np.float32)
            for k in (
                "dense_mean",
                "dense_scale",
                "W_word",
                "W_dense",
                "M1",
                "m1",
                "M2",
                "N_w",
                "T_w",
            )
        }
        f64 = {
            k: np.asarray(arrays[k], dtype=np.float64)
            for k in ("b", "m2", "N_b", "S_W", "S_b", "calib_a", "calib_b", "thresholds")
        }
        self.dense_mean, self.dense_scale = f32["dense_mean"], f32["dense_scale"]
        self.W_word, self.W_dense, self.b = f32["W_word"], f32["W_dense"], f64["b"]
        self.M1, self.m1, self.M2, self.m2 = f32["M1"], f32["m1"], f32["M2"], f64["m2"]
        self.N_w, self.N_b = f32["N_w"], f64["N_b"]
        self.S_W, self.S_b = f64["S_W"], f64["S_b"]
        self.stacks = bool(np.asarray(arrays.get("S_stack", np.zeros(1))).reshape(-1)[0])
        self.token_view = "A_terms" in arrays
        if self.token_view:
            self.A_vocabulary = Vocabulary.from_array(arrays["A_terms"])
            self.A_w = np.asarray(arrays["A_w"], dtype=np.float32)
            self.A_b = float(np.asarray(arrays["A_b"]).reshape(-1)[0])
        self.dispute_token_view = "D_terms" in arrays
        if self.dispute_token_view:
            self.D_vocabulary = Vocabulary.from_array(arrays["D_terms"])
            self.D_w = np.asarray(arrays["D_w"], dtype=np.float32)
            self.D_b = float(np.asarray(arrays["D_b"]).reshape(-1)[0])
        self.calib_a, self.calib_b = f64["calib_a"], f64["calib_b"]
        self.thresholds = f64["thresholds"]
        self.token_vocabulary = Vocabulary.from_array(arrays["T_terms"])
        self.T_w = f32["T_w"]
        self.T_b = float(np.asarray(arrays["T_b"]).reshape(-1)[0])
        self.span_threshold = float(np.asarray(arrays["span_threshold"]).reshape(-1)[0])
        self.vector_dim = int(self.dense_mean.shape[0]) - len(LEXICAL_FEATURES)

    # -- identity and persistence --

    @property
    def model_id(self) -> str:
        return str(self.card.get("id", "techniques"))

    def to_arrays(self) -> dict[str, np.ndarray]:
        return dict(self._arrays)

    def save(self, path: Path, card_path: Path | None = None) -> None:
        """The arrays (and the card, as UTF-8 bytes) in one ``.npz``; the card as JSON beside
        it (``card_path``, default: the same name ending in ``.json``)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.card = {**self.card, "format": FORMAT}
        arrays = dict(self._arrays)
        arrays["card"] = np.frombuffer(json.dumps(self.card).encode("utf-8"), dtype=np.uint8)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        tmp.replace(path)
        card_path = Path(card_path) if card_path else path.with_suffix(".json")
        card_path.write_text(json.dumps(self.card, indent=2, ensure_ascii=False) + "\n")

    @classmethod
    def load(cls, path: Path | None = None) -> TechniqueModel:
        """The model saved at ``path`` (default: the shipped ``data/techniques.npz``)."""
        path = Path(path) if path is not None else DEFAULT_MODEL_FILE
        try:
            with np.load(path, allow_pickle=False) as data:
                arrays = {k: data[k] for k in data.files}
        except FileNotFoundError:
            raise ModelError(
                f"technique model {path} is missing; build it with `make train-techniques`"
            ) from None
        except (OSError, ValueError) as exc:
            raise ModelError(f"technique model {path} cannot be read: {exc}") from None
        raw_card = arrays.pop("card", None)
        card = json.loads(raw_card.tobytes().decode("utf-8")) if raw_card is not None else {}
        if card.get("format") != FORMAT:
            raise ModelError(
                f"{path} is not a technique model of format {FORMAT} (found "
                f"{card.get('format')!r}); rebuild it with `make train-techniques`"
            )
        return cls(arrays, card)

    # -- scoring --

    def _dense(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(texts):
            raise ModelError(
                f"{len(texts)} sentences but vectors of shape {vectors.shape}; pass one "
                "sentence vector per sentence"
            )
        if vectors.shape[1] != self.vector_dim:
            raise ModelError(
                f"the technique model expects {self.vector_dim}-dimensional vectors of "
                f"{self.card.get('embedding_model', 'its embedding model')}, got "
                f"{vectors.shape[1]}"
            )
        lexical = np.stack([lexical_features(t) for t in texts])
        return (np.hstack([vectors, lexical]) - self.dense_mean) / self.dense_scale

    def view_scores(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Raw scores (logits) of every view: the LR head of each of :data:`HEADS`, then
        the network and the NB-LR score of each :data:`COMBINED` head."""
        n_views = len(HEADS) + 2 * len(COMBINED) + (2 if self.token_view else 0)
        n_views += 2 if self.dispute_token_view else 0
        if not len(texts):
            return np.zeros((0, n_views))
        dense = self._dense(texts, vectors)
        lr = dense @ self.W_dense + self.b
        nb = np.tile(self.N_b, (len(texts), 1))
        for i, (cols, weights) in enumerate(self.word.rows(texts)):
            if len(cols):
                lr[i] += weights @ self.W_word[cols]
                nb[i] += self.N_w[cols].sum(axis=0)  # NB-LR sees binary n-grams
        hidden = np.maximum(dense @ self.M1 + self.m1, 0.0)
        net = hidden @ self.M2 + self.m2
        parts = [lr, net, nb]
        if self.token_view:
            parts.append(self.token_view_scores(texts))
        return np.hstack(parts).astype(np.float64)

    def token_view_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The token view of each sentence: the highest and the mean logit, over its tokens,
        of the token model fitted on every training sentence (token inside any span); then
        the same of the dispute token model (token inside a dispute-subset span) if any."""
        models = [(self.A_vocabulary.index, self.A_w, self.A_b)]
        if self.dispute_token_view:
            models.append((self.D_vocabulary.index, self.D_w, self.D_b))
        out = np.zeros((len(texts), 2 * len(models)), dtype=np.float64)
        for i, text in enumerate(texts):
            tokens = tokenize(text)
            for m, (index, w, b) in enumerate(models):
                logits = token_logits(tokens, index, w, b)
                out[i, 2 * m : 2 * m + 2] = (logits.max(), logits.mean()) if len(logits) else b
        return out

    @property
    def uses_context(self) -> bool:
        """Whether the combiner also reads where each sentence is in its document."""
        return self.S_W.shape[0] > combiner_width(self.stacks, self.token_view)

    def probabilities(
        self, texts: Sequence[str], vectors: np.ndarray, documents: Sequence[int] | None = None
    ) -> np.ndarray:
        """Calibrated probabilities, one column per :data:`HEADS`.

        ``documents`` gives how many of ``texts`` each document holds, in reading order
        (default: ``texts`` are the sentences of one document); a context model reads it.
        """
        views = self.view_scores(texts, vectors)
        context = context_features(texts, documents) if self.uses_context else None
        return probabilities_from_views(
            views, self.calib_a, self.calib_b, self.S_W, self.S_b, context, stack=self.stacks
        )

    def token_scores(self, sentence: str) -> tuple[list[tuple[int, int, str]], np.ndarray]:
        """The tokens of ``sentence`` and the probability that each is inside a technique."""
        tokens = tokenize(sentence)
        return tokens, sigmoid(
            token_logits(tokens, self.token_vocabulary.index, self.T_w, self.T_b)
        )

    def span_in(self, sentence: str) -> tuple[int, int]:
        """Where the technique is in a flagged sentence: from the first to the last token
        over the span threshold (the likeliest token alone when none is)."""
        tokens, p = self.token_scores(sentence)
        if not tokens:
            return 0, len(sentence)
        on = np.flatnonzero(p >= self.span_threshold)
        if not len(on):
            on = np.array([int(np.argmax(p))])
        return tokens[int(on[0])][0], tokens[int(on[-1])][1]

    def analyse_sentences(
        self, texts: Sequence[str], vectors: np.ndarray, documents: Sequence[int] | None = None
    ) -> list[SentenceTechniques]:
        """The verdict on each sentence; offsets are relative to each sentence.

        ``texts`` are in reading order; ``documents`` says how many of them each document
        holds (default: one document).
        """
        probs = self.probabilities(texts, vectors, documents)
        over = probs >= self.thresholds
        out = []
        for i, text in enumerate(texts):
            flagged = bool(over[i, 0])
            found: tuple[str, ...] = ()
            span = None
            if flagged:
                cols = [j for j in range(2, len(HEADS)) if over[i, j]]
                if not cols:  # flagged, no technique over its own threshold: the likeliest
                    cols = [2 + int(np.argmax(probs[i, 2:]))]
                cols.sort(key=lambda j: -probs[i, j])
                found = tuple(HEADS[j] for j in cols)
                span = self.span_in(text)
            out.append(
                SentenceTechniques(
                    start=0,
                    end=len(text),
                    probabilities={h: float(probs[i, j]) for j, h in enumerate(HEADS)},
                    flagged=flagged,
                    disputes=bool(over[i, 1]),
                    techniques=found,
                    span=span,
                )
            )
        return out

    def detect(
        self, text: str, sentences: Sequence[tuple[int, int]], vectors: np.ndarray
    ) -> list[TechniqueSpan]:
        """Technique spans in ``text`` (a passage or a whole document).

        Args:
            text: the text the offsets refer to.
            sentences: (start, end) of each sentence of ``text``, in order.
            vectors: one sentence vector per sentence from the embedding stage
                (all-MiniLM-L6-v2, L2-normalised), in the same order.

        Returns:
            One span per flagged sentence and technique, offsets into ``text``; within a
            sentence the most probable technique comes first.
        """
        verdicts = self.analyse_sentences([text[s:e] for s, e in sentences], vectors)
        spans = []
        for (s, _), verdict in zip(sentences, verdicts, strict=True):
            if verdict.span is None:
                continue
            a, b = s + verdict.span[0], s + verdict.span[1]
            for name in verdict.techniques:
                spans.append(
                    TechniqueSpan(
                        start=a,
                        end=b,
                        text=text[a:b],
                        technique=name,
                        confidence=verdict.probabilities[name],
                        sentence_confidence=verdict.probabilities["any"],
                        disputes=verdict.disputes and name in DISPUTE_TECHNIQUES,
                    )
                )
        return spans


def probabilities_from_views(
    views: np.ndarray,
    calib_a: np.ndarray,
    calib_b: np.ndarray,
    S_W: np.ndarray,
    S_b: np.ndarray,
    context: np.ndarray | None = None,
    *,
    stack: bool = False,
) -> np.ndarray:
    """Per-head probabilities from view scores: Platt scaling of each head's LR score, then
    the combiner's output for the :data:`COMBINED` heads (which also reads the technique
    heads' scores when ``stack``, and ``context``, the :func:`context_features`, when
    ``S_W`` has rows for them)."""
    n = len(HEADS)
    probs = sigmoid(calib_a * views[:, :n] + calib_b)
    token_view = views.shape[1] > n + 2 * len(COMBINED)
    reads_context = S_W.shape[0] > combiner_width(stack, token_view)
    for j in range(len(COMBINED)):
        inputs = combiner_inputs(views, j, context if reads_context else None, stack=stack)
        probs[:, j] = sigmoid(inputs @ S_W[:, j] + S_b[j])
    return probs


def combiner_width(stack: bool, token_view: bool = False) -> int:
    """Inputs of a combiner before any context features: three view scores, the
    technique heads' scores when it stacks them, two token-view scores when there are."""
    return 3 + (len(TECHNIQUES) if stack else 0) + (2 if token_view else 0)


def combiner_inputs(
    views: np.ndarray, j: int, context: np.ndarray | None, *, stack: bool = False
) -> np.ndarray:
    """What the combiner of :data:`COMBINED` head ``j`` reads: the LR, network and NB-LR
    scores of that head; with ``stack``, the LR scores of the 14 technique heads (a
    sentence holding a likely Doubt or Slogan holds a technique, whatever the any head's
    own view says); the two token-view scores when ``views`` has them (the dispute
    combiner those of the dispute token model when there is one); then the context
    features when there are any."""
    n = len(HEADS)
    parts = [views[:, [j, n + j, n + len(COMBINED) + j]]]
    if stack:
        parts.append(views[:, len(COMBINED) : n])
    extra = n + 2 * len(COMBINED)
    if views.shape[1] > extra:
        at = extra + (2 * j if views.shape[1] >= extra + 4 else 0)
        parts.append(views[:, at : at + 2])
    if context is not None:
        parts.append(context)
    return np.hstack(parts) if len(parts) > 1 else parts[0]


def load_model(path: Path | None = None) -> TechniqueModel:
    """The technique model at ``path``, by default the one shipped with the workbench."""
    return TechniqueModel.load(path)


# -- fitting: scikit-learn, imported only here -----------------------------------------------


def _fit_lr(X: Any, y: np.ndarray, C: float) -> tuple[np.ndarray, float]:
    """Weights and bias of a logistic regression (a constant when ``y`` has one class)."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=int)
    if y.min() == y.max():
        return np.zeros(X.shape[1]), -30.0 if y.max() == 0 else 30.0
    clf = LogisticRegression(C=C, solver="liblinear", max_iter=5000)
    clf.fit(X, y)
    return clf.coef_[0].astype(np.float64), float(clf.intercept_[0])


COMBINER_CS: tuple[float, ...] = (0.01, 0.03, 0.1, 0.3, 1.0)
"""The inverse regularisations the any/dispute combiner chooses from."""


def choose_C(
    X: np.ndarray, y: np.ndarray, groups: np.ndarray, Cs: Sequence[float] = COMBINER_CS
) -> float:
    """The ``C`` of a logistic regression with the lowest log loss on held-out groups
    (each group scored by a fit on the others); the smaller ``C`` on a tie."""
    from sklearn.linear_model import LogisticRegression

    y = np.asarray(y, dtype=int)
    best: tuple[float, float] | None = None
    for C in sorted(Cs):
        p = np.zeros(len(y))
        for g in np.unique(groups):
            held = groups == g
            if y[~held].min() == y[~held].max():
                p[held] = y[~held].mean()
                continue
            clf = LogisticRegression(C=C, max_iter=2000).fit(X[~held], y[~held])
            p[held] = clf.predict_proba(X[held])[:, 1]
        p = np.clip(p, 1e-9, 1 - 1e-9)
        loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
        if best is None or loss < best[0] - 1e-9:
            best = (loss, C)
    return float(best[1]) if best else 1.0


def group_folds(doc_sizes: Sequence[int], k: int) -> list[np.ndarray]:
    """Sentence indices of ``k`` folds of whole documents (dealt round-robin by size, so
    folds hold similar numbers of sentences); deterministic."""
    k = max(2, min(k, len(doc_sizes)))
    starts = np.r_[0, np.cumsum(doc_sizes)].astype(np.int64)
    order = sorted(range(len(doc_sizes)), key=lambda d: (-doc_sizes[d], d))
    folds: list[list[int]] = [[] for _ in range(k)]
    for rank, d in enumerate(order):
        folds[rank % k].extend(range(starts[d], starts[d + 1]))
    return [np.array(sorted(f), dtype=np.int64) for f in folds]


class TechniqueDetector:
    """Fits a :class:`TechniqueModel` (scikit-learn estimator conventions).

    Args:
        C: inverse regularisation of the sentence heads.
        word_min_df: keep word n-grams found in at least this many training sentences.
        hidden: units of the network's hidden layer.
        networks: networks per combined head (seeds ``random_state``, ``random_state + 1``,
            ...); their scores are averaged.
        alpha: L2 penalty of the network.
        nb_C: inverse regularisation of the NB-LR view.
        token_C: inverse regularisation of the token (span) model.
        token_min_df: keep token features seen at least this often.
        span_threshold: token probability from which a token belongs to the span.
        inner_folds: folds (by document) of the cross-validation inside ``fit`` whose
            held-out scores the combiner, the calibration and the thresholds learn from.
        context: the any/dispute combiner also reads where the sentence is in its document
            (:data:`CONTEXT_FEATURES`): a passage is read within its document.
        stack: the any/dispute combiner also reads the 14 technique heads' scores.
        combiner_C: inverse regularisation of the any/dispute combiner; ``None`` chooses it
            from :data:`COMBINER_CS` by a cross-validation by document of the held-out view
            scores (inside ``fit``, so on training documents only).
        token_view: the any/dispute combiner also reads a token view: a token model fitted
            on every training sentence (is this token inside any technique span?), the
            highest and the mean token logit of the sentence. It sees local wording (a
            word with its neighbours, inside quotes or not) that the sentence vector blurs.
        token_view_C: inverse regularisation of the token view's model.
        token_view_min_df: keep its token features seen at least this often.
        token_view_terms: keep at most this many of its features, the largest weights (so
            the shipped file stays small).
        dispute_token_view: with ``token_view``, a second token model fitted on the dispute
            subset's spans only, read by the dispute combiner instead of the first (needs
            the documents' ``span_techniques``). Off: measured by 5-fold CV by article it
            moved dispute F1 by +0.001 (0.549 -> 0.550, -0.004 to +0.005 per fold).
        random_state: seed of the network.
    """

    def __init__(
        self,
        C: float = 0.3,
        word_min_df: int = 2,
        hidden: int = 256,
        networks: int = 1,
        alpha: float = 0.01,
        nb_C: float = 0.1,
        token_C: float = 0.5,
        token_min_df: int = 2,
        span_threshold: float = 0.3,
        inner_folds: int = 4,
        context: bool = False,
        stack: bool = True,
        combiner_C: float | None = None,
        token_view: bool = True,
        token_view_C: float = 0.5,
        token_view_min_df: int = 3,
        token_view_terms: int = 30000,
        dispute_token_view: bool = False,
        random_state: int = 0,
    ) -> None:
        self.C = C
        self.word_min_df = word_min_df
        self.hidden = hidden
        self.networks = networks
        self.alpha = alpha
        self.nb_C = nb_C
        self.token_C = token_C
        self.token_min_df = token_min_df
        self.span_threshold = span_threshold
        self.inner_folds = inner_folds
        self.context = context
        self.stack = stack
        self.combiner_C = combiner_C
        self.token_view = token_view
        self.token_view_C = token_view_C
        self.token_view_min_df = token_view_min_df
        self.token_view_terms = token_view_terms
        self.dispute_token_view = dispute_token_view
        self.random_state = random_state

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        names = (
            "C",
            "word_min_df",
            "hidden",
            "networks",
            "alpha",
            "nb_C",
            "token_C",
            "token_min_df",
            "span_threshold",
            "inner_folds",
            "context",
            "stack",
            "combiner_C",
            "token_view",
            "token_view_C",
            "token_view_min_df",
            "token_view_terms",
            "dispute_token_view",
            "random_state",
        )
        return {k: getattr(self, k) for k in names}

    def set_params(self, **params: Any) -> TechniqueDetector:
        for key, value in params.items():
            if key not in self.get_params():
                raise ValueError(f"unknown parameter {key!r}")
            setattr(self, key, value)
        return self

    # -- the views --

    def _views(
        self,
        texts: Sequence[str],
        dense: np.ndarray,
        Y: np.ndarray,
        spans: Sequence[Sequence[tuple[int, int]]] | None = None,
        span_names: Sequence[Sequence[str]] | None = None,
    ) -> dict:
        """Fit the TF-IDF, the scaler and every view on these sentences (no calibration);
        ``spans`` (each sentence's gold spans) feed the token view, ``span_names`` (their
        techniques) the dispute token view."""
        from scipy import sparse
        from sklearn.neural_network import MLPClassifier

        word = NgramTfidf("word", self.word_min_df).fit(texts)
        mean = dense.mean(axis=0)
        # Scaled so the dense block weighs about as much as one unit-norm TF-IDF row.
        scale = (dense.std(axis=0) + 1e-6) * math.sqrt(dense.shape[1])
        Z = (dense - mean) / scale
        tfidf = word.transform(texts)
        X = sparse.hstack([tfidf, sparse.csr_matrix(Z)]).tocsr()
        W = np.zeros((X.shape[1], len(HEADS)))
        b = np.zeros(len(HEADS))
        for j in range(len(HEADS)):
            W[:, j], b[j] = _fit_lr(X, Y[:, j], self.C)
        nw = len(word.vocabulary_)

        # The network sees standardised inputs: fold the extra sqrt(d) into its first layer.
        root = math.sqrt(dense.shape[1])
        nets: list[tuple[int, np.ndarray, np.ndarray, np.ndarray, float]] = []
        m2 = np.zeros(len(COMBINED))
        binary = tfidf.copy()
        binary.data[:] = 1.0
        N_w = np.zeros((nw, len(COMBINED)))
        N_b = np.zeros(len(COMBINED))
        for j in range(len(COMBINED)):
            y = Y[:, j].astype(int)
            if y.min() == y.max():
                m2[j] = -30.0 if y.max() == 0 else 30.0
                N_b[j] = m2[j]
                continue
            for seed in range(self.networks):
                net = MLPClassifier(
                    hidden_layer_sizes=(self.hidden,),
                    alpha=self.alpha,
                    early_stopping=True,
                    random_state=self.random_state + seed,
                    max_iter=200,
                )
                net.fit(Z * root, y)
                nets.append(
                    (
                        j,
                        net.coefs_[0] * root,
                        net.intercepts_[0],
                        net.coefs_[1][:, 0],
                        float(net.intercepts_[1][0]),
                    )
                )
            pos = np.asarray(binary[y == 1].sum(axis=0)).ravel() + 1.0
            neg = np.asarray(binary[y == 0].sum(axis=0)).ravel() + 1.0
            ratio = np.log((pos / pos.sum()) / (neg / neg.sum()))
            w, N_b[j] = _fit_lr(binary.multiply(ratio).tocsr(), y, self.nb_C)
            N_w[:, j] = w * ratio
        token_view: dict[str, np.ndarray] = {}
        targets = []
        if self.token_view and spans is not None:
            targets.append(("A", spans))
            if self.dispute_token_view and span_names and any(span_names):
                kept = [
                    [s for s, t in zip(found, names, strict=True) if t in DISPUTE_TECHNIQUES]
                    for found, names in zip(spans, span_names, strict=True)
                ]
                targets.append(("D", kept))
        for prefix, target in targets:
            vocab, w, bias = self._fit_token_lr(
                texts, target, C=self.token_view_C, min_df=self.token_view_min_df, every=True
            )
            if len(vocab) > self.token_view_terms:
                keep = np.sort(np.argsort(-np.abs(w), kind="stable")[: self.token_view_terms])
                vocab, w = Vocabulary([vocab.terms[k] for k in keep]), w[keep]
            token_view[f"{prefix}_terms"] = vocab.to_array()
            token_view[f"{prefix}_w"] = np.asarray(w, dtype=np.float32)
            token_view[f"{prefix}_b"] = np.array([bias])
        return {
            **token_view,
            **word.to_arrays("word_"),
            "dense_mean": mean.astype(np.float32),
            "dense_scale": scale.astype(np.float32),
            "W_word": W[:nw].astype(np.float32),
            "W_dense": W[nw:].astype(np.float32),
            "b": b,
            **_stack_networks(nets, m2, dense.shape[1], self.hidden),
            "N_w": N_w.astype(np.float32),
            "N_b": N_b,
        }

    def _token_model(self, docs: Sequence[TrainingDocument]) -> dict[str, np.ndarray]:
        """Token-in-span model, fitted on the tokens of sentences that hold a technique."""
        vocab, w, bias = self._fit_token_lr(
            [s for d in docs for s in d.sentences],
            [s for d in docs for s in (d.spans or [[]] * len(d.sentences))],
            C=self.token_C,
            min_df=self.token_min_df,
            every=False,
        )
        return {
            "T_terms": vocab.to_array(),
            "T_w": np.asarray(w, dtype=np.float32),
            "T_b": np.array([bias]),
            "span_threshold": np.array([self.span_threshold]),
        }

    @staticmethod
    def _fit_token_lr(
        sentences: Sequence[str],
        spans: Sequence[Sequence[tuple[int, int]]],
        *,
        C: float,
        min_df: int,
        every: bool,
    ) -> tuple[Vocabulary, np.ndarray, float]:
        """A token-in-span logistic regression over :func:`token_features`, fitted on the
        tokens of every sentence (``every``) or only of sentences holding a span."""
        from scipy import sparse

        feats: list[list[str]] = []
        labels: list[int] = []
        for sentence, found in zip(sentences, spans, strict=True):
            if not found and not every:
                continue
            tokens = tokenize(sentence)
            feats.extend(token_features(tokens))
            labels.extend(int(any(a < e and b > s for a, b in found)) for s, e, _ in tokens)
        df: Counter[str] = Counter(f for row in feats for f in row)
        vocab = Vocabulary(sorted(f for f, c in df.items() if c >= min_df))
        rows, cols = [], []
        for r, row in enumerate(feats):
            for f in set(row):
                k = vocab.index.get(f)
                if k is not None:
                    rows.append(r)
                    cols.append(k)
        X = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(feats), len(vocab)))
        w, bias = (
            _fit_lr(X, np.asarray(labels, dtype=int), C)
            if len(vocab) and labels
            else (np.zeros(len(vocab)), 0.0)
        )
        return vocab, np.asarray(w, dtype=np.float64), float(bias)

    # -- the estimator --

    def fit(
        self, docs: Sequence[TrainingDocument], card: dict[str, Any] | None = None
    ) -> TechniqueDetector:
        """Fit every part on ``docs``; the fitted model is ``self.model_``.

        An ``inner_folds``-fold cross-validation by document first gives held-out view
        scores for every sentence; the combiner, the Platt calibration and the thresholds
        are fitted on those. Then the views are refitted on all documents.
        """
        from sklearn.linear_model import LogisticRegression

        docs = [d for d in docs if d.sentences]
        if len(docs) < 2:
            raise ValueError("the technique detector needs at least two documents to fit")
        texts = [s for d in docs for s in d.sentences]
        vectors = np.vstack([np.asarray(d.vectors, dtype=np.float32) for d in docs])
        if vectors.shape[0] != len(texts):
            raise ValueError("each document needs one vector per sentence")
        dense = np.hstack([vectors, np.stack([lexical_features(t) for t in texts])])
        Y = label_matrix([t for d in docs for t in d.techniques])
        sizes = [len(d.sentences) for d in docs]
        spans = [s for d in docs for s in (d.spans or [[]] * len(d.sentences))]
        names = [s for d in docs for s in (d.span_techniques or [[]] * len(d.sentences))]
        dispute_view = self.token_view and self.dispute_token_view and any(names)

        n_views = len(HEADS) + 2 * len(COMBINED) + (2 if self.token_view else 0)
        n_views += 2 if dispute_view else 0
        views = np.zeros((len(texts), n_views))
        everything = np.arange(len(texts))
        for fold in group_folds(sizes, self.inner_folds):
            train = np.setdiff1d(everything, fold)
            fitted = self._views(
                [texts[i] for i in train],
                dense[train],
                Y[train],
                [spans[i] for i in train],
                [names[i] for i in train] if dispute_view else None,
            )
            part = TechniqueModel({**fitted, **_EMPTY_REST}, {})
            views[fold] = part.view_scores([texts[i] for i in fold], vectors[fold])

        n = len(HEADS)
        calib_a = np.zeros(n)
        calib_b = np.zeros(n)
        for j in range(n):
            calib_a[j], calib_b[j] = platt(views[:, j], Y[:, j])
        context = context_features(texts, sizes) if self.context else None
        width = combiner_width(self.stack, self.token_view)
        width += 0 if context is None else context.shape[1]
        S_W = np.zeros((width, len(COMBINED)))
        S_b = np.zeros(len(COMBINED))
        combiner_Cs: dict[str, float] = {}
        inner_of = np.zeros(len(texts), dtype=np.int64)
        for k, fold in enumerate(group_folds(sizes, self.inner_folds)):
            inner_of[fold] = k
        for j, name in enumerate(COMBINED):
            inputs = combiner_inputs(views, j, context, stack=self.stack)
            if Y[:, j].min() == Y[:, j].max():
                S_b[j] = -30.0 if Y[:, j].max() == 0 else 30.0
                continue
            C = self.combiner_C
            if C is None:
                C = choose_C(inputs, Y[:, j], inner_of)
            combiner_Cs[name] = C
            clf = LogisticRegression(C=C, max_iter=2000).fit(inputs, Y[:, j])
            S_W[:, j], S_b[j] = clf.coef_[0], clf.intercept_[0]
        probs = probabilities_from_views(
            views, calib_a, calib_b, S_W, S_b, context, stack=self.stack
        )
        thresholds = np.ones(n)
        inner_f1 = {}
        for j, name in enumerate(HEADS):
            thresholds[j], inner_f1[name] = best_threshold(Y[:, j], probs[:, j])

        arrays = self._views(texts, dense, Y, spans, names if dispute_view else None)
        arrays.update(self._token_model(docs))
        arrays.update(
            {
                "S_W": S_W,
                "S_b": S_b,
                "S_stack": np.array([int(self.stack)]),
                "calib_a": calib_a,
                "calib_b": calib_b,
                "thresholds": thresholds,
            }
        )
        card = dict(card or {})
        card.update(
            {
                "format": FORMAT,
                "heads": list(HEADS),
                "thresholds": {
                    h: round(float(t), 4) for h, t in zip(HEADS, thresholds, strict=True)
                },
                "inner_cv_f1": {h: round(f, 4) for h, f in inner_f1.items()},
                "params": self.get_params(),
                "combiner_C": combiner_Cs,
                "training_documents": len(docs),
                "training_sentences": len(texts),
                "positive_sentences": {h: int(Y[:, j].sum()) for j, h in enumerate(HEADS)},
                "vocabulary": {
                    "word": len(Vocabulary.from_array(arrays["word_terms"])),
                    "token": len(Vocabulary.from_array(arrays["T_terms"])),
                    "token_view": len(Vocabulary.from_array(arrays["A_terms"]))
                    if "A_terms" in arrays
                    else 0,
                    "dispute_token_view": len(Vocabulary.from_array(arrays["D_terms"]))
                    if "D_terms" in arrays
                    else 0,
                },
            }
        )
        self.model_ = TechniqueModel(arrays, card)
        return self

    def predict_proba(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Calibrated probabilities of every head (columns :data:`HEADS`)."""
        return self.model_.probabilities(texts, vectors)


def _stack_networks(
    nets: Sequence[tuple[int, np.ndarray, np.ndarray, np.ndarray, float]],
    m2: np.ndarray,
    dim: int,
    hidden: int,
) -> dict[str, np.ndarray]:
    """The networks (head, first-layer weights and bias, output weights and bias) as one
    wider network: hidden units side by side, each network's output weights in its head's
    column, divided by the number of networks of that head so the head gets their mean."""
    counts = Counter(j for j, *_ in nets)
    wide1 = np.zeros((dim, hidden * len(nets)))
    bias1 = np.zeros(hidden * len(nets))
    out = np.zeros((hidden * len(nets), len(COMBINED)))
    m2 = m2.astype(np.float64).copy()
    for j in counts:
        m2[j] = 0.0
    for k, (j, w1, b1, w2, b2) in enumerate(nets):
        cols = slice(k * hidden, (k + 1) * hidden)
        wide1[:, cols] = w1
        bias1[cols] = b1
        out[cols, j] = w2 / counts[j]
        m2[j] += b2 / counts[j]
    return {
        "M1": wide1.astype(np.float32),
        "m1": bias1.astype(np.float32),
        "M2": out.astype(np.float32),
        "m2": m2,
    }


_EMPTY_REST: dict[str, np.ndarray] = {
    "T_terms": np.zeros(0, dtype=np.uint8),
    "T_w": np.zeros(0, dtype=np.float32),
    "T_b": np.zeros(1),
    "span_threshold": np.ones(1),
    "S_W": np.zeros((3, len(COMBINED))),
    "S_b": np.zeros(len(COMBINED)),
    "calib_a": np.ones(len(HEADS)),
    "calib_b": np.zeros(len(HEADS)),
    "thresholds": np.full(len(HEADS), 0.5),
}
"""Placeholders that let the views of one inner fold be scored through TechniqueModel."""


def documents_from_spans(
    texts: Sequence[Sequence[str]],
    vectors: Sequence[np.ndarray],
    sentence_starts: Sequence[Sequence[int]],
    spans: Sequence[Iterable[tuple[str, int, int]]],
    ids: Sequence[str] | None = None,
) -> list[TrainingDocument]:
    """Training documents from sentences with their document offsets and gold
    (technique, start, end) spans in document coordinates."""
    docs = []
    for k, (sents, vecs, starts, gold) in enumerate(
        zip(texts, vectors, sentence_starts, spans, strict=True)
    ):
        gold = list(gold)
        found: list[set[str]] = []
        local: list[list[tuple[int, int]]] = []
        names: list[list[str]] = []
        for sentence, start in zip(sents, starts, strict=True):
            end = start + len(sentence)
            hits = [(t, a, b) for t, a, b in gold if a < end and b > start]
            found.append({t for t, _, _ in hits})
            local.append([(max(a, start) - start, min(b, end) - start) for _, a, b in hits])
            names.append([t for t, _, _ in hits])
        docs.append(
            TrainingDocument(
                list(sents),
                np.asarray(vecs),
                found,
                local,
                ids[k] if ids is not None else str(k),
                names,
            )
        )
    return docs
