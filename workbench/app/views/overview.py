"""Overview: where sources corroborate, contradict or dispute framing, and where one is silent."""

from __future__ import annotations

import streamlit as st

from workbench.app import shared, signin, ui
from workbench.views import evidence, overview

COLOURS = {"corroborates": "#2e8b57", "contradicts": "#c0392b", "disputes_framing": "#d68910"}

store = ui.store()
st.title("Overview")
documents = shared.documents(store)
caps = evidence.capabilities(store)
# Blind tagging: the chart counts only the tags this user may see; of the others, only
# how many there are (no names, no labels, no pairs).
seen = signin.visible(store, store.tags())
counts = overview.source_counts(
    overview.label_counts(store, overview.pair_labels(store, seen), "tagged"),
    shared.suggested_counts(store),
)

st.subheader("Agreement and dispute by source and section")
if signin.blind(store):
    latest = store.tags(latest=True)
    hidden = overview.hidden_tags(latest, signin.visible(store, latest))
    st.caption(
        "Tagging is blind: this chart counts your own tags and adjudicated pairs. "
        f"Other analysts' tags not shown: {hidden.tags} on {hidden.pairs} "
        f"{'pair' if hidden.pairs == 1 else 'pairs'} (their labels appear once a pair is "
        "adjudicated)."
    )
outlets = sorted({d.meta.outlet for d in documents.values()})
st.session_state.setdefault("ov_outlets", outlets)
chosen = st.multiselect("Sources", outlets, key="ov_outlets")
shown = counts[counts["outlet"].isin(chosen)]
if shown.empty:
    st.info(
        "No pair is tagged as corroborating, contradicting or disputing framing yet"
        + (
            ""
            if caps.suggestions
            else ", and no relation is suggested (`workbench align` does that)"
        )
        + ". Tag pairs on the Compare page to fill this chart."
    )
else:
    shown = shown.assign(
        topic=shown["outlet"]
        + " · "
        + shown["section"].where(shown["section"] != "", "(no section)"),
        relation_name=shown["relation"].map(ui.LABELS),
    )
    # A Vega-Lite specification written out, not built with Altair: Altair checks it
    # against the whole schema on every run (0.2 s), for a chart that never changes shape.
    relation = {"field": "relation_name", "type": "nominal"}
    pairs = {"field": "pairs", "type": "quantitative", "aggregate": "sum"}
    st.vega_lite_chart(
        shown,
        {
            "mark": {"type": "bar"},
            "width": 320,
            "encoding": {
                "y": {
                    "field": "topic",
                    "type": "nominal",
                    "title": None,
                    "sort": "ascending",
                    "axis": {"labelLimit": 380},
                },
                "x": {**pairs, "title": "pairs"},
                "color": {
                    **relation,
                    "title": "relation",
                    "scale": {
                        "domain": [ui.LABELS[k] for k in COLOURS],
                        "range": list(COLOURS.values()),
                    },
                },
                "column": {
                    "field": "basis",
                    "type": "nominal",
                    "title": None,
                    "sort": ["tagged", "suggested"],
                },
                "tooltip": [
                    {"field": "outlet", "type": "nominal"},
                    {"field": "section", "type": "nominal"},
                    relation,
                    {"field": "basis", "type": "nominal"},
                    pairs,
                ],
            },
        },
        key="ov_chart",
    )
    table = shown.pivot_table(
        index=["outlet", "section"],
        columns=["basis", "relation"],
        values="pairs",
        aggfunc="sum",
        fill_value=0,
    )
    table.columns = [f"{basis}: {ui.LABELS[rel]}" for basis, rel in table.columns]
    st.dataframe(table, key="ov_counts")

st.subheader("Claims a source never addresses")
st.caption(
    "Passages with no counterpart scoring above the alignment threshold in the chosen "
    "document: the same list as `workbench unaddressed`. In the table, each row is a "
    "document making claims and each column a document, with how many of those claims it "
    "never addresses."
)
matrix = shared.silence(store)
if not matrix.empty:
    if len(documents) > shared.MATRIX_DOCUMENTS:
        st.caption(
            f"The {len(matrix.index.union(matrix.columns))} documents with the most claims "
            f"never addressed (as source or as silent document) of {len(documents)}."
        )
    names = {d: f"{documents[d].meta.outlet} ({d})" for d in documents}
    st.dataframe(matrix.rename(index=names, columns=names), key="ov_matrix")
labels = shared.document_labels(store)
silent = st.selectbox(
    "Silent document",
    list(documents),
    key="ov_silent",
    format_func=labels.__getitem__,
)
sources = ["(any)", *[d for d in documents if d != silent]]
source = st.selectbox(
    "Claims from",
    sources,
    key="ov_source",
    format_func=lambda d: labels.get(d, d),
)
gaps = shared.unaddressed(store, silent, None if source == "(any)" else source)
ui.html_block(
    [
        f"<p><b>{len(gaps)}</b> passages that {ui.escape(documents[silent].meta.outlet)} "
        f"({ui.escape(documents[silent].meta.title or silent)}) never addresses.</p>"
    ]
)
st.dataframe(
    gaps[["outlet", "doc", "section", "best_score", "text"]].head(500),
    hide_index=True,
    key="ov_gaps",
    column_config={
        "best_score": st.column_config.NumberColumn("best score", format="%.2f"),
        "text": st.column_config.TextColumn("claim", width="large"),
    },
)
