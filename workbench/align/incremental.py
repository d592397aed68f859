"""Incremental alignment: reuse the last candidate search for the documents that did not change.

The candidate search (every passage against every other document) is the part of alignment
that grows with the square of the corpus. In per-document mode (at most
:data:`~workbench.align.search.MAX_GROUPS_EXACT` documents, exact search) a passage's
candidates in a document depend only on the passage and that document, so after a document
is added, removed or replaced only these have to be searched again:

- the passages of new or changed documents, against every document;
- every other passage, against the new or changed documents.

Candidates into a removed document are dropped, the rest are reused as they were. The
result is the candidate set a full search would find (up to which of exactly tied
neighbours is kept). The pair features that depend only on the two passages' vectors and
documents (cosine, best sentence match, context similarity) are reused too for pairs
between unchanged documents. Everything else (hubness, TF-IDF weights and the features
built on them, scores, ranks, mutual best matches, caps and floors, "never addressed") is
recomputed by :func:`workbench.align.aligner.align` over the whole candidate set: those use
corpus-wide statistics (inverse document frequencies, each passage's hubness) that one new
document shifts for every pair, so the alignment equals a full re-alignment.

The last search is kept in a file beside the vector cache (``search/`` under the embeddings
folder, one per database and model); the database records a token of the file in the same
transaction as the alignment it belongs to, so a file that does not describe the stored
alignment (another database, an interrupted write, a full alignment in between) is never
reused.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from workbench.align.search import Candidates, nearest_in_groups
from workbench.embed.cache import model_slug
from workbench.models import text_hash

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.store import Store

SEARCH_META_KEY = "alignment_search"
"""Meta key holding the token of the saved candidate search the stored alignment came from."""

__all__ = ["SEARCH_META_KEY", "SavedSearch", "load_search", "reuse_search", "save_search"]


class AlignCorpus(Protocol):
    """What this module reads of :class:`workbench.align.aligner.AlignCorpus` (named here,
    not imported: the aligner imports this module)."""

    passage_ids: list[str]
    doc_ids: list[str]
    doc_index: np.ndarray
    texts: list[str]
    vectors: np.ndarray


@dataclass
class SavedSearch:
    """A candidate search with what it was computed from (passages by id and text hash)."""

    passage_ids: np.ndarray
    hashes: np.ndarray
    doc_ids: np.ndarray
    query: np.ndarray
    target: np.ndarray
    similarity: np.ndarray
    features: np.ndarray
    """Per candidate, the feature columns that depend only on vectors (NaN: not computed)."""
    k: int
    model: str
    backend: str
    token: str


def search_path(settings: Settings, model_id: str) -> Path:
    """Where the last search of this database with this model is kept."""
    db = settings.db
    where = str(Path(db).resolve()) if not str(db).startswith("postgres") else str(db)
    digest = hashlib.sha256(where.encode()).hexdigest()[:16]
    return Path(settings.embeddings_dir) / "search" / f"{digest}-{model_slug(model_id)}.npz"


def _hashes(corpus: AlignCorpus) -> np.ndarray:
    return np.array([text_hash(t) for t in corpus.texts], dtype=str)


def save_search(
    settings: Settings,
    model_id: str,
    backend: str,
    corpus: AlignCorpus,
    found: Candidates,
    k: int,
    features: np.ndarray | None = None,
) -> str:
    """Keep ``found`` (the search of ``corpus`` with ``k`` per document) and ``features``
    (the vector-only feature columns of each candidate, NaN where none); returns its token,
    which the caller stores with the alignment (:data:`SEARCH_META_KEY`)."""
    if features is None:
        features = np.full((len(found.query), 3), np.nan, dtype=np.float32)
    ids = np.array(corpus.passage_ids, dtype=str)
    hashes = _hashes(corpus)
    docs = np.array(corpus.doc_ids, dtype=str)[corpus.doc_index]
    query = found.query.astype(np.int32)
    target = found.target.astype(np.int32)
    similarity = found.similarity.astype(np.float32)
    digest = hashlib.sha256(f"{model_id}\0{backend}\0{k}".encode())
    features = np.asarray(features, dtype=np.float32)
    for array in (ids, hashes, docs, query, target, similarity, features):
        digest.update(np.ascontiguousarray(array).tobytes())
    token = digest.hexdigest()[:24]
    path = search_path(settings, model_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp.npz")
    np.savez(
        partial,
        passage_ids=ids,
        hashes=hashes,
        doc_ids=docs,
        query=query,
        target=target,
        similarity=similarity,
        features=features,
        k=np.array(k),
        model=np.array(model_id),
        backend=np.array(backend),
        token=np.array(token),
    )
    os.replace(partial, path)
    return token


def load_search(
    store: Store, settings: Settings, model_id: str, backend: str, columns: int
) -> SavedSearch | None:
    """The saved search the stored alignment came from, or None (never saved, another
    model or backend, features of another width than ``columns``, or the file does not
    match the database's token)."""
    expected = store.get_meta(SEARCH_META_KEY)
    path = search_path(settings, model_id)
    if not expected or not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as data:
            saved = SavedSearch(
                passage_ids=data["passage_ids"],
                hashes=data["hashes"],
                doc_ids=data["doc_ids"],
                query=data["query"].astype(np.int64),
                target=data["target"].astype(np.int64),
                similarity=data["similarity"],
                features=data["features"],
                k=int(data["k"]),
                model=str(data["model"]),
                backend=str(data["backend"]),
                token=str(data["token"]),
            )
    except (OSError, KeyError, ValueError):
        return None  # a damaged cache costs a full search, nothing more
    if saved.token != expected or saved.model != model_id or saved.backend != backend:
        return None
    if saved.features.ndim != 2 or saved.features.shape[1] != columns:
        return None  # saved by a version that reused other feature columns
    return saved


def _signatures(ids: np.ndarray, hashes: np.ndarray, docs: np.ndarray) -> dict[str, str]:
    """One fingerprint per document of its passages in order (ids and texts)."""
    out: dict[str, Any] = {}
    for pid, h, doc in zip(ids.tolist(), hashes.tolist(), docs.tolist(), strict=True):
        out.setdefault(doc, hashlib.sha256()).update(f"{pid}\0{h}\0".encode())
    return {doc: digest.hexdigest() for doc, digest in out.items()}


@dataclass(frozen=True)
class Reused:
    """A candidate set built from a saved search, and how much had to be searched again."""

    found: Candidates
    known: np.ndarray
    """Per candidate, the vector-only feature columns reused (NaN for new candidates)."""
    searched_passages: int
    """Passages searched against every document (those of new or changed documents)."""
    changed_documents: int
    """New or changed documents every other passage was searched against."""
    removed_documents: int


def reuse_search(corpus: AlignCorpus, saved: SavedSearch, k: int) -> Reused | None:
    """The candidates of ``corpus`` from ``saved`` plus the searches its changes need.

    None when nothing can be reused (another ``k``, or no document left unchanged).
    """
    if saved.k != k:
        return None
    docs_now = np.array(corpus.doc_ids, dtype=str)[corpus.doc_index]
    ids_now = np.array(corpus.passage_ids, dtype=str)
    before = _signatures(saved.passage_ids, saved.hashes, saved.doc_ids)
    now = _signatures(ids_now, _hashes(corpus), docs_now)
    unchanged = {doc for doc, sig in now.items() if before.get(doc) == sig}
    if not unchanged:
        return None
    kept = np.isin(docs_now, list(unchanged))
    position = {pid: i for i, pid in enumerate(saved.passage_ids.tolist())}
    old_to_new = np.full(len(saved.passage_ids), -1, dtype=np.int64)
    for i in np.flatnonzero(kept).tolist():
        old_to_new[position[corpus.passage_ids[i]]] = i
    query, target = old_to_new[saved.query], old_to_new[saved.target]
    valid = (query >= 0) & (target >= 0)
    changed_groups = np.unique(corpus.doc_index[~kept])
    new_rows = np.flatnonzero(~kept)
    fresh = nearest_in_groups(
        corpus.vectors, corpus.doc_index, new_rows, np.arange(len(corpus.doc_ids)), k
    )
    into_new = nearest_in_groups(
        corpus.vectors, corpus.doc_index, np.flatnonzero(kept), changed_groups, k
    )
    found = Candidates(
        np.concatenate([query[valid], fresh.query, into_new.query]),
        np.concatenate([target[valid], fresh.target, into_new.target]),
        np.concatenate([saved.similarity[valid], fresh.similarity, into_new.similarity]).astype(
            np.float32
        ),
    )
    width = saved.features.shape[1]
    unknown = np.full((len(fresh.query) + len(into_new.query), width), np.nan, dtype=np.float32)
    return Reused(
        found,
        np.concatenate([saved.features[valid], unknown]),
        searched_passages=len(new_rows),
        changed_documents=len(changed_groups),
        removed_documents=len(set(before) - set(now)),
    )
