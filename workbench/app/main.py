"""The analyst app's entry script (``workbench app`` runs it with ``streamlit run``).

It asks the analyst's name once per session, brings the database up to date (ingest the
bundled corpus, embed, align) with a progress bar when something is missing, shows the
database and model in the sidebar, and runs the page chosen in the navigation.
"""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from workbench.app import ui
from workbench.errors import WorkbenchError
from workbench.pipeline import bring_up_to_date, missing
from workbench.store import Store

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

ICON = str(HERE / "icon.png")
"""The favicon, served by the app itself: a ``:material/...:`` icon would be fetched from
Google's font servers by every analyst's browser."""

st.set_page_config(page_title="Workbench", page_icon=ICON, layout="wide")


def ask_name() -> None:
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
                st.rerun()
            st.error("Give a name so your tags can be told apart from other analysts'.")


def sidebar(settings_db: str, model: str, backend: object = None) -> None:
    with st.sidebar:
        # An HTML block: Markdown would make a link of an address in the name.
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


def prepare(store: Store) -> None:
    """Ingest, embed and align what is missing, once per session."""
    if st.session_state.get("_prepared"):
        return
    settings = ui.settings()
    needed = missing(store, settings)
    if needed:
        with st.status(f"Getting ready: {needed.describe()}…", expanded=True) as status:
            with _preparing():
                bring_up_to_date(store, settings, progress=ui.StreamlitReporter())
            status.update(label="Ready", state="complete", expanded=False)
    st.session_state["_prepared"] = True


def main() -> None:
    settings = ui.settings()
    if not ui.analyst():
        ask_name()
        return
    try:
        with ui.session_store() as store:
            from workbench.align.staleness import alignment_provenance
            from workbench.embed.modelref import resolve_model

            backend = alignment_provenance(store).get("backend")
            sidebar(str(settings.db), resolve_model(settings.model)[1], backend)
            page = st.navigation(PAGES)
            ui.style()
            prepare(store)
            ui.show_flashes()
            ui.keep_choices()
            page.run()
    except WorkbenchError as exc:
        st.error(str(exc))


main()
