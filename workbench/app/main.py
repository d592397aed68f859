"""The analyst app's entry script (``workbench app`` runs it with ``streamlit run``).

Once accounts exist it shows only a sign-in form until the browser session signs in, and
the signed-in user is the analyst; without accounts (one analyst on this machine) it asks
the analyst's name once per session. Then it brings the database up to date (ingest the
bundled corpus, embed, align) with a progress bar when something is missing, shows the
database and model in the sidebar, and runs the page chosen in the navigation.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from workbench.accounts import User, is_loopback
from workbench.app import signin, ui
from workbench.errors import WorkbenchError
from workbench.pipeline import bring_up_to_date, missing
from workbench.store import Store
from workbench.store.factory import describe_store

HERE = Path(__file__).parent
PAGES = [
    st.Page(
        str(HERE / "views" / "compare.py"), title="Compare", icon=":material/compare:", default=True
    ),
    st.Page(str(HERE / "views" / "corpus.py"), title="Corpus", icon=":material/library_books:"),
    st.Page(str(HERE / "views" / "overview.py"), title="Overview", icon=":material/insights:"),
    st.Page(str(HERE / "views" / "search.py"), title="Search", icon=":material/search:"),
    st.Page(str(HERE / "views" / "agreement.py"), title="Agreement", icon=":material/group:"),
    st.Page(str(HERE / "views" / "report.py"), title="Report", icon=":material/description:"),
]

# Listed in the navigation for admins only (the page also checks on every run). Comments,
# not docstrings, in this script: Streamlit's "magic" would show a bare string on the page.
USERS_PAGE = st.Page(
    str(HERE / "views" / "users.py"), title="Users", icon=":material/manage_accounts:"
)

# The favicon, served by the app itself: a ``:material/...:`` icon would be fetched from
# Google's font servers by every analyst's browser. (A comment, not a docstring: Streamlit's
# "magic" shows every bare string of the entry script on the page.)
ICON = str(HERE / "icon.png")

st.set_page_config(page_title="Workbench", page_icon=ICON, layout="wide")


def ask_name() -> bool:
    """Ask the analyst's name; whether it was given in this run.

    The prompt is drawn in one slot that is emptied as soon as a name is given, and the
    run goes on: the preparation's progress then shows on a clean page, not below a
    greyed-out copy of the form (which a rerun would leave on screen until it ends).
    """
    slot = st.empty()
    named = False
    with slot.container():
        st.title("Source comparison workbench")
        st.write(
            "Compare what different outlets say about the same events, passage by passage, "
            "and tag where they corroborate, contradict or dispute each other's framing."
        )
        with st.form("who"):
            name = st.text_input(
                "Your name (kept with every tag you save)", key="name_input", max_chars=100
            )
            if st.form_submit_button("Start", type="primary"):
                cleaned = " ".join(name.split())
                if cleaned:
                    st.session_state[ui.ANALYST] = cleaned
                    named = True
                else:
                    st.error("Give a name so your tags can be told apart from other analysts'.")
    if named:
        slot.empty()
    return named


def _sign_out() -> None:
    with ui.callback_store() as store:
        signin.sign_out(store)


def sidebar(settings_db: str, model: str, backend: object = None, user: User | None = None) -> None:
    with st.sidebar:
        # An HTML block: Markdown would make a link of an address in the name.
        if user is not None:
            ui.html_block(
                [
                    f"<div><b>Signed in:</b> {ui.escape(user.name)} "
                    f'<span style="color:#666">({ui.escape(user.role.value)})</span></div>'
                ]
            )
            st.button("Sign out", key="sign_out", type="tertiary", on_click=_sign_out)
        else:
            ui.html_block([f"<div><b>Analyst:</b> {ui.escape(ui.analyst())}</div>"])
            if st.button("Change name", key="change_name", type="tertiary"):
                st.session_state.pop(ui.ANALYST, None)
                st.rerun()
        st.caption(f"Database: `{settings_db}`")
        st.caption(
            f"Model: `{model}`" + (f" (aligned with the {backend} backend)" if backend else "")
        )


@st.cache_resource
def _preparing() -> threading.Lock:
    """One preparation at a time in this server: a second session waits for the first."""
    return threading.Lock()


def prepare(store: Store, user: User | None) -> None:
    """Ingest, embed and align what is missing, once per session.

    The audit trail records the bundled corpus as ingested by the session that started it:
    the signed-in user, or the name typed without accounts.
    """
    if st.session_state.get("_prepared"):
        return
    settings = ui.settings()
    needed = missing(store, settings)
    if needed:
        with st.status(f"Getting ready: {needed.describe()}…", expanded=True) as status:
            with _preparing():
                bring_up_to_date(
                    store,
                    settings,
                    progress=ui.StreamlitReporter(),
                    actor=user.name if user else ui.analyst(),
                )
            status.update(label="Ready", state="complete", expanded=False)
    st.session_state["_prepared"] = True


def gate(store: Store) -> tuple[bool, User | None]:
    """Whether this run may show the corpus, and the signed-in user (None without accounts).

    With accounts, a session whose token is no longer valid (signed out elsewhere, expired,
    password changed, account removed) loses everything it held and sees the sign-in form.
    """
    if not signin.accounts_on(store):
        if not is_loopback(str(st.get_option("server.address") or "127.0.0.1")):
            st.error(
                "This app is reachable from other machines and has no accounts, so it shows "
                "nothing. Create one with `workbench users add NAME --role admin`."
            )
            return False, None
        if not ui.analyst() and not ask_name():
            return False, None
        return True, None
    user = signin.current_user(store)
    if user is None:
        if signin.TOKEN in st.session_state or ui.ANALYST in st.session_state:
            for key in list(st.session_state):
                del st.session_state[key]
        if not signin.sign_in_form(store):
            return False, None
        user = signin.current_user(store)
        if user is None:
            return False, None
    st.session_state[ui.ANALYST] = user.name
    return True, user


def main() -> None:
    settings = ui.settings()
    try:
        with ui.session_store() as store:
            from workbench.align.staleness import alignment_provenance
            from workbench.embed.modelref import resolve_model

            allowed, user = gate(store)
            if not allowed:
                # The page asked for (a link to /search) is kept for after the prompt;
                # without a navigation in this run it would fall back to Compare.
                st.navigation(PAGES, position="hidden")
                return
            backend = alignment_provenance(store).get("backend")
            sidebar(describe_store(settings.db), resolve_model(settings.model)[1], backend, user)
            page = st.navigation(PAGES + ([USERS_PAGE] if user and user.is_admin else []))
            ui.style()
            prepare(store, user)
            ui.show_flashes()
            ui.keep_choices()
            page.run()
    except WorkbenchError as exc:
        st.error(str(exc))


main()
