"""The schema of the SQLite store as numbered migrations, applied in order on open.

Each migration is a function ``mNNN_what(conn)`` that runs inside the transaction that also
sets ``PRAGMA user_version`` to its number, so a database is always at exactly one version.
A migration once released is never edited: change the schema by appending a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable


def _run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run DDL statements inside the caller's transaction (``executescript`` would commit)."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def m001_create_tables(conn: sqlite3.Connection) -> None:
    """Documents, passages, sentences, alignments, coverage and meta keys."""
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
    """Analysts' tags (every save a row) and adjudications, kept apart."""
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


def m005_accounts(conn: sqlite3.Connection) -> None:
    """Accounts, sessions, failed sign-ins and the audit trail (issue 15).

    Passwords and session tokens are stored only as hashes (see ``workbench.accounts``).
    """
    _run_script(
        conn,
        """
        CREATE TABLE users (
            name TEXT PRIMARY KEY,
            role TEXT NOT NULL CHECK (role IN ('analyst', 'adjudicator', 'admin')),
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE sessions (
            token_hash TEXT PRIMARY KEY,
            user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE INDEX sessions_user ON sessions(user_name);
        CREATE TABLE sign_in_failures (
            name TEXT PRIMARY KEY,
            failures INTEGER NOT NULL,
            last_failure_at TEXT NOT NULL,
            blocked_until TEXT NOT NULL DEFAULT ''
        );
        CREATE TABLE audit (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT NOT NULL DEFAULT '',
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX audit_actor ON audit(actor, id)
        """,
    )


def m006_coverage_by_document(conn: sqlite3.Connection) -> None:
    """Coverage found by the document that is silent: the Overview's list of what one
    document never addresses reads 20,000 passages' coverage without it (0.5 s at 20,000
    passages), a few hundred rows with it (issue 14)."""
    _run_script(conn, "CREATE INDEX IF NOT EXISTS coverage_doc ON coverage(doc_id, addressed)")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    m001_create_tables,
    m002_tags,
    m003_suggestions,
    m004_structured_reasons,
    m005_accounts,
    m006_coverage_by_document,
]
"""Every migration in order; a database's ``user_version`` is how many it has had."""
