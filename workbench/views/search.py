"""Finding passages by keyword or by meaning, filtered by outlet, kind of source and date.

Keyword search asks the store for passages holding every word or "quoted phrase".
Semantic search compares the query's embedding with the passages' vectors, which come from
the vector cache the alignment filled; the model is loaded only to embed the query.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from workbench.config import Settings
from workbench.embed.embedder import Embedder, embed_texts, open_cache
from workbench.store import Store

MAX_TERMS = 10


@dataclass(frozen=True)
class SearchFilters:
    """Which documents to search. Empty means any; dates are ISO prefixes (``2020-06``)."""

    outlets: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    date_from: str = ""
    date_to: str = ""


@dataclass(frozen=True)
class Hit:
    """A passage found, with its document's metadata and how well it matched."""

    passage_id: str
    doc: str
    outlet: str
    kind: str
    date: str
    title: str
    section: str
    text: str
    start: int
    end: int
    score: float


def terms(query: str) -> list[str]:
    """Words and "quoted phrases" of a keyword query (an unbalanced quote is a letter)."""
    try:
        parts = shlex.split(query)
    except ValueError:
        parts = query.replace('"', " ").split()
    return [p for p in (" ".join(part.split()) for part in parts) if p][:MAX_TERMS]


def _where(filters: SearchFilters) -> dict[str, Any]:
    """The filters as the keyword arguments of the store's passage queries."""
    return {
        "outlets": filters.outlets,
        "kinds": filters.kinds,
        "date_from": filters.date_from,
        "date_to": filters.date_to,
    }


def keyword_search(
    store: Store, query: str, filters: SearchFilters = SearchFilters(), limit: int = 50
) -> list[Hit]:
    """Passages containing every term of ``query`` (case-insensitive), most matches first."""
    words = terms(query)
    if not words:
        return []
    hits = []
    for row in store.matching_passages(words, **_where(filters)):
        text = row["text"].lower()
        score = float(sum(text.count(w.lower()) for w in words))
        hits.append(Hit(**row, score=score))
    hits.sort(key=lambda h: (-h.score, h.doc, h.start))
    return hits[:limit]


class PassageIndex:
    """Vectors of every text passage, for semantic search over the whole store."""

    def __init__(self, passage_ids: Sequence[str], vectors: np.ndarray) -> None:
        self.passage_ids = list(passage_ids)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self._row = {pid: i for i, pid in enumerate(self.passage_ids)}

    def __len__(self) -> int:
        return len(self.passage_ids)

    @classmethod
    def from_store(cls, store: Store, settings: Settings, embedder: Embedder) -> PassageIndex:
        """Vectors from the cache; passages missing from it are embedded (and cached)."""
        passages = store.passages()
        cache = open_cache(settings, embedder)
        result = embed_texts([p.text for p in passages], embedder, cache)
        return cls([p.id for p in passages], result.vectors)

    def nearest(
        self, query: np.ndarray, allowed: Sequence[str] | None, limit: int
    ) -> list[tuple[str, float]]:
        """The ``limit`` passages most similar to ``query`` (among ``allowed`` if given)."""
        if not len(self.passage_ids):
            return []
        sims = self.vectors @ np.asarray(query, dtype=np.float32).ravel()
        if allowed is not None:
            rows = np.array([self._row[p] for p in allowed if p in self._row], dtype=np.int64)
        else:
            rows = np.arange(len(self.passage_ids))
        if not len(rows):
            return []
        take = min(limit, len(rows))
        best = rows[np.argpartition(-sims[rows], take - 1)[:take]]
        best = best[np.argsort(-sims[best], kind="stable")]
        return [(self.passage_ids[i], float(sims[i])) for i in best]


def semantic_search(
    store: Store,
    index: PassageIndex,
    embedder: Embedder,
    query: str,
    filters: SearchFilters = SearchFilters(),
    limit: int = 20,
) -> list[Hit]:
    """Passages closest in meaning to ``query``, by embedding cosine."""
    if not query.strip():
        return []
    allowed = None
    if any(_where(filters).values()):
        allowed = store.text_passage_ids(**_where(filters))
    vector = embedder.encode([query])[0]
    ranked = index.nearest(vector, allowed, limit)
    rows = store.sourced_passages([pid for pid, _ in ranked])
    return [Hit(**rows[pid], score=score) for pid, score in ranked if pid in rows]
