"""Report: the comparison report of a scope, previewed and downloaded in any format.

The same report as ``workbench report``. Nothing is built until the analyst asks; the
preview is the Markdown file shown as text (Streamlit's own Markdown would turn ``->`` into
arrows and ``:name:`` into icons, so it would not show the sources' exact words).
"""

from __future__ import annotations

import streamlit as st

from workbench.app import shared, signin, ui
from workbench.errors import WorkbenchError
from workbench.report import FORMATS, ReportScope
from workbench.report.builds import RecentReports, analysts

KEY = "rep"
FORMAT_NAMES = {
    "md": "Markdown (.md)",
    "html": "HTML, one self-contained file (.html)",
    "csv": "CSV, one row per pair (.csv)",
    "xlsx": "Excel workbook: pairs, sources, gaps, methods (.xlsx)",
    "json": "JSON, everything as data (.json)",
    "jsonld": "JSON-LD, tags as W3C Web Annotations (.jsonld)",
}


def _vanished(key: str, options: list[str]) -> str | None:
    """Forget a kept choice that is no longer offered (a document deleted meanwhile) and
    return it, so the page can say so instead of quietly reporting on something else."""
    value = st.session_state.get(key)
    if value in (None, *options):
        return None
    del st.session_state[key]
    return str(value)


store = ui.store()
st.title("Report")
st.caption(
    "A comparison report: the sources and how much of each the others address, each claim "
    "beside its counterparts with tags, suggestions, framing cues and specifics, the claims "
    "a source never addresses, and the methods. The same report as `workbench report`."
)
if not store.has_alignments():
    st.info(
        "Nothing is aligned yet. Add documents from at least two sources on the Corpus "
        "page; they are aligned as they are ingested."
    )
    st.stop()

documents = shared.documents(store)
outlets = sorted({d.meta.outlet for d in documents.values()}, key=str.casefold)
focus_names = {"": "All sources"}
focus_names |= {o: f"Outlet: {o}" for o in outlets}
focus_names |= {d: f"Document: {label}" for d, label in shared.document_labels(store).items()}
blind = signin.blind(store)  # an analyst while tagging is blind reports on their own tags
names = [ui.analyst()] if blind else analysts(store)
if blind:
    st.session_state[f"{KEY}_analyst"] = ui.analyst()
vanished = [
    v
    for v in (
        _vanished(f"{KEY}_focus", list(focus_names)),
        _vanished(f"{KEY}_analyst", ["", *names]),
    )
    if v
]
if vanished:
    st.warning(ui.plain(f"{', '.join(vanished)} is no longer in the database; choose again."))

top = st.columns([3, 1.4, 1.4])
focus = top[0].selectbox(
    "Focus",
    list(focus_names),
    format_func=focus_names.get,
    key=f"{KEY}_focus",
    help="The claims of this outlet or document, each with its counterparts in the others",
)
relation = top[1].selectbox(
    "Relation",
    ["", *ui.LABELS],
    format_func=lambda r: ui.LABELS.get(r, "Any relation"),
    key=f"{KEY}_relation",
    help="Only pairs an analyst, the adjudicator or the suggester gave this label",
)
analyst = top[2].selectbox(
    "Analyst",
    names if blind else ["", *names],
    format_func=lambda a: a or "All analysts",
    key=f"{KEY}_analyst",
    help="Show and count only this analyst's tags",
)
row = st.columns([1.4, 3, 1.4], vertical_alignment="bottom")
tagged_only = row[0].checkbox(
    "Tagged pairs only",
    key=f"{KEY}_tagged",
    help="Only pairs an analyst tagged or the adjudicator decided",
)
fmt = row[1].selectbox(
    "Format", FORMATS, format_func=lambda f: FORMAT_NAMES.get(f, f), key=f"{KEY}_format"
)
scope = ReportScope(focus or None, relation or None, analyst or None, tagged_only)

shelf: RecentReports = st.session_state.setdefault(f"_{KEY}_built", RecentReports())
built = shelf.get(scope)
build = row[2].button(
    "Build report",
    key=f"{KEY}_build",
    type="primary",
    icon=":material/description:",
    width="stretch",
    help="Build the report of these choices from the database as it is now",
)
if build and not vanished:
    try:
        with st.spinner("Building the report…"):
            built = shelf.build(store, ui.settings(), scope, progress=ui.StreamlitReporter())
    except WorkbenchError as exc:
        st.error(ui.plain(str(exc)))

if built is None:
    st.info(
        "Choose what the report covers, then build it. Nothing is built until you ask, and "
        "a built report stays ready here while you try other formats."
    )
    st.stop()

report = built.report
counts = report.counts()
figures = st.columns(3)
figures[0].metric("Claims with counterparts", counts["claims"])
figures[1].metric("Pairs", counts["pairs"])
figures[2].metric("Claims a source never addresses", counts["unaddressed"])
st.caption(ui.plain(f"Built {report.provenance.generated_at} for {report.scope.describe()}."))
if not built.is_current(store):
    st.warning(
        "Tags, decisions, suggestions or documents changed since this report was built; "
        "build again to include them."
    )
if not counts["pairs"]:
    st.warning(
        "No pair is in this scope: the report holds only the summary, the claims a source "
        "never addresses and the methods."
    )

file = built.download(fmt)
st.download_button(
    f"Download {file.file_name}",
    data=file.data,
    file_name=file.file_name,
    mime=file.media_type,
    key=f"{KEY}_download",
    on_click="ignore",
    type="primary",
    icon=":material/download:",
)

st.subheader("Preview")
more = counts["claims"] - shelf.preview_claims
st.caption(
    "The Markdown report as text"
    + (f", with the first {shelf.preview_claims} of {counts['claims']} claims" if more > 0 else "")
    + f"; a section longer than {shelf.preview_section_chars:,} characters is cut. Source text "
    "is escaped for Markdown, so `\\` marks characters that would otherwise format. The "
    "download holds the whole report in the format chosen above."
)
st.code(built.preview, language="markdown", wrap_lines=True, height=640)
