"""Compare: each focus passage beside its counterparts in other sources, tagged in one click."""

from __future__ import annotations

import streamlit as st

from workbench.app import shared, signin, ui
from workbench.errors import WorkbenchError
from workbench.suggest.techniques import TECHNIQUES
from workbench.views import evidence, review
from workbench.views.highlight import Mark, claim_pair_html, escape, highlight

KEY = "cmp"
TAGGED_NAMES = {"all": "All", "untagged": "Not tagged by me", "tagged": "Tagged by me"}
ORDER_NAMES = {
    "document": "Document order",
    "score": "Best match first",
    "useful": "Most useful to tag next",
}
FRAMING_NAMES = {
    "any": "Any",
    "focus": "Focus passage disputes framing",
    "counterpart": "Counterpart disputes framing",
    "either": "Either side disputes framing",
    "neither": "Neither side",
}


def _place_key(focus: str) -> str:
    return f"{KEY}_place_{focus}"


def go_to(focus: str, passage_id: str) -> None:
    st.session_state[_place_key(focus)] = passage_id


def jump(focus: str, ids: list[str]) -> None:
    st.session_state[_place_key(focus)] = ids[st.session_state[f"{KEY}_jump"]]


def save_tag(pair_id: str, label: str) -> None:
    """Tagging button callback: save the analyst's label and note as a new tag."""
    note_key = f"{KEY}_note_{pair_id}"
    note = str(st.session_state.get(note_key, "")).strip()
    try:
        with ui.callback_store() as store:
            who = signin.acting_user(store, ui.analyst())  # a stale page may be signed out
            saved = store.add_tag(pair_id, label, who, note)
    except WorkbenchError as exc:
        ui.flash(str(exc), "error")
        return
    st.session_state[note_key] = ""
    st.session_state[f"{KEY}_advance"] = True
    ui.flash(f"Saved: {ui.LABELS[saved.label.value]}" + (" with note" if note else ""))


def technique_line(cues: evidence.Cues) -> str:
    """The passage's persuasion techniques as escaped HTML ('' when none)."""
    if not cues.techniques:
        return ""
    names = " · ".join(escape(m.label) for m in cues.techniques)
    return f'<div style="font-size:0.85rem"><b>Techniques:</b> {names}</div>'


store = ui.store()
me = ui.analyst()
documents = shared.documents(store)
st.title("Compare sources")
if not store.has_alignments():
    st.info(
        "Nothing is aligned yet. Add documents from at least two sources on the Corpus "
        "page; they are aligned as they are ingested."
    )
    st.stop()
caps = evidence.capabilities(store)
outlets = sorted({d.meta.outlet for d in documents.values()})

top = st.columns([1.1, 2.4, 3])
focus_by = top[0].radio(
    "Focus on",
    ["document", "outlet"],
    horizontal=True,
    key=f"{KEY}_focus_by",
    format_func=str.capitalize,
)
if focus_by == "document":
    focus = top[1].selectbox(
        "Focus document",
        list(documents),
        key=f"{KEY}_doc",
        format_func=shared.document_labels(store).__getitem__,
    )
    focus_outlet = documents[focus].meta.outlet
else:
    focus = top[1].selectbox("Focus outlet", outlets, key=f"{KEY}_outlet")
    focus_outlet = focus
others = [o for o in outlets if o != focus_outlet] or outlets
st.session_state.setdefault(f"{KEY}_with_{focus}", others)
compare_with = top[2].multiselect(
    "Compare with",
    outlets,
    key=f"{KEY}_with_{focus}",
    help="Sources whose passages are shown beside the focus",
)

row = st.columns([2, 1.4, 1.6, 1.2])
tagged = row[0].radio(
    "Show", list(TAGGED_NAMES), format_func=TAGGED_NAMES.get, horizontal=True, key=f"{KEY}_tagged"
)
order_choices = ["document", "score"] + (["useful"] if caps.ranking else [])
order = row[1].selectbox(
    "Order",
    order_choices,
    format_func=ORDER_NAMES.get,
    key=f"{KEY}_order",
    help=None
    if caps.ranking
    else "“Most useful to tag next” appears once relations are suggested (`workbench align`)",
)
st.session_state.setdefault(f"{KEY}_score", 0.5)
min_score = row[2].slider("Lowest alignment score", 0.0, 1.0, step=0.05, key=f"{KEY}_score")
max_rank = row[3].selectbox("Counterparts per document", [1, 2, 3], key=f"{KEY}_rank")

focus_args = {
    "doc": focus if focus_by == "document" else None,
    "outlet": focus if focus_by == "outlet" else None,
}
rows = shared.focus_rows(
    store, **focus_args, max_rank=max_rank, min_score=min_score, outlets=tuple(compare_with)
)
sections = rows.sections
with st.expander("More filters"):
    cols = st.columns(3)
    relations = cols[0].multiselect(
        "Suggested relation",
        list(ui.LABELS),
        format_func=ui.LABELS.get,
        key=f"{KEY}_relations",
        disabled=not caps.suggestions,
        help=None if caps.suggestions else "No relation is suggested yet (`workbench align`)",
    )
    framing = cols[1].selectbox(
        "Framing",
        list(FRAMING_NAMES),
        format_func=FRAMING_NAMES.get,
        key=f"{KEY}_framing",
        disabled=not caps.framing,
        help=None if caps.framing else "No framing-cue detector is available yet",
    )
    techniques = cols[1].multiselect(
        "Persuasion technique",
        list(TECHNIQUES),
        format_func=lambda t: t.replace("_", " ").replace(",", ", "),
        key=f"{KEY}_techniques",
        help="Pairs where either passage uses one of these techniques (PTC names), as the "
        "technique detector or a framing rule found them",
    )
    chosen_sections = cols[2].multiselect(
        "Section of the focus passage", sections, key=f"{KEY}_sections_{focus}"
    )
    st.session_state.setdefault(f"{KEY}_auto", True)
    auto = st.checkbox(
        "After tagging every counterpart, go to the next untagged passage", key=f"{KEY}_auto"
    )

all_tags = signin.visible(store, store.tags(latest=True))  # blind tagging
my_tags = {t.pair_id: t for t in all_tags if t.analyst == me}
filters = review.Filters(
    techniques=tuple(techniques),
    tagged=tagged,
    relations=tuple(relations),
    framing=framing,
    min_score=min_score,
    sections=tuple(chosen_sections),
    outlets=tuple(compare_with),
    max_rank=max_rank,
)
# The queue as every analyst has it is shared (corpus data only); this analyst's filter,
# progress and order are worked out here, from their own tags, on every run.
shared_queue = shared.focus_queue(store, **focus_args, filters=filters)
context = review.Context(
    my_tags=my_tags,
    priority=evidence.tagging_priority(store, rows.pair_ids) if order == "useful" else None,
)
queue = review.order_queue(
    review.narrow_to_tagged(shared_queue.items, my_tags, tagged), order, context
)
if tagged == "all":
    done, total = sum(pid in shared_queue.pair_ids for pid in my_tags), len(shared_queue.pair_ids)
else:
    done, total = review.progress_counts(queue, my_tags)
if not queue:
    st.info("No passage matches these filters. Widen them (score, sources, “Show”) to see more.")
    st.stop()

place = _place_key(focus)
index = review.index_of(
    queue, st.session_state.get(place), st.session_state.get(f"{place}_index", 0)
)
if st.session_state.pop(f"{KEY}_advance", False) and auto and review.is_done(queue[index], my_tags):
    following = review.next_untagged(queue, index, my_tags)
    if following is not None:
        index = following
item = review.with_texts(store, queue[index])
suggested = evidence.suggestions(
    store, item.pair_ids, {pid: item.passage_id for pid in item.pair_ids}
)
cue_marks: dict[str, tuple[Mark, ...]] = {}
technique_lines: dict[str, str] = {}
if caps.framing:
    shown = {item.passage_id: item.text} | {c.passage_id: c.text for c in item.counterparts}
    for pid, cues in evidence.cues_by_id(store, shown).items():
        cue_marks[pid] = cues.marks
        technique_lines[pid] = technique_line(cues)
st.session_state[place] = item.passage_id
st.session_state[f"{place}_index"] = index
ids = [i.passage_id for i in queue]

nav = st.columns([3.8, 3, 1.8])
buttons = nav[0].container(horizontal=True, gap="small")
buttons.button(
    "Previous",
    icon=":material/chevron_left:",
    key=f"{KEY}_prev",
    disabled=index == 0,
    on_click=go_to,
    args=(focus, ids[max(0, index - 1)]),
)
buttons.button(
    "Next",
    icon=":material/chevron_right:",
    key=f"{KEY}_next",
    disabled=index >= len(queue) - 1,
    on_click=go_to,
    args=(focus, ids[min(len(ids) - 1, index + 1)]),
)
untagged_next = review.next_untagged(queue, index, my_tags)
buttons.button(
    "Next untagged",
    icon=":material/skip_next:",
    key=f"{KEY}_next_untagged",
    type="primary",
    disabled=untagged_next is None,
    on_click=go_to,
    args=(focus, ids[untagged_next or 0]),
)
st.session_state[f"{KEY}_jump"] = index
nav[1].selectbox(
    "Passage",
    range(len(queue)),
    key=f"{KEY}_jump",
    label_visibility="collapsed",
    format_func=lambda i: (
        f"{i + 1} of {len(queue)}"
        + (" ✓" if review.is_done(queue[i], my_tags) else "")
        + f" — {shared_queue.openings[queue[i].passage_id]}…"
    ),
    on_change=jump,
    args=(focus, ids),
)
nav[2].progress(done / total if total else 0.0, text=f"You tagged {done} of {total} pairs")


def specifics_marks(
    item: review.FocusItem, suggested: dict[str, evidence.Suggestion]
) -> tuple[list[Mark], dict[str, evidence.PairSpecifics]]:
    """Per counterpart, the comparison of specifics (the one stored with its suggestion, seen
    from the focus); for the focus, the strongest mark of any."""
    per_pair = {
        c.pair_id: evidence.compare_specifics(item.text, c.text, suggested.get(c.pair_id))
        for c in item.counterparts
    }
    strength = {"conflict": 3, "shared": 2, "negation": 1, "only": 0}
    best: dict[tuple[int, int], Mark] = {}
    for found in per_pair.values():
        for mark in found.a_marks:
            span = (mark.start, mark.end)
            if span not in best or strength[mark.kind] > strength[best[span].kind]:
                best[span] = mark
    return list(best.values()), per_pair


focus_marks, per_pair = specifics_marks(item, suggested)
doc = documents[item.doc]
left, right = st.columns([1, 1.25], gap="medium")
with left, st.container(border=True):
    ui.html_block(
        [
            f"<div><b>{escape(doc.meta.outlet)}</b> — {escape(doc.meta.title or doc.id)}</div>",
            ui.meta_line(doc.date, item.section, f"characters {item.start}–{item.end}"),
        ]
    )
    ui.html_block(
        [
            highlight(item.text, [*focus_marks, *cue_marks.get(item.passage_id, ())]),
            technique_lines.get(item.passage_id, ""),
        ]
    )
    st.caption(
        "Highlighted: green shared with a counterpart, red a figure that differs, "
        "dotted underline on this side only, wavy underline a negation"
        + (
            ", amber a framing cue, purple a persuasion technique (hover over it for its "
            "name and the detector's confidence)."
            if caps.framing
            else "."
        )
    )

others_by_pair = {}
for t in all_tags:
    if t.analyst != me:
        others_by_pair.setdefault(t.pair_id, []).append(t)
with right:
    for c in item.counterparts:
        cdoc = documents[c.doc]
        found = per_pair[c.pair_id]
        suggestion = suggested.get(c.pair_id)
        with st.container(border=True, key=f"{KEY}_card_{c.pair_id}"):
            parts = [
                f"<div><b>{escape(c.outlet)}</b> — {escape(cdoc.meta.title or cdoc.id)}</div>",
                ui.meta_line(
                    cdoc.date,
                    c.section,
                    f"score {c.score:.2f}",
                    f"rank {c.rank}",
                    "mutual best match" if c.mutual else "",
                ),
                highlight(c.text, [*found.b_marks, *cue_marks.get(c.passage_id, ())]),
                technique_lines.get(c.passage_id, ""),
            ]
            summary = []
            if found.shared:
                summary.append("<b>Shared:</b> " + escape(", ".join(found.shared)))
            if found.conflicting:
                summary.append("<b>Differs:</b> " + escape("; ".join(found.conflicting)))
            if summary:
                parts.append('<div style="font-size:0.85rem">' + " · ".join(summary) + "</div>")
            if suggestion is not None and suggestion.claim_pair is not None:
                parts.append(claim_pair_html(item.text, c.text, suggestion.claim_pair))
            if suggestion is not None:
                reasons = "".join(f"<li>{escape(r)}</li>" for r in suggestion.reasons)
                parts.append(
                    f'<div style="font-size:0.85rem;margin-top:0.3rem"><b>Suggested:</b> '
                    f"{escape(ui.LABELS.get(suggestion.relation, suggestion.relation))} "
                    f"({suggestion.confidence:.0%} sure)"
                    + (
                        ' <span style="color:#666">because (a: the focus passage, b: this '
                        'one)</span><ul style="margin:0 0 0.2rem 1rem;padding:0">'
                        f"{reasons}</ul>"
                        if reasons
                        else ""
                    )
                    + "</div>"
                )
            mine = my_tags.get(c.pair_id)
            status = [f"your tag: {ui.LABELS[mine.label.value]}" if mine else "not tagged by you"]
            status += [
                f"{t.analyst}: {ui.LABELS[t.label.value]}"
                for t in others_by_pair.get(c.pair_id, [])
            ]
            parts.append(ui.meta_line(*status))
            ui.html_block(parts)
            st.text_input(
                "Note",
                key=f"{KEY}_note_{c.pair_id}",
                placeholder="Note (optional)",
                label_visibility="collapsed",
            )
            with st.container(horizontal=True, gap="small"):
                for label, name in ui.LABELS.items():
                    chosen = (mine is not None and mine.label.value == label) or (
                        mine is None and suggestion is not None and suggestion.relation == label
                    )
                    st.button(
                        name,
                        key=f"{KEY}_tag_{c.pair_id}_{label}",
                        type="primary" if chosen else "secondary",
                        on_click=save_tag,
                        args=(c.pair_id, label),
                    )
