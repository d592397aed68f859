"""Passages -> vectors, cached by model, backend and text hash.

The cache is a folder of append-only shards (``.npy`` matrix plus a ``.keys`` file of text
hashes) per model and backend. A shard becomes visible only when its keys file is renamed
into place, so a crash mid-write leaves no half shard, and two processes embedding at once
write different shards instead of overwriting each other. The model (and with it torch
or OpenVINO) is loaded only when something actually has to be embedded; which backend
embeds is decided in :mod:`workbench.embed.backends`.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from workbench.config import Settings
from workbench.errors import ModelError
from workbench.embed.modelref import BUNDLED_MODEL_ID, resolve_model
from workbench.models import text_hash
from workbench.progress import SILENT, Reporter

if TYPE_CHECKING:
    from workbench.embed.backends import BackendChoice
    from workbench.models import Passage, Sentence
    from workbench.store import Store


class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    model_id: str
    backend: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class LazyEmbedder:
    """Knows its model id at once and its backend when asked; loads the model to encode.

    A re-run on an unchanged corpus finds every vector in the cache and never pays for
    loading a model. The backend is chosen (and, the first time for a model, verified) by
    :func:`workbench.embed.backends.choose_backend`; ``choice`` says which and why.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.location, self.model_id = resolve_model(settings.model)
        self._choice: BackendChoice | None = None
        self._model: Embedder | None = None

    @property
    def choice(self) -> BackendChoice:
        if self._choice is None:
            from workbench.embed.backends import choose_backend

            self._choice = choose_backend(self.settings, self.location, self.model_id)
        return self._choice

    @property
    def backend(self) -> str:
        return self.choice.name

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Embedder:
        if self._model is None:
            from workbench.embed.backends import load_backend

            self._model = load_backend(self.choice, self.settings, self.location, self.model_id)
            self.choice.reference_model = None  # held by the embedder now, if it is torch
        return self._model

    @property
    def dim(self) -> int:
        return self._load().dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self._load().encode(texts)


def load_embedder(settings: Settings) -> LazyEmbedder:
    """The embedder the settings ask for, loaded on first use."""
    return LazyEmbedder(settings)


def open_cache(settings: Settings, embedder: Embedder) -> VectorCache:
    return VectorCache(settings.embeddings_dir, embedder.model_id, embedder.backend)


def model_slug(text: str) -> str:
    """A folder name for a model id: readable tail plus a short hash."""
    readable = re.sub(r"[^A-Za-z0-9.-]+", "_", text)[-60:].strip("_")
    return f"{readable}-{hashlib.sha256(text.encode()).hexdigest()[:8]}"


class VectorCache:
    """Vectors on disk keyed by text hash, for one model id and backend."""

    def __init__(self, root: Path, model_id: str, backend: str) -> None:
        self.dir = Path(root) / model_slug(model_id) / backend
        self.model_id = model_id
        self.backend = backend
        self._index: dict[str, tuple[int, int]] = {}
        self._shards: list[np.ndarray] = []
        self._seen: set[str] = set()
        self.refresh()

    def refresh(self) -> None:
        """Pick up shards written since the cache was opened (by this or another process)."""
        if not self.dir.exists():
            return
        for keys_file in sorted(self.dir.glob("*.keys")):
            if keys_file.name in self._seen:
                continue
            matrix_file = keys_file.with_suffix(".npy")
            try:
                keys = keys_file.read_text().split()
                matrix = np.load(matrix_file, mmap_mode="r")
            except (OSError, ValueError):
                continue  # unreadable shard: its texts are simply embedded again
            if matrix.ndim != 2 or matrix.shape[0] != len(keys):
                continue
            self._seen.add(keys_file.name)
            shard = len(self._shards)
            self._shards.append(matrix)
            for row, key in enumerate(keys):
                self._index.setdefault(key, (shard, row))

    def __len__(self) -> int:
        return len(self._index)

    @property
    def dim(self) -> int:
        """Vector length of the cached shards (0 when the cache is empty)."""
        return int(self._shards[0].shape[1]) if self._shards else 0

    def __contains__(self, key: str) -> bool:
        return key in self._index

    def get(self, keys: Sequence[str], dim: int) -> np.ndarray:
        """Vectors for ``keys``, which must all be cached."""
        out = np.empty((len(keys), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            shard, row = self._index[key]
            out[i] = self._shards[shard][row]
        return out

    def put(self, keys: Sequence[str], vectors: np.ndarray) -> None:
        """Write one new shard. The keys file is renamed in last: it commits the shard."""
        if not len(keys):
            return
        self.dir.mkdir(parents=True, exist_ok=True)
        name = f"shard-{uuid.uuid4().hex}"
        matrix_tmp = self.dir / f".{name}.npy.tmp"
        keys_tmp = self.dir / f".{name}.keys.tmp"
        with open(matrix_tmp, "wb") as fh:
            np.save(fh, np.ascontiguousarray(vectors, dtype=np.float32))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(matrix_tmp, self.dir / f"{name}.npy")
        with open(keys_tmp, "w") as fh:
            fh.write("\n".join(keys) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(keys_tmp, self.dir / f"{name}.keys")
        self.refresh()


@dataclass
class EmbedResult:
    vectors: np.ndarray
    embedded: int
    cached: int


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder | None,
    cache: VectorCache,
    *,
    batch_size: int = 256,
    progress: Reporter = SILENT,
) -> EmbedResult:
    """Vectors for ``texts``: cached ones read back, the rest embedded and cached.

    Missing texts are embedded shortest first, so each batch pads to similar lengths, and
    written to the cache every ``batch_size`` texts so an interrupted run keeps its work.
    """
    keys = [text_hash(t) for t in texts]
    pending = {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}
    missing = sorted(pending.items(), key=lambda item: len(item[1]))
    if missing and embedder is None:
        raise ModelError(f"{len(missing)} texts are not in the vector cache and no model is loaded")
    with progress.task("embedding", len(missing)) as task:
        for start in range(0, len(missing), batch_size):
            chunk = missing[start : start + batch_size]
            cache.put([k for k, _ in chunk], embedder.encode([t for _, t in chunk]))
            task.advance(len(chunk))
    return EmbedResult(cache.get(keys, cache.dim), embedded=len(missing),
                       cached=len(keys) - len(missing))


@dataclass
class StoreVectors:
    """Vectors of the store's text passages and their sentences, in store order."""

    passages: list[Passage]
    sentences: list[Sentence]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray
    embedded: int


def embed_store(
    store: Store, settings: Settings, *, embedder: Embedder | None = None,
    progress: Reporter = SILENT,
) -> StoreVectors:
    """Embed every text passage and sentence of the store that the cache lacks."""
    embedder = embedder or load_embedder(settings)
    passages = store.passages()
    sentences = store.sentences()
    texts = [p.text for p in passages] + [s.text for s in sentences]
    result = embed_texts(texts, embedder, open_cache(settings, embedder), progress=progress)
    return StoreVectors(passages, sentences, result.vectors[: len(passages)],
                        result.vectors[len(passages) :], result.embedded)


__all__ = ["BUNDLED_MODEL_ID", "EmbedResult", "Embedder", "LazyEmbedder", "StoreVectors",
           "VectorCache", "embed_store", "embed_texts", "load_embedder", "model_slug",
           "open_cache", "resolve_model"]
