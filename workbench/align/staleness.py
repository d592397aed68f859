"""Whether the saved alignment still describes the store: a fingerprint of its inputs.

Light on purpose (no numpy, scikit-learn or model libraries): ``workbench pairs`` and the
app check it before showing anything, and they must start instantly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.embed.modelref import resolve_model

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.store import Store

ALIGNED_KEY = "aligned_corpus"
ALIGNMENT_META_KEY = "alignment_settings"
"""Meta key holding what the current alignment was made with (model, backend, parameters,
scorer), written in the alignment's own transaction so it always describes those rows."""


DEFAULT_MAX_COUNTERPARTS = 50
"""The default of ``Settings.max_counterparts``, left out of keys and records."""


def corpus_key(passage_ids: Sequence[str], **settings: object) -> str:
    """A fingerprint of what an alignment was computed from, to tell when it is stale."""
    digest = hashlib.sha256()
    digest.update(json.dumps(settings, sort_keys=True, default=str).encode())
    for pid in sorted(passage_ids):
        digest.update(pid.encode())
    return digest.hexdigest()[:16]


def current_alignment_key(
    store: Store,
    settings: Settings,
    model: str | object | None = None,
    passages: Sequence[str] | None = None,
) -> str:
    """The key an alignment of the store's current passages with these settings would have.

    ``model`` is a model id or anything with a ``model_id`` (an embedder); by default the
    configured model. The embedding backend is not part of the key: a verified backend
    gives the same neighbours, so switching backends does not make an alignment stale. It
    is recorded beside the alignment instead (:func:`alignment_provenance`).
    """
    if passages is None:
        passages = [p.id for p in store.passages()]
    if model is None:
        model_id = resolve_model(settings.model)[1]
    else:
        model_id = model if isinstance(model, str) else str(model.model_id)  # type: ignore[attr-defined]
    extra: dict[str, object] = {}
    if settings.max_counterparts != DEFAULT_MAX_COUNTERPARTS:  # earlier alignments' keys hold
        extra["max_counterparts"] = settings.max_counterparts
    return corpus_key(
        passages,
        model=model_id,
        top_k=settings.top_k,
        candidates=settings.candidates,
        threshold=settings.threshold,
        **extra,
    )


def is_stale(store: Store, settings: Settings) -> bool:
    """True when passages or alignment settings changed since the last alignment."""
    return store.get_meta(ALIGNED_KEY) != current_alignment_key(store, settings)


def alignment_record(settings: Settings, embedder: object, scorer: object) -> dict[str, object]:
    """The model, backend, parameters and scorer an alignment is made with, for provenance.

    ``max_counterparts`` is named only when it is not the default (50), so reports of
    alignments made before it existed read the same.
    """
    scorer_json = json.dumps(scorer.to_dict(), sort_keys=True)  # type: ignore[attr-defined]
    extra: dict[str, object] = {}
    if settings.max_counterparts != DEFAULT_MAX_COUNTERPARTS:
        extra["max_counterparts"] = settings.max_counterparts
    return {
        **extra,
        "model": embedder.model_id,  # type: ignore[attr-defined]
        "backend": embedder.backend,  # type: ignore[attr-defined]
        "top_k": settings.top_k,
        "candidates": settings.candidates,
        "threshold": settings.threshold,
        "scorer_sha256": hashlib.sha256(scorer_json.encode()).hexdigest(),
        "scorer_card": getattr(scorer, "card_", {}),
    }


def alignment_provenance(store: Store) -> dict[str, object]:
    """What the saved alignment was made with (empty when nothing was recorded)."""
    raw = store.get_meta(ALIGNMENT_META_KEY)
    return json.loads(raw) if raw else {}
