"""Accounts: canonical user names, password rules, argon2 hashes, the sign-in delay."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from workbench.accounts import (
    FREE_ATTEMPTS,
    MAX_BLOCK,
    Accounts,
    NotAllowed,
    Role,
    SignInRefused,
    SignInThrottled,
    User,
    block_for,
    check_name,
    check_own_account,
    check_password,
    check_role,
    hash_password,
    require,
)
from workbench.errors import InvalidInput, NotFound
from workbench.store.factory import open_store

HOSTILE_NAMES = [
    "",
    "   ",
    "<script>alert(1)</script>",
    "alice'; DROP TABLE users; --",
    'bob" OR "1"="1',
    "../../etc/passwd",
    "carol\x00",
    "dave\nadmin",
    "eve\u202egnp.exe",
    "zero\u200bwidth",
    '=HYPERLINK("http://x")',
    "-rf",
    "_hidden",
    "x" * 65,
    "a b",
    "%s%s%n",
    "{name}",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_user_names_are_refused_with_a_reason(name: str) -> None:
    with pytest.raises(InvalidInput, match="user name"):
        check_name(name)


def test_user_names_are_folded_to_one_canonical_form() -> None:
    assert check_name("  Alice.M ") == "alice.m"
    assert check_name("ＢＯＢ") == "bob"  # full-width letters fold under NFKC
    assert check_name("José") == "josé"
    assert check_name("j.doe@agency-1") == "j.doe@agency-1"


def test_role_must_be_one_of_three() -> None:
    assert check_role("Adjudicator") is Role.ADJUDICATOR
    with pytest.raises(InvalidInput, match="unknown role 'root'; use one of analyst, adjudicator"):
        check_role("root")


def test_password_rules_never_quote_the_password() -> None:
    with pytest.raises(InvalidInput) as short:
        check_password("s3cret", "alice")
    assert "s3cret" not in str(short.value)
    assert "shorter than 8 characters" in str(short.value)
    with pytest.raises(InvalidInput, match="is the user name"):
        check_password("Alice.Smith", "alice.smith")
    assert check_password("correct horse battery", "alice") == "correct horse battery"


def test_password_hash_is_salted_argon2id_and_verifies() -> None:
    from argon2 import PasswordHasher

    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$")
    assert first != second
    assert "correct horse" not in first
    assert PasswordHasher().verify(first, "correct horse")


def test_sign_in_delay_doubles_after_free_attempts_up_to_a_cap() -> None:
    assert [block_for(n) for n in range(FREE_ATTEMPTS)] == [timedelta(0)] * FREE_ATTEMPTS
    assert block_for(FREE_ATTEMPTS) == timedelta(seconds=2)
    assert block_for(FREE_ATTEMPTS + 1) == timedelta(seconds=4)
    assert block_for(FREE_ATTEMPTS + 100) == MAX_BLOCK


def test_require_names_the_missing_permission() -> None:
    analyst = User("ann", Role.ANALYST)
    assert require(analyst) is analyst
    with pytest.raises(Exception, match="signed out"):
        require(None)
    with pytest.raises(Exception, match="'ann' is an analyst; only an adjudicator or admin"):
        require(analyst, adjudicate=True)
    with pytest.raises(Exception, match="only an admin"):
        require(User("adj", Role.ADJUDICATOR), admin=True)


# -- on a store (SQLite and PostgreSQL) --------------------------------------------------


def test_sign_in_opens_a_session_that_sign_out_ends(any_store: Any) -> None:
    accounts = Accounts(any_store)
    assert not accounts.exist()
    accounts.add("Ann", "analyst", "correct horse", actor="cli:test")
    assert accounts.exist()
    session = accounts.sign_in("ANN", "correct horse")
    assert session.user == User("ann", Role.ANALYST, session.user.created_at)
    assert accounts.user_for(session.token) == session.user
    accounts.sign_out(session.token)
    assert accounts.user_for(session.token) is None
    assert accounts.user_for("") is None and accounts.user_for("forged") is None


def test_a_wrong_password_or_unknown_name_is_refused_alike(any_store: Any) -> None:
    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    with pytest.raises(SignInRefused) as wrong:
        accounts.sign_in("ann", "wrong horse")
    with pytest.raises(SignInRefused) as unknown:
        accounts.sign_in("nobody", "correct horse")
    assert str(wrong.value) == str(unknown.value) == "wrong user name or password; try again"
    with pytest.raises(SignInRefused):
        accounts.sign_in("<script>", "x")


def test_repeated_failures_block_the_name_for_every_process(
    any_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.accounts as module

    monkeypatch.setattr(module, "FIRST_BLOCK", timedelta(seconds=60))  # longer than a slow run
    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(SignInRefused):
            accounts.sign_in("ann", "guess")
    # the right password is not even checked while the name is blocked
    with pytest.raises(SignInThrottled, match="too many failed sign-ins for 'ann'; wait") as err:
        accounts.sign_in("ann", "correct horse")
    assert 0 < err.value.retry_after <= 60
    # the block is in the store: another connection (another app process) sees it
    other = open_store(any_store.url if hasattr(any_store, "url") else any_store.path)
    with other, pytest.raises(SignInThrottled):
        Accounts(other).sign_in("ann", "correct horse")
    # other names are not affected
    accounts.add("bob", "analyst", "battery staple", actor="cli:test")
    assert accounts.sign_in("bob", "battery staple").user.name == "bob"


def test_a_block_runs_out_and_a_good_sign_in_clears_the_count(
    any_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.accounts as module

    monkeypatch.setattr(module, "FIRST_BLOCK", timedelta(milliseconds=50))
    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    for _ in range(FREE_ATTEMPTS):
        with pytest.raises(SignInRefused):
            accounts.sign_in("ann", "guess")
    time.sleep(0.1)
    assert accounts.sign_in("ann", "correct horse").user.name == "ann"
    assert any_store.sign_in_block("ann") == (0, "")


def test_sessions_expire_after_a_working_day(
    any_store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import workbench.accounts as module

    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    session = accounts.sign_in("ann", "correct horse")
    later = datetime.now(UTC) + module.SESSION_TTL - timedelta(minutes=1)
    monkeypatch.setattr(module, "_now", lambda: later)
    assert accounts.user_for(session.token) is not None
    monkeypatch.setattr(module, "_now", lambda: later + timedelta(minutes=2))
    assert accounts.user_for(session.token) is None


def test_new_password_role_change_or_removal_signs_the_user_out(any_store: Any) -> None:
    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    first = accounts.sign_in("ann", "correct horse")
    accounts.set_password("ann", "battery staple", actor="cli:test")
    assert accounts.user_for(first.token) is None
    second = accounts.sign_in("ann", "battery staple")
    accounts.set_role("ann", "adjudicator", actor="cli:test")
    assert accounts.user_for(second.token) is None
    third = accounts.sign_in("ann", "battery staple")
    assert third.user.role is Role.ADJUDICATOR
    accounts.remove("ann", actor="cli:test")
    assert accounts.user_for(third.token) is None
    with pytest.raises(NotFound, match="no user 'ann'"):
        accounts.get("ann")


def test_taken_names_and_bad_values_are_refused_with_what_to_do(any_store: Any) -> None:
    accounts = Accounts(any_store)
    accounts.add("ann", "analyst", "correct horse", actor="cli:test")
    with pytest.raises(InvalidInput, match="user 'ann' already exists; `workbench users passwd"):
        accounts.add("ANN", "admin", "other horse", actor="cli:test")
    with pytest.raises(InvalidInput, match="unknown role 'boss'"):
        accounts.add("bob", "boss", "correct horse", actor="cli:test")
    with pytest.raises(NotFound, match="no user 'bob'; `workbench users add bob"):
        accounts.set_password("bob", "correct horse", actor="cli:test")
    assert [u.name for u in accounts.list()] == ["ann"]


def test_no_password_is_stored_or_audited_in_clear(any_store: Any) -> None:
    accounts = Accounts(any_store)
    secret = "Sup3r secret passphrase"
    accounts.add("ann", "admin", secret, actor="cli:test")
    session = accounts.sign_in("ann", secret)
    with pytest.raises(SignInRefused):
        accounts.sign_in("ann", secret + "!")
    accounts.set_password("ann", secret[::-1], actor="cli:test")
    dump = "\n".join(
        str(value)
        for table in ("users", "sessions", "sign_in_failures", "audit")
        for row in any_store._tuples(f"SELECT * FROM {table}")
        for value in row
    )
    assert secret not in dump and secret[::-1] not in dump
    assert session.token not in dump
    actions = [(e.actor, e.action) for e in any_store.audit_events()]
    assert actions == [
        ("cli:test", "user.add"),
        ("ann", "sign_in"),
        ("ann", "sign_in.failed"),
        ("cli:test", "user.passwd"),
    ]


def test_an_admin_may_not_demote_or_remove_their_own_account_from_the_app() -> None:
    root = User("root", Role.ADMIN)
    with pytest.raises(NotAllowed) as refused:
        check_own_account(root, "ROOT", "remove")
    assert str(refused.value) == (
        "you cannot remove your own account ('root') here; ask another admin, or use "
        "`workbench users` on the server"
    )
    check_own_account(root, "ann", "remove")  # anyone else's is fine
