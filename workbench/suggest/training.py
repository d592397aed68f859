"""Learning from analysts: refit the relation head on the latest tags (``workbench train``).

:func:`train_from_tags` fits a new :class:`~workbench.suggest.relation.RelationHead` on the
pair features the suggestion stage stored and keeps it in the database; it does not
re-suggest. The caller runs :func:`workbench.suggest.stage.suggest_store` afterwards (the
stage picks the stored head up), so the pipeline stays composed in one place.
:func:`forget_training` drops the head, so the shipped one is used again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import NothingToDo
from workbench.store import Store, now
from workbench.suggest.stage import HEAD_META_KEY, settings_model_path

if TYPE_CHECKING:
    from workbench.config import Settings

MIN_TAGS = 5
TAG_WEIGHT = 1.0
PRIOR_WEIGHT = 0.2


@dataclass(frozen=True)
class TrainStats:
    """What a training run learned from: tagged and pseudo-labelled pairs, and how well the
    new head fits the tags."""

    tags: int
    pseudo: int
    label_counts: dict[str, int]
    training_accuracy: float


def tag_labels(store: Store) -> dict[str, str]:
    """The label of each tagged pair: the latest adjudication, else the most frequent of the
    analysts' latest tags (ties: the most recent)."""
    labels: dict[str, str] = {}
    latest: dict[str, list[Any]] = {}
    for tag in store.tags(latest=True):
        latest.setdefault(tag.pair_id, []).append(tag)
    for pair, found in latest.items():
        votes: dict[str, tuple[int, int]] = {}
        for t in found:
            count, last = votes.get(t.label.value, (0, 0))
            votes[t.label.value] = (count + 1, max(last, t.tag_id))
        labels[pair] = max(votes, key=lambda k: votes[k])
    for pair, decision in store.adjudications().items():
        labels[pair] = decision.label.value
    return labels


def train_from_tags(
    store: Store,
    settings: Settings,
    *,
    prior_weight: float = PRIOR_WEIGHT,
    C: float = 1.0,
) -> TrainStats:
    """Refit the relation head on the analysts' latest tags and store it in the database.

    Each pair's label comes from :func:`tag_labels`. So that relations nobody has tagged
    yet are not forgotten, every untagged aligned pair also takes part with the shipped
    model's own suggestion as its label, weighted ``prior_weight`` times its confidence;
    tags weigh 1. The stored suggestions are left as they are: run
    :func:`workbench.suggest.stage.suggest_store` next to see the new head's suggestions.
    """
    import numpy as np

    from workbench.suggest.relation import RelationHead, RelationModel

    labels = tag_labels(store)
    features = store.suggestion_features()
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
    shipped = RelationModel.load(settings_model_path(settings))
    X: list[Any] = [features[pair] for pair in tagged]
    y = [labels[pair] for pair in tagged]
    w = [TAG_WEIGHT] * len(tagged)
    pseudo = 0
    if prior_weight > 0:
        untagged = [p for p in features if p not in labels]
        if untagged:
            rows = np.array([features[p] for p in untagged])
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
    counts = {label: y[: len(tagged)].count(label) for label in dict.fromkeys(y[: len(tagged)])}
    return TrainStats(len(tagged), pseudo, counts, accuracy)


def forget_training(store: Store) -> bool:
    """Drop the head trained from tags (the shipped one is used again). True if one existed.

    Like training, this leaves the stored suggestions alone: re-run the stage to see the
    shipped head's suggestions again.
    """
    return store.delete_meta(HEAD_META_KEY)
