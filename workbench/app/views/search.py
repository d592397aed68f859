"""Search: passages by keyword or by meaning; each hit opens in the Compare view."""

from __future__ import annotations

import threading
from pathlib import Path

import streamlit as st

from workbench.app import shared, ui
from workbench.views.highlight import highlight, query_marks
from workbench.views.search import (
    PassageIndex,
    SearchFilters,
    keyword_search,
    semantic_search,
    terms,
)

_lock = threading.Lock()


@st.cache_resource(show_spinner=False)
def _embedder(model: str, device: str) -> object:
    from workbench.embed.embedder import load_embedder

    return load_embedder(ui.settings())


@st.cache_resource(show_spinner=False)
def _warm_model(model: str, device: str) -> threading.Thread:
    """Load the model in the background as soon as semantic search is chosen, so it is
    likely ready by the time the query is typed (loading takes seconds, once per server)."""
    embedder = _embedder(model, device)
    thread = threading.Thread(
        target=embedder.encode, args=(["warm-up"],), name="workbench-model-warm-up", daemon=True
    )
    thread.start()
    return thread


@st.cache_resource(show_spinner=False, max_entries=4)
def _index(db: str, version: int, _store: object) -> PassageIndex:
    """Passage vectors, rebuilt when the corpus changes (``version``: the store's
    ``corpus_version``, which moves whenever passages may have)."""
    settings = ui.settings()
    with _lock:
        return PassageIndex.from_store(
            _store,
            settings,  # type: ignore[arg-type]
            _embedder(settings.model, settings.device),
        )


def open_in_compare(doc: str, passage_id: str) -> None:
    """Focus Compare on the hit's document, at the hit's passage, and go there."""
    st.session_state["cmp_focus_by"] = "document"
    st.session_state["cmp_doc"] = doc
    st.session_state["cmp_tagged"] = "all"
    st.session_state["cmp_score"] = 0.0
    st.session_state["cmp_sections_" + doc] = []
    st.session_state[f"cmp_place_{doc}"] = passage_id
    st.switch_page(str(Path(__file__).parent / "compare.py"))


store = ui.store()
st.title("Search passages")
documents = list(shared.documents(store).values())
mode = st.radio(
    "Search by",
    ["keyword", "meaning"],
    horizontal=True,
    key="search_mode",
    format_func={"keyword": "Keywords", "meaning": "Meaning (semantic)"}.get,
)
query = st.text_input(
    "Query",
    key="search_query",
    placeholder='words or "a phrase"' if mode == "keyword" else "a claim, in your own words",
)
cols = st.columns([2, 2, 1, 1])
outlets = cols[0].multiselect(
    "Outlets", sorted({d.meta.outlet for d in documents}), key="search_outlets"
)
kinds = cols[1].multiselect(
    "Kind of source", sorted({d.meta.kind for d in documents if d.meta.kind}), key="search_kinds"
)
date_from = cols[2].text_input(
    "From date", key="search_from", placeholder="any", help="e.g. 2020, 2020-01 or 2020-01-31"
)
date_to = cols[3].text_input(
    "To date", key="search_to", placeholder="any", help="e.g. 2021, 2021-12 or 2021-12-31"
)
filters = SearchFilters(tuple(outlets), tuple(kinds), date_from.strip(), date_to.strip())

settings = ui.settings()
if mode == "meaning":
    warming = _warm_model(settings.model, settings.device)
if query.strip():
    if mode == "keyword":
        hits = keyword_search(store, query, filters)
        words = terms(query)
    else:
        with st.spinner("Loading the model and passage vectors (first search only)…"):
            warming.join()
            index = _index(
                str(settings.db),
                store.corpus_version(),
                store,
            )
            hits = semantic_search(
                store, index, _embedder(settings.model, settings.device), query, filters
            )
        words = []
    hit_ids = [h.passage_id for h in hits]
    aligned = store.passages_with_counterparts(hit_ids)
    st.caption(f"{len(hits)} passages" + (" (best 50)" if len(hits) == 50 else ""))
    titles = {d.id: d.meta.title or d.id for d in documents}
    for n, hit in enumerate(hits):
        with st.container(border=True, key=f"hit_{n}"):
            ui.html_block(
                [
                    f"<div><b>{ui.escape(hit.outlet)}</b> — {ui.escape(titles[hit.doc])}</div>",
                    ui.meta_line(
                        hit.date,
                        hit.kind,
                        hit.section,
                        f"score {hit.score:.2f}"
                        if mode == "meaning"
                        else f"{int(hit.score)} match{'' if int(hit.score) == 1 else 'es'}",
                    ),
                    highlight(hit.text, query_marks(hit.text, words)),
                ]
            )
            if st.button(
                "Open in Compare",
                key=f"hit_open_{n}",
                disabled=hit.passage_id not in aligned,
                help=None
                if hit.passage_id in aligned
                else "This passage has no aligned counterpart",
            ):
                open_in_compare(hit.doc, hit.passage_id)
