"""Finding passages by keyword or by meaning, filtered by outlet, kind of source and date.

Keyword search is SQL over the passages (every word or "quoted phrase" must occur).
Semantic search compares the query's embedding with the passages' vectors, which come from
the vector cache the alignment filled; the model is loaded only to embed the query.
"""

from __future__ import annotations

import re
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


def _document_clause(filters: SearchFilters) -> tuple[str, list[Any]]:
    sql, params = "", []
    if filters.outlets:
        sql += f" AND d.outlet IN ({','.join('?' * len(filters.outlets))})"
        params += list(filters.outlets)
    if filters.kinds:
        sql += f" AND d.kind IN ({','.join('?' * len(filters.kinds))})"
        params += list(filters.kinds)
    if filters.date_from:
        # a document dated "2021" may be from any day of 2021: compare at its precision
        sql += " AND d.date != '' AND d.date >= substr(?, 1, length(d.date))"
        params.append(filters.date_from)
    if filters.date_to:
        sql += " AND d.date != '' AND d.date <= substr(?, 1, length(d.date))"
        params.append(filters.date_to)
    return sql, params


_SELECT = (
    "SELECT p.id AS passage_id, p.doc_id AS doc, d.outlet, d.kind, d.date, d.title, p.section,"
    " p.text, p.start, p.end FROM passages p JOIN documents d ON d.id = p.doc_id"
    " WHERE p.kind = 'text'"
)


def _like(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def keyword_search(
    store: Store, query: str, filters: SearchFilters = SearchFilters(), limit: int = 50
) -> list[Hit]:
    """Passages containing every term of ``query`` (case-insensitive), most matches first."""
    words = terms(query)
    if not words:
        return []
    clause, params = _document_clause(filters)
    sql = _SELECT + clause + "".join(" AND p.text LIKE ? ESCAPE '\\'" for _ in words)
    rows = store.conn.execute(sql, params + [_like(w) for w in words]).fetchall()
    hits = []
    for row in rows:
        text = row["text"].lower()
        score = float(sum(text.count(w.lower()) for w in words))
        hits.append(Hit(**{**dict(row), "score": score}))
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


def _rows_by_id(store: Store, ids: Sequence[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for lo in range(0, len(ids), 500):
        chunk = list(ids[lo : lo + 500])
        sql = _SELECT + f" AND p.id IN ({','.join('?' * len(chunk))})"
        found.update({row["passage_id"]: row for row in store.conn.execute(sql, chunk)})
    return found


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
    clause, params = _document_clause(filters)
    allowed = None
    if clause:
        allowed = [
            r[0]
            for r in store.conn.execute(
                "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id"
                " WHERE p.kind = 'text'" + clause,
                params,
            )
        ]
    vector = embedder.encode([query])[0]
    ranked = index.nearest(vector, allowed, limit)
    rows = _rows_by_id(store, [pid for pid, _ in ranked])
    return [Hit(**{**dict(rows[pid]), "score": score}) for pid, score in ranked if pid in rows]
