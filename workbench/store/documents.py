"""Documents, their passages and sentences: reads and writes (mixed into the store)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, TypedDict, cast

from workbench.errors import NotFound
from workbench.models import Document, DocumentMeta, Passage, PassageKind, Sentence
from workbench.store.base import Database, chunks, marks, now

if TYPE_CHECKING:
    import pandas as pd

_DOCUMENT_COLUMNS = (
    "id, source_path, format, content_hash, encoding, outlet, kind, title, author, published,"
    " date, url, language, extra, ingested_at"
)
_PASSAGE_COLUMNS = 'id, doc_id, seq, start, "end", text, kind, section, reason'
# "end" is quoted throughout: a reserved word in PostgreSQL, a plain name in SQLite.


class PassageOrigin(NamedTuple):
    """Where a passage comes from: its document's outlet, the document and the section."""

    outlet: str
    doc: str
    section: str


class SourcedPassage(TypedDict):
    """A text passage with the metadata of its document, as searches show it."""

    passage_id: str
    doc: str
    outlet: str
    kind: str
    date: str
    title: str
    section: str
    text: str
    start: int
    end: int


_SOURCED = (
    "SELECT p.id AS passage_id, p.doc_id AS doc, d.outlet, d.kind, d.date, d.title, p.section,"
    ' p.text, p.start, p."end" FROM passages p JOIN documents d ON d.id = p.doc_id'
    " WHERE p.kind = 'text'"
)


def _like_pattern(term: str) -> str:
    """A ``LIKE`` pattern (escape character ``\\``) matching ``term`` anywhere."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def _document_clause(
    outlets: Sequence[str], kinds: Sequence[str], date_from: str, date_to: str
) -> tuple[str, list[Any]]:
    """``AND`` conditions on the documents ``d`` of a passage query, with their values."""
    sql, params = "", []
    if outlets:
        sql += f" AND d.outlet IN ({marks(len(outlets))})"
        params += list(outlets)
    if kinds:
        sql += f" AND d.kind IN ({marks(len(kinds))})"
        params += list(kinds)
    if date_from:
        # a document dated "2021" may be from any day of 2021: compare at its precision
        sql += " AND d.date != '' AND d.date >= substr(?, 1, length(d.date))"
        params.append(date_from)
    if date_to:
        sql += " AND d.date != '' AND d.date <= substr(?, 1, length(d.date))"
        params.append(date_to)
    return sql, params


class DocumentQueries(Database):
    """Reads and writes of documents, passages and sentences."""

    # -- documents --------------------------------------------------------------------

    def documents(self, *, with_text: bool = True) -> list[Document]:
        """Every document by id; without ``with_text`` their texts are left empty, which
        pages that only list documents never need (and a corpus's texts can be large)."""
        text = "text" if with_text else "'' AS text"
        rows = self._rows(f"SELECT {_DOCUMENT_COLUMNS}, {text} FROM documents ORDER BY id")
        return [_document(row) for row in rows]

    def document(self, doc_id: str) -> Document:
        """One document; raises NotFound for an unknown id."""
        row = self._row(f"SELECT {_DOCUMENT_COLUMNS}, text FROM documents WHERE id = ?", (doc_id,))
        if row is None:
            raise NotFound(f"no document {doc_id!r}; `workbench documents` lists them")
        return _document(row)

    def document_hash(self, doc_id: str) -> str | None:
        """The content hash of a stored document (None if it is not stored)."""
        return self._value("SELECT content_hash FROM documents WHERE id = ?", (doc_id,))

    def document_source(self, doc_id: str) -> str | None:
        """The file a stored document was read from (None if it is not stored)."""
        return self._value("SELECT source_path FROM documents WHERE id = ?", (doc_id,))

    def document_outlets(self) -> dict[str, str]:
        """Each document's outlet, by document id."""
        return dict(self._tuples("SELECT id, outlet FROM documents ORDER BY id"))

    def passage_counts(self) -> dict[str, int]:
        """Text passages per document id (documents without any are left out)."""
        rows = self._tuples(
            "SELECT doc_id, count(*) FROM passages WHERE kind = 'text' GROUP BY doc_id"
        )
        return {doc_id: count for doc_id, count in rows}

    def replace_document(
        self,
        document: Document,
        passages: Iterable[Passage],
        sentences: Iterable[Sentence],
        *,
        actor: str = "",
    ) -> None:
        """Insert a document with its passages, replacing any older version, atomically.

        The audit trail records who did it (``actor``: a user name, ``cli:<os user>``, or
        "" when unknown) as ``document.ingest`` or ``document.replace``, in the same
        transaction.
        """
        meta = document.meta
        with self.write():
            old_hash = self._value(
                "SELECT content_hash FROM documents WHERE id = ?", (document.id,)
            )
            self._execute("DELETE FROM documents WHERE id = ?", (document.id,))
            self._execute(
                "INSERT INTO documents (id, source_path, format, content_hash, encoding, text,"
                " outlet, kind, title, author, published, date, url, language, extra,"
                " ingested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    document.id,
                    document.source_path,
                    document.format,
                    document.content_hash,
                    document.encoding,
                    document.text,
                    meta.outlet,
                    meta.kind,
                    meta.title,
                    meta.author,
                    meta.published,
                    document.date,
                    meta.url,
                    meta.language,
                    json.dumps(meta.extra, ensure_ascii=False),
                    document.ingested_at or now(),
                ),
            )
            self._executemany(
                f"INSERT INTO passages ({_PASSAGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        p.id,
                        p.doc_id,
                        p.seq,
                        p.start,
                        p.end,
                        p.text,
                        str(p.kind),
                        p.section,
                        p.reason,
                    )
                    for p in passages
                ],
            )
            self._executemany(
                'INSERT INTO sentences (passage_id, seq, start, "end", text)'
                " VALUES (?, ?, ?, ?, ?)",
                [(s.passage_id, s.seq, s.start, s.end, s.text) for s in sentences],
            )
            detail = {"source": document.source_path, "content_sha256": document.content_hash}
            if old_hash is not None:
                detail["previous_sha256"] = old_hash
            self._audit(
                actor,
                "document.replace" if old_hash is not None else "document.ingest",
                document.id,
                detail,
            )

    def update_document_meta(
        self, doc_id: str, meta: DocumentMeta, source_path: str, date: str, *, actor: str = ""
    ) -> None:
        """New metadata (from an edited manifest) for an unchanged document; the audit
        trail records it as ``document.update`` by ``actor``."""
        with self.write():
            self._execute(
                "UPDATE documents SET outlet = ?, kind = ?, title = ?, author = ?, published = ?,"
                " url = ?, language = ?, extra = ?, source_path = ?, date = ? WHERE id = ?",
                (
                    meta.outlet,
                    meta.kind,
                    meta.title,
                    meta.author,
                    meta.published,
                    meta.url,
                    meta.language,
                    json.dumps(meta.extra, ensure_ascii=False),
                    source_path,
                    date,
                    doc_id,
                ),
            )
            self._audit(actor, "document.update", doc_id, {"source": source_path})

    def delete_document(self, doc_id: str, *, actor: str = "") -> bool:
        """Remove a document; its passages, sentences and alignments go with it.

        Returns whether there was such a document; the audit trail records its removal as
        ``document.remove`` by ``actor`` (nothing is recorded when there was none).
        """
        with self.write():
            row = self._row(
                "SELECT source_path, content_hash FROM documents WHERE id = ?", (doc_id,)
            )
            if row is None:
                return False
            self._execute("DELETE FROM documents WHERE id = ?", (doc_id,))
            self._audit(
                actor,
                "document.remove",
                doc_id,
                {"source": row["source_path"], "content_sha256": row["content_hash"]},
            )
        return True

    def orphan_sentences(self) -> int:
        """Sentences whose passage is gone: 0 in a consistent store (a write interrupted
        half-way would leave some; the crash tests check that none is ever left)."""
        return int(
            self._value(
                "SELECT count(*) FROM sentences s"
                " WHERE NOT EXISTS (SELECT 1 FROM passages p WHERE p.id = s.passage_id)"
            )
            or 0
        )

    # -- passages ---------------------------------------------------------------------

    def passages(
        self, doc_id: str | None = None, kinds: Iterable[PassageKind] = (PassageKind.TEXT,)
    ) -> list[Passage]:
        """Passages of the given kinds (text only by default), in document order."""
        wanted = [str(k) for k in kinds]
        if not wanted:
            return []
        sql = f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE kind IN ({marks(len(wanted))})"
        params: list[Any] = list(wanted)
        if doc_id is not None:
            sql += " AND doc_id = ?"
            params.append(doc_id)
        sql += " ORDER BY doc_id, seq"
        return [_passage(row) for row in self._rows(sql, params)]

    def passage(self, passage_id: str) -> Passage:
        """One passage; raises NotFound for an unknown id."""
        row = self._row(f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE id = ?", (passage_id,))
        if row is None:
            raise NotFound(f"no passage {passage_id!r}")
        return _passage(row)

    def passages_by_id(self, passage_ids: Sequence[str]) -> dict[str, Passage]:
        """The passages of these ids that exist, by id."""
        found: dict[str, Passage] = {}
        for chunk in chunks(passage_ids):
            sql = f"SELECT {_PASSAGE_COLUMNS} FROM passages WHERE id IN ({marks(len(chunk))})"
            found.update({row["id"]: _passage(row) for row in self._rows(sql, chunk)})
        return found

    def passage_openings(self, doc_ids: Sequence[str], chars: int) -> dict[str, str]:
        """The first ``chars`` characters of every text passage of these documents, by
        passage id: enough to recognise a passage in a list without reading it all."""
        openings: dict[str, str] = {}
        for chunk in chunks(doc_ids):
            openings.update(
                self._tuples(
                    "SELECT id, substr(text, 1, ?) FROM passages"
                    f" WHERE kind = 'text' AND doc_id IN ({marks(len(chunk))})",
                    [chars, *chunk],
                )
            )
        return openings

    def passage_origins(self, passage_ids: Sequence[str]) -> dict[str, PassageOrigin]:
        """Outlet, document and section of the passages of these ids that exist, by id."""
        found: dict[str, PassageOrigin] = {}
        for chunk in chunks(passage_ids):
            rows = self._tuples(
                "SELECT p.id, d.outlet, p.doc_id, p.section FROM passages p"
                f" JOIN documents d ON d.id = p.doc_id WHERE p.id IN ({marks(len(chunk))})",
                chunk,
            )
            found.update(
                {pid: PassageOrigin(outlet, doc, section) for pid, outlet, doc, section in rows}
            )
        return found

    def passage_frame(self) -> pd.DataFrame:
        """Every text passage as a table: ``id, doc_id, seq, start, end, section, text``."""
        return self._frame(
            'SELECT id, doc_id, seq, start, "end", section, text FROM passages'
            " WHERE kind = 'text'"
        )

    def sentences(self) -> list[Sentence]:
        """Sentences of all text passages, in passage order."""
        rows = self._tuples(
            'SELECT s.passage_id, s.seq, s.start, s."end", s.text FROM sentences s'
            " JOIN passages p ON p.id = s.passage_id"
            " WHERE p.kind = 'text' ORDER BY p.doc_id, p.seq, s.seq"
        )
        return [Sentence(*row) for row in rows]

    # -- finding passages -------------------------------------------------------------

    def matching_passages(
        self,
        terms: Sequence[str],
        *,
        outlets: Sequence[str] = (),
        kinds: Sequence[str] = (),
        date_from: str = "",
        date_to: str = "",
    ) -> list[SourcedPassage]:
        """Text passages containing every one of ``terms`` (ignoring ASCII case), in
        documents of the given outlets and kinds dated within the range (empty: any).

        A date range compares at each document's precision: a document dated ``2021``
        falls within ``2021-06``..``2021-12``.
        """
        clause, params = _document_clause(outlets, kinds, date_from, date_to)
        like = f" AND p.text {self.like} ? ESCAPE '\\'"
        sql = _SOURCED + clause + like * len(terms)
        rows = self._rows(sql, [*params, *(_like_pattern(t) for t in terms)])
        return cast(list[SourcedPassage], rows)

    def text_passage_ids(
        self,
        *,
        outlets: Sequence[str] = (),
        kinds: Sequence[str] = (),
        date_from: str = "",
        date_to: str = "",
    ) -> list[str]:
        """Ids of the text passages in documents of the given outlets and kinds dated
        within the range (see :meth:`matching_passages`)."""
        clause, params = _document_clause(outlets, kinds, date_from, date_to)
        return self._values(
            "SELECT p.id FROM passages p JOIN documents d ON d.id = p.doc_id"
            " WHERE p.kind = 'text'" + clause,
            params,
        )

    def sourced_passages(self, passage_ids: Sequence[str]) -> dict[str, SourcedPassage]:
        """The text passages of these ids with their documents' metadata, by id."""
        found: dict[str, SourcedPassage] = {}
        for chunk in chunks(passage_ids):
            rows = self._rows(_SOURCED + f" AND p.id IN ({marks(len(chunk))})", chunk)
            found.update({row["passage_id"]: cast(SourcedPassage, row) for row in rows})
        return found


def _document(row: dict[str, Any]) -> Document:
    meta = DocumentMeta(
        outlet=row["outlet"],
        kind=row["kind"],
        title=row["title"],
        author=row["author"],
        published=row["published"],
        url=row["url"],
        language=row["language"],
        extra=json.loads(row["extra"]),
    )
    return Document(
        id=row["id"],
        source_path=row["source_path"],
        format=row["format"],
        content_hash=row["content_hash"],
        text=row["text"],
        meta=meta,
        date=row["date"],
        encoding=row["encoding"],
        ingested_at=row["ingested_at"],
    )


def _passage(row: dict[str, Any]) -> Passage:
    return Passage(
        id=row["id"],
        doc_id=row["doc_id"],
        seq=row["seq"],
        start=row["start"],
        end=row["end"],
        text=row["text"],
        kind=PassageKind(row["kind"]),
        section=row["section"],
        reason=row["reason"],
    )
