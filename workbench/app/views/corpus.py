"""Corpus: the documents, and uploading new ones with their metadata."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from workbench.app import shared, signin, ui
from workbench.errors import WorkbenchError
from workbench.ingest.batch import IngestReport
from workbench.ingest.readers import SUPPORTED
from workbench.ingest.uploads import Upload
from workbench.models import DocumentMeta
from workbench.pipeline import add_documents
from workbench.store import Store

META_COLUMNS = ["outlet", "kind", "title", "author", "published", "url", "language"]
# The documents table's columns in pixels: together they fit the page of a 1400 px wide
# window, so no column is cut off at the right; the title, last, is shortened instead (drag
# its edge to widen it). A comment: Streamlit's "magic" would show a bare string on the page.
COLUMN_WIDTHS = {
    "document": 160,
    "outlet": 150,
    "kind": 170,
    "date": 85,
    "passages": 75,
    "format": 65,
    "title": 210,
}


def show_documents(store: Store) -> None:
    """The documents table with counts (drawn last, so it includes this run's uploads)."""
    table = shared.document_table(store)
    st.caption(
        f"{len(table)} documents, {table['passages'].sum()} passages, "
        f"{shared.pair_count(store)} aligned pairs "
        "(a pair is two passages, counted once)"
    )
    st.dataframe(
        table,
        hide_index=True,
        key="corpus_table",
        column_config={
            name: st.column_config.Column(name, width=width)
            for name, width in COLUMN_WIDTHS.items()
        },
    )


def show_stage(stage: str, outcome: object) -> None:
    """Each file's result as soon as the files are ingested, before the alignment starts."""
    if stage != "ingest" or not isinstance(outcome, IngestReport):
        return
    for result in outcome.results:
        if result.status == "rejected":
            st.error(ui.plain(f"{result.path.name}: {result.reason}"))
        else:
            st.success(
                ui.plain(
                    f"{result.path.name}: {result.status} as {result.doc_id}"
                    + (f" ({result.passages} passages)" if result.passages > 1 else "")
                    + (" (1 passage)" if result.passages == 1 else "")
                )
            )


store = ui.store()
st.title("Corpus")
documents_slot = st.container()

st.subheader("Add documents")
if not signin.may_manage_corpus(store):
    with documents_slot:
        show_documents(store)
    st.info("Only an admin adds documents to a team's corpus; ask one to upload them.")
    st.stop()
st.write(
    "Plain text, Markdown, HTML or PDF. Give each file its source's metadata; the files "
    "are ingested, embedded and aligned with everything already here. A file that cannot "
    "be read is reported and the others go on."
)
files = st.file_uploader(
    "Documents",
    type=[s.lstrip(".") for s in SUPPORTED],
    accept_multiple_files=True,
    key="corpus_upload",
)
if files:
    defaults = pd.DataFrame(
        [{"file": f.name, **{c: "" for c in META_COLUMNS}} for f in files],
        columns=["file", *META_COLUMNS],
    )
    edited = st.data_editor(
        defaults,
        hide_index=True,
        disabled=["file"],
        key="corpus_meta",
        column_config={
            "published": st.column_config.TextColumn(
                "published", help="A date such as 2021-01-08 or 8 January 2021"
            )
        },
    )
    if st.button("Ingest and align", type="primary", key="corpus_ingest"):
        by_name = {row["file"]: row for row in edited.to_dict("records")}
        uploads = [
            Upload(
                f.name,
                f.getvalue(),
                DocumentMeta(
                    **{
                        c: str(by_name.get(f.name, {}).get(c) or "").strip()
                        or ("unknown" if c == "outlet" else "")
                        for c in META_COLUMNS
                    }
                ),
            )
            for f in files
        ]
        try:
            who = signin.acting_user(store, ui.analyst(), admin=True)
            with st.spinner("Ingesting, embedding and aligning…"):
                done = add_documents(
                    store,
                    uploads,
                    ui.settings(),
                    progress=ui.StreamlitReporter(),
                    on_stage=show_stage,
                    actor=who,
                )
            if done.aligned is not None:
                st.success(
                    f"Aligned: {store.pair_count()} pairs across "
                    f"{done.aligned.documents} documents."
                )
        except WorkbenchError as exc:
            st.error(str(exc))

with documents_slot:
    show_documents(store)
