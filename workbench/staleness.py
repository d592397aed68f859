"""Whether the saved alignment still describes the store: a fingerprint of its inputs.

Light on purpose (no numpy, scikit-learn or model libraries): ``workbench pairs`` and the
app check it before showing anything, and they must start instantly.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.modelref import resolve_model

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.store import Store

ALIGNED_KEY = "aligned_corpus"
ALIGNED_MODEL = "aligned_model"
ALIGNED_BACKEND = "aligned_backend"


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
    return corpus_key(
        passages,
        model=model_id,
        top_k=settings.top_k,
        candidates=settings.candidates,
        threshold=settings.threshold,
    )


def is_stale(store: Store, settings: Settings) -> bool:
    """True when passages or alignment settings changed since the last alignment."""
    return store.get_meta(ALIGNED_KEY) != current_alignment_key(store, settings)


def alignment_provenance(store: Store) -> dict[str, str]:
    """The model and embedding backend the saved alignment was computed with."""
    return {
        "model": store.get_meta(ALIGNED_MODEL) or "",
        "backend": store.get_meta(ALIGNED_BACKEND) or "",
    }
