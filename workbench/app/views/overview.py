"""Overview: where sources corroborate, contradict or dispute framing, and where one is silent."""

from __future__ import annotations

import altair as alt
import streamlit as st

from workbench import evidence, overview
from workbench.app import ui

COLOURS = {"corroborates": "#2e8b57", "contradicts": "#c0392b", "disputes_framing": "#d68910"}

store = ui.store()
st.title("Overview")
documents = {d.id: d for d in store.documents()}
pair_ids = [r[0] for r in store.conn.execute("SELECT DISTINCT pair_id FROM alignments")]
counts = overview.relation_counts(store, evidence.suggestions(store, pair_ids))

st.subheader("Agreement and dispute by source and section")
outlets = sorted({d.meta.outlet for d in documents.values()})
chosen = st.multiselect("Sources", outlets, default=outlets, key="ov_outlets")
shown = counts[counts["outlet"].isin(chosen)]
if shown.empty:
    st.info(
        "No pair is tagged as corroborating, contradicting or disputing framing yet"
        + ("" if evidence.capabilities().suggestions else ", and no suggestion model is installed")
        + ". Tag pairs on the Compare page to fill this chart."
    )
else:
    shown = shown.assign(
        topic=shown["outlet"]
        + " · "
        + shown["section"].where(shown["section"] != "", "(no section)"),
        relation_name=shown["relation"].map(ui.LABELS),
    )
    chart = (
        alt.Chart(shown)
        .mark_bar()
        .encode(
            y=alt.Y(
                "topic:N", title="source · section", sort="ascending", axis=alt.Axis(labelLimit=380)
            ),
            x=alt.X("sum(pairs):Q", title="pairs"),
            color=alt.Color(
                "relation_name:N",
                title="relation",
                scale=alt.Scale(
                    domain=[ui.LABELS[k] for k in COLOURS], range=list(COLOURS.values())
                ),
            ),
            column=alt.Column("basis:N", title=None, sort=["tagged", "suggested"]),
            tooltip=["outlet", "section", "relation_name", "basis", "sum(pairs)"],
        )
        .properties(width=320)
    )
    st.altair_chart(chart, key="ov_chart")
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
    "document: the same list as `workbench unaddressed`."
)
matrix = overview.silence_matrix(store)
if not matrix.empty:
    names = {d: f"{documents[d].meta.outlet} ({d})" for d in documents}
    st.dataframe(matrix.rename(index=names, columns=names), key="ov_matrix")
silent = st.selectbox(
    "Silent document",
    list(documents),
    key="ov_silent",
    format_func=lambda d: ui.doc_label(documents[d]),
)
sources = ["(any)", *[d for d in documents if d != silent]]
source = st.selectbox(
    "Claims from",
    sources,
    key="ov_source",
    format_func=lambda d: d if d == "(any)" else ui.doc_label(documents[d]),
)
gaps = overview.unaddressed(
    store, silent_doc=silent, source_doc=None if source == "(any)" else source
)
st.write(
    f"**{len(gaps)}** passages that {documents[silent].meta.outlet} "
    f"({documents[silent].meta.title or silent}) never addresses."
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
