"""Analyst accounts: roles, password hashes, sessions that expire, slowed-down sign-ins.

A team shares one store (a PostgreSQL server, or one SQLite file); whoever can open the
store administers it (``workbench users ...``), and everyone else signs in to the app with
a user name and a password. What is kept:

- passwords as argon2id hashes (memory-hard; parameters from ``argon2-cffi``'s RFC 9106
  profile), re-hashed on sign-in when the parameters are raised;
- sessions as SHA-256 hashes of random tokens, with an absolute expiry, so neither a
  password nor a usable session can be read from the database;
- failed sign-ins per user name in the store, so every app process sees the same count:
  after :data:`FREE_ATTEMPTS` failures, sign-in for that name is refused for a delay that
  doubles with each further failure (capped at :data:`MAX_BLOCK`), without even checking
  the password.

No function here logs or returns a password; the errors name the user, never the secret.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from workbench.errors import ConfigError, InvalidInput, NotFound, WorkbenchError

if TYPE_CHECKING:
    from workbench.store.users import UserRecord

SESSION_TTL = timedelta(hours=8)
"""How long a sign-in lasts, whatever the activity: a working day."""
FREE_ATTEMPTS = 3
"""Failed sign-ins per user name before sign-in is refused for a while."""
FIRST_BLOCK = timedelta(seconds=2)
MAX_BLOCK = timedelta(minutes=15)
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
MAX_NAME = 64
_NAME = re.compile(r"[^\W_][\w.@-]*")


class Role(StrEnum):
    """What an account may do. Every role tags; adjudicators also decide; admins manage."""

    ANALYST = "analyst"
    ADJUDICATOR = "adjudicator"
    ADMIN = "admin"


class SignInRefused(WorkbenchError):
    """Wrong user name or password (the message does not say which)."""


class SignInThrottled(WorkbenchError):
    """Too many failed sign-ins for one user name: try again after a delay."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotAllowed(WorkbenchError):
    """The signed-in account's role does not allow this."""


@dataclass(frozen=True)
class User:
    """A signed-in (or listed) account. Holds no password and no hash."""

    name: str
    role: Role
    created_at: str = ""

    @property
    def can_adjudicate(self) -> bool:
        return self.role in (Role.ADJUDICATOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


@dataclass(frozen=True)
class Session:
    """A successful sign-in: ``token`` goes to the browser session's server-side state only."""

    token: str
    user: User
    expires_at: str


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher  # imported only by commands that handle passwords

    return PasswordHasher()


def check_name(name: str) -> str:
    """A user name in canonical form (NFKC, lower case), or InvalidInput saying why not.

    Names are letters and digits with ``.``, ``_``, ``-`` and ``@`` inside, so that a name
    can be shown anywhere (a table, a report, an HTML page) without escaping surprises, and
    two names that look alike after case folding are the same name.
    """
    if not isinstance(name, str):
        raise InvalidInput(f"user name {name!r} is not text")
    canonical = unicodedata.normalize("NFKC", name).strip().lower()
    if not canonical:
        raise InvalidInput("the user name is empty; give a name such as 'alice'")
    if len(canonical) > MAX_NAME:
        raise InvalidInput(
            f"user name {canonical[:MAX_NAME]!r}… is longer than {MAX_NAME} characters; "
            "choose a shorter one"
        )
    if not _NAME.fullmatch(canonical):
        raise InvalidInput(
            f"user name {canonical!r} has characters other than letters, digits and . _ - @ "
            "(or does not start with a letter or digit); choose a name such as 'alice.m'"
        )
    return canonical


def check_role(role: str) -> Role:
    """The :class:`Role` called ``role``, or InvalidInput listing the roles."""
    try:
        return Role(str(role).strip().lower())
    except ValueError:
        raise InvalidInput(
            f"unknown role {role!r}; use one of {', '.join(r.value for r in Role)}"
        ) from None


def check_password(password: str, name: str) -> str:
    """``password`` if acceptable, else InvalidInput saying why (never quoting it)."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password for {name!r} is shorter than {MIN_PASSWORD} characters; "
            "choose a longer one (a passphrase of a few words is easiest)"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"the password for {name!r} is longer than {MAX_PASSWORD} characters")
    if password.strip().lower() == name:
        raise InvalidInput(f"the password for {name!r} is the user name; choose another")
    return password


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (salted; the string carries its parameters)."""
    return str(_hasher().hash(password))


def block_for(failures: int) -> timedelta:
    """How long sign-in stays refused after ``failures`` consecutive failures."""
    if failures < FREE_ATTEMPTS:
        return timedelta(0)
    doublings = min(failures - FREE_ATTEMPTS, 20)  # 2 s * 2**20 is far past the cap
    return min(FIRST_BLOCK * 2**doublings, MAX_BLOCK)


def _as_user(record: UserRecord) -> User:
    return User(name=record.name, role=Role(record.role), created_at=record.created_at)


# A hash to verify against when the name is unknown, so that a wrong name takes as long
# as a wrong password and sign-in does not reveal which names exist.
_DUMMY_HASH: str | None = None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_urlsafe(16))
    return _DUMMY_HASH


class Accounts:
    """Account management and sign-in on one store (SQLite or PostgreSQL).

    Args:
        store: an open store (it mixes in :class:`~workbench.store.users.UserQueries` and
            :class:`~workbench.store.users.AuditQueries`).
        session_ttl: how long a session lasts after sign-in.
    """

    def __init__(self, store: Any, *, session_ttl: timedelta = SESSION_TTL) -> None:
        self.store = store
        self.session_ttl = session_ttl

    # -- management (CLI, admins) ---------------------------------------------------------

    def ensure_new(self, name: str, role: str) -> str:
        """The canonical form of ``name`` if an account could be made with it and ``role``."""
        name = check_name(name)
        check_role(role)
        if self.store.user(name) is not None:
            raise self._taken(name)
        return name

    @staticmethod
    def _taken(name: str) -> InvalidInput:
        return InvalidInput(
            f"user {name!r} already exists; `workbench users passwd {name}` sets a new "
            "password, `workbench users list` shows every account"
        )

    def add(self, name: str, role: str, password: str, *, actor: str) -> User:
        """Create an account; InvalidInput if the name is taken or a value is unacceptable."""
        name = check_name(name)
        checked_role = check_role(role)
        check_password(password, name)
        if not self.store.add_user(name, checked_role.value, hash_password(password)):
            raise self._taken(name)
        self.store.record_event(actor, "user.add", name, {"role": checked_role.value})
        return self.get(name)

    def get(self, name: str) -> User:
        """The account called ``name``; NotFound if there is none."""
        record = self.store.user(check_name(name))
        if record is None:
            raise NotFound(f"no user {name!r}; `workbench users list` shows every account")
        return _as_user(record)

    def list(self) -> list[User]:
        """Every account, by name."""
        return [_as_user(record) for record in self.store.users()]

    def exist(self) -> bool:
        """Whether any account exists (then the app asks everyone to sign in)."""
        return bool(self.store.user_count())

    def set_password(self, name: str, password: str, *, actor: str) -> None:
        """Replace a password and end the account's sessions."""
        name = check_name(name)
        check_password(password, name)
        if not self.store.set_password_hash(name, hash_password(password)):
            raise NotFound(f"no user {name!r}; `workbench users add {name} --role ...` creates it")
        self.store.clear_sign_in_failures(name)
        self.store.record_event(actor, "user.passwd", name)

    def set_role(self, name: str, role: str, *, actor: str) -> None:
        """Change an account's role and end its sessions."""
        name = check_name(name)
        checked = check_role(role)
        if not self.store.set_user_role(name, checked.value):
            raise NotFound(f"no user {name!r}; `workbench users list` shows every account")
        self.store.record_event(actor, "user.role", name, {"role": checked.value})

    def remove(self, name: str, *, actor: str) -> None:
        """Delete an account and its sessions; its tags stay, attributed to its name."""
        name = check_name(name)
        if not self.store.remove_user(name):
            raise NotFound(f"no user {name!r}; `workbench users list` shows every account")
        self.store.record_event(actor, "user.remove", name)

    # -- sign-in --------------------------------------------------------------------------

    def sign_in(self, name: str, password: str) -> Session:
        """Check a user name and password; a :class:`Session` or an error saying what to do.

        Raises:
            SignInThrottled: too many recent failures for this name; nothing was checked.
            SignInRefused: the name or the password is wrong (the message does not say which).
        """
        try:
            name = check_name(name)
        except InvalidInput:
            raise SignInRefused("wrong user name or password; try again") from None
        moment = _now()
        failures, blocked_until = self.store.sign_in_block(name)
        if blocked_until and blocked_until > _iso(moment):
            wait = (datetime.fromisoformat(blocked_until) - moment).total_seconds()
            raise SignInThrottled(
                f"too many failed sign-ins for {name!r}; wait {max(1, round(wait))} s and try "
                "again, or ask an admin to set a new password",
                retry_after=wait,
            )
        from argon2.exceptions import InvalidHashError, VerificationError

        record = self.store.user(name)
        hasher = _hasher()
        try:
            hasher.verify(record.password_hash if record else _dummy_hash(), password)
            ok = record is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            with self.store.write(corpus=False):
                failures = self.store.note_sign_in_failure(name, _iso(moment))
                delay = block_for(failures)
                if delay:
                    self.store.block_sign_in(name, _iso(moment + delay))
            self.store.record_event(name, "sign_in.failed", name, {"failures": failures})
            raise SignInRefused("wrong user name or password; try again")
        assert record is not None
        if failures:
            self.store.clear_sign_in_failures(name)
        if hasher.check_needs_rehash(record.password_hash):
            self.store.set_password_hash(name, hasher.hash(password))
        token = secrets.token_urlsafe(32)
        expires = _iso(moment + self.session_ttl)
        self.store.add_session(_token_hash(token), name, expires)
        self.store.record_event(name, "sign_in", name)
        return Session(token=token, user=_as_user(record), expires_at=expires)

    def user_for(self, token: str | None) -> User | None:
        """The account of a live session token, or None (unknown, expired, signed out)."""
        if not token:
            return None
        record = self.store.session_user(_token_hash(token), _iso(_now()))
        return _as_user(record) if record else None

    def sign_out(self, token: str | None) -> None:
        """End a session; a later :meth:`user_for` with the same token returns None."""
        if token:
            self.store.remove_session(_token_hash(token))


def is_loopback(host: str) -> bool:
    """Whether ``host`` is an address only this machine can reach."""
    import ipaddress

    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def check_host(host: str, accounts_exist: Callable[[], bool]) -> None:
    """Refuse to serve the app on ``host`` beyond this machine while no account exists.

    Without accounts the app has no sign-in, so anyone who can reach the port could read
    every document and tag under any name.
    """
    if is_loopback(host) or accounts_exist():
        return
    raise ConfigError(
        f"--host {host} would show the whole corpus, without sign-in, to anyone who can "
        "reach this machine, and no account exists yet; create the first one with "
        "`workbench users add NAME --role admin`, or keep the default --host 127.0.0.1"
    )


def check_own_account(admin: User, name: str, what: str) -> None:
    """Refuse an admin's change to their own role or account from the app (NotAllowed).

    An admin who demoted or removed themselves would lock themselves out, and perhaps the
    team with them; another admin, or ``workbench users`` on the server, can do it.
    """
    if check_name(name) == admin.name:
        raise NotAllowed(
            f"you cannot {what} your own account ({admin.name!r}) here; ask another admin, or "
            "use `workbench users` on the server"
        )


def require(user: User | None, *, adjudicate: bool = False, admin: bool = False) -> User:
    """``user`` if signed in and allowed; NotAllowed saying what is missing otherwise."""
    if user is None:
        raise NotAllowed("you are signed out; sign in again to continue")
    if admin and not user.is_admin:
        raise NotAllowed(f"{user.name!r} is an {user.role.value}; only an admin may do this")
    if adjudicate and not user.can_adjudicate:
        raise NotAllowed(
            f"{user.name!r} is an {user.role.value}; only an adjudicator or admin may adjudicate"
        )
    return user
