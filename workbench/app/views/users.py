"""Users (admins only): the accounts with their roles; add, change a role, reset a
password, remove. The same :class:`~workbench.accounts.Accounts` calls as ``workbench
users``, each recorded in the audit trail under the signed-in admin's name.

The navigation lists this page only for admins, and the page checks again on every run
and in every callback, so an analyst who asks for it by URL, or a page left open after
its admin was demoted, changes nothing. Passwords are typed into password fields of
forms that clear on submit, are removed from the session as soon as they are used, and
never appear in a message.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.accounts import Accounts, NotAllowed, Role, check_own_account
from workbench.app import signin, ui
from workbench.errors import WorkbenchError

ROLES = [r.value for r in Role]
ADD_KEYS = ("usr_add_name", "usr_add_role", "usr_add_password", "usr_add_again")


def _secret(key: str) -> str:
    """A password field's value, removed from the session as it is read."""
    return str(st.session_state.pop(key, "") or "")


def _same_password(first: str, again: str) -> None:
    if first != again:
        raise NotAllowed("the two passwords differ; type the same password twice")


def add_user() -> None:
    """Form callback: create an account with a role and an initial password."""
    password, again = _secret("usr_add_password"), _secret("usr_add_again")
    try:
        with ui.callback_store() as store:
            admin = signin.require_admin(store)
            _same_password(password, again)
            user = Accounts(store).add(
                str(st.session_state.get("usr_add_name", "")),
                str(st.session_state.get("usr_add_role", Role.ANALYST.value)),
                password,
                actor=admin.name,
            )
    except WorkbenchError as exc:
        ui.flash(ui.plain(str(exc)), "error")
        return
    ui.flash(ui.plain(f"Added {user.name} ({user.role.value})"))


def change_role(name: str) -> None:
    """Form callback: give ``name`` another role (its sessions end)."""
    role = str(st.session_state.get(f"usr_role_{name}", ""))
    try:
        with ui.callback_store() as store:
            admin = signin.require_admin(store)
            check_own_account(admin, name, "change the role of")
            Accounts(store).set_role(name, role, actor=admin.name)
    except WorkbenchError as exc:
        ui.flash(ui.plain(str(exc)), "error")
        return
    ui.flash(ui.plain(f"{name} is now {role}; their sessions are signed out"))


def reset_password(name: str) -> None:
    """Form callback: set a new password for ``name`` (its sessions end)."""
    password, again = _secret("usr_new_password"), _secret("usr_new_again")
    try:
        with ui.callback_store() as store:
            admin = signin.require_admin(store)
            _same_password(password, again)
            Accounts(store).set_password(name, password, actor=admin.name)
    except WorkbenchError as exc:
        ui.flash(ui.plain(str(exc)), "error")
        return
    ui.flash(ui.plain(f"New password set for {name}; their sessions are signed out"))


def remove_user(name: str) -> None:
    """Form callback: delete ``name``'s account (its tags stay, under its name)."""
    confirmed = bool(st.session_state.get("usr_remove_confirm"))
    try:
        with ui.callback_store() as store:
            admin = signin.require_admin(store)
            check_own_account(admin, name, "remove")
            if not confirmed:
                raise NotAllowed(f"tick the box to confirm that {name!r} should be removed")
            Accounts(store).remove(name, actor=admin.name)
    except WorkbenchError as exc:
        ui.flash(ui.plain(str(exc)), "error")
        return
    ui.flash(ui.plain(f"Removed {name}; their tags are kept"))


store = ui.store()
st.title("Users")
try:
    me = signin.require_admin(store)
except NotAllowed:
    st.error("Only an admin manages users; ask one to add, change or remove an account.")
    st.stop()

accounts = Accounts(store)
users = accounts.list()
st.caption(
    "Analysts tag; adjudicators also decide final labels; admins also manage users and the "
    "corpus. Changing a role or a password signs that user out. Every change is kept in the "
    "audit trail under your name."
)
st.dataframe(
    pd.DataFrame(
        [{"user": u.name, "role": u.role.value, "created": u.created_at} for u in users],
        columns=["user", "role", "created"],
    ),
    hide_index=True,
    key="usr_table",
)

st.subheader("Add a user")
with st.form("usr_add", clear_on_submit=True):
    st.text_input("User name", key="usr_add_name", max_chars=64)
    st.selectbox("Role", ROLES, key="usr_add_role")
    st.text_input(
        "Initial password", key="usr_add_password", type="password", autocomplete="new-password"
    )
    st.text_input(
        "Initial password again", key="usr_add_again", type="password", autocomplete="new-password"
    )
    st.form_submit_button("Add user", type="primary", on_click=add_user)

st.subheader("Change an account")
names = [u.name for u in users]
chosen = st.selectbox("Account", names, key="usr_chosen")
if chosen:
    current = next(u for u in users if u.name == chosen)
    role_col, password_col, remove_col = st.columns(3)
    with role_col, st.form("usr_role_form"):
        st.selectbox("Role", ROLES, index=ROLES.index(current.role.value), key=f"usr_role_{chosen}")
        st.form_submit_button(
            "Change role", on_click=change_role, args=(chosen,), disabled=chosen == me.name
        )
    with password_col, st.form("usr_password_form", clear_on_submit=True):
        st.text_input(
            "New password", key="usr_new_password", type="password", autocomplete="new-password"
        )
        st.text_input(
            "New password again", key="usr_new_again", type="password", autocomplete="new-password"
        )
        st.form_submit_button("Reset password", on_click=reset_password, args=(chosen,))
    with remove_col, st.form("usr_remove_form", clear_on_submit=True):
        st.checkbox("Yes, remove this account (its tags stay)", key="usr_remove_confirm")
        st.form_submit_button(
            "Remove user", on_click=remove_user, args=(chosen,), disabled=chosen == me.name
        )
    if chosen == me.name:
        st.caption(
            "You cannot change your own role or remove yourself here (another admin, or "
            "`workbench users` on the server, can)."
        )
