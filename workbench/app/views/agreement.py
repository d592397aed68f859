"""Agreement: how far analysts agree, and the adjudication of their disagreements."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.app import ui
from workbench.errors import WorkbenchError
from workbench.views.agreement import MIN_SHARED, agreement_report
from workbench.views.highlight import escape, highlight


def adjudicate(pair_id: str) -> None:
    """Button callback: record the adjudicator's final label for a pair."""
    label = st.session_state[f"adj_label_{pair_id}"]
    note = str(st.session_state.get(f"adj_note_{pair_id}", "")).strip()
    try:
        with ui.callback_store() as store:
            store.add_adjudication(pair_id, label, ui.analyst(), note)
    except WorkbenchError as exc:
        ui.flash(str(exc), "error")
        return
    ui.flash(f"Final label recorded: {ui.LABELS[label]}")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


store = ui.store()
st.title("Agreement between analysts")
report = agreement_report(store.tags())
if len(report.analysts) < 2:
    st.info(
        "Agreement needs tags from at least two analysts on the same pairs. "
        + (
            f"So far only {ui.plain(next(iter(report.analysts)))} has tagged."
            if report.analysts
            else "No pair is tagged yet."
        )
    )
    st.stop()

cols = st.columns(4)
cols[0].metric("Analysts", len(report.analysts))
cols[1].metric("Pairs tagged", report.items)
cols[2].metric("Tagged by two or more", report.multiply_tagged)
cols[3].metric(
    "Krippendorff's alpha",
    fmt(report.alpha),
    help="Nominal alpha over every pair tagged by at least two analysts",
)

st.subheader("Cohen's kappa per pair of analysts")
st.dataframe(
    pd.DataFrame(
        [
            {
                "analyst": p.first,
                "other analyst": p.second,
                "pairs both tagged": p.shared,
                "agreed": p.agreed,
                "kappa": fmt(p.kappa),
            }
            for p in report.pairs
        ]
    ),
    hide_index=True,
    key="agreement_pairs",
)
few = [p for p in report.pairs if p.shared and not p.enough]
for p in few:
    st.warning(
        f"{ui.plain(p.first)} and {ui.plain(p.second)} share only {p.shared} tagged pairs; "
        f"kappa on fewer than {MIN_SHARED} items is too unstable to rely on."
    )
st.dataframe(
    pd.DataFrame([{"analyst": a, "pairs tagged": n} for a, n in report.analysts.items()]),
    hide_index=True,
    key="agreement_counts",
)

st.subheader(f"Disagreements ({len(report.disagreements)})")
st.caption(
    "Record a final label as adjudicator. It is kept apart from the analysts' own tags, "
    "which stay as they are."
)
finals = store.adjudications()
PAGE = 10
pending = st.checkbox("Only those without a final label", key="adj_pending")
shown = [d for d in report.disagreements if not (pending and d.pair_id in finals)]
pages = max(1, -(-len(shown) // PAGE))
page = (
    st.selectbox(
        "Page",
        range(pages),
        key="adj_page",
        format_func=lambda p: f"{p * PAGE + 1}–{min(len(shown), (p + 1) * PAGE)} of {len(shown)}",
    )
    if pages > 1
    else 0
)
for item in shown[page * PAGE : (page + 1) * PAGE]:
    rows = store.aligned_pairs(pair_id=item.pair_id, max_rank=None)
    final = finals.get(item.pair_id)
    with st.container(border=True, key=f"adj_{item.pair_id}"):
        labels = " · ".join(
            f"{escape(a)}: {escape(ui.LABELS[label])}" for a, label in item.labels.items()
        )
        header = [f"<div><b>{escape(item.pair_id)}</b> — {labels}</div>"]
        if final is not None:
            header.append(
                ui.meta_line(
                    f"final label: {ui.LABELS[final.label.value]} by {final.adjudicator}",
                    final.note,
                )
            )
        ui.html_block(header)
        if rows:
            a, b = st.columns(2)
            for column, side in ((a, "a"), (b, "b")):
                with column:
                    ui.html_block(
                        [
                            ui.meta_line(rows[0][f"{side}_outlet"], rows[0][f"{side}_section"]),
                            highlight(rows[0][f"{side}_text"]),
                        ]
                    )
        form = st.columns([1.2, 2.5, 1])
        form[0].selectbox(
            "Final label",
            list(ui.LABELS),
            format_func=ui.LABELS.get,
            key=f"adj_label_{item.pair_id}",
        )
        form[1].text_input(
            "Adjudication note", key=f"adj_note_{item.pair_id}", placeholder="Why (optional)"
        )
        form[2].button(
            "Record final label",
            key=f"adj_save_{item.pair_id}",
            on_click=adjudicate,
            args=(item.pair_id,),
        )
