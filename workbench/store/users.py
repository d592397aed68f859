"""Accounts, sessions, failed sign-ins and the audit trail: the ``users``, ``sessions``,
``sign_in_failures`` and ``audit`` tables.

Only hashes are stored: argon2 hashes of passwords and SHA-256 hashes of session tokens,
so reading the database gives neither a password nor a live session. The policy (who may do
what, how long a session lasts, how sign-ins are slowed) lives in :mod:`workbench.accounts`;
these methods only read and write rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from workbench.store.base import Database, now


@dataclass(frozen=True)
class UserRecord:
    """One account as stored: ``password_hash`` is an argon2 hash string, never a password."""

    name: str
    role: str
    password_hash: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class AuditEvent:
    """One line of the audit trail: who did what to which subject, and when.

    ``actor`` is a user name (the signed-in user in the app), ``cli:<os user>`` for
    commands, or "" where the store does not know (a document stored before ingestion was
    recorded, or by code that named no one).
    """

    at: str
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]


def _user(row: dict[str, Any]) -> UserRecord:
    return UserRecord(
        name=row["name"],
        role=row["role"],
        password_hash=row["password_hash"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


class UserQueries(Database):
    """Reads and writes of accounts, sessions and sign-in failures (mixed into the store)."""

    # -- users ----------------------------------------------------------------------------

    def add_user(self, name: str, role: str, password_hash: str) -> bool:
        """Create an account; False (and nothing written) when the name is taken."""
        stamp = now()
        with self.write(corpus=False):
            self._execute(
                "INSERT INTO users (name, role, password_hash, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING",
                (name, role, password_hash, stamp, stamp),
            )
            # Hashes are salted, so only the row written just now carries this one.
            stored = self._value("SELECT password_hash FROM users WHERE name = ?", (name,))
        return stored == password_hash

    def user(self, name: str) -> UserRecord | None:
        """The account called ``name``, or None."""
        row = self._row("SELECT * FROM users WHERE name = ?", (name,))
        return _user(row) if row else None

    def users(self) -> list[UserRecord]:
        """Every account, by name."""
        return [_user(row) for row in self._rows("SELECT * FROM users ORDER BY name")]

    def user_count(self) -> int:
        """How many accounts exist (0: the app runs without sign-in on loopback)."""
        return int(self._value("SELECT count(*) FROM users") or 0)

    def set_password_hash(self, name: str, password_hash: str) -> bool:
        """Replace an account's password hash and end its sessions; False if no such account."""
        with self.write(corpus=False):
            if self._value("SELECT count(*) FROM users WHERE name = ?", (name,)) == 0:
                return False
            self._execute(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                (password_hash, now(), name),
            )
            self._execute("DELETE FROM sessions WHERE user_name = ?", (name,))
        return True

    def set_user_role(self, name: str, role: str) -> bool:
        """Change an account's role and end its sessions; False if no such account."""
        with self.write(corpus=False):
            if self._value("SELECT count(*) FROM users WHERE name = ?", (name,)) == 0:
                return False
            self._execute(
                "UPDATE users SET role = ?, updated_at = ? WHERE name = ?", (role, now(), name)
            )
            self._execute("DELETE FROM sessions WHERE user_name = ?", (name,))
        return True

    def remove_user(self, name: str) -> bool:
        """Delete an account and its sessions (its tags stay, attributed to the name)."""
        with self.write(corpus=False):
            if self._value("SELECT count(*) FROM users WHERE name = ?", (name,)) == 0:
                return False
            self._execute("DELETE FROM sessions WHERE user_name = ?", (name,))
            self._execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))
            self._execute("DELETE FROM users WHERE name = ?", (name,))
        return True

    # -- sessions -------------------------------------------------------------------------

    def add_session(self, token_hash: str, name: str, expires_at: str) -> None:
        """Remember a signed-in session by the hash of its token until ``expires_at``."""
        with self.write(corpus=False):
            self._execute("DELETE FROM sessions WHERE expires_at <= ?", (now(),))
            self._execute(
                "INSERT INTO sessions (token_hash, user_name, created_at, expires_at)"
                " VALUES (?, ?, ?, ?)",
                (token_hash, name, now(), expires_at),
            )

    def session_user(self, token_hash: str, at: str) -> UserRecord | None:
        """The account of an unexpired session, or None (unknown, expired or user removed)."""
        row = self._row(
            "SELECT u.* FROM sessions s JOIN users u ON u.name = s.user_name"
            " WHERE s.token_hash = ? AND s.expires_at > ?",
            (token_hash, at),
        )
        return _user(row) if row else None

    def remove_session(self, token_hash: str) -> None:
        """End one session (sign-out)."""
        with self.write(corpus=False):
            self._execute("DELETE FROM sessions WHERE token_hash = ?", (token_hash,))

    def session_count(self, name: str) -> int:
        """How many sessions, expired or not, an account still has rows for."""
        return int(self._value("SELECT count(*) FROM sessions WHERE user_name = ?", (name,)) or 0)

    # -- failed sign-ins ------------------------------------------------------------------

    def sign_in_block(self, name: str) -> tuple[int, str]:
        """``(failures so far, blocked until)`` for a user name; ``(0, "")`` when clean."""
        row = self._row(
            "SELECT failures, blocked_until FROM sign_in_failures WHERE name = ?", (name,)
        )
        return (int(row["failures"]), row["blocked_until"]) if row else (0, "")

    def note_sign_in_failure(self, name: str, at: str) -> int:
        """Count one more failed sign-in for ``name``; returns the count so far."""
        with self.write(corpus=False):
            self._execute(
                "INSERT INTO sign_in_failures (name, failures, last_failure_at, blocked_until)"
                " VALUES (?, 1, ?, '') ON CONFLICT (name) DO UPDATE"
                " SET failures = sign_in_failures.failures + 1,"
                " last_failure_at = excluded.last_failure_at",
                (name, at),
            )
            return int(self._value("SELECT failures FROM sign_in_failures WHERE name = ?", (name,)))

    def block_sign_in(self, name: str, until: str) -> None:
        """Refuse sign-ins for ``name`` until ``until`` (an ISO time)."""
        with self.write(corpus=False):
            self._execute(
                "UPDATE sign_in_failures SET blocked_until = ? WHERE name = ?", (until, name)
            )

    def clear_sign_in_failures(self, name: str) -> None:
        """Forget failed sign-ins for ``name`` (after a successful one)."""
        with self.write(corpus=False):
            self._execute("DELETE FROM sign_in_failures WHERE name = ?", (name,))


class AuditQueries(Database):
    """The audit trail: an append-only list of who did what, when (mixed into the store).

    Tags and adjudications are their own history (every save is a new row with its author
    and time), so the trail reads them from their tables; other events (sign-ins, account
    changes, ingestion) are rows of the ``audit`` table.
    """

    def record_event(
        self, actor: str, action: str, subject: str = "", detail: dict[str, Any] | None = None
    ) -> int:
        """Append one event; returns its id. ``detail`` must never hold a password."""
        return self._audit(actor, action, subject, detail)

    def audit_events(
        self, *, actor: str | None = None, action: str | None = None
    ) -> list[AuditEvent]:
        """Rows of the ``audit`` table, oldest first, optionally one actor's or one action's."""
        sql = "SELECT at, actor, action, subject, detail FROM audit WHERE 1 = 1"
        params: list[Any] = []
        if actor is not None:
            sql += " AND actor = ?"
            params.append(actor)
        if action is not None:
            sql += " AND action = ?"
            params.append(action)
        sql += " ORDER BY id"
        return [
            AuditEvent(r["at"], r["actor"], r["action"], r["subject"], json.loads(r["detail"]))
            for r in self._rows(sql, params)
        ]

    def first_adjudications(self) -> dict[str, str]:
        """When each adjudicated pair was first decided: ``{pair_id: ISO time}``."""
        rows = self._tuples("SELECT pair_id, min(created_at) FROM adjudications GROUP BY pair_id")
        return {pair_id: at for pair_id, at in rows}

    def audit_trail(self, *, since: str = "") -> list[AuditEvent]:
        """Everything that changed the corpus, its tags or its accounts, oldest first.

        Documents ingested, replaced, updated or removed (``document.*``, with the actor
        recorded at the time), each tag (``tag``, or ``tag.change`` when the analyst had
        already tagged the pair; ``detail["previous"]`` is the label before), each decision
        (``adjudicate`` or ``adjudicate.change``), account changes (``user.*``) and project
        settings (``setting.*``). Sign-ins are left out. A document stored before its
        ingestion was recorded appears once as ``document.ingest`` with actor "" (unknown).
        """
        events = [e for e in self.audit_events() if not e.action.startswith("sign_in")]
        recorded = {e.subject for e in events if e.action.startswith("document.")}
        events += [
            AuditEvent(
                r["ingested_at"], "", "document.ingest", r["id"], {"source": r["source_path"]}
            )
            for r in self._rows("SELECT id, source_path, ingested_at FROM documents ORDER BY id")
            if r["id"] not in recorded
        ]
        previous: dict[tuple[str, str], str] = {}
        for r in self._rows(
            "SELECT pair_id, label, analyst, note, created_at FROM tags ORDER BY id"
        ):
            key = (r["pair_id"], r["analyst"])
            detail = {"label": r["label"], "note": r["note"]}
            if key in previous:
                detail["previous"] = previous[key]
            events.append(
                AuditEvent(
                    r["created_at"],
                    r["analyst"],
                    "tag.change" if key in previous else "tag",
                    r["pair_id"],
                    detail,
                )
            )
            previous[key] = r["label"]
        decided: dict[str, str] = {}
        for r in self._rows(
            "SELECT pair_id, label, adjudicator, note, created_at FROM adjudications ORDER BY id"
        ):
            detail = {"label": r["label"], "note": r["note"]}
            if r["pair_id"] in decided:
                detail["previous"] = decided[r["pair_id"]]
            events.append(
                AuditEvent(
                    r["created_at"],
                    r["adjudicator"],
                    "adjudicate.change" if r["pair_id"] in decided else "adjudicate",
                    r["pair_id"],
                    detail,
                )
            )
            decided[r["pair_id"]] = r["label"]
        return sorted((e for e in events if e.at >= since), key=lambda e: e.at)
