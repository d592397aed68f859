"""A small three-source corpus aligned with the fake embedder, for tests of the app's logic."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import FakeEmbedder

from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import realign
from workbench.store import Store

DOCS = {
    "ngo": (
        "Rights Group",
        "international NGO",
        "2021-01",
        """Border closures

Only 195 North Koreans resettled in South Korea between January and September 2020, a new low.

The authorities ordered border guards to shoot anyone approaching the Chinese border within 1 km.

Farmers reported poor harvests after floods destroyed roads and bridges in August.
""",
    ),
    "agency": (
        "News Agency",
        "wire service",
        "2020-11-02",
        """Figures

South Korea said 195 North Koreans reached the South from January to September 2020, a record low.

Guards at the Chinese border were told to shoot people approaching it within 2 km.
""",
    ),
    "outlet": (
        "State Outlet",
        "state-affiliated outlet",
        "2021-01-08",
        """Commentary

The UN Human Rights Council adopted another resolution on June 22 in Geneva.

Only 195 North Koreans resettled in the South between January and September 2020, a record low.
""",
    ),
}


THRESHOLD = 0.7
"""High enough that some passages of this tiny corpus count as unaddressed."""


def aligned_store(folder: Path, settings: Settings) -> Store:
    """The three documents ingested (with a manifest) and aligned; the caller closes it."""
    docs = folder / "docs"
    docs.mkdir()
    with open(docs / "manifest.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "outlet", "kind", "title", "published"])
        for name, (outlet, kind, date, text) in DOCS.items():
            (docs / f"{name}.txt").write_text(text)
            writer.writerow([f"{name}.txt", outlet, kind, f"{outlet} report", date])
    store = Store(settings.db)
    ingest_paths(store, [docs], settings=settings)
    realign(store, settings.replace(threshold=THRESHOLD), embedder=FakeEmbedder())
    return store


def pair_between(store: Store, a_doc: str, a_words: str, b_doc: str) -> str:
    """The pair id of the best counterpart in ``b_doc`` of the passage of ``a_doc`` that
    contains ``a_words``."""
    for row in store.aligned_pairs(doc_id=a_doc, max_rank=1):
        if a_words in row["a_text"] and row["b_doc"] == b_doc:
            return str(row["pair_id"])
    raise AssertionError(f"no pair from {a_doc!r} ({a_words!r}) to {b_doc!r}")
