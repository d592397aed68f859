"""The relation suggester: how two aligned passages relate, with a confidence and reasons.

Two learned parts, both scikit-learn-style estimators saved as plain arrays:

1. :class:`workbench.suggest.stance.StanceModel` reads one text as a claim and the other as a body
   and gives P(agree, disagree, discuss, unrelated), the FNC-1 labels. For a passage pair it
   runs in both directions and the two are averaged, since neither passage is a headline.
2. :class:`RelationHead`, a multinomial logistic regression over :data:`PAIR_FEATURES`:
   the stance probabilities, the similarity of the pair, the comparison of specifics
   (shared and conflicting numbers, dates, names; negations) and the framing cues of each
   side. It outputs the five relations analysts tag with. The cues and the specifics are
   features whose weights are learned, not rules that decide.

:class:`RelationModel` bundles the two with the stance featurizer and a model card, and
saves them in one ``.npz`` (``allow_pickle=False``) with the card as JSON inside and beside
it. The reasons given with a suggestion are the features that pushed the chosen relation
up most (their contributions to the head's score) and the specifics and cue texts behind
them, kept as structured facts; :mod:`workbench.views.evidence` puts them into words.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import ConfigError
from workbench.ingest.segment import split_sentences
from workbench.models import Relation
from workbench.suggest import compare, framing, writer
from workbench.suggest.stance import (
    FEATURE_NAMES,
    STANCES,
    PassageSide,
    StanceFeaturizer,
    StanceModel,
    body_sentences,
    concat_sides,
    passage_side,
    prepare,
    transform_sides,
)

RELATIONS = tuple(r.value for r in Relation)
STANCE_TO_RELATION = {
    "agree": "corroborates",
    "disagree": "contradicts",
    "discuss": "related",
    "unrelated": "unrelated",
}
RELATION_TO_STANCE = {
    "corroborates": "agree",
    "contradicts": "disagree",
    "disputes_framing": "discuss",
    "related": "discuss",
    "unrelated": "unrelated",
}
FORMAT = "workbench.relation-model/1"
MAX_CLAIM_SENTENCES = 8
DEFAULT_MODEL_FILE = "data/relation-model.npz"

PAIR_FEATURES = (
    "stance_agree",
    "stance_disagree",
    "stance_discuss",
    "stance_unrelated",
    "stance_disagree_max",
    "similarity",
    "lexical_overlap",
    "shared_numbers",
    "shared_dates",
    "shared_names",
    "conflicting",
    "one_sided_numbers",
    "negation_asymmetry",
    "framing_max",
    "disputes_either",
    "dismissal",
    "sarcasm",
    "source_attack",
    "hedge",
    "scare_quote",
    "attribution",
    *writer.PAIR_FEATURES,
    "one_sided_names",
    "name_overlap",
)


@dataclass
class PairEvidence:
    """What the head's features were computed from, kept to explain a suggestion."""

    comparison: compare.Comparison
    framing_a: framing.Framing
    framing_b: framing.Framing
    stance: np.ndarray  # mean over both directions, STANCES order
    similarity: float
    features: np.ndarray = field(default_factory=lambda: np.zeros(len(PAIR_FEATURES)))
    writer_a: writer.PassageStance | None = None
    writer_b: writer.PassageStance | None = None
    claim_a: int = 0
    """The sentence of passage a the pair rests on (its most related to b)."""
    claim_b: int = 0
    claim_span_a: tuple[int, int] = (0, 0)
    """Character offsets of sentence ``claim_a`` in passage a's text."""
    claim_span_b: tuple[int, int] = (0, 0)
    """Character offsets of sentence ``claim_b`` in passage b's text."""


def claim_span(text: str, index: int) -> tuple[int, int]:
    """Offsets in ``text`` of its claim sentence ``index``, as :meth:`RelationModel.directed`
    reads them: the first :data:`MAX_CLAIM_SENTENCES` sentences, the whole text if none."""
    spans = split_sentences(text)[:MAX_CLAIM_SENTENCES]
    if not spans:
        return (0, len(text))
    start, end = spans[min(index, len(spans) - 1)]
    return (int(start), int(end))


@dataclass
class RelationFeatures:
    """What :class:`RelationModel` reads from each passage, built once per passage
    (:meth:`RelationModel.passage_features`): the stance featurizer's passage side, the
    framing cues and the specifics."""

    side: PassageSide
    framings: list[framing.Framing]
    items: list[list[compare.Item]]
    writers: list[writer.PassageStance] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.side.texts)

    @classmethod
    def concat(cls, parts: Sequence[RelationFeatures]) -> RelationFeatures:
        """The features of every passage of ``parts``, in order (as if read together)."""
        return cls(
            concat_sides([p.side for p in parts]),
            [f for p in parts for f in p.framings],
            [i for p in parts for i in p.items],
            [w for p in parts for w in p.writers],
        )


def head_features(
    stance_ab: np.ndarray,
    stance_ba: np.ndarray | None,
    similarity: float,
    lexical: float,
    comparison: compare.Comparison,
    framing_a: framing.Framing,
    framing_b: framing.Framing,
    writer_a: writer.PassageStance,
    writer_b: writer.PassageStance,
) -> np.ndarray:
    """The :data:`PAIR_FEATURES` row of one pair."""
    stance = stance_ab if stance_ba is None else (stance_ab + stance_ba) / 2
    disagree_max = stance_ab[1] if stance_ba is None else max(stance_ab[1], stance_ba[1])
    counts = comparison.counts
    ca = framing.cue_counts(framing_a.cues)
    cb = framing.cue_counts(framing_b.cues)
    neg_a, neg_b = counts.get("negation_a", 0), counts.get("negation_b", 0)
    names = compare.KINDS[2:6]
    shared_names = len({a.value for a, _ in comparison.shared if a.kind in names})
    one_sided_names = len(
        {i.value for i in (*comparison.a_only, *comparison.b_only) if i.kind in names}
    )
    return np.array(
        [
            *stance,
            disagree_max,
            similarity,
            lexical,
            math.log1p(counts.get("shared_numbers", 0)),
            math.log1p(counts.get("shared_dates", 0)),
            math.log1p(counts.get("shared_names", 0)),
            math.log1p(counts.get("conflicting", 0)),
            math.log1p(counts.get("one_sided_numbers", 0)),
            abs(neg_a - neg_b) / (1 + neg_a + neg_b),
            max(framing_a.score, framing_b.score),
            float(framing_a.disputes or framing_b.disputes),
            *(
                max(ca[k], cb[k])
                for k in ("dismissal", "sarcasm", "source_attack", "hedge", "scare_quote")
            ),
            math.log1p(max(ca["attribution"], cb["attribution"])),
            *writer.pair_features(writer_a, writer_b),
            math.log1p(one_sided_names),
            shared_names / max(1, shared_names + one_sided_names),
        ],
        dtype=np.float64,
    )


class RelationHead:
    """Multinomial logistic regression from pair features to relations.

    Args:
        C: inverse L2 regularisation strength.
        class_weight: ``None`` or ``"balanced"``.
    """

    def __init__(self, C: float = 1.0, class_weight: str | None = None) -> None:
        self.C = C
        self.class_weight = class_weight

    def fit(
        self, X: np.ndarray, y: Sequence[str], sample_weight: np.ndarray | None = None
    ) -> RelationHead:
        from sklearn.linear_model import LogisticRegression

        X = np.asarray(X, dtype=np.float64)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-6
        model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=5000)
        model.fit((X - self.mean_) / self.scale_, np.asarray(y), sample_weight=sample_weight)
        self.classes_ = np.asarray(model.classes_).astype(str)
        coef = np.asarray(model.coef_, dtype=np.float64)
        intercept = np.asarray(model.intercept_, dtype=np.float64)
        if len(self.classes_) == 2:  # binary LR keeps one row: make it symmetric softmax
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
            intercept = np.array([-intercept[0] / 2, intercept[0] / 2])
        self.coef_ = coef
        self.intercept_ = intercept
        self.columns_ = np.arange(X.shape[1])
        return self

    def _read(self, X: np.ndarray) -> np.ndarray:
        """The columns of ``X`` this head was fitted on (a head fitted on fewer features
        than :data:`PAIR_FEATURES`, such as one saved before features were added, reads
        the leading ones)."""
        X = np.atleast_2d(np.asarray(X, dtype=np.float64))
        return X[:, self.columns_]

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        Z = (self._read(X) - self.mean_) / self.scale_
        return Z @ self.coef_.T + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raw = self.decision_function(X)
        raw -= raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def contributions(self, x: np.ndarray, cls: int) -> np.ndarray:
        """How much each feature of ``x`` raises class ``cls`` against the average class."""
        x = np.asarray(x, dtype=np.float64)
        z = (self._read(x)[0] - self.mean_) / self.scale_
        coef = self.coef_[cls] - self.coef_.mean(axis=0)
        out = np.zeros(len(x))
        out[self.columns_] = z * coef
        return out

    def to_arrays(self, prefix: str = "head_") -> dict[str, np.ndarray]:
        return {
            f"{prefix}mean": self.mean_,
            f"{prefix}scale": self.scale_,
            f"{prefix}coef": self.coef_,
            f"{prefix}intercept": self.intercept_,
            f"{prefix}classes": self.classes_.astype(str),
            f"{prefix}C": np.array(self.C),
            f"{prefix}columns": np.asarray(self.columns_, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: dict[str, Any], prefix: str = "head_") -> RelationHead:
        head = cls(C=float(arrays[f"{prefix}C"]))
        head.mean_ = np.asarray(arrays[f"{prefix}mean"], dtype=np.float64)
        head.scale_ = np.asarray(arrays[f"{prefix}scale"], dtype=np.float64)
        head.coef_ = np.asarray(arrays[f"{prefix}coef"], dtype=np.float64)
        head.intercept_ = np.asarray(arrays[f"{prefix}intercept"], dtype=np.float64)
        head.classes_ = np.asarray(arrays[f"{prefix}classes"]).astype(str)
        columns = arrays.get(f"{prefix}columns")
        head.columns_ = (
            np.arange(head.coef_.shape[1])
            if columns is None
            else np.asarray(columns, dtype=np.int64)
        )
        return head

    def to_dict(self) -> dict[str, Any]:
        return {k: np.asarray(v).tolist() for k, v in self.to_arrays("").items()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RelationHead:
        return cls.from_arrays({k: np.asarray(v) for k, v in data.items()}, "")


_SIMILARITY = FEATURE_NAMES.index("emb_top3")
_LEXICAL = FEATURE_NAMES.index("tfidf_body")


@dataclass
class Suggestion:
    """A relation with its confidence, the probabilities and the reasons behind it."""

    relation: str
    confidence: float
    probabilities: dict[str, float]
    reasons: list[dict[str, Any]]
    evidence: PairEvidence


class RelationModel:
    """Stance model + relation head, with the card that says how they were made."""

    def __init__(self, stance: StanceModel, head: RelationHead, card: dict[str, Any]) -> None:
        self.stance = stance
        self.head = head
        self.card = card

    @property
    def model_id(self) -> str:
        return str(self.card.get("id", "relation-model"))

    # -- features --------------------------------------------------------------------

    def stance_features(
        self,
        claims: Sequence[str],
        bodies: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
    ) -> np.ndarray:
        texts = prepare(claims, bodies, encode)
        index = np.arange(len(claims))
        return self.stance.featurizer.transform(texts, index, index)

    def directed(
        self,
        claims: Sequence[str],
        bodies: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Stance of each body towards its claim passage, read sentence by sentence.

        The stance model was trained on one-sentence headlines, so each sentence of the
        claim passage (at most :data:`MAX_CLAIM_SENTENCES`) is a claim of its own. The
        passage is as related as its most related sentence; among related readings, each
        sentence counts by how related it is. Returns (probabilities in :data:`STANCES`
        order, similarity, lexical overlap, the index of the most related sentence) per
        pair, similarity and overlap from the most related sentence.
        """
        owner: list[int] = []
        claim_sentences: list[str] = []
        for i, claim in enumerate(claims):
            parts = [claim[s:e] for s, e in split_sentences(claim)][:MAX_CLAIM_SENTENCES]
            for part in parts or [claim]:
                owner.append(i)
                claim_sentences.append(part)
        X = self.stance_features(claim_sentences, [bodies[i] for i in owner], encode)
        p = self.stance.predict_proba(X)
        owner_arr = np.asarray(owner)
        proba = np.zeros((len(claims), len(STANCES)))
        similarity = np.zeros(len(claims))
        lexical = np.zeros(len(claims))
        claim_sentence = np.zeros(len(claims), dtype=np.int64)
        for i in range(len(claims)):
            rows = np.flatnonzero(owner_arr == i)
            related = 1.0 - p[rows, 3]
            best = rows[int(related.argmax())]
            claim_sentence[i] = int(related.argmax())
            weights = (
                related / related.sum() if related.sum() > 0 else np.full(len(rows), 1 / len(rows))
            )
            conditional = p[rows, :3] / np.maximum(related[:, None], 1e-9)
            proba[i, :3] = (1 - p[best, 3]) * (weights @ conditional)
            proba[i, 3] = p[best, 3]
            proba[i] /= proba[i].sum()
            similarity[i] = X[best, _SIMILARITY]
            lexical[i] = X[best, _LEXICAL]
        return proba, similarity, lexical, claim_sentence

    def evidence(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
    ) -> list[PairEvidence]:
        """Features of each pair (a_texts[i], b_texts[i]), read in both directions."""
        if not a_texts:
            return []
        p_ab, sim_ab, lex_ab, claim_a = self.directed(a_texts, b_texts, encode)
        p_ba, sim_ba, lex_ba, claim_b = self.directed(b_texts, a_texts, encode)
        stances: dict[str, writer.PassageStance] = {}

        def stance_of(text: str) -> writer.PassageStance:
            if text not in stances:
                stances[text] = writer.passage_stance(text)
            return stances[text]

        out = []
        for i, (a, b) in enumerate(zip(a_texts, b_texts, strict=True)):
            cmp = compare.compare_pair(a, b)
            fa, fb = framing.analyse(a), framing.analyse(b)
            wa, wb = stance_of(a), stance_of(b)
            similarity = float((sim_ab[i] + sim_ba[i]) / 2)
            lexical = float((lex_ab[i] + lex_ba[i]) / 2)
            x = head_features(p_ab[i], p_ba[i], similarity, lexical, cmp, fa, fb, wa, wb)
            out.append(
                PairEvidence(
                    cmp,
                    fa,
                    fb,
                    (p_ab[i] + p_ba[i]) / 2,
                    similarity,
                    x,
                    wa,
                    wb,
                    int(claim_a[i]),
                    int(claim_b[i]),
                    claim_span(a, int(claim_a[i])),
                    claim_span(b, int(claim_b[i])),
                )
            )
        return out

    # -- the frame: per-passage features once, pairs in batches -------------------------

    def passage_features(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        framings: Sequence[framing.Framing] | None = None,
        owners: Sequence[Sequence[str]] | None = None,
    ) -> RelationFeatures:
        """Everything the model reads from each passage, computed once per passage.

        ``framings`` are the passages' cues when the caller already has them (the stage
        computes them once for storing), else they are analysed here. ``owners[i]`` names
        the writer of passage ``i`` (its document's ``(outlet, author)``), so that a passage
        quoting its own organisation asserts rather than relays
        (:func:`writer.passage_stance`).
        """
        texts = list(texts)
        sentences: list[str] = []
        ptr = [0]
        for text in texts:
            sentences.extend(body_sentences(text))
            ptr.append(len(sentences))
        vectors = encode(sentences) if sentences else np.zeros((0, 1), dtype=np.float32)
        framings = list(framings) if framings is not None else [framing.analyse(t) for t in texts]
        side = passage_side(
            self.stance.featurizer, texts, np.asarray(vectors), np.asarray(ptr), framings
        )
        return RelationFeatures(
            side,
            framings,
            [compare.items(t) for t in texts],
            [
                writer.passage_stance(t, owners[i] if owners is not None else ())
                for i, t in enumerate(texts)
            ],
        )

    def join_features(self, parts: Sequence[RelationFeatures]) -> RelationFeatures:
        """Features of several :meth:`passage_features` calls as one (passages in order)."""
        return RelationFeatures.concat(parts)

    def _directed_sides(
        self, features: RelationFeatures, claims: np.ndarray, bodies: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`directed` over passage indices (same readings, same arithmetic)."""
        side = features.side
        starts = side.ptr[claims]
        counts = np.minimum(side.ptr[claims + 1] - starts, MAX_CLAIM_SENTENCES)
        owner = np.repeat(np.arange(len(claims)), counts)
        within = np.arange(len(owner)) - np.repeat(np.cumsum(counts) - counts, counts)
        rows = starts[owner] + within
        X = transform_sides(self.stance.featurizer, side, rows, bodies[owner])
        p = self.stance.predict_proba(X)
        proba = np.zeros((len(claims), len(STANCES)))
        similarity = np.zeros(len(claims))
        lexical = np.zeros(len(claims))
        claim_sentence = np.zeros(len(claims), dtype=np.int64)
        ends = np.cumsum(counts)
        for i in range(len(claims)):
            group = np.arange(ends[i] - counts[i], ends[i])
            related = 1.0 - p[group, 3]
            best = group[int(related.argmax())]
            claim_sentence[i] = int(related.argmax())
            weights = (
                related / related.sum()
                if related.sum() > 0
                else np.full(len(group), 1 / len(group))
            )
            conditional = p[group, :3] / np.maximum(related[:, None], 1e-9)
            proba[i, :3] = (1 - p[best, 3]) * (weights @ conditional)
            proba[i, 3] = p[best, 3]
            proba[i] /= proba[i].sum()
            similarity[i] = X[best, _SIMILARITY]
            lexical[i] = X[best, _LEXICAL]
        return proba, similarity, lexical, claim_sentence

    def score(
        self,
        features: RelationFeatures,
        a_idx: np.ndarray,
        b_idx: np.ndarray,
        head: RelationHead | None = None,
    ) -> tuple[np.ndarray, list[PairEvidence]]:
        """P(relation) per pair (columns in ``head.classes_`` order) and its evidence.

        Pair ``k`` is passage ``a_idx[k]`` against passage ``b_idx[k]`` of ``features``; the
        result equals :meth:`suggest` on their texts (to 1e-6), at a fraction of the cost.
        """
        head = head or self.head
        a_idx = np.asarray(a_idx, dtype=np.int64)
        b_idx = np.asarray(b_idx, dtype=np.int64)
        if len(a_idx) == 0:
            return np.zeros((0, len(head.classes_))), []
        p_ab, sim_ab, lex_ab, claim_a = self._directed_sides(features, a_idx, b_idx)
        p_ba, sim_ba, lex_ba, claim_b = self._directed_sides(features, b_idx, a_idx)
        texts = features.side.texts
        spans: dict[int, list[tuple[int, int]]] = {}

        def span(passage: int, index: int) -> tuple[int, int]:
            if passage not in spans:
                found_spans = split_sentences(texts[passage])[:MAX_CLAIM_SENTENCES]
                spans[passage] = [(int(s), int(e)) for s, e in found_spans] or [
                    (0, len(texts[passage]))
                ]
            return spans[passage][min(index, len(spans[passage]) - 1)]

        found = []
        for k, (a, b) in enumerate(zip(a_idx, b_idx, strict=True)):
            cmp = compare.compare_items(features.items[a], features.items[b])
            fa, fb = features.framings[a], features.framings[b]
            wa, wb = features.writers[a], features.writers[b]
            similarity = float((sim_ab[k] + sim_ba[k]) / 2)
            lexical = float((lex_ab[k] + lex_ba[k]) / 2)
            x = head_features(p_ab[k], p_ba[k], similarity, lexical, cmp, fa, fb, wa, wb)
            found.append(
                PairEvidence(
                    cmp,
                    fa,
                    fb,
                    (p_ab[k] + p_ba[k]) / 2,
                    similarity,
                    x,
                    wa,
                    wb,
                    int(claim_a[k]),
                    int(claim_b[k]),
                    span(int(a), int(claim_a[k])),
                    span(int(b), int(claim_b[k])),
                )
            )
        X = np.vstack([e.features for e in found])
        return independent(head.predict_proba(X), found, head), found

    def suggestion(
        self, proba: np.ndarray, evidence: PairEvidence, head: RelationHead | None = None
    ) -> Suggestion:
        """The stored form of one scored pair: relation, confidence, reasons."""
        head = head or self.head
        best = int(proba.argmax())
        probabilities = {
            str(c): round(float(v), 4) for c, v in zip(head.classes_, proba, strict=True)
        }
        reasons = explain(head, evidence, best)
        relays = relaying_sides(evidence)
        if relays and head.classes_[best] != "unrelated":
            reasons = writer_reasons(evidence, relays) + reasons
        return Suggestion(
            str(head.classes_[best]),
            round(float(proba[best]), 4),
            probabilities,
            reasons,
            evidence,
        )

    # -- prediction ------------------------------------------------------------------

    def suggest(
        self,
        a_texts: Sequence[str],
        b_texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
        head: RelationHead | None = None,
    ) -> list[Suggestion]:
        """A suggestion for each pair (a_texts[i], b_texts[i])."""
        return self.judge(self.evidence(a_texts, b_texts, encode), head)

    def judge(
        self, found: Sequence[PairEvidence], head: RelationHead | None = None
    ) -> list[Suggestion]:
        """A suggestion for each pair whose evidence is ``found``.

        The head gives the probabilities; a pair where a side only relays what a named
        source said (:func:`relaying_sides`) is not suggested as corroborating, and its
        reasons say which side relays whom and which asserts.
        """
        head = head or self.head
        if not found:
            return []
        proba = independent(head.predict_proba(np.vstack([e.features for e in found])), found, head)
        return [self.suggestion(p, e, head) for p, e in zip(proba, found, strict=True)]

    # -- saving ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """One ``.npz`` holding every array and the card; the card again as JSON beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        card = {
            **self.card,
            "format": FORMAT,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        featurizer = self.stance.featurizer
        arrays = {
            **featurizer.tfidf_.to_arrays("tfidf_"),
            **{
                k: v
                for i, m in enumerate(self.stance.members_)
                for k, v in m.to_arrays(f"trees{i}_").items()
            },
            "members": np.array(len(self.stance.members_)),
            **self.head.to_arrays("head_"),
            "config_json": np.array(
                json.dumps(
                    {
                        "format": FORMAT,
                        "pair_features": list(PAIR_FEATURES),
                        "stance_features": list(featurizer.fixed_names),
                        "interactions": featurizer.interactions,
                        "claim_view": featurizer.claim_view,
                        "max_terms": featurizer.max_terms,
                    }
                )
            ),
            "card_json": np.array(json.dumps(card)),
        }
        with open(path, "wb") as handle:
            np.savez_compressed(handle, **arrays)
        path.with_suffix(".json").write_text(json.dumps(card, indent=2) + "\n")

    @classmethod
    def load(cls, path: Path | None = None) -> RelationModel:
        """The model saved at ``path``, or the shipped one."""
        from workbench.suggest.textfeatures import Tfidf
        from workbench.suggest.trees import TreeEnsemble

        name = str(path) if path is not None else DEFAULT_MODEL_FILE
        try:
            if path is None:
                with resources.files("workbench").joinpath(DEFAULT_MODEL_FILE).open("rb") as f:
                    arrays = dict(np.load(f, allow_pickle=False))
            else:
                with open(path, "rb") as f:
                    arrays = dict(np.load(f, allow_pickle=False))
        except FileNotFoundError:
            raise ConfigError(
                f"relation model {name} not found; train one with `workbench eval stance "
                "--train-bodies F --train-stances F --save-model FILE`"
            ) from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"relation model {name} cannot be read: {exc}") from None
        try:
            config = json.loads(str(arrays["config_json"]))
            if config.get("format") != FORMAT:
                raise ConfigError(f"{name} is not a workbench relation model ({FORMAT})")
            made_for = tuple(config["pair_features"])
            featurizer = StanceFeaturizer(
                max_terms=int(config["max_terms"]),
                interactions=bool(config["interactions"]),
                claim_view=bool(config.get("claim_view", False)),
            )
            if (
                made_for != PAIR_FEATURES[: len(made_for)]
                or tuple(config["stance_features"]) != featurizer.fixed_names
            ):
                raise ConfigError(
                    f"relation model {name} was made for other features than this workbench "
                    "computes; retrain it with `workbench eval stance --save-model FILE`"
                )
            featurizer.tfidf_ = Tfidf.from_arrays(arrays, "tfidf_")
            stance = StanceModel(featurizer, folds=int(arrays["members"]))
            stance.members_ = [
                TreeEnsemble.from_arrays(arrays, f"trees{i}_")
                for i in range(int(arrays["members"]))
            ]
            head = RelationHead.from_arrays(arrays, "head_")
            card = json.loads(str(arrays["card_json"]))
        except KeyError as exc:
            raise ConfigError(f"relation model {name} is damaged: no {exc}") from None
        return cls(stance, head, card)


def relaying_sides(evidence: PairEvidence) -> dict[str, str]:
    """The sides whose claim sentence (the one the pair rests on) only reports what a named
    source said, each with that source."""
    out = {}
    for side, stance, k in (
        ("a", evidence.writer_a, evidence.claim_a),
        ("b", evidence.writer_b, evidence.claim_b),
    ):
        source = stance.at(k).source if stance is not None else None
        if source is not None:
            out[side] = source
    return out


def independent(proba: np.ndarray, found: Sequence[PairEvidence], head: RelationHead) -> np.ndarray:
    """``proba`` (one row per pair of ``found``) with :func:`not_independent` applied to the
    pairs where a side relays a named source."""
    out = np.array(proba, dtype=np.float64)
    for k, e in enumerate(found):
        if relaying_sides(e):
            out[k] = not_independent(out[k], head.classes_)
    return out


def not_independent(p: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """``p`` with the probability of ``corroborates`` moved to ``related``: a pair where one
    side relays what a source said is not two sources asserting the same fact."""
    names = [str(c) for c in classes]
    if "corroborates" not in names or "related" not in names:
        return p
    p = np.array(p, dtype=np.float64)
    c, r = names.index("corroborates"), names.index("related")
    p[r] += p[c]
    p[c] = 0.0
    return p


def writer_reasons(evidence: PairEvidence, relays: dict[str, str]) -> list[dict[str, Any]]:
    """Which side relays (and whom) and which asserts the claim the pair rests on."""
    reasons = [_reason("relays", side, [source], 0.0) for side, source in sorted(relays.items())]
    for side, stance, k in (
        ("a", evidence.writer_a, evidence.claim_a),
        ("b", evidence.writer_b, evidence.claim_b),
    ):
        if side not in relays and stance is not None and stance.at(k).stance == "asserts":
            reasons.append(_reason("asserts", side, [], 0.0))
    return reasons


_FEATURE_INDEX = {name: i for i, name in enumerate(PAIR_FEATURES)}
"""Column of each pair feature (read once per pair by :func:`explain`)."""

_GROUPS = {
    "stance": (
        "stance_agree",
        "stance_disagree",
        "stance_discuss",
        "stance_unrelated",
        "stance_disagree_max",
    ),
    "similarity": ("similarity", "lexical_overlap"),
    "framing": (
        "framing_max",
        "disputes_either",
        "dismissal",
        "sarcasm",
        "source_attack",
        "hedge",
        "scare_quote",
        "attribution",
    ),
    "negation": ("negation_asymmetry", "negated_shared"),
    "writer": (
        "writer_relays_max",
        "writer_relays_min",
        "writer_hedges_max",
        "writer_denies_max",
        "writer_asserts_min",
    ),
    "one_sided": ("one_sided_numbers",),
    "names": ("one_sided_names", "name_overlap"),
}


def explain(
    head: RelationHead, evidence: PairEvidence, cls: int, top: int = 3
) -> list[dict[str, Any]]:
    """The reasons for class ``cls``, as facts: the claim pair the suggestion rests on
    (:func:`claim_pair_reason`), the evidence that raised it most, then the specifics.

    Each reason is ``{"kind", "side", "values", "weight", "ranked"}``. ``kind`` names a group
    of features (stance, similarity, framing, negation, one_sided), a kind of specifics
    (shared, shared_names, conflict) or the claim pair (claim_pair); ``side`` is the
    passage the reason is about ("a", "b", "both", or None for neither; "a" is the first
    text given); ``values`` holds the facts (probabilities, figures with their units,
    names, cue texts, counts, sentence offsets), never sentences; ``weight`` is the summed
    contribution of the reason's features to the relation's score (negative: it spoke
    against it); ``ranked`` is True for the groups of features that raised the relation
    most (at most ``top``, listed first) and False for what is always listed when present:
    the claim pair, shared figures and dates, shared names, conflicting quantities and a
    framing dispute. Words, seen from either passage, are
    made at read time by :func:`workbench.views.evidence.reason_text`.
    """
    contributions = head.contributions(evidence.features, cls)
    index = _FEATURE_INDEX

    def weight(names: Sequence[str]) -> float:
        return round(float(sum(contributions[index[n]] for n in names)), 3)

    cmp = evidence.comparison
    framing_values = {
        side: {
            "disputes": bool(f.disputes),
            "cues": [
                {"kind": c.kind, "text": c.text}
                for c in f.cues
                if c.kind != "attribution" and c.weight > 0
            ],
        }
        for side, f in (("a", evidence.framing_a), ("b", evidence.framing_b))
    }
    negations = {"a": cmp.counts.get("negation_a", 0), "b": cmp.counts.get("negation_b", 0)}
    one_sided = {
        "a": sum(1 for i in cmp.a_only if i.kind == "number"),
        "b": sum(1 for i in cmp.b_only if i.kind == "number"),
    }
    facts: dict[str, tuple[str | None, dict[str, Any]]] = {
        "stance": (
            "both",
            {k: float(v) for k, v in zip(STANCES, evidence.stance, strict=True)},
        ),
        # measured from the most related sentence of one passage against the other
        # passage, so it differs from the alignment's whole-passage score
        "similarity": (
            "both",
            {
                "cosine": float(evidence.similarity),
                "word_overlap": float(evidence.features[index["lexical_overlap"]]),
            },
        ),
        "framing": (_side({k: bool(v["cues"]) for k, v in framing_values.items()}), framing_values),
        "negation": (_side({k: v > negations[_other(k)] for k, v in negations.items()}), negations),
        "one_sided": (_side({k: v > 0 for k, v in one_sided.items()}), one_sided),
        "names": ("both", _name_values(cmp)),
        "writer": ("both", _writer_values(evidence)),
    }
    groups = sorted(((weight(names), kind) for kind, names in _GROUPS.items()), reverse=True)
    reasons: list[dict[str, Any]] = [
        _reason(kind, *facts[kind], w, ranked=True) for w, kind in groups[:top] if w > 0
    ]
    numbers = [_shared_item(a, b) for a, b in cmp.shared if a.kind == "number"]
    dates = [_shared_item(a, b) for a, b in cmp.shared if a.kind == "date"]
    if numbers or dates:
        reasons.append(
            _reason(
                "shared",
                "both",
                {"numbers": numbers, "dates": dates},
                weight(("shared_numbers", "shared_dates")),
            )
        )
    names = list(dict.fromkeys(a.text for a, _ in cmp.shared if a.kind in compare.KINDS[2:6]))
    if names:
        reasons.append(_reason("shared_names", "both", {"names": names}, weight(("shared_names",))))
    if cmp.conflicting:
        pairs = [{"a": _item(a), "b": _item(b)} for a, b in cmp.conflicting]
        reasons.append(_reason("conflict", "both", {"pairs": pairs}, weight(("conflicting",))))
    disputes = evidence.framing_a.disputes or evidence.framing_b.disputes
    if disputes and not any(r["kind"] == "framing" for r in reasons):
        reasons.append(_reason("framing", *facts["framing"], weight(_GROUPS["framing"])))
    return [claim_pair_reason(evidence), *reasons]


def claim_pair_reason(evidence: PairEvidence) -> dict[str, Any]:
    """The claim pair a suggestion rests on, as a reason: the sentence of each passage the
    stance readings rest on (offsets in its passage), how each writer presents it, and the
    specifics the two sentences share or give differently.

    ``values`` is ``{"a": {"start", "end", "writer", "source"}, "b": {...}, "shared":
    [item], "conflicting": [{"a": item, "b": item}]}``; its weight is 0, as it is what the
    other reasons were read from rather than evidence of its own.
    """
    cmp = evidence.comparison
    (a_start, a_end), (b_start, b_end) = evidence.claim_span_a, evidence.claim_span_b

    def inside(item: compare.Item, start: int, end: int) -> bool:
        return start <= item.start and item.end <= end

    def both_inside(a: compare.Item, b: compare.Item) -> bool:
        return inside(a, a_start, a_end) and inside(b, b_start, b_end)

    def side(stance: writer.PassageStance | None, k: int, start: int, end: int) -> dict:
        read = stance.at(k) if stance is not None else None
        return {
            "start": start,
            "end": end,
            "writer": read.stance if read is not None else "asserts",
            "source": read.source if read is not None else None,
        }

    values = {
        "a": side(evidence.writer_a, evidence.claim_a, a_start, a_end),
        "b": side(evidence.writer_b, evidence.claim_b, b_start, b_end),
        "shared": [_shared_item(a, b) for a, b in cmp.shared if both_inside(a, b)],
        "conflicting": [
            {"a": _item(a), "b": _item(b)} for a, b in cmp.conflicting if both_inside(a, b)
        ],
    }
    return _reason("claim_pair", "both", values, 0.0)


def _name_values(cmp: compare.Comparison) -> dict[str, Any]:
    """The names both sides give and how many only one side gives."""
    kinds = compare.KINDS[2:6]
    shared = list(dict.fromkeys(a.text for a, _ in cmp.shared if a.kind in kinds))
    one_sided = {i.value for i in (*cmp.a_only, *cmp.b_only) if i.kind in kinds}
    return {"shared": shared, "one_sided": len(one_sided)}


def _writer_values(evidence: PairEvidence) -> dict[str, str]:
    """How each writer presents the sentence the pair rests on (``asserts``, ``relays``,
    ``hedges``, ``denies``)."""
    out = {}
    for side, stance, k in (
        ("a", evidence.writer_a, evidence.claim_a),
        ("b", evidence.writer_b, evidence.claim_b),
    ):
        out[side] = stance.at(k).stance if stance is not None else "asserts"
    return out


def _reason(
    kind: str, side: str | None, values: Any, weight: float, ranked: bool = False
) -> dict[str, Any]:
    return {"kind": kind, "side": side, "values": values, "weight": weight, "ranked": ranked}


def _other(side: str) -> str:
    return "b" if side == "a" else "a"


def _side(present: dict[str, bool]) -> str | None:
    """Which of the two sides ``present`` marks: "a", "b", "both" or None."""
    if present["a"] and present["b"]:
        return "both"
    return "a" if present["a"] else "b" if present["b"] else None


def _item(item: compare.Item) -> dict[str, Any]:
    """A specific without its offsets: what a reason names (offsets are in the specifics)."""
    return {"kind": item.kind, "value": item.value, "text": item.text, "unit": item.unit}


def _shared_item(a: compare.Item, b: compare.Item) -> dict[str, Any]:
    """The wording both sides share: "September" where one says "30 September"."""
    if a.kind == "date":
        return _item(b if len(b.value) < len(a.value) else a)
    return _item(b if len(b.unit) > len(a.unit) else a)
