"""The suggestion frame: per-passage work once, pairs scored in batches.

A relation model plugs into the suggestion stage (:mod:`workbench.suggest.stage`) through
:class:`RelationScorer`, two halves:

1. ``passage_features(texts, encode, framings)`` reads every passage of a partition once
   (sentences, their vectors, tokens, TF-IDF rows, specifics, framing cues: whatever the
   model needs) and returns one object indexed by passage position;
   ``join_features(parts)`` joins several such objects into one (passages in order), so
   the stage can read a long list of passages in steps;
2. ``score(features, a_idx, b_idx, head)`` scores the pairs ``(a_idx[k], b_idx[k])`` of
   those passages in one vectorised batch, returning the probabilities ``(n, classes)`` (in
   ``head.classes_`` order) and one evidence object per pair; ``suggestion(proba_row,
   evidence, head)`` then turns one scored pair into what is stored (relation, confidence,
   structured reasons), which the stage asks only for the pairs it keeps.

The shipped :class:`workbench.suggest.relation.RelationModel` satisfies it; the pair model of
the relations issue (``passage_features(...)`` / ``score_pairs(...)``) has the same two
halves. Framing cues of a passage are computed in one place, :func:`passage_framing`, which
the stage calls once per passage both for storing the cues and for the relation model.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from workbench.suggest import framing

if TYPE_CHECKING:
    from workbench.suggest.relation import Suggestion

Encode = Callable[[list[str]], np.ndarray]
"""Texts to L2-normalised vectors (the workbench's embedder through its vector cache)."""


class RelationScorer(Protocol):
    """What the suggestion stage needs from a relation model."""

    @property
    def model_id(self) -> str: ...

    def passage_features(
        self,
        texts: Sequence[str],
        encode: Encode,
        framings: Sequence[framing.Framing] | None = None,
    ) -> Any: ...

    def join_features(self, parts: Sequence[Any]) -> Any: ...

    def score(
        self, features: Any, a_idx: np.ndarray, b_idx: np.ndarray, head: Any = None
    ) -> tuple[np.ndarray, list[Any]]: ...

    def suggestion(self, proba: np.ndarray, evidence: Any, head: Any = None) -> Suggestion: ...


FRAMING_CACHE = 50_000
"""Passages whose framing is kept in memory by text hash (per process)."""

_framing_cache: OrderedDict[str, framing.Framing] = OrderedDict()


def passage_framing(texts: Sequence[str]) -> list[framing.Framing]:
    """The rule-based framing analysis of each passage, as the relation model reads it.

    The relation model was trained on the rule cues, so it reads these; the cues stored
    for analysts add the learned technique detector (``stage.framing_partition``).

    Results are cached by the hash of the text, so the cues stored for a passage and the
    cues the relation model reads are computed once per process.
    """
    out = []
    for text in texts:
        key = hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()
        found = _framing_cache.get(key)
        if found is None:
            found = framing.analyse(text)
            _framing_cache[key] = found
            if len(_framing_cache) > FRAMING_CACHE:
                _framing_cache.popitem(last=False)
        else:
            _framing_cache.move_to_end(key)
        out.append(found)
    return out
