"""What the query modules need from a database: a handful of primitives, one set per database.

The query mixins (:mod:`~workbench.store.documents`, :mod:`~workbench.store.alignments`,
:mod:`~workbench.store.tags`, :mod:`~workbench.store.suggestions`) write portable SQL with
``?`` placeholders and run it only through the methods of :class:`Database`. A database
implements them once (:class:`workbench.store.sqlite.Store` for SQLite); another one (say
PostgreSQL, whose driver wants ``%s``) translates the placeholders in its ``_execute`` and
reuses the same queries, so both satisfy one interface and pass the same tests.

Values always travel as parameters. The only SQL built at run time is a list of ``?`` marks
(:func:`marks`) and optional ``AND`` clauses chosen by which arguments were given.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import pandas as pd

CHUNK = 500
"""Ids per ``IN (...)`` list: far below every database's limit on parameters."""
CORPUS_VERSION = "corpus_version"
"""The meta key of :meth:`Database.corpus_version`."""

T = TypeVar("T")


def now() -> str:
    """The current UTC time as an ISO 8601 string, the store's timestamp format."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def marks(n: int) -> str:
    """``?, ?, ...``: the placeholders of an ``IN`` list of ``n`` values."""
    return ", ".join("?" * n)


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[list[T]]:
    """``values`` in lists of at most ``size``, for queries with an ``IN`` list."""
    for lo in range(0, len(values), size):
        yield list(values[lo : lo + size])


class Database:
    """The primitives every query mixin uses; a store implements them for its database.

    Reads return plain Python values (dicts keyed by column name, never a driver's row
    type), so what a query method builds from them is the same whatever the database.
    """

    like = "LIKE"
    """The operator that matches a pattern ignoring (ASCII) case: SQLite's ``LIKE``.
    PostgreSQL's ``LIKE`` minds case; an implementation there sets ``ILIKE``."""

    def write(self, *, corpus: bool = True) -> AbstractContextManager[Any]:
        """A write transaction: everything inside commits together or not at all.

        Unless every use in the transaction (nested ones included) passes
        ``corpus=False``, committing it also moves :meth:`corpus_version` on. Only the
        writes of analysts' work and accounts (tags, decisions, users, sessions, the audit
        trail) pass it, so a write that forgets to say makes caches read again rather than
        serve what the store no longer holds.
        """
        raise NotImplementedError

    def corpus_version(self) -> int:
        """A number that changes whenever documents, passages, alignments, suggestions,
        framing cues or meta keys may have changed, and not when only tags, decisions or
        accounts did: what the app keys its caches of corpus-wide figures by (one row read).
        """
        return int(self._value("SELECT value FROM meta WHERE key = ?", (CORPUS_VERSION,)) or 0)

    def _bump_corpus_version(self) -> None:
        """Move :meth:`corpus_version` on, inside the committing write transaction."""
        self._execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE"
            " SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)",
            (CORPUS_VERSION,),
        )

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns nothing."""
        raise NotImplementedError

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per row of parameters."""
        raise NotImplementedError

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        """Run one ``INSERT`` into a table with an integer key and return the new key."""
        raise NotImplementedError

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row of a query as a dict keyed by column name."""
        raise NotImplementedError

    def _tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row of a query as a tuple: for large results read column by column."""
        raise NotImplementedError

    def _row_batches(
        self, sql: str, params: Sequence[Any] = (), size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of a query as dicts, ``size`` at a time, read from an open cursor: memory
        stays bounded by one batch however many rows match."""
        raise NotImplementedError

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """A query's rows as a DataFrame (pandas is imported only when this is called)."""
        raise NotImplementedError

    def _audit(
        self, actor: str, action: str, subject: str = "", detail: dict[str, Any] | None = None
    ) -> int:
        """Append one event to the audit trail; returns its id.

        A query mixin calls it inside its own write transaction, so the change and the
        record of who made it commit together or not at all. ``detail`` must never hold a
        password.
        """
        with self.write(corpus=False):
            return self._insert(
                "INSERT INTO audit (at, actor, action, subject, detail) VALUES (?, ?, ?, ?, ?)",
                (now(), actor, action, subject, json.dumps(detail or {}, ensure_ascii=False)),
            )

    def _row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        """The first row of a query, or None when it has none."""
        rows = self._rows(sql, params)
        return rows[0] if rows else None

    def _values(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """The first column of every row of a query."""
        return [row[0] for row in self._tuples(sql, params)]

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first column of the first row of a query, or None when it has none."""
        rows = self._tuples(sql, params)
        return rows[0][0] if rows else None
