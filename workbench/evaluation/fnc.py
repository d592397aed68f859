"""FNC-1 data and scores: reading the bodies and stances CSVs, the official score, macro-F1.

The FNC score (Fake News Challenge stage 1) gives 0.25 for each correct related/unrelated
decision and 0.75 more for the correct agree/disagree/discuss label on a related pair; the
relative score divides by the best possible. Macro-F1 over the four classes is reported
beside it because the score is inflated by the large unrelated class.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.errors import InvalidInput
from workbench.progress import SILENT, Reporter
from workbench.suggest import compare, framing
from workbench.suggest.stance import (
    STANCES,
    StanceFeaturizer,
    StanceModel,
    body_sentences,
    prepare,
)

if TYPE_CHECKING:
    from workbench.suggest.relation import RelationModel

RELATED = ("agree", "disagree", "discuss")


@dataclass(frozen=True)
class StanceData:
    """Headline/body pairs with gold stances (``""`` when the file has none)."""

    headlines: list[str]
    body_ids: list[str]
    stances: list[str]
    bodies: dict[str, str]

    def __len__(self) -> int:
        return len(self.headlines)

    def subset(self, rows: Sequence[int]) -> StanceData:
        rows = list(rows)
        ids = [self.body_ids[i] for i in rows]
        return StanceData(
            [self.headlines[i] for i in rows],
            ids,
            [self.stances[i] for i in rows],
            {b: self.bodies[b] for b in dict.fromkeys(ids)},
        )


def _read_csv(path: Path, required: tuple[str, ...]) -> list[dict[str, str]]:
    csv.field_size_limit(sys.maxsize)
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    f"{path} has no column {', '.join(missing)}; an FNC-1 file needs "
                    f"{', '.join(required)}"
                )
            return list(reader)
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{path} is not UTF-8 text") from None


def load_fnc(bodies_file: Path, stances_file: Path) -> StanceData:
    """Read an FNC-1 bodies CSV (Body ID, articleBody) and stances CSV (Headline, Body ID,
    Stance). A stances file without a Stance column can be read for prediction only."""
    bodies = {
        row["Body ID"].strip(): row["articleBody"]
        for row in _read_csv(bodies_file, ("Body ID", "articleBody"))
    }
    rows = _read_csv(stances_file, ("Headline", "Body ID"))
    headlines, ids, stances = [], [], []
    for number, row in enumerate(rows, start=2):
        body_id = row["Body ID"].strip()
        if body_id not in bodies:
            raise InvalidInput(
                f"{stances_file}:{number}: Body ID {body_id!r} is not in {bodies_file}"
            )
        stance = (row.get("Stance") or "").strip().lower()
        if stance and stance not in STANCES:
            raise InvalidInput(
                f"{stances_file}:{number}: unknown stance {stance!r}; use one "
                f"of {', '.join(STANCES)}"
            )
        headlines.append(row["Headline"])
        ids.append(body_id)
        stances.append(stance)
    if not headlines:
        raise InvalidInput(f"{stances_file} has no rows")
    return StanceData(headlines, ids, stances, bodies)


def split_by_body(
    data: StanceData, fraction: float = 0.2, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Row indices (train, held out) such that no Body ID is on both sides."""
    ids = sorted(set(data.body_ids))
    rng = np.random.default_rng(seed)
    held = set(rng.choice(ids, size=max(1, round(len(ids) * fraction)), replace=False))
    train = [i for i, b in enumerate(data.body_ids) if b not in held]
    test = [i for i, b in enumerate(data.body_ids) if b in held]
    return train, test


def topic_components(data: StanceData) -> tuple[np.ndarray, dict[str, int]]:
    """A topic per row (its headline's) and per Body ID: the connected parts of the graph
    joining each headline to the bodies it is related to (any stance but unrelated).

    In FNC-1 the headlines of one claim and the bodies written about it fall in one part,
    so a part is a topic; a body related to no headline is a topic of its own.
    """
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for h, b, s in zip(data.headlines, data.body_ids, data.stances, strict=True):
        find(f"h:{h}")
        find(f"b:{b}")
        if s != "unrelated":
            parent[find(f"h:{h}")] = find(f"b:{b}")
    for b in data.bodies:
        find(f"b:{b}")
    roots: dict[str, int] = {}
    for key in sorted(parent):
        roots.setdefault(find(key), len(roots))
    rows = np.array([roots[find(f"h:{h}")] for h in data.headlines])
    return rows, {b: roots[find(f"b:{b}")] for b in data.bodies}


def split_by_topic(
    data: StanceData, fraction: float = 0.2, seed: int = 0
) -> tuple[StanceData, StanceData]:
    """(train, held out) such that no topic (:func:`topic_components`) is on both sides.

    Whole topics are held out, in random order, until they hold ``fraction`` of the rows:
    new claims and new bodies, as in the FNC-1 competition test. Training keeps the rows
    whose headline and body are both of training topics. A held-out headline keeps its
    related rows; each of its unrelated rows whose body is of a training topic gets a
    body drawn at random among the held-out bodies of other topics (that is how FNC-1 made
    its unrelated pairs), so the held-out part keeps the data's share of unrelated pairs
    and no held-out row shows a body the model was trained on.
    """
    row_topic, body_topic = topic_components(data)
    rng = np.random.default_rng(seed)
    sizes = np.bincount(row_topic, minlength=max(body_topic.values()) + 1)
    held: set[int] = set()
    total = 0
    for topic in rng.permutation(len(sizes)):
        if total >= fraction * len(data):
            break
        held.add(int(topic))
        total += int(sizes[topic])
    held_bodies = sorted(b for b, t in body_topic.items() if t in held)
    if len({body_topic[b] for b in held_bodies}) < 2 or len(held) == len(sizes):
        raise InvalidInput(
            f"cannot hold out {fraction:.0%} of {len(sizes)} topics; use a fraction that "
            "leaves whole topics on both sides"
        )
    train_rows = [
        i
        for i, (t, b) in enumerate(zip(row_topic, data.body_ids, strict=True))
        if t not in held and body_topic[b] not in held
    ]
    headlines, ids, stances = [], [], []
    for i, topic in enumerate(row_topic):
        if topic not in held:
            continue
        body = data.body_ids[i]
        if body_topic[body] not in held:
            if data.stances[i] not in ("", "unrelated"):
                continue
            while True:
                body = held_bodies[int(rng.integers(len(held_bodies)))]
                if body_topic[body] != topic:
                    break
        headlines.append(data.headlines[i])
        ids.append(body)
        stances.append(data.stances[i])
    test = StanceData(headlines, ids, stances, {b: data.bodies[b] for b in dict.fromkeys(ids)})
    return data.subset(train_rows), test


def short_bodies(data: StanceData, max_sentences: int) -> StanceData:
    """The rows whose body has at most ``max_sentences`` sentences: short, claim-like texts.

    FNC-1 bodies are news articles (median 15 sentences); user posts and the passages an
    analyst aligns are much shorter, and a model that reads a long article's lead or overall
    tone may not carry over. Scoring the short bodies alone is a cheap proxy for that shift.
    """
    keep = {b for b, text in data.bodies.items() if len(body_sentences(text)) <= max_sentences}
    rows = [i for i, b in enumerate(data.body_ids) if b in keep]
    if not rows:
        raise InvalidInput(
            f"no pair has a body of at most {max_sentences} sentences; raise --max-body-sentences"
        )
    return data.subset(rows)


def fnc_score(gold: Sequence[str], predicted: Sequence[str]) -> tuple[float, float]:
    """(score, best possible score) by the official FNC-1 formula."""
    score = 0.0
    best = 0.0
    for g, p in zip(gold, predicted, strict=True):
        best += 0.25 if g == "unrelated" else 1.0
        if g == p:
            score += 0.25
            if g != "unrelated":
                score += 0.50
        if g in RELATED and p in RELATED:
            score += 0.25
    return score, best


@dataclass(frozen=True)
class StanceScores:
    relative_score: float
    score: float
    best: float
    macro_f1: float
    f1: dict[str, float]
    accuracy: float
    confusion: list[list[int]]
    pairs: int


def stance_scores(gold: Sequence[str], predicted: Sequence[str]) -> StanceScores:
    """FNC score, macro-F1, per-class F1, accuracy and the confusion matrix (rows gold)."""
    score, best = fnc_score(gold, predicted)
    index = {s: i for i, s in enumerate(STANCES)}
    confusion = np.zeros((len(STANCES), len(STANCES)), dtype=int)
    for g, p in zip(gold, predicted, strict=True):
        confusion[index[g], index[p]] += 1
    f1 = {}
    for s, i in index.items():
        tp = confusion[i, i]
        precision = tp / max(confusion[:, i].sum(), 1)
        recall = tp / max(confusion[i, :].sum(), 1)
        f1[s] = 0.0 if tp == 0 else float(2 * precision * recall / (precision + recall))
    return StanceScores(
        relative_score=100.0 * score / best if best else 0.0,
        score=score,
        best=best,
        macro_f1=float(np.mean(list(f1.values()))),
        f1=f1,
        accuracy=float(np.trace(confusion) / max(confusion.sum(), 1)),
        confusion=confusion.tolist(),
        pairs=len(gold),
    )


# -- training and evaluating the relation model on FNC-format data ------------------------


@dataclass
class Prepared:
    """A data set's texts split, embedded and featurized for the stance model."""

    data: StanceData
    X: np.ndarray
    framing_a: list
    framing_b: list


def featurize(
    data: StanceData, featurizer: StanceFeaturizer, encode: Callable[[list[str]], np.ndarray]
) -> Prepared:
    """Stance features of every row (headline as the claim, its body as the body)."""
    claims = list(dict.fromkeys(data.headlines))
    body_ids = list(dict.fromkeys(data.body_ids))
    texts = prepare(claims, [data.bodies[b] for b in body_ids], encode)
    ci = {c: i for i, c in enumerate(claims)}
    bi = {b: i for i, b in enumerate(body_ids)}
    X = featurizer.transform(
        texts, np.array([ci[h] for h in data.headlines]), np.array([bi[b] for b in data.body_ids])
    )
    return Prepared(
        data,
        X,
        [framing.analyse(h) for h in data.headlines],
        [framing.analyse(data.bodies[b]) for b in data.body_ids],
    )


def head_rows(prepared: Prepared, stance_proba: np.ndarray) -> np.ndarray:
    """Relation-head features of every row, read in the headline -> body direction only."""
    from workbench.suggest import writer
    from workbench.suggest.relation import _LEXICAL, _SIMILARITY, head_features

    data = prepared.data
    bodies = {b: writer.passage_stance(data.bodies[b]) for b in dict.fromkeys(data.body_ids)}
    rows = []
    for i, (headline, body_id) in enumerate(zip(data.headlines, data.body_ids, strict=True)):
        comparison = compare.compare_pair(headline, data.bodies[body_id])
        rows.append(
            head_features(
                stance_proba[i],
                None,
                float(prepared.X[i, _SIMILARITY]),
                float(prepared.X[i, _LEXICAL]),
                comparison,
                prepared.framing_a[i],
                prepared.framing_b[i],
                writer.passage_stance(headline),
                bodies[body_id],
            )
        )
    return np.vstack(rows)


def relation_labels(prepared: Prepared) -> list[str]:
    """FNC stances as relations; a "discuss" body that disputes framing becomes
    ``disputes_framing`` (weak labels from the cue detector: FNC-1 has no such class)."""
    from workbench.suggest.relation import STANCE_TO_RELATION

    out = []
    for stance, body_framing in zip(prepared.data.stances, prepared.framing_b, strict=True):
        relation = STANCE_TO_RELATION[stance]
        if stance == "discuss" and body_framing.disputes:
            relation = "disputes_framing"
        out.append(relation)
    return out


@dataclass
class TrainReport:
    pairs: int
    bodies: int
    seconds: float
    label_counts: dict[str, int]


def train_relation_model(
    data: StanceData,
    encode: Callable[[list[str]], np.ndarray],
    *,
    folds: int = 2,
    seed: int = 0,
    card: dict | None = None,
    tree_params: dict | None = None,
    featurizer_params: dict | None = None,
    progress: Reporter = SILENT,
) -> tuple[RelationModel, TrainReport]:
    """Fit the stance model and the relation head on FNC-format data.

    The head must learn from stance probabilities like those it will see on new pairs, so
    it is fitted on the stance model's out-of-fold predictions (``folds`` splits by Body
    ID, see :class:`StanceModel`). ``tree_params`` go to each :class:`TreeEnsemble`,
    ``featurizer_params`` to the :class:`StanceFeaturizer` (e.g. ``claim_view``).
    """
    from workbench.suggest.relation import RelationHead, RelationModel

    started = time.perf_counter()
    if any(not s for s in data.stances):
        raise InvalidInput("training data needs a Stance for every row")
    body_texts = [data.bodies[b] for b in dict.fromkeys(data.body_ids)]
    featurizer = StanceFeaturizer(**(featurizer_params or {})).fit(
        list(dict.fromkeys(data.headlines)) + body_texts
    )
    with progress.task("featurizing", 1) as task:
        prepared = featurize(data, featurizer, encode)
        task.advance()
    y = np.array(data.stances)
    stance = StanceModel(featurizer, tree_params=tree_params, folds=folds, seed=seed)
    with progress.task("fitting stance model", folds) as task:
        stance.fit(prepared.X, y, data.body_ids, progress=task)
    oof = stance.oof_
    unique = sorted(set(data.body_ids))
    labels = relation_labels(prepared)
    head = RelationHead(C=1.0).fit(head_rows(prepared, oof), labels)
    seconds = time.perf_counter() - started
    counts = {r: labels.count(r) for r in dict.fromkeys(labels)}
    card = {
        "id": f"relation-fnc1-{datetime.now(UTC).strftime('%Y%m%d')}",
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_pairs": len(y),
        "training_bodies": len(unique),
        "training_seconds": round(seconds, 1),
        "relation_label_counts": counts,
        **(card or {}),
    }
    return RelationModel(stance, head, card), TrainReport(len(y), len(unique), seconds, counts)


@dataclass
class StanceEvaluation:
    product: StanceScores
    stance_only: StanceScores
    predicted: list[str]


def evaluate_relation_model(
    model: RelationModel,
    data: StanceData,
    encode: Callable[[list[str]], np.ndarray],
    progress: Reporter = SILENT,
) -> StanceEvaluation:
    """Suggest a relation for every headline/body pair, map it to FNC labels and score it."""
    from workbench.suggest.relation import RELATION_TO_STANCE

    if any(not s for s in data.stances):
        raise InvalidInput("evaluation data needs a Stance for every row")
    with progress.task("featurizing", 1) as task:
        prepared = featurize(data, model.stance.featurizer, encode)
        task.advance()
    proba = model.stance.predict_proba(prepared.X)
    relations = model.head.predict(head_rows(prepared, proba))
    predicted = [RELATION_TO_STANCE[str(r)] for r in relations]
    stance_only = [STANCES[i] for i in proba.argmax(axis=1)]
    return StanceEvaluation(
        stance_scores(data.stances, predicted), stance_scores(data.stances, stance_only), predicted
    )
