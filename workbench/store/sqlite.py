"""The SQLite store: the connection, its transactions, backups and meta keys.

One ``Store`` owns one connection and must stay on the thread that opened it; every
Streamlit session and every worker opens its own. The connection runs in WAL mode with a
busy timeout, and writes run inside ``BEGIN IMMEDIATE`` so concurrent writers queue on the
timeout instead of failing half-way. The reads and writes themselves are the query mixins
(documents, alignments, tags, suggestions); this module gives them the primitives of
:class:`~workbench.store.base.Database` on SQLite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import StoreError
from workbench.store.alignments import ALIGNED_CORPUS, AlignmentQueries
from workbench.store.documents import DocumentQueries
from workbench.store.schema import MIGRATIONS
from workbench.store.suggestions import SuggestionQueries
from workbench.store.tags import TagQueries
from workbench.store.users import AuditQueries, UserQueries

if TYPE_CHECKING:
    import pandas as pd

BUSY_TIMEOUT_MS = 60_000


class Store(
    DocumentQueries, AlignmentQueries, TagQueries, SuggestionQueries, UserQueries, AuditQueries
):
    """A connection to one workbench database, migrated to the current schema on open."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
        self._corpus_written = False  # whether the open write transaction touches the corpus
        if not create and not self.path.exists():
            raise StoreError(
                f"database {self.path} does not exist; run `workbench ingest` first "
                "or pass --db to name another"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None
            )
            self.conn.row_factory = sqlite3.Row
            self.conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self.conn.execute("PRAGMA journal_mode = WAL")
            self.conn.execute("PRAGMA synchronous = NORMAL")
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} has schema version {version}, newer than this "
                f"workbench ({len(MIGRATIONS)}); upgrade the workbench"
            )
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.write(corpus=False):  # the meta table may not exist yet
                migration(self.conn)
                # PRAGMA takes no parameters; ``number`` is an int we counted ourselves
                self.conn.execute(f"PRAGMA user_version = {int(number)}")

    def schema_version(self) -> int:
        """How many of :data:`~workbench.store.schema.MIGRATIONS` the database has had."""
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def write(self, *, corpus: bool = True) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with ``BEGIN IMMEDIATE``; rolled back on any error.

        Nested uses join the outer transaction. ``corpus``: see
        :meth:`~workbench.store.base.Database.write`.
        """
        if self.conn.in_transaction:
            self._corpus_written = self._corpus_written or corpus
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        self._corpus_written = corpus
        try:
            yield self.conn
            if self._corpus_written:
                self._bump_corpus_version()
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def backup(self, target: Path | str) -> int:
        """Copy the database to ``target`` with SQLite's online backup API.

        The copy is made in one step inside a read transaction: in WAL mode writers carry
        on meanwhile, and the copy is the consistent snapshot of the moment it began (a
        copy in several steps would restart whenever another connection commits, and
        under steady tagging might never finish). Returns the number of pages copied.
        """
        target = Path(target)
        if target.exists():
            raise StoreError(f"{target} already exists; choose a new file for the backup")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.partial")
        tmp.unlink(missing_ok=True)
        destination = sqlite3.connect(tmp)
        try:
            self.conn.backup(destination, pages=-1)
            pages = destination.execute("PRAGMA page_count").fetchone()[0]
            check = destination.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            destination.close()
        if check != "ok":
            tmp.unlink(missing_ok=True)
            raise StoreError(f"the backup failed its integrity check ({check}); nothing written")
        tmp.replace(target)
        return int(pages)

    def integrity(self) -> str:
        """``PRAGMA integrity_check``: "ok" or the first problems found."""
        rows = self.conn.execute("PRAGMA integrity_check").fetchall()
        return "; ".join(row[0] for row in rows)

    # -- meta -------------------------------------------------------------------------

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        """The value stored under a meta key, or ``default``."""
        row = self._row("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        """Store ``value`` under a meta key, replacing any older value."""
        with self.write():
            self._execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def change_marks(self) -> tuple[object, ...]:
        """Cheap values that change when tags, decisions, the alignment, suggestions or
        the set of documents change: comparing two tells whether the store moved on.

        One statement, so the marks are one consistent snapshot.
        """
        row = self._tuples(
            "SELECT (SELECT max(id) FROM tags), (SELECT max(id) FROM adjudications),"
            " (SELECT value FROM meta WHERE key = ?), (SELECT max(computed_at) FROM suggestions),"
            " (SELECT count(*) FROM suggestions), (SELECT count(*) FROM documents),"
            " (SELECT max(ingested_at) FROM documents)",
            (ALIGNED_CORPUS,),
        )[0]
        return tuple(row)

    # -- the primitives the query mixins run on ------------------------------------------

    def _cursor(self) -> sqlite3.Cursor:
        cursor = self.conn.cursor()
        cursor.row_factory = None  # plain tuples; rows leave the store as dicts or objects
        return cursor

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.conn.execute(sql, params)

    def _executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def _insert(self, sql: str, params: Sequence[Any]) -> int:
        return int(self.conn.execute(sql, params).lastrowid or 0)

    def _tuples(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._cursor().execute(sql, params).fetchall()

    def _rows(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cursor = self._cursor().execute(sql, params)
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def _row_batches(
        self, sql: str, params: Sequence[Any] = (), size: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        cursor = self._cursor().execute(sql, params)
        names = [column[0] for column in cursor.description]
        try:
            while batch := cursor.fetchmany(size):
                yield [dict(zip(names, row, strict=True)) for row in batch]
        finally:
            cursor.close()

    def _row(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        cursor = self._cursor().execute(sql, params)
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([column[0] for column in cursor.description], row, strict=True))

    def _value(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self._cursor().execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _frame(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        import pandas as pd

        return pd.read_sql_query(sql, self.conn, params=list(params) or None)
