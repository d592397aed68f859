"""Passages -> vectors: the embedder, and the embedding stage that fills the vector cache.

Vectors are cached by model, backend and text hash (:mod:`workbench.embed.cache`). The
model (and with it torch or OpenVINO) is loaded only when something actually has to be
embedded; which backend embeds is decided in :mod:`workbench.embed.backends`.

The stage, :func:`embed_store`, embeds every text passage and sentence of the store that
the cache lacks; later stages read them back with :func:`stored_vectors`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.config import Settings
from workbench.distributed import IN_PROCESS
from workbench.embed.backends import BackendChoice, Embedder, choose_backend, load_backend
from workbench.embed.cache import VectorCache, model_slug
from workbench.embed.modelref import BUNDLED_MODEL_ID, resolve_model
from workbench.errors import ModelError, NothingToDo
from workbench.models import text_hash
from workbench.progress import SILENT, Reporter

if TYPE_CHECKING:
    from workbench.distributed import Runner
    from workbench.models import Passage, Sentence
    from workbench.store import Store


class LazyEmbedder:
    """Knows its model id at once and its backend when asked; loads the model to encode.

    A re-run on an unchanged corpus finds every vector in the cache and never pays for
    loading a model. The backend is chosen (and, the first time for a model, verified) by
    :func:`workbench.embed.backends.choose_backend`; ``choice`` says which and why.
    """

    def __init__(self, settings: Settings, *, progress: Reporter = SILENT) -> None:
        self.settings = settings
        self.progress = progress
        """Where loading, converting and checking the model show progress: each can take
        from seconds to a minute, and nothing else is reported meanwhile."""
        self.location, self.model_id = resolve_model(settings.model)
        self._choice: BackendChoice | None = None
        self._model: Embedder | None = None

    @property
    def choice(self) -> BackendChoice:
        if self._choice is None:
            self._choice = choose_backend(
                self.settings, self.location, self.model_id, progress=self.progress
            )
        return self._choice

    @property
    def backend(self) -> str:
        return self.choice.name

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> Embedder:
        """The loaded backend (chosen, converted and checked first if need be)."""
        if self._model is None:
            choice = self.choice
            with self.progress.task(
                f"loading the model {self.model_id} ({choice.name})", 1
            ) as task:
                self._model = load_backend(choice, self.settings, self.location, self.model_id)
                task.advance()
            choice.reference_model = None  # held by the embedder now, if it is torch
        return self._model

    @property
    def dim(self) -> int:
        return self.load().dim

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        return self.load().encode(texts)


@dataclass(frozen=True)
class WorkerEncoder:
    """Encodes a batch of texts on a cluster worker, with the model the client chose.

    Sent to the workers instead of the client's embedder: each worker process loads the
    model once (from the same path or package as the client) and keeps it for later batches.
    The backend is the one the client embeds with, so the vectors fit the client's cache key.
    """

    model: str
    backend: str
    """The backend's name on the client (``torch-fp32``, ``openvino-f32``...)."""
    device: str
    batch_size: int
    embeddings_dir: str
    """The OpenVINO runtime the client verified is kept here: workers reuse it."""

    @classmethod
    def like(cls, embedder: LazyEmbedder) -> WorkerEncoder:
        settings = embedder.settings
        return cls(
            model=settings.model,
            backend=embedder.backend,
            device=settings.device,
            batch_size=settings.batch_size,
            embeddings_dir=str(Path(settings.embeddings_dir).resolve()),
        )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        embedder = _WORKER_EMBEDDERS.get(self)
        if embedder is None:
            requested = "openvino" if self.backend.startswith("openvino") else "torch"
            settings = Settings.load(
                model=self.model,
                backend=requested,
                device=self.device,
                batch_size=self.batch_size,
                embeddings_dir=self.embeddings_dir,
                progress=False,
            )
            embedder = LazyEmbedder(settings)
            if embedder.backend != self.backend:
                raise ModelError(
                    f"a worker embeds {self.model} with {embedder.backend}, the client with "
                    f"{self.backend}: give workers the same model and libraries as the client "
                    "(vectors of two backends must not mix)"
                )
            _WORKER_EMBEDDERS[self] = embedder
        return embedder.encode(list(texts))


_WORKER_EMBEDDERS: dict[WorkerEncoder, LazyEmbedder] = {}
"""The models a worker process has loaded, kept for its later batches."""


@dataclass(frozen=True)
class CacheReadingEncoder:
    """Vectors of texts on a cluster worker: read from the vector cache, the few texts it
    lacks encoded by ``encoder`` and not written (only the client writes the cache).

    The cache folder must be at the same path on the workers as on the client.
    """

    cache_dir: str
    model_id: str
    backend: str
    encoder: Callable[[Sequence[str]], np.ndarray]

    @classmethod
    def like(cls, embedder: Embedder, settings: Settings) -> CacheReadingEncoder:
        """For the client's ``embedder``: a :class:`WorkerEncoder` loading the same model
        when it is the configured one; any other embedder (a test's) travels as it is."""
        encoder = (
            WorkerEncoder.like(embedder) if isinstance(embedder, LazyEmbedder) else embedder.encode
        )
        return cls(
            str(Path(settings.embeddings_dir).resolve()),
            embedder.model_id,
            embedder.backend,
            encoder,
        )

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        where = (self.cache_dir, self.model_id, self.backend)
        cache = _WORKER_CACHES.get(where)
        if cache is None:
            cache = _WORKER_CACHES[where] = VectorCache(Path(where[0]), where[1], where[2])
        cache.refresh()
        keys = [text_hash(t) for t in texts]
        missing = [i for i, k in enumerate(keys) if k not in cache]
        fresh = self.encoder([texts[i] for i in missing]) if missing else None
        dim = cache.dim or (fresh.shape[1] if fresh is not None else 0)
        out = np.empty((len(texts), dim), dtype=np.float32)
        if fresh is not None:
            out[missing] = fresh
        found = [i for i, k in enumerate(keys) if k in cache]
        if found:
            out[found] = cache.get([keys[i] for i in found], dim)
        return out


_WORKER_CACHES: dict[tuple[str, str, str], VectorCache] = {}
"""The vector caches a worker process has opened (folder, model, backend)."""


def _encoder_for(embedder: Embedder, runner: Runner) -> Callable[[Sequence[str]], np.ndarray]:
    """What encodes a batch where ``runner`` runs it: the loaded model here, or a
    :class:`WorkerEncoder` that loads the same model on a worker."""
    if runner.in_process or not isinstance(embedder, LazyEmbedder):
        return embedder.encode  # another embedder (a test's) travels as it is
    return WorkerEncoder.like(embedder)


def load_embedder(settings: Settings, *, progress: Reporter = SILENT) -> LazyEmbedder:
    """The embedder the settings ask for, loaded on first use (shown on ``progress``)."""
    return LazyEmbedder(settings, progress=progress)


def open_cache(settings: Settings, embedder: Embedder) -> VectorCache:
    return VectorCache(settings.embeddings_dir, embedder.model_id, embedder.backend)


@dataclass
class EmbedResult:
    vectors: np.ndarray
    embedded: int
    cached: int


def _embed_missing(
    keys: Sequence[str],
    texts: Sequence[str],
    embedder: Embedder | None,
    cache: VectorCache,
    *,
    batch_size: int = 256,
    progress: Reporter = SILENT,
    runner: Runner = IN_PROCESS,
) -> int:
    """Embed and cache the texts whose keys the cache lacks; how many were embedded.

    Missing texts are embedded shortest first, so each batch pads to similar lengths, and
    written to the cache every ``batch_size`` texts so an interrupted run keeps its work.
    The batches are the partitions ``runner`` encodes (here, or on cluster workers); the
    same batches either way, so the vectors are the same. Only this process writes the cache.
    """
    pending = {k: t for k, t in zip(keys, texts, strict=True) if k not in cache}
    missing = sorted(pending.items(), key=lambda item: len(item[1]))
    if missing and embedder is None:
        raise ModelError(f"{len(missing)} texts are not in the vector cache and no model is loaded")
    if not missing:
        return 0
    if runner.in_process and isinstance(embedder, LazyEmbedder):
        embedder.load()  # its own progress steps, before (not inside) the embedding bar
    chunks = [missing[start : start + batch_size] for start in range(0, len(missing), batch_size)]
    encoded = runner.map_partitions(
        _encoder_for(embedder, runner), ([t for _, t in chunk] for chunk in chunks), name="embed"
    )
    with progress.task("embedding", len(missing)) as task:
        for chunk, vectors in zip(chunks, encoded, strict=True):
            cache.put([k for k, _ in chunk], vectors)
            task.advance(len(chunk))
    return len(missing)


def embed_texts(
    texts: Sequence[str],
    embedder: Embedder | None,
    cache: VectorCache,
    *,
    batch_size: int = 256,
    progress: Reporter = SILENT,
) -> EmbedResult:
    """Vectors for ``texts``: cached ones read back, the rest embedded and cached."""
    keys = [text_hash(t) for t in texts]
    embedded = _embed_missing(
        keys, texts, embedder, cache, batch_size=batch_size, progress=progress
    )
    return EmbedResult(cache.get(keys, cache.dim), embedded=embedded, cached=len(keys) - embedded)


@dataclass(frozen=True)
class EmbedStats:
    """What the embedding stage found and did."""

    passages: int
    sentences: int
    embedded: int
    """Texts embedded now; the others were in the cache already."""

    @property
    def texts(self) -> int:
        return self.passages + self.sentences


def embed_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    progress: Reporter = SILENT,
    runner: Runner = IN_PROCESS,
) -> EmbedStats:
    """The embedding stage: embed every text passage and sentence the vector cache lacks.

    Safe to re-run: what is cached is not embedded again (and the model is not even loaded
    when everything is). With a cluster ``runner``, workers encode the batches with the
    same model and this process writes them to the cache. Read the vectors back with
    :func:`stored_vectors`.
    """
    embedder = embedder or load_embedder(settings, progress=progress)
    passages = store.passages()
    sentences = store.sentences()
    texts = [p.text for p in passages] + [s.text for s in sentences]
    embedded = _embed_missing(
        [text_hash(t) for t in texts],
        texts,
        embedder,
        open_cache(settings, embedder),
        progress=progress,
        runner=runner,
    )
    return EmbedStats(len(passages), len(sentences), embedded)


@dataclass
class StoreVectors:
    """Vectors of the store's text passages and their sentences, in store order."""

    passages: list[Passage]
    sentences: list[Sentence]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray


def stored_vectors(store: Store, settings: Settings, embedder: Embedder) -> StoreVectors:
    """The cached vectors of every text passage and sentence of the store.

    Embeds nothing: raises :class:`~workbench.errors.NothingToDo` naming the command to
    run when the embedding stage has not run since passages were added.
    """
    passages = store.passages()
    sentences = store.sentences()
    texts = [p.text for p in passages] + [s.text for s in sentences]
    keys = [text_hash(t) for t in texts]
    cache = open_cache(settings, embedder)
    lacking = len({k for k in keys if k not in cache})
    if lacking:
        raise NothingToDo(
            f"{lacking} of {len(set(keys))} passage and sentence texts have no "
            f"{embedder.model_id} vector ({embedder.backend} backend) in the vector cache "
            f"{cache.dir}; embed them first with `workbench embed` (`workbench align` and "
            "`workbench run` embed what is missing, then align)"
        )
    vectors = cache.get(keys, cache.dim)
    return StoreVectors(passages, sentences, vectors[: len(passages)], vectors[len(passages) :])


__all__ = [
    "BUNDLED_MODEL_ID",
    "CacheReadingEncoder",
    "EmbedResult",
    "EmbedStats",
    "Embedder",
    "LazyEmbedder",
    "StoreVectors",
    "VectorCache",
    "WorkerEncoder",
    "embed_store",
    "embed_texts",
    "load_embedder",
    "model_slug",
    "open_cache",
    "resolve_model",
    "stored_vectors",
]
