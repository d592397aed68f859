"""Sign-in for the app once accounts exist, and the checks every write makes.

Without accounts the app is a one-analyst tool on this machine (``workbench app`` refuses
other hosts) and asks for a name as before. Once an account exists, nothing of the corpus
is drawn until the browser session signs in; the signed-in user is the analyst.

The session token lives only in the server-side session state (never in a URL or a
cookie the app sets), and it is checked against the store on every script run *and* in
every callback that writes: a page left open after its session was signed out, expired,
or had its password changed cannot save a tag.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from workbench.accounts import Accounts, SignInRefused, SignInThrottled, User, require
from workbench.views.team import OPEN_TAGS_ACTION, Viewer, tags_open, visible_tags

TOKEN = "_wb_session_token"
"""Session-state key of the sign-in token (server side only)."""
NAME_KEY = "signin_name"
PASSWORD_KEY = "signin_password"


def accounts_on(store: Any) -> bool:
    """Whether the store has accounts, so that everyone must sign in."""
    return Accounts(store).exist()


def current_user(store: Any) -> User | None:
    """The user signed in in this browser session, checked against the store now."""
    return Accounts(store).user_for(st.session_state.get(TOKEN))


def sign_in_form(store: Any) -> bool:
    """The sign-in page: a user name field, a password field and a "Sign in" button.

    Returns whether the session signed in in this run. The form is drawn in one slot that
    is emptied on success, and the run goes on, so what follows (the preparation's
    progress, the page) is not shown below a greyed-out copy of the form.
    """
    slot = st.empty()
    with slot.container():
        st.title("Sign in")
        st.caption("Source comparison workbench: sign in with the account an admin made for you.")
        with st.form("sign_in", clear_on_submit=True):
            name = st.text_input("User name", key=NAME_KEY, max_chars=64, autocomplete="username")
            password = st.text_input(
                "Password",
                key=PASSWORD_KEY,
                type="password",
                max_chars=1024,
                autocomplete="current-password",
            )
            submitted = st.form_submit_button("Sign in", type="primary")
        if not submitted:
            return False
        try:
            session = Accounts(store).sign_in(name, password)
        except (SignInRefused, SignInThrottled) as exc:
            st.error(str(exc))
            return False
    st.session_state[TOKEN] = session.token
    slot.empty()
    return True


def sign_out(store: Any) -> None:
    """End this browser session's sign-in (button callback)."""
    Accounts(store).sign_out(st.session_state.pop(TOKEN, None))
    for key in [k for k in st.session_state if k != TOKEN]:
        del st.session_state[key]


def acting_user(store: Any, fallback: str, *, adjudicate: bool = False, admin: bool = False) -> str:
    """The name a write is made under, checked now (NotAllowed if signed out or not allowed).

    Without accounts it is ``fallback``, the name typed at the start of the session.
    """
    if not accounts_on(store):
        return fallback
    return require(current_user(store), adjudicate=adjudicate, admin=admin).name


def may_manage_corpus(store: Any) -> bool:
    """Whether this session may add documents: anyone without accounts, else admins only."""
    return not accounts_on(store) or is_admin(store)


def require_admin(store: Any) -> User:
    """The signed-in admin (callbacks that change project settings); NotAllowed otherwise."""
    return require(current_user(store), admin=True)


def is_admin(store: Any) -> bool:
    """Whether the signed-in user is an admin (False without accounts)."""
    user = current_user(store) if accounts_on(store) else None
    return user is not None and user.is_admin


def viewer(store: Any) -> Viewer | None:
    """Who is looking, for blind tagging; None without accounts (everything visible)."""
    if not accounts_on(store):
        return None
    user = current_user(store)
    if user is None:
        return Viewer("", sees_all=False)
    return Viewer(user.name, sees_all=user.can_adjudicate)


def open_to_all(store: Any) -> bool:
    """Whether an admin opened every analyst's tags to all (blind is the default)."""
    return tags_open(store.audit_events(action=OPEN_TAGS_ACTION))


def blind(store: Any) -> bool:
    """Whether the signed-in user sees only their own tags (an analyst, tags not opened)."""
    who = viewer(store)
    return who is not None and not who.sees_all and not open_to_all(store)


def visible(store: Any, tags: list[Any]) -> list[Any]:
    """``tags`` as the signed-in user may see them (blind tagging)."""
    who = viewer(store)
    if who is None or who.sees_all:
        return tags
    adjudicated = set(store.adjudications())
    return visible_tags(tags, who, adjudicated=adjudicated, open_to_all=open_to_all(store))
