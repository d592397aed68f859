"""Accounts: canonical user names, password rules, argon2 hashes, the sign-in delay."""

from __future__ import annotations

from datetime import timedelta

import pytest

from workbench.accounts import (
    FREE_ATTEMPTS,
    MAX_BLOCK,
    Role,
    User,
    block_for,
    check_name,
    check_password,
    check_role,
    hash_password,
    require,
)
from workbench.errors import InvalidInput

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
    "=HYPERLINK(\"http://x\")",
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
