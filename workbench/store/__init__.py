"""The store: the only code that speaks SQL.

One interface, :class:`Store`, composed of query mixins over a connection:

- :mod:`~workbench.store.schema`: the numbered migrations (``MIGRATIONS``);
- :mod:`~workbench.store.sqlite`: the SQLite connection (WAL, busy timeout, ``BEGIN
  IMMEDIATE`` writes, backup, integrity check, meta keys) and ``Store`` itself;
- :mod:`~workbench.store.base`: the primitives the query mixins run on, implemented once
  per database;
- :mod:`~workbench.store.documents`: documents, passages and sentences;
- :mod:`~workbench.store.alignments`: alignments, aligned pairs and coverage;
- :mod:`~workbench.store.tags`: analysts' tags and adjudications;
- :mod:`~workbench.store.suggestions`: suggestions and framing cues.

Everything else reads and writes through ``Store`` methods, which return dataclasses from
:mod:`workbench.models`, the typed rows defined beside the queries, or DataFrames.
"""

from __future__ import annotations

from workbench.store.alignments import (
    AlignedPair,
    CoverageRow,
    PairSummary,
    SilenceCount,
    UnaddressedPassage,
)
from workbench.store.base import now
from workbench.store.documents import PassageOrigin, SourcedPassage
from workbench.store.schema import MIGRATIONS
from workbench.store.sqlite import Store

__all__ = [
    "MIGRATIONS",
    "AlignedPair",
    "CoverageRow",
    "PairSummary",
    "PassageOrigin",
    "SilenceCount",
    "SourcedPassage",
    "Store",
    "UnaddressedPassage",
    "now",
]
