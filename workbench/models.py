"""Dataclasses and enums shared by every stage."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class PassageKind(StrEnum):
    """What a block of a document is. Only ``TEXT`` passages are analysed."""

    TEXT = "text"
    HEADING = "heading"
    BOILERPLATE = "boilerplate"


class Relation(StrEnum):
    """How two aligned passages relate; the labels analysts tag with."""

    CORROBORATES = "corroborates"
    CONTRADICTS = "contradicts"
    DISPUTES_FRAMING = "disputes_framing"
    RELATED = "related"
    UNRELATED = "unrelated"


@dataclass(frozen=True)
class DocumentMeta:
    """Metadata of a document, from a manifest row or defaults."""

    outlet: str = "unknown"
    kind: str = ""
    title: str = ""
    author: str = ""
    published: str = ""
    url: str = ""
    language: str = ""
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Document:
    """One ingested document. ``text`` is what passage offsets index into."""

    id: str
    source_path: str
    format: str
    content_hash: str
    text: str
    meta: DocumentMeta
    date: str = ""
    encoding: str = ""
    ingested_at: str = ""


@dataclass(frozen=True)
class Passage:
    """A paragraph (or part of a long one) with its offsets in the document text."""

    id: str
    doc_id: str
    seq: int
    start: int
    end: int
    text: str
    kind: PassageKind = PassageKind.TEXT
    section: str = ""
    reason: str = ""


@dataclass(frozen=True)
class Sentence:
    """A sentence (a claim) inside a passage; offsets are in the document text."""

    passage_id: str
    seq: int
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Alignment:
    """Passage ``b`` as the ``rank``-th counterpart of passage ``a`` in ``b``'s document."""

    pair_id: str
    a_id: str
    b_id: str
    b_doc: str
    rank: int
    score: float
    mutual: bool
    features: dict[str, float] = field(default_factory=dict)


def text_hash(text: str) -> str:
    """Content key of a text, used by the vector cache."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_id(doc_id: str, text: str, occurrence: int = 0) -> str:
    """A passage id that survives edits elsewhere in its document."""
    digest = hashlib.sha256(f"{doc_id}\0{text}\0{occurrence}".encode()).hexdigest()
    return "p" + digest[:12]


def pair_id(a_id: str, b_id: str) -> str:
    """The same id for (a, b) and (b, a): analysts tag a pair of passages, not a direction."""
    first, second = sorted((a_id, b_id))
    digest = hashlib.sha256(f"{first}\0{second}".encode()).hexdigest()
    return "pr" + digest[:12]


@dataclass(frozen=True)
class Tag:
    """An analyst's label for a pair; every save is a new row, the latest one counts."""

    tag_id: int
    pair_id: str
    a_id: str
    b_id: str
    label: Relation
    analyst: str
    note: str
    created_at: str

    def record(self) -> dict[str, object]:
        return {
            "tag_id": self.tag_id,
            "pair_id": self.pair_id,
            "label": self.label.value,
            "analyst": self.analyst,
            "note": self.note,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Adjudication:
    """An adjudicator's final label for a pair, kept apart from the analysts' tags; every
    decision is a new row, the latest one counts."""

    adjudication_id: int
    pair_id: str
    label: Relation
    adjudicator: str
    note: str
    created_at: str

    def record(self) -> dict[str, object]:
        return {
            "adjudication_id": self.adjudication_id,
            "pair_id": self.pair_id,
            "label": self.label.value,
            "adjudicator": self.adjudicator,
            "note": self.note,
            "created_at": self.created_at,
        }
