"""The Users page: admins manage accounts in the app; nobody else reaches it (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import app_settings, session, texts
from streamlit.testing.v1 import AppTest

from workbench.accounts import Accounts
from workbench.config import Settings
from workbench.store.factory import open_store

pytestmark = pytest.mark.model

PASSWORDS = {"root": "root's passphrase", "ann": "ann's passphrase", "judge": "judge passphrase"}
ROLES = {"root": "admin", "ann": "analyst", "judge": "adjudicator"}
NEW_PASSWORD = "a fresh secret for carl"


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with open_store(settings.db) as store:
        accounts = Accounts(store)
        for name, password in PASSWORDS.items():
            accounts.add(name, ROLES[name], password, actor="test")
    return settings


def signed_in(name: str, password: str | None = None) -> AppTest:
    at = session(analyst=None)
    at.text_input(key="signin_name").input(name)
    at.text_input(key="signin_password").input(password or PASSWORDS[name])
    next(b for b in at.button if b.label == "Sign in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def on_users(at: AppTest) -> AppTest:
    at.switch_page("views/users.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def everything_shown(at: AppTest) -> str:
    """Every text the page shows, toasts and widget values included."""
    parts = [texts(at)] + [str(t.value) for t in at.toast]
    parts += [str(w.value) for w in at.text_input]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def submit(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest) -> dict[str, str]:
    frame = at.dataframe[0].value
    return dict(zip(frame["user"], frame["role"], strict=True))


def test_an_admin_adds_changes_resets_and_removes_a_user(settings: Settings) -> None:
    at = on_users(signed_in("root"))
    assert _table(at) == {"ann": "analyst", "judge": "adjudicator", "root": "admin"}

    at.text_input(key="usr_add_name").input("Carl")
    at.selectbox(key="usr_add_role").set_value("analyst")
    at.text_input(key="usr_add_password").input(NEW_PASSWORD)
    at.text_input(key="usr_add_again").input(NEW_PASSWORD)
    submit(at, "Add user")
    assert _table(at)["carl"] == "analyst"
    assert NEW_PASSWORD not in everything_shown(at)
    assert "usr_add_password" not in at.session_state or not at.session_state["usr_add_password"]

    at.selectbox(key="usr_chosen").set_value("carl").run()
    at.selectbox(key="usr_role_carl").set_value("adjudicator")
    submit(at, "Change role")
    assert _table(at)["carl"] == "adjudicator"

    at.selectbox(key="usr_chosen").set_value("carl").run()
    at.text_input(key="usr_new_password").input("carl's second secret")
    at.text_input(key="usr_new_again").input("carl's second secret")
    submit(at, "Reset password")
    assert "carl's second secret" not in everything_shown(at)
    with open_store(settings.db) as store:
        assert Accounts(store).sign_in("carl", "carl's second secret").user.role.value == (
            "adjudicator"
        )

    at.selectbox(key="usr_chosen").set_value("carl").run()
    at.checkbox(key="usr_remove_confirm").check()
    submit(at, "Remove user")
    assert "carl" not in _table(at)
    with open_store(settings.db) as store:
        trail = [(e.actor, e.action, e.subject) for e in store.audit_trail() if e.subject == "carl"]
        stored = [(u.password_hash, u.name) for u in store.users()]
    assert trail == [
        ("root", "user.add", "carl"),
        ("root", "user.role", "carl"),
        ("root", "user.passwd", "carl"),
        ("root", "user.remove", "carl"),
    ]
    assert all(NEW_PASSWORD not in h for h, _ in stored)


def test_two_different_passwords_add_no_user_and_say_why(settings: Settings) -> None:
    at = on_users(signed_in("root"))
    at.text_input(key="usr_add_name").input("dora")
    at.text_input(key="usr_add_password").input(NEW_PASSWORD)
    at.text_input(key="usr_add_again").input(NEW_PASSWORD + "!")
    submit(at, "Add user")
    assert "the two passwords differ" in texts(at)
    assert "dora" not in _table(at)
    assert NEW_PASSWORD not in everything_shown(at)


def test_an_admin_cannot_demote_or_remove_themselves_here(settings: Settings) -> None:
    at = on_users(signed_in("root"))
    at.selectbox(key="usr_chosen").set_value("root").run()
    assert all(b.disabled for b in at.button if b.label in ("Change role", "Remove user"))
    with open_store(settings.db) as store:
        assert Accounts(store).get("root").role.value == "admin"


def _page_paths(at: AppTest) -> dict[str, str]:
    """``{script file name: page hash}`` of the pages the navigation lists this session."""
    return {
        Path(str(info["script_path"])).name: page_hash
        for page_hash, info in at._registered_pages.items()
        if info.get("script_path")
    }


@pytest.mark.parametrize("name", ["ann", "judge"])
def test_analysts_and_adjudicators_cannot_reach_the_users_page(
    settings: Settings, name: str
) -> None:
    admin = signed_in("root")
    users_hash = _page_paths(admin)["users.py"]
    at = signed_in(name)
    assert "users.py" not in _page_paths(at)
    with pytest.raises(ValueError):
        at.switch_page("views/users.py")
    # asked for by its address all the same: the app shows its default page instead
    at._page_hash = users_hash
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert not [t for t in at.title if t.value == "Users"]
    assert not [b for b in at.button if b.label in ("Add user", "Remove user")]
    assert "usr_table" not in [getattr(f, "key", None) for f in at.dataframe]


@pytest.mark.parametrize("name", ["ann", "judge"])
def test_the_users_page_itself_refuses_anyone_but_an_admin(settings: Settings, name: str) -> None:
    from workbench.app import APP_SCRIPT
    from workbench.app.signin import TOKEN

    with open_store(settings.db) as store:
        token = Accounts(store).sign_in(name, PASSWORDS[name]).token
    script = Path(APP_SCRIPT).parent / "views" / "users.py"
    # The page alone, as main.py runs it (inside a session's store), without the navigation:
    page = AppTest.from_string(
        "import runpy\nfrom workbench.app import ui\n"
        f"with ui.session_store():\n    runpy.run_path({str(script)!r})\n"
    )
    page.session_state[TOKEN] = token
    page.run(timeout=60)
    assert not page.exception, [e.value for e in page.exception]
    assert "Only an admin manages users" in texts(page)
    assert not page.dataframe and not page.text_input and not page.button


def test_a_demoted_admins_open_page_can_no_longer_add_users(settings: Settings) -> None:
    at = on_users(signed_in("root"))
    with open_store(settings.db) as store:
        Accounts(store).set_role("root", "analyst", actor="test")
    at.text_input(key="usr_add_name").input("eve")
    at.text_input(key="usr_add_password").input(NEW_PASSWORD)
    at.text_input(key="usr_add_again").input(NEW_PASSWORD)
    submit(at, "Add user")
    with open_store(settings.db) as store:
        assert store.user("eve") is None


def test_only_an_admin_adds_documents_and_the_trail_names_them(settings: Settings) -> None:
    ann = signed_in("ann")
    ann.switch_page("views/corpus.py").run()
    assert not ann.get("file_uploader")
    assert "Only an admin adds documents" in texts(ann)

    root = signed_in("root")
    root.switch_page("views/corpus.py").run()
    root.file_uploader(key="corpus_upload").set_value(
        [("memo.txt", b"A short memo about the border closing on Monday.\n", "text/plain")]
    ).run()
    root.button(key="corpus_ingest").click().run()
    assert not root.exception, [e.value for e in root.exception]
    with open_store(settings.db) as store:
        trail = [(e.actor, e.action) for e in store.audit_trail() if e.subject == "memo"]
    assert trail == [("root", "document.ingest")]
