"""`workbench users ...` and the app's --host guard, on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.accounts import Accounts, check_host, is_loopback
from workbench.cli import main
from workbench.errors import ConfigError
from workbench.store.factory import open_store

SECRET = "correct horse battery"


@pytest.fixture(params=["sqlite", "postgres"])
def db(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for var in ("WORKBENCH_DB", "WORKBENCH_PROGRESS"):
        monkeypatch.delenv(var, raising=False)
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "wb.db")


def users(db: str, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["users", *args, "--db", db], input=input)
    return result.exit_code, result.output


def test_add_list_passwd_remove(db: str) -> None:
    code, out = users(db, "add", "Ann", "--role", "analyst", "--password-stdin", input=SECRET)
    assert (code, out) == (0, "added ann (analyst)\n")
    code, out = users(db, "add", "adj", "--role", "ADJUDICATOR", input=f"{SECRET}\n{SECRET}\n")
    assert code == 0 and "added adj (adjudicator)" in out
    assert SECRET not in out  # typed without echo
    code, out = users(db, "list", "--format", "jsonl")
    listed = [json.loads(line) for line in out.splitlines()]
    assert [(u["name"], u["role"]) for u in listed] == [("adj", "adjudicator"), ("ann", "analyst")]
    assert "argon2" not in out
    code, out = users(db, "passwd", "ann", "--password-stdin", input="new horse staple\n")
    assert (code, out) == (0, "new password set for ann; its sessions are signed out\n")
    with open_store(db) as store:
        assert Accounts(store).sign_in("ann", "new horse staple").user.name == "ann"
    assert users(db, "remove", "ann") == (0, "removed ann; its tags are kept\n")
    code, out = users(db, "remove", "ann")
    assert code == 1 and "error: no user 'ann'; `workbench users list` shows every account" in out


def test_a_taken_name_is_refused_before_asking_for_a_password(db: str) -> None:
    users(db, "add", "ann", "--role", "analyst", "--password-stdin", input=SECRET)
    code, out = users(db, "add", "ANN", "--role", "admin")
    assert code == 1
    assert out == (
        "error: user 'ann' already exists; `workbench users passwd ann` sets a new password, "
        "`workbench users list` shows every account\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "<b>x</b>", "--role", "analyst"], "error: user name '<b>x</b>' has characters"),
        (["add", "ann", "--role", "analyst", "--password-stdin"], "shorter than 8 characters"),
        (["passwd", "nobody", "--password-stdin"], "error: no user 'nobody'"),
    ],
)
def test_bad_values_are_named_with_what_to_do(db: str, args: list[str], message: str) -> None:
    users(db, "add", "zed", "--role", "analyst", "--password-stdin", input=SECRET)
    code, out = users(db, *args, input="short\n")
    assert code == 1 and message in out
    assert "Traceback" not in out


def test_an_unknown_role_is_a_usage_error(db: str) -> None:
    code, out = users(db, "add", "ann", "--role", "boss")
    assert code == 2 and "'boss' is not one of 'analyst', 'adjudicator', 'admin'" in out


def test_mismatched_prompts_ask_again(db: str) -> None:
    code, out = users(
        db, "add", "ann", "--role", "admin", input=f"{SECRET}\nother thing\n{SECRET}\n{SECRET}\n"
    )
    assert code == 0 and "do not match" in out and "added ann (admin)" in out


def test_app_beyond_loopback_needs_an_account(db: str) -> None:
    result = CliRunner().invoke(main, ["app", "--host", "0.0.0.0", "--db", db])
    assert result.exit_code == 1
    assert "--host 0.0.0.0 would show the whole corpus, without sign-in" in result.output
    assert "`workbench users add NAME --role admin`" in result.output


def test_loopback_hosts_need_no_account() -> None:
    assert all(is_loopback(h) for h in ["127.0.0.1", "localhost", "::1", "[::1]", "127.1.2.3"])
    assert not any(is_loopback(h) for h in ["0.0.0.0", "::", "192.168.1.5", "example.org"])
    check_host("127.0.0.1", lambda: False)
    check_host("0.0.0.0", lambda: True)
    with pytest.raises(ConfigError):
        check_host("0.0.0.0", lambda: False)


def test_backup_works_on_both_stores(db: str, tmp_path: Path) -> None:
    users(db, "add", "ann", "--role", "analyst", "--password-stdin", input=SECRET)
    result = CliRunner().invoke(main, ["backup", str(tmp_path / "copy"), "--db", db])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "copy").stat().st_size > 0
    if db.startswith("postgresql://"):
        assert "backed up with pg_dump" in result.output and "pg_restore" in result.output
        assert db.split("@")[0].rsplit(":", 1)[1] not in result.output  # no password
    else:
        assert "pages" in result.output


def test_role_changes_an_account_and_every_change_names_the_os_user(db: str) -> None:
    import getpass

    users(db, "add", "ann", "--role", "analyst", "--password-stdin", input=SECRET)
    assert users(db, "role", "ANN", "--role", "adjudicator") == (
        0,
        "ann is now adjudicator; its sessions are signed out\n",
    )
    code, out = users(db, "role", "nobody", "--role", "admin")
    assert code == 1 and "no user 'nobody'" in out
    users(db, "passwd", "ann", "--password-stdin", input="new horse staple\n")
    users(db, "remove", "ann")
    with open_store(db) as store:
        events = [(e.actor, e.action, e.subject) for e in store.audit_trail()]
    me = f"cli:{getpass.getuser()}"
    assert events == [
        (me, "user.add", "ann"),
        (me, "user.role", "ann"),
        (me, "user.passwd", "ann"),
        (me, "user.remove", "ann"),
    ]


def test_ingest_on_the_command_line_records_the_os_user(db: str, tmp_path: Path) -> None:
    import getpass

    (tmp_path / "note.txt").write_text("A paragraph about the border.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "note.txt"), "--db", db])
    assert result.exit_code == 0, result.output
    (tmp_path / "note.txt").write_text("The border, reworded.\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "note.txt"), "--db", db])
    assert result.exit_code == 0, result.output
    with open_store(db) as store:
        events = [(e.actor, e.action, e.subject) for e in store.audit_trail()]
    me = f"cli:{getpass.getuser()}"
    assert events == [(me, "document.ingest", "note"), (me, "document.replace", "note")]
