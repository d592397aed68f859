"""Reads shared by every session of the app: corpus-wide figures that take too long to
repeat on each script run at tens of thousands of passages (a whole outlet's aligned pairs,
every suggestion counted by source, the silence table, the document catalogue).

Each cached function is keyed by the database and the store's
:meth:`~workbench.store.base.Database.corpus_version`, which every write except a tag, a
decision or an account moves on: a result is never served once the documents, passages,
alignments, suggestions or framing cues it came from have changed.

What is kept here is corpus data only: no tag, no analyst name, no decision, nothing that
depends on who is signed in or on blind tagging. That is what makes one copy safe to share
between users, blind analysts included. Anything that does depend on the viewer (their
tags, their progress, the pairs left to tag, the "most useful" order, which reads who has
tagged what) is read from the store on each run by the page.

``st.cache_resource``, not ``st.cache_data``: ``cache_data`` pickles what it keeps and
unpickles it on every hit, and nothing in the workbench may be unpickled. What a function
here returns is the one shared copy: callers read it and never change it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from workbench.app import ui
from workbench.models import Document
from workbench.store import Store
from workbench.views import evidence, overview, review

MATRIX_DOCUMENTS = 40
"""The silence table's documents at most (those with the most claims never addressed)."""


def _key(store: Store) -> tuple[str, int]:
    """(database, corpus version): what every cache here is keyed by first."""
    return str(store.path), store.corpus_version()


# -- every page ---------------------------------------------------------------------------


def documents(store: Store) -> dict[str, Document]:
    """:func:`review.document_catalogue` (1,857 documents' metadata are 50 ms to read)."""
    return _documents(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _documents(db: str, version: int) -> dict[str, Document]:
    return review.document_catalogue(ui.store())


def document_labels(store: Store) -> dict[str, str]:
    """Each document as selectors name it (:func:`ui.doc_label`), by id: a page offers
    all 1,857 at 20,000 passages, on every run."""
    return _document_labels(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _document_labels(db: str, version: int) -> dict[str, str]:
    return {d: ui.doc_label(doc) for d, doc in _documents(db, version).items()}


# -- Corpus -------------------------------------------------------------------------------


def document_table(store: Store) -> pd.DataFrame:
    """The Corpus page's table: each document's id, outlet, kind, date, passages, format
    and title, by id (the title last: the page shortens it to fit)."""
    return _document_table(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _document_table(db: str, version: int) -> pd.DataFrame:
    counts = ui.store().passage_counts()
    return pd.DataFrame(
        [
            {
                "document": d.id,
                "outlet": d.meta.outlet,
                "kind": d.meta.kind,
                "date": d.date,
                "title": d.meta.title,
                "passages": counts.get(d.id, 0),
                "format": d.format,
            }
            for d in _documents(db, version).values()
        ],
        columns=["document", "outlet", "kind", "date", "passages", "format", "title"],
    )


def pair_count(store: Store) -> int:
    """Distinct aligned pairs (a count over a million rows at 20,000 passages)."""
    return _pair_count(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _pair_count(db: str, version: int) -> int:
    return ui.store().pair_count()


# -- Compare ------------------------------------------------------------------------------


@dataclass(frozen=True)
class FocusRows:
    """A focus's aligned pairs (:func:`review.load_pairs`), with what the page lists of
    them: the focus passages' sections and the distinct pair ids."""

    rows: list[dict[str, Any]]
    sections: list[str]
    pair_ids: list[str]


def focus_rows(
    store: Store,
    *,
    doc: str | None,
    outlet: str | None,
    max_rank: int,
    min_score: float,
    outlets: tuple[str, ...],
) -> FocusRows:
    """The aligned pairs of a focus document or outlet (an outlet's are 18,000 rows at
    20,000 passages), read again only when the corpus or these choices change."""
    return _focus_rows(
        *_key(store),
        doc=doc,
        outlet=outlet,
        max_rank=max_rank,
        min_score=min_score,
        outlets=outlets,
    )


@st.cache_resource(max_entries=16, show_spinner=False)  # an outlet's are 10-20 MB
def _focus_rows(
    db: str,
    version: int,
    *,
    doc: str | None,
    outlet: str | None,
    max_rank: int,
    min_score: float,
    outlets: tuple[str, ...],
) -> FocusRows:
    rows = review.load_pairs(
        ui.store(),
        doc=doc,
        outlet=outlet,
        max_rank=max_rank,
        min_score=min_score,
        outlets=list(outlets),
    )
    return FocusRows(
        rows,
        sorted({r["a_section"] for r in rows if r["a_section"]}),
        sorted({r["pair_id"] for r in rows}),
    )


@dataclass(frozen=True)
class FocusQueue:
    """A focus's queue for every analyst (:func:`review.corpus_queue`: every filter but
    "tagged by me" applied, document order), its pair ids and each passage's opening words
    as the page's passage list shows them."""

    items: list[review.FocusItem]
    pair_ids: frozenset[str]
    openings: dict[str, str]


def focus_queue(
    store: Store,
    *,
    doc: str | None,
    outlet: str | None,
    filters: review.Filters,
) -> FocusQueue:
    """The focus's queue before the analyst's own filter and order (see
    :func:`review.build_queue`), from :func:`focus_rows` of the same choices.
    ``filters.tagged`` is ignored: it depends on the analyst, so the page applies it with
    :func:`review.narrow_to_tagged`."""
    return _focus_queue(
        *_key(store),
        doc=doc,
        outlet=outlet,
        max_rank=filters.max_rank,
        min_score=filters.min_score,
        outlets=filters.outlets,
        relations=filters.relations,
        framing=filters.framing,
        sections=filters.sections,
        techniques=filters.techniques,
    )


@st.cache_resource(max_entries=16, show_spinner=False)
def _focus_queue(
    db: str,
    version: int,
    *,
    doc: str | None,
    outlet: str | None,
    max_rank: int,
    min_score: float,
    outlets: tuple[str, ...],
    relations: tuple[str, ...],
    framing: str,
    sections: tuple[str, ...],
    techniques: tuple[str, ...],
) -> FocusQueue:
    rows = _focus_rows(
        db,
        version,
        doc=doc,
        outlet=outlet,
        max_rank=max_rank,
        min_score=min_score,
        outlets=outlets,
    )
    store = ui.store()
    passages = sorted({r[f"{side}_id"] for r in rows.rows for side in "ab"})
    context = review.Context(
        relations=evidence.suggested_relations(store, rows.pair_ids) if relations else {},
        disputes=evidence.framing_verdicts(store, passages) if framing != "any" else {},
        techniques=evidence.passage_techniques(store, passages) if techniques else {},
    )
    filters = review.Filters(
        relations=relations,
        framing=framing,
        min_score=min_score,
        sections=sections,
        outlets=outlets,
        max_rank=max_rank,
        techniques=techniques,
    )
    items = review.corpus_queue(rows.rows, filters, context)
    return FocusQueue(
        items,
        frozenset(pid for item in items for pid in item.pair_ids),
        {item.passage_id: " ".join(item.opening.split()[:12]) for item in items},
    )


# -- Overview -----------------------------------------------------------------------------


def suggested_counts(store: Store) -> pd.DataFrame:
    """Suggested relations per source and section (:func:`overview.source_counts` of every
    suggestion): the model's, the same for every user; tags are counted by the page."""
    return _suggested_counts(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _suggested_counts(db: str, version: int) -> pd.DataFrame:
    store = ui.store()
    suggested = evidence.suggested_relations(store)
    return overview.source_counts(overview.label_counts(store, suggested, "suggested"))


def silence(store: Store) -> pd.DataFrame:
    """The silence table of the :data:`MATRIX_DOCUMENTS` documents with most silence."""
    return _silence(*_key(store))


@st.cache_resource(max_entries=8, show_spinner=False)
def _silence(db: str, version: int) -> pd.DataFrame:
    return overview.silence_matrix(ui.store(), limit=MATRIX_DOCUMENTS)


def unaddressed(store: Store, silent: str, source: str | None) -> pd.DataFrame:
    """Claims ``silent`` never addresses (:func:`overview.unaddressed`)."""
    return _unaddressed(*_key(store), silent, source)


@st.cache_resource(max_entries=64, show_spinner=False)
def _unaddressed(db: str, version: int, silent: str, source: str | None) -> pd.DataFrame:
    return overview.unaddressed(ui.store(), silent_doc=silent, source_doc=source)
