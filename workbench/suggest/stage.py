"""Relation suggestions for aligned pairs and framing cues for passages: stage, reads, learning.

- :func:`suggest_store` (the stage, run by ``workbench align`` and ``run``): computes the
  framing cues of every text passage and a suggested relation for every aligned pair, and
  stores both (tables ``passage_framing`` and ``suggestions``, migration 3).
- Reads for the CLI, the app and the reports, all cheap (no model, no scikit-learn):
  :func:`suggestions_for`, :func:`framing_for`, :func:`suggestion_record`.
- Learning from analysts: :func:`train_from_tags` refits the relation head on the latest
  tags (``workbench train``); :func:`rank_for_tagging` orders untagged pairs by how much a tag
  would teach the model (uncertainty sampling: entropy of the suggested probabilities).

The suggester itself (stance model + relation head) lives in :mod:`workbench.suggest.relation`; it
is imported only by the functions that need it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.suggest import framing
from workbench.errors import InvalidInput, NothingToDo
from workbench.models import Passage
from workbench.progress import SILENT, Reporter
from workbench.store import Store, now

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.embed.embedder import Embedder
    from workbench.suggest.relation import RelationHead, RelationModel

HEAD_META_KEY = "relation_head"
"""Meta key holding the relation head trained from this database's tags (JSON)."""
MIN_TAGS = 5
TAG_WEIGHT = 1.0
PRIOR_WEIGHT = 0.2


# -- reads ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredSuggestion:
    """A stored suggestion. Specifics offsets are relative to each passage's text, ``a``
    being the passage with the smaller id (pair ids are unordered)."""

    pair_id: str
    a_id: str
    b_id: str
    relation: str
    confidence: float
    probabilities: dict[str, float]
    reasons: list[dict[str, Any]]
    specifics: dict[str, Any]
    model: str
    computed_at: str


def suggestions_for(
    store: Store, pair_ids: Iterable[str] | None = None
) -> dict[str, StoredSuggestion]:
    """Stored suggestions by pair id (all of them when ``pair_ids`` is None)."""
    sql = "SELECT * FROM suggestions"
    params: list[str] = []
    if pair_ids is not None:
        params = list(dict.fromkeys(pair_ids))
        if not params:
            return {}
    out: dict[str, StoredSuggestion] = {}
    for lo in range(0, max(len(params), 1), 900):
        chunk = params[lo : lo + 900]
        query = sql + (f" WHERE pair_id IN ({','.join('?' * len(chunk))})" if chunk else "")
        for row in store.conn.execute(query, chunk):
            out[row["pair_id"]] = StoredSuggestion(
                row["pair_id"],
                row["a_id"],
                row["b_id"],
                row["relation"],
                row["confidence"],
                json.loads(row["probabilities"]),
                json.loads(row["reasons"]),
                json.loads(row["specifics"]),
                row["model"],
                row["computed_at"],
            )
        if pair_ids is None:
            break
    return out


def _shift(items: list[dict[str, Any]], offset: int) -> list[dict[str, Any]]:
    return [{**i, "start": i["start"] + offset, "end": i["end"] + offset} for i in items]


def oriented_specifics(
    suggestion: StoredSuggestion, a_id: str, a_start: int, b_start: int
) -> dict[str, Any]:
    """The stored comparison seen from passage ``a_id``, offsets in the documents.

    ``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...], "a_only": [...],
    "b_only": [...]}`` where ``a`` is the pair's passage ``a_id``.
    """
    spec = suggestion.specifics
    flip = a_id != suggestion.a_id
    a_key, b_key = ("b", "a") if flip else ("a", "b")

    def both(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "kind": e["kind"],
                "value": e["value"],
                "a": _shift([e[a_key]], a_start)[0],
                "b": _shift([e[b_key]], b_start)[0],
            }
            for e in entries
        ]

    return {
        "shared": both(spec.get("shared", [])),
        "conflicting": both(spec.get("conflicting", [])),
        "a_only": _shift(spec.get("b_only" if flip else "a_only", []), a_start),
        "b_only": _shift(spec.get("a_only" if flip else "b_only", []), b_start),
    }


def oriented_reasons(reasons: list[dict[str, Any]], flip: bool) -> list[dict[str, Any]]:
    """Stored reasons with "a" and "b" swapped when ``flip``: seen from the other passage."""
    if not flip:
        return reasons
    out = []
    for r in reasons:
        text = r["text"]
        if r["kind"] == "framing":
            text = text.replace("a disputes", "\0").replace("b disputes", "a disputes")
            text = text.replace("\0", "b disputes").replace("a has cues", "\1")
            text = text.replace("b has cues", "a has cues").replace("\1", "b has cues")
        if r["kind"] == "conflict" and text.startswith("differ: "):
            swapped = [
                " vs ".join(reversed(part.split(" vs ", 1)))
                for part in text[len("differ: ") :].split("; ")
            ]
            text = "differ: " + "; ".join(swapped)
        out.append({**r, "text": text})
    return out


def suggestion_record(
    suggestion: StoredSuggestion | None, a_id: str, a_start: int, b_start: int
) -> dict[str, Any]:
    """The fields ``workbench pairs`` adds to a pair: ``relation``, ``confidence``,
    ``probabilities``, ``reasons`` and ``specifics`` (None/empty when not computed yet)."""
    if suggestion is None:
        return {
            "relation": None,
            "confidence": None,
            "probabilities": {},
            "reasons": [],
            "specifics": {"shared": [], "conflicting": [], "a_only": [], "b_only": []},
        }
    flip = a_id != suggestion.a_id
    return {
        "relation": suggestion.relation,
        "confidence": suggestion.confidence,
        "probabilities": suggestion.probabilities,
        "reasons": oriented_reasons(suggestion.reasons, flip),
        "specifics": oriented_specifics(suggestion, a_id, a_start, b_start),
    }


def framing_for(store: Store, passages: Sequence[Passage]) -> dict[str, framing.Framing]:
    """Framing of each passage: stored by the last run of the stage, else computed now."""
    stored: dict[str, framing.Framing] = {}
    ids = [p.id for p in passages]
    for lo in range(0, len(ids), 900):
        chunk = ids[lo : lo + 900]
        rows = store.conn.execute(
            f"SELECT * FROM passage_framing WHERE version = ? AND passage_id IN "
            f"({','.join('?' * len(chunk))})",
            [framing.VERSION, *chunk],
        )
        for row in rows:
            cues = tuple(
                framing.Cue(c["kind"], c["start"], c["end"], c["text"], c["weight"])
                for c in json.loads(row["cues"])
            )
            stored[row["passage_id"]] = framing.Framing(cues, row["score"], bool(row["disputes"]))
    return {p.id: stored.get(p.id) or framing.analyse(p.text) for p in passages}


def framing_record(result: framing.Framing, passage: Passage) -> dict[str, Any]:
    """``{"cues", "disputes_framing", "framing_score"}`` with offsets in the document."""
    return result.record(passage.start)


# -- the stage --------------------------------------------------------------------------


@dataclass(frozen=True)
class SuggestStats:
    passages: int
    disputing: int
    pairs: int
    relations: dict[str, int]
    model: str
    skipped: str = ""
    """Why no suggestions were computed (empty when they were)."""


def load_head(store: Store) -> RelationHead | None:
    """The head trained from this database's tags, if ``workbench train`` has run."""
    from workbench.suggest.relation import RelationHead

    raw = store.get_meta(HEAD_META_KEY)
    return RelationHead.from_dict(json.loads(raw)["head"]) if raw else None


def _encoder(settings: Settings, embedder: Embedder) -> Any:
    from workbench.embed.embedder import embed_texts, open_cache

    cache = open_cache(settings, embedder)
    return lambda texts: embed_texts(texts, embedder, cache).vectors


def _store_framing(store: Store, framings: dict[str, framing.Framing]) -> None:
    with store.write() as conn:
        conn.execute("DELETE FROM passage_framing")
        conn.executemany(
            "INSERT INTO passage_framing (passage_id, cues, score, disputes, version)"
            " VALUES (?, ?, ?, ?, ?)",
            [
                (
                    pid,
                    json.dumps([c.record() for c in f.cues], ensure_ascii=False),
                    f.score,
                    int(f.disputes),
                    framing.VERSION,
                )
                for pid, f in framings.items()
            ],
        )


def suggest_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    model: RelationModel | None = None,
    progress: Reporter = SILENT,
) -> SuggestStats:
    """Compute and store framing for every text passage and a suggestion for every pair."""
    from workbench.embed.embedder import load_embedder
    from workbench.suggest.relation import RelationModel

    passages = store.passages()
    framings = {p.id: framing.analyse(p.text) for p in passages}
    disputing = sum(f.disputes for f in framings.values())
    model = model or RelationModel.load(settings_model_path(settings))
    embedder = embedder or load_embedder(settings)
    wanted = model.card.get("embedding_model")
    if wanted and wanted != embedder.model_id:
        _store_framing(store, framings)
        with store.write() as conn:
            conn.execute("DELETE FROM suggestions")
        return SuggestStats(
            len(passages),
            disputing,
            0,
            {},
            model.model_id,
            skipped=(
                f"the relation model {model.model_id} reads {wanted} vectors, the embedder is "
                f"{embedder.model_id}; no relations suggested (train a model for this embedder "
                "with `workbench eval stance --save-model FILE`)"
            ),
        )
    head = load_head(store) or model.head
    by_id = {p.id: p for p in passages}
    pairs: dict[str, tuple[str, str]] = {}
    for row in store.conn.execute("SELECT pair_id, a_id, b_id FROM alignments"):
        if row["a_id"] in by_id and row["b_id"] in by_id:
            pairs.setdefault(row["pair_id"], tuple(sorted((row["a_id"], row["b_id"]))))
    ids = list(pairs)
    encode = _encoder(settings, embedder)
    suggestions = []
    with progress.task("suggesting relations", len(ids)) as task:
        for lo in range(0, len(ids), 256):
            chunk = ids[lo : lo + 256]
            a = [by_id[pairs[p][0]].text for p in chunk]
            b = [by_id[pairs[p][1]].text for p in chunk]
            suggestions.extend(model.suggest(a, b, encode, head=head))
            task.advance(len(chunk))
    stamp = now()
    model_name = model.model_id + ("+tags" if head is not model.head else "")
    _store_framing(store, framings)
    with store.write() as conn:
        conn.execute("DELETE FROM suggestions")
        conn.executemany(
            "INSERT INTO suggestions (pair_id, a_id, b_id, relation, confidence,"
            " probabilities, reasons, specifics, features, model, computed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    pid,
                    pairs[pid][0],
                    pairs[pid][1],
                    s.relation,
                    s.confidence,
                    json.dumps(s.probabilities),
                    json.dumps(s.reasons, ensure_ascii=False),
                    json.dumps(s.evidence.comparison.record(), ensure_ascii=False),
                    json.dumps([round(float(v), 5) for v in s.evidence.features]),
                    model_name,
                    stamp,
                )
                for pid, s in zip(ids, suggestions, strict=True)
            ],
        )
    relations: dict[str, int] = {}
    for s in suggestions:
        relations[s.relation] = relations.get(s.relation, 0) + 1
    return SuggestStats(len(passages), disputing, len(ids), relations, model_name)


def settings_model_path(settings: Settings) -> Path | None:
    """The relation model file the settings name (None: the shipped one)."""
    name = getattr(settings, "relation_model", "")
    return Path(name).expanduser() if name else None


# -- learning from tags -----------------------------------------------------------------


@dataclass(frozen=True)
class TrainStats:
    tags: int
    pseudo: int
    label_counts: dict[str, int]
    training_accuracy: float


def train_from_tags(
    store: Store,
    settings: Settings,
    *,
    prior_weight: float = PRIOR_WEIGHT,
    C: float = 1.0,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
) -> TrainStats:
    """Refit the relation head on the analysts' latest tags and store it in the database.

    Each pair's label is the latest adjudication, else the most frequent of the analysts'
    latest tags (ties: the most recent). So that relations nobody has tagged yet are not
    forgotten, every untagged aligned pair also takes part with the shipped model's own
    suggestion as its label, weighted ``prior_weight`` times its confidence; tags weigh 1.
    The stage then recomputes the suggestions with the new head.
    """
    import numpy as np

    from workbench.suggest.relation import RelationHead
    from workbench.store import adjudications, tags

    labels: dict[str, str] = {}
    latest: dict[str, list[Any]] = {}
    for tag in tags(store, latest=True):
        latest.setdefault(tag.pair_id, []).append(tag)
    for pair, found in latest.items():
        votes: dict[str, tuple[int, int]] = {}
        for t in found:
            count, last = votes.get(t.label.value, (0, 0))
            votes[t.label.value] = (count + 1, max(last, t.tag_id))
        labels[pair] = max(votes, key=lambda k: votes[k])
    for pair, row in adjudications(store).items():
        labels[pair] = row["label"]
    features = {
        row["pair_id"]: (row["features"], row["relation"], row["confidence"])
        for row in store.conn.execute(
            "SELECT pair_id, features, relation, confidence FROM suggestions"
        )
    }
    if not features:
        raise NothingToDo("no suggestions to learn from yet; run `workbench align` first")
    tagged = [p for p in labels if p in features]
    if len(tagged) < MIN_TAGS or len({labels[p] for p in tagged}) < 2:
        raise NothingToDo(
            f"training needs at least {MIN_TAGS} tagged pairs with two different labels; "
            f"there are {len(tagged)} with {len({labels[p] for p in tagged})} label(s). "
            "Tag more pairs with `workbench tag` (`workbench rank` lists the most "
            "useful ones)"
        )
    from workbench.suggest.relation import RelationModel

    shipped = RelationModel.load(settings_model_path(settings))
    X, y, w = [], [], []
    for pair in tagged:
        X.append(json.loads(features[pair][0]))
        y.append(labels[pair])
        w.append(TAG_WEIGHT)
    pseudo = 0
    if prior_weight > 0:
        untagged = [p for p in features if p not in labels]
        if untagged:
            rows = np.array([json.loads(features[p][0]) for p in untagged])
            proba = shipped.head.predict_proba(rows)
            for row, p in zip(rows, proba, strict=True):
                X.append(row.tolist())
                y.append(str(shipped.head.classes_[int(p.argmax())]))
                w.append(prior_weight * float(p.max()))
                pseudo += 1
    X_arr, w_arr = np.array(X), np.array(w)
    if len(set(y)) < 2:
        raise NothingToDo("all training pairs have the same label; tag pairs of another kind")
    head = RelationHead(C=C).fit(X_arr, y, sample_weight=w_arr)
    accuracy = float(np.mean(head.predict(X_arr[: len(tagged)]) == np.array(y[: len(tagged)])))
    store.set_meta(
        HEAD_META_KEY,
        json.dumps(
            {
                "head": head.to_dict(),
                "tags": len(tagged),
                "pseudo": pseudo,
                "prior_weight": prior_weight,
                "trained_at": now(),
                "base_model": shipped.model_id,
            }
        ),
    )
    suggest_store(store, settings, embedder=embedder, model=shipped, progress=progress)
    counts = {label: y[: len(tagged)].count(label) for label in dict.fromkeys(y[: len(tagged)])}
    return TrainStats(len(tagged), pseudo, counts, accuracy)


def forget_training(store: Store) -> bool:
    """Drop the head trained from tags (the shipped one is used again). True if one existed."""
    existed = store.get_meta(HEAD_META_KEY) is not None
    with store.write() as conn:
        conn.execute("DELETE FROM meta WHERE key = ?", (HEAD_META_KEY,))
    return existed


@dataclass(frozen=True)
class RankedPair:
    pair_id: str
    uncertainty: float
    relation: str
    confidence: float
    probabilities: dict[str, float]


def rank_for_tagging(store: Store, limit: int | None = 20) -> list[RankedPair]:
    """Untagged pairs, the ones a tag would teach the model most first.

    Uncertainty sampling: the entropy of the suggested probabilities, normalised to [0, 1]
    (1: the model cannot tell the relations apart). Ties go to the higher-confidence
    alignment order of pair ids, so the ranking is stable.
    """
    if limit is not None and limit <= 0:
        raise InvalidInput(f"--limit must be positive, got {limit}")
    tagged = {row[0] for row in store.conn.execute("SELECT DISTINCT pair_id FROM tags")}
    ranked = []
    for s in suggestions_for(store).values():
        if s.pair_id in tagged:
            continue
        probs = [p for p in s.probabilities.values() if p > 0]
        entropy = -sum(p * math.log(p) for p in probs)
        norm = math.log(len(s.probabilities)) if len(s.probabilities) > 1 else 1.0
        ranked.append(
            RankedPair(
                s.pair_id, round(entropy / norm, 4), s.relation, s.confidence, s.probabilities
            )
        )
    ranked.sort(key=lambda r: (-r.uncertainty, r.pair_id))
    return ranked if limit is None else ranked[:limit]


def __getattr__(name: str) -> Any:
    """``suggest.RelationModel`` and ``suggest.RelationHead`` without importing them early."""
    if name in {"RelationModel", "RelationHead", "RELATIONS"}:
        from workbench.suggest import relation

        return getattr(relation, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
