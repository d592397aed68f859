"""Suggestions and framing cues: the ``suggestions`` and ``passage_framing`` tables.

The suggestion stage (:mod:`workbench.suggest.stage`) writes both tables batch by batch, each
batch in its own transaction (:meth:`SuggestionQueries.write_suggestions`,
:meth:`SuggestionQueries.write_framing`), so a stopped run keeps what it finished; the
read model (:mod:`workbench.views.evidence`), training from tags and the ranking read them.
Rows travel as the plain dataclasses below, with their JSON columns already decoded: what a
row means (how to orient it, how to put a reason into words) is the read
model's business, not the store's.

The SQL is kept portable (placeholders only, no SQLite functions) so that another database
can implement the same methods; only the ``IN (...)`` lists are chunked for SQLite's limit
on bound variables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

CHUNK = 900
"""Ids per ``IN (...)`` list, under SQLite's limit on bound variables."""


@dataclass(frozen=True)
class StoredSuggestion:
    """A stored suggestion for one aligned pair.

    ``a_id`` is the passage with the smaller id (pair ids are unordered): the specifics'
    ``a``/``b`` sides, their offsets (relative to each passage's text) and the reasons'
    ``side`` all refer to it. ``reasons`` are structured (``{"kind", "side", "values",
    "weight", "ranked"}``); :func:`workbench.views.evidence.reason_text` puts them into
    words.
    """

    pair_id: str
    a_id: str
    b_id: str
    relation: str
    confidence: float
    probabilities: dict[str, float]
    reasons: list[dict[str, Any]]
    specifics: dict[str, Any]
    model: str
    computed_at: str


@dataclass(frozen=True)
class SuggestionRow:
    """What the suggestion stage writes for one pair: the stored suggestion and the pair
    features the relation head read (kept so training from tags needs no model run)."""

    suggestion: StoredSuggestion
    features: list[float]


@dataclass(frozen=True)
class StoredFraming:
    """The framing cues of one passage as the stage stored them (offsets in the passage)."""

    passage_id: str
    cues: list[dict[str, Any]]
    score: float
    disputes: bool
    version: str


def _chunks(ids: Iterable[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for lo in range(0, len(unique), CHUNK):
        yield unique[lo : lo + CHUNK]


def _marks(count: int) -> str:
    return ",".join("?" * count)


def _suggestion(row: sqlite3.Row) -> StoredSuggestion:
    return StoredSuggestion(
        pair_id=row["pair_id"],
        a_id=row["a_id"],
        b_id=row["b_id"],
        relation=row["relation"],
        confidence=row["confidence"],
        probabilities=json.loads(row["probabilities"]),
        reasons=json.loads(row["reasons"]),
        specifics=json.loads(row["specifics"]),
        model=row["model"],
        computed_at=row["computed_at"],
    )


_INSERT_SUGGESTION = (
    "INSERT INTO suggestions (pair_id, a_id, b_id, relation, confidence,"
    " probabilities, reasons, specifics, features, model, computed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def _suggestion_values(row: SuggestionRow) -> tuple[Any, ...]:
    """The values of :data:`_INSERT_SUGGESTION` for one row."""
    s = row.suggestion
    return (
        s.pair_id,
        s.a_id,
        s.b_id,
        s.relation,
        s.confidence,
        json.dumps(s.probabilities),
        json.dumps(s.reasons, ensure_ascii=False),
        json.dumps(s.specifics, ensure_ascii=False),
        json.dumps(row.features),
        s.model,
        s.computed_at,
    )


class SuggestionQueries:
    """Reads and writes of stored suggestions and framing cues (mixed into the store)."""

    if TYPE_CHECKING:
        conn: sqlite3.Connection

        def write(self, *, corpus: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...

    # -- framing cues -------------------------------------------------------------------

    def replace_framing(self, rows: Iterable[StoredFraming]) -> None:
        """Swap in the framing cues of every passage, in one transaction."""
        with self.write() as conn:
            conn.execute("DELETE FROM passage_framing")
            conn.executemany(
                "INSERT INTO passage_framing (passage_id, cues, score, disputes, version)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (
                        r.passage_id,
                        json.dumps(r.cues, ensure_ascii=False),
                        r.score,
                        int(r.disputes),
                        r.version,
                    )
                    for r in rows
                ),
            )

    def write_framing(self, rows: Iterable[StoredFraming]) -> None:
        """Store (or replace) the framing cues of these passages, in one transaction."""
        rows = list(rows)
        with self.write() as conn:
            for chunk in _chunks(r.passage_id for r in rows):
                conn.execute(
                    f"DELETE FROM passage_framing WHERE passage_id IN ({_marks(len(chunk))})",
                    chunk,
                )
            conn.executemany(
                "INSERT INTO passage_framing (passage_id, cues, score, disputes, version)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    (
                        r.passage_id,
                        json.dumps(r.cues, ensure_ascii=False),
                        r.score,
                        int(r.disputes),
                        r.version,
                    )
                    for r in rows
                ),
            )

    def framed_passage_ids(self, version: str) -> set[str]:
        """Ids of the passages whose cues are stored by rules ``version``."""
        rows = self.conn.execute(
            "SELECT passage_id FROM passage_framing WHERE version = ?", (version,)
        )
        return {row[0] for row in rows}

    def stored_framing(self, passage_ids: Iterable[str], version: str) -> dict[str, StoredFraming]:
        """The stored cues of these passages, by passage id, if stored by rules ``version``
        (cues of other rules are stale and left out)."""
        out: dict[str, StoredFraming] = {}
        for chunk in _chunks(passage_ids):
            rows = self.conn.execute(
                "SELECT passage_id, cues, score, disputes, version FROM passage_framing"
                f" WHERE version = ? AND passage_id IN ({_marks(len(chunk))})",
                [version, *chunk],
            )
            for row in rows:
                out[row["passage_id"]] = StoredFraming(
                    row["passage_id"],
                    json.loads(row["cues"]),
                    row["score"],
                    bool(row["disputes"]),
                    row["version"],
                )
        return out

    def framing_verdicts(self, passage_ids: Iterable[str], version: str) -> dict[str, bool]:
        """Whether each passage disputes framing, as stored by rules ``version`` (passages
        without such a verdict are absent)."""
        out: dict[str, bool] = {}
        for chunk in _chunks(passage_ids):
            rows = self.conn.execute(
                "SELECT passage_id, disputes FROM passage_framing"
                f" WHERE version = ? AND passage_id IN ({_marks(len(chunk))})",
                [version, *chunk],
            )
            out.update({pid: bool(disputes) for pid, disputes in rows})
        return out

    # -- suggestions: writes ------------------------------------------------------------

    def replace_suggestions(self, rows: Iterable[SuggestionRow]) -> None:
        """Swap in the suggestions of every pair, in one transaction (none: clears them)."""
        with self.write() as conn:
            conn.execute("DELETE FROM suggestions")
            conn.executemany(_INSERT_SUGGESTION, (_suggestion_values(r) for r in rows))

    def write_suggestions(self, rows: Iterable[SuggestionRow]) -> None:
        """Store (or replace) the suggestions of these pairs, in one transaction: one batch
        of the stage, kept even if a later batch fails."""
        rows = list(rows)
        with self.write() as conn:
            for chunk in _chunks(r.suggestion.pair_id for r in rows):
                conn.execute(
                    f"DELETE FROM suggestions WHERE pair_id IN ({_marks(len(chunk))})", chunk
                )
            conn.executemany(_INSERT_SUGGESTION, (_suggestion_values(r) for r in rows))

    def delete_suggestions(self, pair_ids: Iterable[str]) -> int:
        """Remove the suggestions of these pairs (in one transaction); how many there were."""
        removed = 0
        with self.write() as conn:
            for chunk in _chunks(pair_ids):
                cursor = conn.execute(
                    f"DELETE FROM suggestions WHERE pair_id IN ({_marks(len(chunk))})", chunk
                )
                removed += max(cursor.rowcount, 0)
        return removed

    # -- suggestions: reads -------------------------------------------------------------

    def suggested_pair_ids(self, model: str | None = None) -> set[str]:
        """Ids of the pairs with a stored suggestion (by relation model ``model`` if given)."""
        if model is None:
            rows = self.conn.execute("SELECT pair_id FROM suggestions")
        else:
            rows = self.conn.execute("SELECT pair_id FROM suggestions WHERE model = ?", (model,))
        return {row[0] for row in rows}

    def has_suggestions(self) -> bool:
        """Whether any pair has a stored suggestion (cheap: reads one row)."""
        return self.conn.execute("SELECT 1 FROM suggestions LIMIT 1").fetchone() is not None

    def suggestion_models(self) -> list[str]:
        """The relation models behind the stored suggestions, sorted."""
        rows = self.conn.execute("SELECT DISTINCT model FROM suggestions ORDER BY model")
        return [row[0] for row in rows]

    def suggestions(self, pair_ids: Iterable[str] | None = None) -> dict[str, StoredSuggestion]:
        """Stored suggestions by pair id: of these pairs, or of every pair when None."""
        columns = (
            "SELECT pair_id, a_id, b_id, relation, confidence, probabilities, reasons,"
            " specifics, model, computed_at FROM suggestions"
        )
        if pair_ids is None:
            return {row["pair_id"]: _suggestion(row) for row in self.conn.execute(columns)}
        out: dict[str, StoredSuggestion] = {}
        for chunk in _chunks(pair_ids):
            rows = self.conn.execute(f"{columns} WHERE pair_id IN ({_marks(len(chunk))})", chunk)
            out.update((row["pair_id"], _suggestion(row)) for row in rows)
        return out

    def suggested_relations(self, pair_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Just the suggested relation by pair id (of every pair when None): cheap enough
        to filter and count tens of thousands of pairs."""
        if pair_ids is None:
            return dict(self.conn.execute("SELECT pair_id, relation FROM suggestions").fetchall())
        out: dict[str, str] = {}
        for chunk in _chunks(pair_ids):
            rows = self.conn.execute(
                "SELECT pair_id, relation FROM suggestions"
                f" WHERE pair_id IN ({_marks(len(chunk))})",
                chunk,
            )
            out.update(dict(rows.fetchall()))
        return out

    def suggestion_probabilities(self, pair_ids: Iterable[str]) -> dict[str, dict[str, float]]:
        """The suggested probability of each relation, by pair id, for pairs that have one."""
        out: dict[str, dict[str, float]] = {}
        for chunk in _chunks(pair_ids):
            rows = self.conn.execute(
                "SELECT pair_id, probabilities FROM suggestions"
                f" WHERE pair_id IN ({_marks(len(chunk))})",
                chunk,
            )
            out.update((pid, json.loads(probabilities)) for pid, probabilities in rows)
        return out

    def suggestion_features(self) -> dict[str, list[float]]:
        """The relation head's input features of every pair with a stored suggestion."""
        rows = self.conn.execute("SELECT pair_id, features FROM suggestions")
        return {pid: json.loads(features) for pid, features in rows}

    # -- what the stage and the ranking read from neighbouring tables -------------------

    def pairs_to_suggest(self) -> list[tuple[str, str, str]]:
        """``(pair_id, a_id, b_id)`` of every alignment row, in table order (a pair appears
        once per direction aligned); the stage suggests one relation per pair."""
        rows = self.conn.execute("SELECT pair_id, a_id, b_id FROM alignments")
        return [(pid, a_id, b_id) for pid, a_id, b_id in rows]

    def visible_pairs(self, threshold: float) -> list[tuple[str, str, str]]:
        """``(pair_id, a_id, b_id)`` of each pair an analyst is shown, once, ``a_id`` the
        smaller id: best in its document in either direction with a score of at least
        ``threshold``, a mutual best match, or tagged by anyone. Sorted by ``a_id`` so
        that batches of pairs share passages."""
        rows = self.conn.execute(
            "SELECT DISTINCT pair_id, a_id, b_id FROM alignments"
            " WHERE (rank = 1 AND score >= ?) OR mutual = 1"
            " OR pair_id IN (SELECT pair_id FROM tags)",
            (threshold,),
        )
        out: dict[str, tuple[str, str]] = {}
        for pid, a_id, b_id in rows:
            out.setdefault(pid, (a_id, b_id) if a_id <= b_id else (b_id, a_id))
        return sorted(((pid, a, b) for pid, (a, b) in out.items()), key=lambda r: (r[1], r[2]))

    def tagged_pair_ids(self) -> set[str]:
        """Ids of the pairs anyone has tagged."""
        return {row[0] for row in self.conn.execute("SELECT DISTINCT pair_id FROM tags")}

    def delete_meta(self, key: str) -> bool:
        """Remove a meta key; True if it was there."""
        with self.write() as conn:
            cursor = conn.execute("DELETE FROM meta WHERE key = ?", (key,))
        return cursor.rowcount > 0
