"""The reference backend: the stock sentence-transformers model on torch.

Every other backend is checked against this one. It also runs models on a GPU: the
``device`` setting is passed straight to sentence-transformers.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from workbench.errors import ModelError


def reference_backend_name(device: str) -> str:
    """The cache key of vectors made by torch on ``device``: ``torch-fp32``, ``torch-fp32-cuda``."""
    kind = device.split(":", 1)[0].strip().lower() or "cpu"
    return "torch-fp32" if kind == "cpu" else f"torch-fp32-{kind}"


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """Silence transformers' progress bars and warnings while a model loads or converts.

    Loading prints a ``Loading weights`` bar and converting a ``loss_type=None ... was set
    in the config but it is unrecognized`` warning: noise about training that an analyst
    cannot act on, in the app's terminal and the CLI's stderr. Errors are still logged and
    exceptions still raised; the previous settings come back afterwards.
    """
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        yield
        return
    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()


def load_sentence_transformer(location: str, model: str, device: str = "cpu") -> object:
    """A ``SentenceTransformer`` from a folder or hub name, with errors that say what to do."""
    if Path(location).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    kind = device.split(":", 1)[0].strip().lower()
    try:
        import torch
    except ImportError:
        raise ModelError("torch is not installed; pip install torch (CPU build) first") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise ModelError(
            f"device {device!r} asked for, but torch sees no CUDA GPU; "
            "set --device cpu (or WORKBENCH_DEVICE=cpu)"
        )
    try:
        with quiet_transformers():
            from sentence_transformers import SentenceTransformer

            return SentenceTransformer(location, device=device)
    except Exception as exc:  # the library raises many kinds for a missing model
        raise ModelError(
            f"cannot load model {model!r}: {exc}. Give a local sentence-transformers "
            "folder or a model name already in the Hugging Face cache"
        ) from None


class SentenceTransformerEmbedder:
    """The stock ``SentenceTransformer.encode`` call, L2-normalised float32 out."""

    def __init__(
        self,
        location: str,
        model_id: str,
        *,
        device: str = "cpu",
        batch_size: int = 16,
        model: object | None = None,
    ) -> None:
        self.model_id = model_id
        self.backend = reference_backend_name(device)
        self.model = model or load_sentence_transformer(location, model_id, device)
        self.batch_size = batch_size
        self.dim = int(self.model.get_embedding_dimension())  # type: ignore[attr-defined]

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self.model.encode(  # type: ignore[attr-defined]
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
