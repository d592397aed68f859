"""Agreement: how far analysts agree, and the adjudication of their disagreements.

With accounts, tagging is blind: the figures count only independent tags (made blind,
before the pair was adjudicated), an analyst sees the figures but no one else's labels, and
adjudicators see every analyst's tags side by side, disagreements first, and decide with a
note. An admin may open every analyst's tags to all. Without accounts (one machine, one
analyst at a time) every tag counts and the page lists the disagreements.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.app import signin, ui
from workbench.errors import WorkbenchError
from workbench.views.agreement import MIN_SHARED, agreement_report
from workbench.views.highlight import escape, highlight
from workbench.views.team import (
    OPEN_TAGS_ACTION,
    adjudication_queue,
    independent_tags,
    open_periods,
)


def adjudicate(pair_id: str) -> None:
    """Button callback: record the adjudicator's final label for a pair."""
    label = st.session_state[f"adj_label_{pair_id}"]
    note = str(st.session_state.get(f"adj_note_{pair_id}", "")).strip()
    try:
        with ui.callback_store() as store:
            who = signin.acting_user(store, ui.analyst(), adjudicate=True)
            store.add_adjudication(pair_id, label, who, note)
    except WorkbenchError as exc:
        ui.flash(str(exc), "error")
        return
    ui.flash(f"Final label recorded: {ui.LABELS[label]}")


def set_open_tags() -> None:
    """Toggle callback (admins): open every analyst's tags to all, or make tagging blind."""
    wanted = bool(st.session_state["adj_open_tags"])
    try:
        with ui.callback_store() as store:
            user = signin.require_admin(store)
            store.record_event(user.name, OPEN_TAGS_ACTION, "project", {"open": wanted})
    except WorkbenchError as exc:
        ui.flash(str(exc), "error")
        return
    ui.flash("Every analyst now sees all tags" if wanted else "Tagging is blind again")


def fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


store = ui.store()
who = signin.viewer(store)
st.title("Agreement between analysts")
all_tags = store.tags()
finals = store.adjudications()
counted = all_tags
if who is not None:
    settings_events = store.audit_events(action=OPEN_TAGS_ACTION)
    spans = open_periods(settings_events)
    if signin.is_admin(store):
        st.toggle(
            "Open every analyst's tags to all analysts",
            value=bool(spans) and spans[-1][1] == "",
            key="adj_open_tags",
            on_change=set_open_tags,
            help="Blind by default: an analyst sees only their own tags until a pair is "
            "adjudicated. Tags made while open do not count for agreement.",
        )
    if not who.sees_all and not (spans and spans[-1][1] == ""):
        st.info(
            "Tagging is blind: you see your own tags only, and other analysts' once a pair "
            "is adjudicated. Agreement figures and everyone's tags are shown to adjudicators."
        )
        st.stop()
    counted = independent_tags(
        all_tags, first_adjudicated=store.first_adjudications(), spans_open=spans
    )
    st.caption(
        f"Counted: {len(counted)} of {len(all_tags)} tags, those made blind and before "
        "their pair was adjudicated (independent judgements only)."
    )
report = agreement_report(counted)
if len(report.analysts) < 2:
    st.info(
        "Agreement needs tags from at least two analysts on the same pairs. "
        + (
            f"So far only {ui.plain(next(iter(report.analysts)))} has tagged."
            if report.analysts
            else "No pair is tagged yet."
        )
    )
    if who is None or not who.sees_all:
        st.stop()

if len(report.analysts) >= 2:
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

if who is not None and not who.sees_all:
    st.stop()  # tags are open to all: analysts see the figures; adjudicators decide below

if who is None:
    items = [(d.pair_id, d.labels, {}) for d in report.disagreements]
    st.subheader(f"Disagreements ({len(items)})")
else:
    queue = adjudication_queue(all_tags, decided=finals)
    items = [
        (
            q.pair_id,
            {name: t.label.value for name, t in q.tags.items()},
            {name: t.note for name, t in q.tags.items()},
        )
        for q in queue
    ]
    st.subheader(
        f"Tagged pairs ({len(items)}), disagreements first ({sum(1 for q in queue if q.disagrees)})"
    )
st.caption(
    "Record a final label as adjudicator. It is kept apart from the analysts' own tags, "
    "which stay as they are."
)
PAGE = 10
pending = st.checkbox("Only those without a final label", key="adj_pending")
shown = [item for item in items if not (pending and item[0] in finals)]
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
for pair_id, labels, notes in shown[page * PAGE : (page + 1) * PAGE]:
    rows = store.aligned_pairs(pair_id=pair_id, max_rank=None)
    final = finals.get(pair_id)
    with st.container(border=True, key=f"adj_{pair_id}"):
        header = [f"<div><b>{escape(pair_id)}</b></div>"]
        if notes:
            cells = "".join(
                f'<td style="padding:0 1rem 0 0;vertical-align:top"><b>{escape(a)}</b><br>'
                f"{escape(ui.LABELS[label])}"
                + (f'<br><span style="color:#666">{escape(notes[a])}</span>' if notes[a] else "")
                + "</td>"
                for a, label in labels.items()
            )
            header.append(f'<table class="adj-tags"><tr>{cells}</tr></table>')
        else:
            header[0] = (
                f"<div><b>{escape(pair_id)}</b> — "
                + " · ".join(f"{escape(a)}: {escape(ui.LABELS[lb])}" for a, lb in labels.items())
                + "</div>"
            )
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
            key=f"adj_label_{pair_id}",
        )
        form[1].text_input(
            "Adjudication note", key=f"adj_note_{pair_id}", placeholder="Why (optional)"
        )
        form[2].button(
            "Record final label",
            key=f"adj_save_{pair_id}",
            on_click=adjudicate,
            args=(pair_id,),
        )
