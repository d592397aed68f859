"""Bring a database up to date for the app: ingest, embed and align whatever is missing.

The app calls :func:`missing` on every start (cheap: no model, no vectors) and runs
:func:`bring_up_to_date` only when something is missing, showing its progress.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.config import Settings
from workbench.ingest.batch import IngestReport
from workbench.progress import SILENT, Reporter
from workbench.store import Store


@dataclass(frozen=True)
class Missing:
    """What the database lacks. Empty (falsy) when the app can show everything."""

    ingest: bool = False
    align: bool = False

    def __bool__(self) -> bool:
        return self.ingest or self.align

    def describe(self) -> str:
        if self.ingest:
            return "ingesting, embedding and aligning the bundled corpus"
        return "embedding and aligning passages" if self.align else ""


def missing(store: Store, settings: Settings) -> Missing:
    """Whether the corpus must be ingested and whether the alignment is missing or stale."""
    from workbench.align.staleness import is_stale

    counts = store.passage_counts()
    if not counts:
        corpus = _has_corpus(settings.corpus_dir)
        return Missing(ingest=corpus, align=corpus)
    if len(counts) < 2:
        return Missing()
    return Missing(align=is_stale(store, settings) or store.alignment_count() == 0)


def _has_corpus(folder: Path) -> bool:
    return folder.is_dir() and any(p.is_file() for p in folder.iterdir())


@dataclass
class Prepared:
    """What :func:`bring_up_to_date` did."""

    ingested: IngestReport | None = None
    aligned_pairs: int | None = None


def bring_up_to_date(store: Store, settings: Settings, *, progress: Reporter = SILENT) -> Prepared:
    """Ingest the bundled corpus into an empty database, then align if needed."""
    from workbench.align.aligner import align_store
    from workbench.ingest.batch import ingest_paths

    done = Prepared()
    if not store.passage_counts() and _has_corpus(settings.corpus_dir):
        done.ingested = ingest_paths(
            store, [settings.corpus_dir], settings=settings, progress=progress
        )
    if missing(store, settings).align:
        done.aligned_pairs = align_store(store, settings, progress=progress).pairs
    return done
