"""Which pairs to tag next: uncertainty sampling over the stored suggestions (``workbench rank``).

A tag teaches the relation head most where it cannot tell the relations apart, so untagged
pairs are ordered by the normalised entropy of their suggested probabilities. Cheap: reads
the store, no model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from workbench.errors import InvalidInput
from workbench.store import Store


@dataclass(frozen=True)
class RankedPair:
    """An untagged pair with how uncertain its suggestion is (1: no idea) and the suggestion."""

    pair_id: str
    uncertainty: float
    relation: str
    confidence: float
    probabilities: dict[str, float]


def uncertainty(probabilities: Mapping[str, float]) -> float:
    """The entropy of suggested probabilities, normalised to [0, 1] and rounded to 4 places
    (1: the model cannot tell the relations apart)."""
    values = [p for p in probabilities.values() if p > 0]
    entropy = -sum(p * math.log(p) for p in values)
    norm = math.log(len(probabilities)) if len(probabilities) > 1 else 1.0
    return round(entropy / norm, 4)


def rank_for_tagging(store: Store, limit: int | None = 20) -> list[RankedPair]:
    """Untagged pairs, the ones a tag would teach the model most first.

    Ties go to the smaller pair id, so the ranking is stable.
    """
    if limit is not None and limit <= 0:
        raise InvalidInput(f"--limit must be positive, got {limit}")
    tagged = store.tagged_pair_ids()
    ranked = [
        RankedPair(
            s.pair_id, uncertainty(s.probabilities), s.relation, s.confidence, s.probabilities
        )
        for s in store.suggestions().values()
        if s.pair_id not in tagged
    ]
    ranked.sort(key=lambda r: (-r.uncertainty, r.pair_id))
    return ranked if limit is None else ranked[:limit]
