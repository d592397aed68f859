"""Alignments (passage ``b`` as a counterpart of passage ``a``) and coverage (whether a
document addresses a passage at all): reads and writes (mixed into the store)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from workbench.models import Alignment
from workbench.store.base import Database, chunks, marks

if TYPE_CHECKING:
    import pandas as pd

ALIGNED_CORPUS = "aligned_corpus"
"""The meta key naming the passages and settings the stored alignment was made from."""

AlignmentRow = tuple[str, str, str, str, int, float, int, str]
"""An alignment ready to insert: ``(a_id, b_id, pair_id, b_doc, rank, score, mutual,
features JSON)``; aligning a large corpus hands these over instead of objects."""


class AlignedPair(TypedDict):
    """An alignment with both passages and their documents' outlets."""

    pair_id: str
    rank: int
    score: float
    mutual: bool
    features: dict[str, float]
    a_id: str
    a_doc: str
    a_outlet: str
    a_start: int
    a_end: int
    a_text: str
    a_section: str
    b_id: str
    b_doc: str
    b_outlet: str
    b_start: int
    b_end: int
    b_text: str
    b_section: str


class PairSummary(TypedDict):
    """An alignment with what a review queue filters and orders by, but no texts."""

    pair_id: str
    rank: int
    score: float
    mutual: bool
    a_id: str
    a_doc: str
    a_section: str
    b_id: str
    b_doc: str


class CoverageRow(TypedDict):
    """Whether document ``doc_id`` addresses passage ``passage_id`` (of ``source_doc``)."""

    passage_id: str
    doc_id: str
    best_score: float
    addressed: bool
    source_doc: str


class UnaddressedPassage(TypedDict):
    """A passage that document ``silent_doc`` never addresses, and the best score found."""

    passage_id: str
    doc: str
    outlet: str
    section: str
    silent_doc: str
    silent_outlet: str
    best_score: float
    text: str


class SilenceCount(TypedDict):
    """How many passages of ``doc`` document ``silent_doc`` never addresses."""

    doc: str
    silent_doc: str
    n: int


_ALIGNED_PAIRS = """
    SELECT al.pair_id, al.rank, al.score, al.mutual, al.features,
           pa.id AS a_id, pa.doc_id AS a_doc, da.outlet AS a_outlet,
           pa.start AS a_start, pa."end" AS a_end, pa.text AS a_text,
           pa.section AS a_section,
           pb.id AS b_id, pb.doc_id AS b_doc, db.outlet AS b_outlet,
           pb.start AS b_start, pb."end" AS b_end, pb.text AS b_text,
           pb.section AS b_section
    FROM alignments al
    JOIN passages pa ON pa.id = al.a_id
    JOIN passages pb ON pb.id = al.b_id
    JOIN documents da ON da.id = pa.doc_id
    JOIN documents db ON db.id = pb.doc_id
    WHERE 1 = 1
"""


def _aligned_pairs_query(
    doc_id: str | None,
    outlet: str | None,
    max_rank: int | None,
    min_score: float | None,
    pair_id: str | None,
    mutual: bool = False,
) -> tuple[str, list[Any]]:
    sql = _ALIGNED_PAIRS
    params: list[Any] = []
    if doc_id is not None:
        sql += " AND pa.doc_id = ?"
        params.append(doc_id)
    if outlet is not None:
        sql += " AND da.outlet = ?"
        params.append(outlet)
    if max_rank is not None:
        sql += " AND al.rank <= ?"
        params.append(max_rank)
    if min_score is not None:
        sql += " AND al.score >= ?"
        params.append(min_score)
    if pair_id is not None:
        sql += " AND al.pair_id = ?"
        params.append(pair_id)
    if mutual:
        sql += " AND al.mutual = 1"
    sql += " ORDER BY pa.doc_id, pa.seq, pb.doc_id, al.rank"
    return sql, params


def _aligned_pair(row: dict[str, Any]) -> AlignedPair:
    row["mutual"] = bool(row["mutual"])
    row["features"] = json.loads(row["features"])
    return cast(AlignedPair, row)


class AlignmentQueries(Database):
    """Reads and writes of alignments and coverage."""

    def replace_alignments(
        self,
        alignments: Iterable[Alignment | AlignmentRow],
        coverage: Iterable[tuple[str, str, float, bool]],
        corpus_key: str,
        meta: dict[str, str] | None = None,
    ) -> None:
        """Swap in a complete alignment of the corpus in one transaction.

        ``alignments`` are objects or, for large corpora, ready rows (:data:`AlignmentRow`);
        ``coverage`` rows are ``(passage_id, doc_id, best_score, addressed)``.

        ``meta`` holds what the alignment was computed with (model, embedding backend),
        written in the same transaction so it always describes the rows beside it.
        """
        with self.write():
            self._execute("DELETE FROM alignments")
            self._execute("DELETE FROM coverage")
            # Bulk load without the secondary indexes, then rebuild them: about 1.5x faster
            # for millions of rows. DDL is transactional here, so a crash keeps the old ones.
            self._execute("DROP INDEX alignments_pair")
            self._execute("DROP INDEX alignments_b")
            self._executemany(
                "INSERT INTO alignments (a_id, b_id, pair_id, b_doc, rank, score, mutual, features)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (
                        a.a_id,
                        a.b_id,
                        a.pair_id,
                        a.b_doc,
                        a.rank,
                        a.score,
                        int(a.mutual),
                        json.dumps(a.features),
                    )
                    if isinstance(a, Alignment)
                    else a
                    for a in alignments
                ),
            )
            self._execute("CREATE INDEX alignments_pair ON alignments(pair_id)")
            self._execute("CREATE INDEX alignments_b ON alignments(b_id)")
            self._executemany(
                "INSERT INTO coverage (passage_id, doc_id, best_score, addressed)"
                " VALUES (?, ?, ?, ?)",
                ((p, d, s, int(ok)) for p, d, s, ok in coverage),
            )
            self._executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [(ALIGNED_CORPUS, corpus_key), *(meta or {}).items()],
            )

    def alignment_count(self) -> int:
        """How many alignments are stored (each direction of a pair counts)."""
        return int(self._value("SELECT count(*) FROM alignments"))

    def has_alignments(self) -> bool:
        """Whether anything is aligned (cheap: reads one row, where :meth:`alignment_count`
        counts a million at 20,000 passages)."""
        return self._value("SELECT 1 FROM alignments LIMIT 1") is not None

    def pair_count(self) -> int:
        """How many aligned pairs are stored: two passages are one pair, whichever side
        each alignment row is seen from (what the README, the CLI and the app call a pair)."""
        return int(self._value("SELECT count(DISTINCT pair_id) FROM alignments"))

    def aligned_pairs(
        self,
        *,
        doc_id: str | None = None,
        outlet: str | None = None,
        max_rank: int | None = None,
        min_score: float | None = None,
        pair_id: str | None = None,
    ) -> list[AlignedPair]:
        """Alignments joined with both passages and documents, best first per passage."""
        sql, params = _aligned_pairs_query(doc_id, outlet, max_rank, min_score, pair_id)
        return [_aligned_pair(row) for row in self._rows(sql, params)]

    def aligned_pair_batches(
        self,
        *,
        doc_id: str | None = None,
        outlet: str | None = None,
        max_rank: int | None = None,
        min_score: float | None = None,
        mutual: bool = False,
        size: int = 1000,
    ) -> Iterator[list[AlignedPair]]:
        """:meth:`aligned_pairs` (only mutual best matches if ``mutual``), ``size`` rows at a
        time from an open cursor, in the same order: memory stays bounded however many
        pairs are stored (``workbench pairs`` writes each batch before reading the next)."""
        sql, params = _aligned_pairs_query(doc_id, outlet, max_rank, min_score, None, mutual)
        for batch in self._row_batches(sql, params, size):
            yield [_aligned_pair(row) for row in batch]

    def pair_summaries(
        self,
        a_docs: Sequence[str],
        *,
        max_rank: int,
        min_score: float,
        b_docs: Sequence[str] | None = None,
    ) -> list[PairSummary]:
        """Alignments whose passage ``a`` is in ``a_docs`` (and ``b`` in ``b_docs``, if
        given), ranked ``max_rank`` or better and scoring at least ``min_score``; ordered
        by passage ``a`` in document order, then ``b``'s document and rank."""
        if not a_docs or (b_docs is not None and not b_docs):
            return []
        sql = (
            "SELECT al.pair_id, al.rank, al.score, al.mutual, al.a_id, pa.doc_id AS a_doc,"
            " pa.section AS a_section, al.b_id, al.b_doc"
            " FROM alignments al JOIN passages pa ON pa.id = al.a_id"
            f" WHERE al.rank <= ? AND al.score >= ? AND pa.doc_id IN ({marks(len(a_docs))})"
        )
        params: list[Any] = [max_rank, min_score, *a_docs]
        if b_docs is not None:
            sql += f" AND al.b_doc IN ({marks(len(b_docs))})"
            params.extend(b_docs)
        sql += " ORDER BY pa.doc_id, pa.seq, al.b_doc, al.rank"
        rows = self._rows(sql, params)
        for row in rows:
            row["mutual"] = bool(row["mutual"])
        return cast(list[PairSummary], rows)

    def pair_passages(self, pair_ids: Sequence[str]) -> dict[str, tuple[str, str]]:
        """The two passages of each aligned pair of these ids, in id order (a pair
        aligned in both directions is the same two passages)."""
        found: dict[str, tuple[str, str]] = {}
        for chunk in chunks(pair_ids):
            rows = self._tuples(
                "SELECT DISTINCT pair_id, a_id, b_id FROM alignments"
                f" WHERE pair_id IN ({marks(len(chunk))})",
                chunk,
            )
            for pair, a_id, b_id in rows:
                found[pair] = (a_id, b_id) if a_id <= b_id else (b_id, a_id)
        return found

    def passages_with_counterparts(self, passage_ids: Sequence[str]) -> set[str]:
        """Those of these passages that have at least one aligned counterpart."""
        found: set[str] = set()
        for chunk in chunks(passage_ids):
            found.update(
                self._values(
                    f"SELECT DISTINCT a_id FROM alignments WHERE a_id IN ({marks(len(chunk))})",
                    chunk,
                )
            )
        return found

    def alignment_frame(self) -> pd.DataFrame:
        """Every alignment as a table: ``pair_id, a_id, b_id, rank, score, mutual``."""
        return self._frame("SELECT pair_id, a_id, b_id, rank, score, mutual FROM alignments")

    # -- coverage ---------------------------------------------------------------------

    def coverage(self, addressed: bool | None = None) -> list[CoverageRow]:
        """Per text passage and other document, whether that document addresses it;
        ``addressed`` keeps only the rows that are (True) or are not (False)."""
        sql = (
            "SELECT c.passage_id, c.doc_id, c.best_score, c.addressed, p.doc_id AS source_doc"
            " FROM coverage c JOIN passages p ON p.id = c.passage_id"
        )
        params: list[Any] = []
        if addressed is not None:
            sql += " WHERE c.addressed = ?"
            params.append(int(addressed))
        sql += " ORDER BY p.doc_id, p.seq, c.doc_id"
        rows = self._rows(sql, params)
        for row in rows:
            row["addressed"] = bool(row["addressed"])
        return cast(list[CoverageRow], rows)

    def coverage_frame(self) -> pd.DataFrame:
        """The coverage of text passages as a table: ``passage_id, doc_id, best_score,
        addressed`` (0 or 1) and ``source_doc``, the passage's own document."""
        return self._frame(
            "SELECT c.passage_id, c.doc_id, c.best_score, c.addressed, p.doc_id AS source_doc"
            " FROM coverage c JOIN passages p ON p.id = c.passage_id WHERE p.kind = 'text'"
            " ORDER BY p.doc_id, p.seq, c.doc_id"
        )

    def unaddressed_passages(
        self, *, silent_doc: str | None = None, source_doc: str | None = None
    ) -> list[UnaddressedPassage]:
        """Passages some other document never addresses, in document order; narrowed to
        those ``silent_doc`` is silent about, or to passages of ``source_doc``."""
        sql = (
            "SELECT c.passage_id, p.doc_id AS doc, d.outlet, p.section, c.doc_id AS silent_doc,"
            " s.outlet AS silent_outlet, c.best_score, p.text FROM coverage c"
            " JOIN passages p ON p.id = c.passage_id JOIN documents d ON d.id = p.doc_id"
            " JOIN documents s ON s.id = c.doc_id WHERE c.addressed = 0"
        )
        params: list[str] = []
        if silent_doc is not None:
            sql += " AND c.doc_id = ?"
            params.append(silent_doc)
        if source_doc is not None:
            sql += " AND p.doc_id = ?"
            params.append(source_doc)
        sql += " ORDER BY p.doc_id, p.seq, c.doc_id"
        return cast(list[UnaddressedPassage], self._rows(sql, params))

    def silence_counts(self) -> list[SilenceCount]:
        """Per document and other document, how many of its passages the other never
        addresses (pairs of documents with none are left out)."""
        rows = self._rows(
            "SELECT p.doc_id AS doc, c.doc_id AS silent_doc, count(*) AS n FROM coverage c"
            " JOIN passages p ON p.id = c.passage_id WHERE c.addressed = 0"
            " GROUP BY p.doc_id, c.doc_id ORDER BY p.doc_id, c.doc_id"
        )
        return cast(list[SilenceCount], rows)
