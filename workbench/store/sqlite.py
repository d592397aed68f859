"""The SQLite store: migrations, connections, typed reads and writes. No analysis here.

One ``Store`` owns one connection and must stay on the thread that opened it; every
Streamlit session and every worker opens its own. Writes run inside ``BEGIN IMMEDIATE`` so
concurrent writers queue on the busy timeout instead of failing half-way.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import InvalidInput, NotFound, StoreError
from workbench.models import (
    Alignment,
    Document,
    DocumentMeta,
    Passage,
    PassageKind,
    Relation,
    Sentence,
    Tag,
)
from workbench.store.suggestions import SuggestionQueries

BUSY_TIMEOUT_MS = 60_000


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction (``executescript`` would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_create_tables(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE documents (
            id TEXT PRIMARY KEY,
            source_path TEXT NOT NULL,
            format TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            encoding TEXT NOT NULL DEFAULT '',
            text TEXT NOT NULL,
            outlet TEXT NOT NULL DEFAULT 'unknown',
            kind TEXT NOT NULL DEFAULT '',
            title TEXT NOT NULL DEFAULT '',
            author TEXT NOT NULL DEFAULT '',
            published TEXT NOT NULL DEFAULT '',
            date TEXT NOT NULL DEFAULT '',
            url TEXT NOT NULL DEFAULT '',
            language TEXT NOT NULL DEFAULT '',
            extra TEXT NOT NULL DEFAULT '{}',
            ingested_at TEXT NOT NULL
        );
        CREATE TABLE passages (
            id TEXT PRIMARY KEY,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            kind TEXT NOT NULL,
            section TEXT NOT NULL DEFAULT '',
            reason TEXT NOT NULL DEFAULT '',
            UNIQUE (doc_id, seq)
        );
        CREATE INDEX passages_doc ON passages(doc_id, kind);
        CREATE TABLE sentences (
            passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            seq INTEGER NOT NULL,
            start INTEGER NOT NULL,
            end INTEGER NOT NULL,
            text TEXT NOT NULL,
            PRIMARY KEY (passage_id, seq)
        );
        CREATE TABLE alignments (
            a_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            b_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            pair_id TEXT NOT NULL,
            b_doc TEXT NOT NULL,
            rank INTEGER NOT NULL,
            score REAL NOT NULL,
            mutual INTEGER NOT NULL,
            features TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (a_id, b_id)
        );
        CREATE INDEX alignments_pair ON alignments(pair_id);
        CREATE INDEX alignments_b ON alignments(b_id);
        CREATE TABLE coverage (
            passage_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            doc_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            best_score REAL NOT NULL,
            addressed INTEGER NOT NULL,
            PRIMARY KEY (passage_id, doc_id)
        );
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
    )


def m002_tags(conn: sqlite3.Connection) -> None:
    _run_script(
        conn,
        """
        CREATE TABLE tags (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pair_id TEXT NOT NULL,
            a_id TEXT NOT NULL,
            b_id TEXT NOT NULL,
            label TEXT NOT NULL,
            analyst TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX tags_pair ON tags(pair_id, analyst, id);
        CREATE INDEX tags_analyst ON tags(analyst, id);
        CREATE TABLE adjudications (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            pair_id TEXT NOT NULL,
            label TEXT NOT NULL,
            adjudicator TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX adjudications_pair ON adjudications(pair_id, id);
        """,
    )


def m003_suggestions(conn: sqlite3.Connection) -> None:
    """Framing cues per passage and relation suggestions per aligned pair (issue 3)."""
    _run_script(
        conn,
        """
        CREATE TABLE passage_framing (
            passage_id TEXT PRIMARY KEY REFERENCES passages(id) ON DELETE CASCADE,
            cues TEXT NOT NULL DEFAULT '[]',
            score REAL NOT NULL,
            disputes INTEGER NOT NULL,
            version TEXT NOT NULL
        );
        CREATE TABLE suggestions (
            pair_id TEXT PRIMARY KEY,
            a_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            b_id TEXT NOT NULL REFERENCES passages(id) ON DELETE CASCADE,
            relation TEXT NOT NULL,
            confidence REAL NOT NULL,
            probabilities TEXT NOT NULL DEFAULT '{}',
            reasons TEXT NOT NULL DEFAULT '[]',
            specifics TEXT NOT NULL DEFAULT '{}',
            features TEXT NOT NULL DEFAULT '[]',
            model TEXT NOT NULL,
            computed_at TEXT NOT NULL
        );
        CREATE INDEX suggestions_relation ON suggestions(relation)
        """,
    )


def m004_structured_reasons(conn: sqlite3.Connection) -> None:
    """Reasons are stored as facts (kind, side, values, weight), no longer as sentences.

    Suggestions stored with sentences cannot be turned into facts without the model, so they
    are dropped, and the alignment is marked stale so that the app re-aligns (and re-suggests)
    on its next start and ``workbench pairs`` advises ``workbench align``.
    """
    _run_script(
        conn,
        """
        DELETE FROM suggestions;
        DELETE FROM meta WHERE key = 'aligned_corpus'
        """,
    )


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_create_tables,
    m002_tags,
    m003_suggestions,
    m004_structured_reasons,
]


def now() -> str:
    """The current UTC time as an ISO 8601 string, the store's timestamp format."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class Store(SuggestionQueries):
    """A connection to one workbench database, migrated to the current schema on open."""

    def __init__(self, path: Path | str, *, create: bool = True) -> None:
        self.path = Path(path)
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
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} has schema version {version}, newer than this "
                f"workbench ({len(MIGRATIONS)}); upgrade the workbench"
            )
        for number, migration in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.write():
                migration(self.conn)
                self.conn.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken with ``BEGIN IMMEDIATE``; rolled back on any error."""
        if self.conn.in_transaction:
            yield self.conn
            return
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
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
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: str) -> None:
        with self.write():
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    # -- documents --------------------------------------------------------------------

    def documents(self) -> list[Document]:
        rows = self.conn.execute("SELECT * FROM documents ORDER BY id").fetchall()
        return [_document(row) for row in rows]

    def document(self, doc_id: str) -> Document:
        row = self.conn.execute("SELECT * FROM documents WHERE id = ?", (doc_id,)).fetchone()
        if row is None:
            raise NotFound(f"no document {doc_id!r}; `workbench documents` lists them")
        return _document(row)

    def document_hash(self, doc_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT content_hash FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        return row[0] if row else None

    def document_source(self, doc_id: str) -> str | None:
        row = self.conn.execute(
            "SELECT source_path FROM documents WHERE id = ?", (doc_id,)
        ).fetchone()
        return row[0] if row else None

    def passage_counts(self) -> dict[str, int]:
        rows = self.conn.execute(
            "SELECT doc_id, count(*) FROM passages WHERE kind = 'text' GROUP BY doc_id"
        )
        return {doc_id: count for doc_id, count in rows}

    def replace_document(
        self, document: Document, passages: Iterable[Passage], sentences: Iterable[Sentence]
    ) -> None:
        """Insert a document with its passages, replacing any older version, atomically."""
        meta = document.meta
        with self.write() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (document.id,))
            conn.execute(
                "INSERT INTO documents (id, source_path, format, content_hash, encoding, text,"
                " outlet, kind, title, author, published, date, url, language, extra,"
                " ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document.id,
                    document.source_path,
                    document.format,
                    document.content_hash,
                    document.encoding,
                    document.text,
                    meta.outlet,
                    meta.kind,
                    meta.title,
                    meta.author,
                    meta.published,
                    document.date,
                    meta.url,
                    meta.language,
                    json.dumps(meta.extra, ensure_ascii=False),
                    document.ingested_at or now(),
                ),
            )
            conn.executemany(
                "INSERT INTO passages (id, doc_id, seq, start, end, text, kind, section, reason)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.id,
                        p.doc_id,
                        p.seq,
                        p.start,
                        p.end,
                        p.text,
                        str(p.kind),
                        p.section,
                        p.reason,
                    )
                    for p in passages
                ],
            )
            conn.executemany(
                "INSERT INTO sentences (passage_id, seq, start, end, text) VALUES (?, ?, ?, ?, ?)",
                [(s.passage_id, s.seq, s.start, s.end, s.text) for s in sentences],
            )

    def update_document_meta(
        self, doc_id: str, meta: DocumentMeta, source_path: str, date: str
    ) -> None:
        """New metadata (from an edited manifest) for an unchanged document."""
        with self.write() as conn:
            conn.execute(
                "UPDATE documents SET outlet = ?, kind = ?, title = ?, author = ?, published = ?,"
                " url = ?, language = ?, extra = ?, source_path = ?, date = ? WHERE id = ?",
                (
                    meta.outlet,
                    meta.kind,
                    meta.title,
                    meta.author,
                    meta.published,
                    meta.url,
                    meta.language,
                    json.dumps(meta.extra, ensure_ascii=False),
                    source_path,
                    date,
                    doc_id,
                ),
            )

    def delete_document(self, doc_id: str) -> None:
        with self.write() as conn:
            conn.execute("DELETE FROM documents WHERE id = ?", (doc_id,))

    # -- passages ---------------------------------------------------------------------

    def passages(
        self, doc_id: str | None = None, kinds: Iterable[PassageKind] = (PassageKind.TEXT,)
    ) -> list[Passage]:
        kinds = [str(k) for k in kinds]
        sql = f"SELECT * FROM passages WHERE kind IN ({','.join('?' * len(kinds))})"
        params: list[Any] = list(kinds)
        if doc_id is not None:
            sql += " AND doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY doc_id, seq"
        return [_passage(row) for row in self.conn.execute(sql, params)]

    def passage(self, passage_id: str) -> Passage:
        row = self.conn.execute("SELECT * FROM passages WHERE id = ?", (passage_id,)).fetchone()
        if row is None:
            raise NotFound(f"no passage {passage_id!r}")
        return _passage(row)

    def sentences(self) -> list[Sentence]:
        """Sentences of all text passages, in passage order."""
        rows = self.conn.execute(
            "SELECT s.* FROM sentences s JOIN passages p ON p.id = s.passage_id"
            " WHERE p.kind = 'text' ORDER BY p.doc_id, p.seq, s.seq"
        )
        return [Sentence(r["passage_id"], r["seq"], r["start"], r["end"], r["text"]) for r in rows]

    # -- alignments -------------------------------------------------------------------

    def replace_alignments(
        self,
        alignments: Iterable[Alignment | tuple[str, str, str, str, int, float, int, str]],
        coverage: Iterable[tuple[str, str, float, bool]],
        corpus_key: str,
        meta: dict[str, str] | None = None,
    ) -> None:
        """Swap in a complete alignment of the corpus in one transaction.

        ``alignments`` are objects or, for large corpora, ready rows
        ``(a_id, b_id, pair_id, b_doc, rank, score, mutual, features JSON)``.

        ``meta`` holds what the alignment was computed with (model, embedding backend),
        written in the same transaction so it always describes the rows beside it.
        """
        with self.write() as conn:
            conn.execute("DELETE FROM alignments")
            conn.execute("DELETE FROM coverage")
            # Bulk load without the secondary indexes, then rebuild them: about 1.5x faster
            # for millions of rows. DDL is transactional here, so a crash keeps the old ones.
            conn.execute("DROP INDEX alignments_pair")
            conn.execute("DROP INDEX alignments_b")
            conn.executemany(
                "INSERT INTO alignments (a_id, b_id, pair_id, b_doc, rank, score, mutual, features)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        a.a_id,
                        a.b_id,
                        a.pair_id,
                        a.b_doc,
                        a.rank,
                        a.score,
                        int(a.mutual),
                        json.dumps(a.features),
                    )
                    if isinstance(a, Alignment)
                    else a
                    for a in alignments
                ),
            )
            conn.execute("CREATE INDEX alignments_pair ON alignments(pair_id)")
            conn.execute("CREATE INDEX alignments_b ON alignments(b_id)")
            conn.executemany(
                "INSERT INTO coverage (passage_id, doc_id, best_score, addressed)"
                " VALUES (?, ?, ?, ?)",
                ((p, d, s, int(ok)) for p, d, s, ok in coverage),
            )
            conn.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [("aligned_corpus", corpus_key), *(meta or {}).items()],
            )

    def alignment_count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM alignments").fetchone()[0]

    def aligned_pairs(
        self,
        *,
        doc_id: str | None = None,
        outlet: str | None = None,
        max_rank: int | None = None,
        min_score: float | None = None,
        pair_id: str | None = None,
    ) -> list[sqlite3.Row]:
        """Alignments joined with both passages and documents, best first per passage."""
        sql = """
            SELECT al.pair_id, al.rank, al.score, al.mutual, al.features,
                   pa.id AS a_id, pa.doc_id AS a_doc, da.outlet AS a_outlet,
                   pa.start AS a_start, pa.end AS a_end, pa.text AS a_text,
                   pa.section AS a_section,
                   pb.id AS b_id, pb.doc_id AS b_doc, db.outlet AS b_outlet,
                   pb.start AS b_start, pb.end AS b_end, pb.text AS b_text,
                   pb.section AS b_section
            FROM alignments al
            JOIN passages pa ON pa.id = al.a_id
            JOIN passages pb ON pb.id = al.b_id
            JOIN documents da ON da.id = pa.doc_id
            JOIN documents db ON db.id = pb.doc_id
            WHERE 1 = 1
        """
        params: list[Any] = []
        if doc_id is not None:
            sql += " AND pa.doc_id = ?"
            params.append(doc_id)
        if outlet is not None:
            sql += " AND da.outlet = ?"
            params.append(outlet)
        if max_rank is not None:
            sql += " AND al.rank <= ?"
            params.append(max_rank)
        if min_score is not None:
            sql += " AND al.score >= ?"
            params.append(min_score)
        if pair_id is not None:
            sql += " AND al.pair_id = ?"
            params.append(pair_id)
        sql += " ORDER BY pa.doc_id, pa.seq, pb.doc_id, al.rank"
        return self.conn.execute(sql, params).fetchall()

    def coverage(self, addressed: bool | None = None) -> list[sqlite3.Row]:
        sql = (
            "SELECT c.passage_id, c.doc_id, c.best_score, c.addressed, p.doc_id AS source_doc"
            " FROM coverage c JOIN passages p ON p.id = c.passage_id"
        )
        params: list[Any] = []
        if addressed is not None:
            sql += " WHERE c.addressed = ?"
            params.append(int(addressed))
        sql += " ORDER BY p.doc_id, p.seq, c.doc_id"
        return self.conn.execute(sql, params).fetchall()


def _document(row: sqlite3.Row) -> Document:
    meta = DocumentMeta(
        outlet=row["outlet"],
        kind=row["kind"],
        title=row["title"],
        author=row["author"],
        published=row["published"],
        url=row["url"],
        language=row["language"],
        extra=json.loads(row["extra"]),
    )
    return Document(
        id=row["id"],
        source_path=row["source_path"],
        format=row["format"],
        content_hash=row["content_hash"],
        text=row["text"],
        meta=meta,
        date=row["date"],
        encoding=row["encoding"],
        ingested_at=row["ingested_at"],
    )


def _passage(row: sqlite3.Row) -> Passage:
    return Passage(
        id=row["id"],
        doc_id=row["doc_id"],
        seq=row["seq"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        kind=PassageKind(row["kind"]),
        section=row["section"],
        reason=row["reason"],
    )


# -- tags -------------------------------------------------------------------------------


def _check_label(label: str) -> Relation:
    try:
        return Relation(label)
    except ValueError:
        raise InvalidInput(
            f"unknown label {label!r}; use one of {', '.join(r.value for r in Relation)}"
        ) from None


def _check_name(name: str, role: str) -> str:
    name = " ".join(name.split())
    if not name:
        raise InvalidInput(f"the {role}'s name is empty; give a name so tags can be attributed")
    if len(name) > 100:
        raise InvalidInput(f"the {role}'s name is longer than 100 characters")
    return name


def _tag(row: sqlite3.Row) -> Tag:
    return Tag(
        tag_id=row["id"],
        pair_id=row["pair_id"],
        a_id=row["a_id"],
        b_id=row["b_id"],
        label=Relation(row["label"]),
        analyst=row["analyst"],
        note=row["note"],
        created_at=row["created_at"],
    )


def add_tag(store: Store, pair_id: str, label: str, analyst: str, note: str = "") -> Tag:
    """Record an analyst's label for an aligned pair as a new row (history is kept)."""
    relation = _check_label(label)
    analyst = _check_name(analyst, "analyst")
    row = store.conn.execute(
        "SELECT a_id, b_id FROM alignments WHERE pair_id = ? LIMIT 1", (pair_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no aligned pair {pair_id!r}; `workbench pairs` lists them")
    a_id, b_id = sorted((row["a_id"], row["b_id"]))
    with store.write() as conn:
        cursor = conn.execute(
            "INSERT INTO tags (pair_id, a_id, b_id, label, analyst, note, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            (pair_id, a_id, b_id, relation.value, analyst, note, now()),
        )
        created = conn.execute("SELECT * FROM tags WHERE id = ?", (cursor.lastrowid,)).fetchone()
    return _tag(created)


def tags(
    store: Store, *, analyst: str | None = None, pair_id: str | None = None, latest: bool = False
) -> list[Tag]:
    """Tags oldest first; with ``latest`` only each analyst's last tag per pair."""
    sql = "SELECT * FROM tags t WHERE 1 = 1"
    params: list[Any] = []
    if latest:
        sql += (
            " AND t.id = (SELECT max(id) FROM tags u"
            " WHERE u.pair_id = t.pair_id AND u.analyst = t.analyst)"
        )
    if analyst is not None:
        sql += " AND t.analyst = ?"
        params.append(analyst)
    if pair_id is not None:
        sql += " AND t.pair_id = ?"
        params.append(pair_id)
    sql += " ORDER BY t.id"
    return [_tag(row) for row in store.conn.execute(sql, params)]


def add_adjudication(
    store: Store, pair_id: str, label: str, adjudicator: str, note: str = ""
) -> int:
    """Record a final label for a pair, kept apart from the analysts' own tags."""
    relation = _check_label(label)
    adjudicator = _check_name(adjudicator, "adjudicator")
    with store.write() as conn:
        cursor = conn.execute(
            "INSERT INTO adjudications (pair_id, label, adjudicator, note, created_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (pair_id, relation.value, adjudicator, note, now()),
        )
    return int(cursor.lastrowid or 0)


def adjudications(store: Store) -> dict[str, sqlite3.Row]:
    """The latest adjudication per pair."""
    rows = store.conn.execute(
        "SELECT * FROM adjudications a WHERE a.id = "
        "(SELECT max(id) FROM adjudications b WHERE b.pair_id = a.pair_id)"
    )
    return {row["pair_id"]: row for row in rows}
