"""The JSON shapes the workbench prints and exports: one function per kind of record.

Passages, pairs, a pair's suggestion and specifics, framing cues, documents, gaps and ranked
pairs as ``workbench ... --format jsonl`` prints them, and the passage, tag, cue and
suggestion records a report is made of. What goes into a record comes from the store and
from the read model (:mod:`workbench.views.evidence`); this module only gives it its shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from workbench.models import Document, Passage, Tag
from workbench.store import AlignedPair
from workbench.store.suggestions import StoredSuggestion
from workbench.suggest.ranking import RankedPair
from workbench.views.evidence import (
    Cues,
    Suggestion,
    claim_pair_spans,
    oriented_specifics,
    reason_text,
)

NO_SPECIFICS: dict[str, list[Any]] = {"shared": [], "conflicting": [], "a_only": [], "b_only": []}


# -- passages ---------------------------------------------------------------------------


def passage_record(passage: Passage, outlet: str) -> dict[str, Any]:
    """A passage with its offsets in the document text (``workbench passages``)."""
    return {
        "passage_id": passage.id,
        "doc": passage.doc_id,
        "outlet": outlet,
        "start": passage.start,
        "end": passage.end,
        "text": passage.text,
        "section": passage.section,
        "kind": str(passage.kind),
        **({"reason": passage.reason} if passage.reason else {}),
    }


def cues_record(cues: Cues, offset: int = 0) -> dict[str, Any]:
    """``{"cues": [{"kind", "start", "end", "text", "weight", "technique", "confidence",
    "source"}], "techniques": [{"technique", "confidence", "source"}], "disputes_framing",
    "framing_score"}`` with offsets moved by ``offset`` (the passage's start)."""
    return {
        "cues": [c.record(offset) for c in cues.framing.cues],
        "techniques": [
            {"technique": m.technique, "confidence": round(m.confidence, 4), "source": m.source}
            for m in cues.techniques
        ],
        "disputes_framing": cues.disputes_framing,
        "framing_score": cues.score,
    }


def techniques_line(cues: dict[str, Any]) -> str:
    """The persuasion techniques of a passage: ``"Loaded_Language 61%, Doubt (rule)"``
    (the detector's calibrated confidence; a rule's technique has none)."""
    return ", ".join(
        f"{t['technique']} {t['confidence']:.0%}"
        if t["source"] == "model"
        else f"{t['technique']} (rule)"
        for t in cues.get("techniques", [])
    )


def report_cues_record(cues: Cues, offset: int) -> dict[str, Any]:
    """:func:`cues_record` as a report carries it, marked as computed (``"available"``)."""
    return {"available": True, **cues_record(cues, offset)}


def document_record(document: Document, passages: int) -> dict[str, Any]:
    """A document with its metadata and how many text passages it has (``workbench
    documents``)."""
    meta = document.meta
    return {
        "doc": document.id,
        "outlet": meta.outlet,
        "kind": meta.kind,
        "title": meta.title,
        "author": meta.author,
        "published": meta.published,
        "date": document.date,
        "url": meta.url,
        "language": meta.language,
        "format": document.format,
        "passages": passages,
        "source": document.source_path,
        "content_hash": document.content_hash,
        **({"extra": meta.extra} if meta.extra else {}),
    }


def gap_record(row: Mapping[str, Any], text: str) -> dict[str, Any]:
    """A passage some document never addresses (a row of ``Store.coverage``)."""
    return {
        "passage_id": row["passage_id"],
        "doc": row["source_doc"],
        "silent_doc": row["doc_id"],
        "best_score": round(row["best_score"], 4),
        "text": text,
    }


# -- pairs ------------------------------------------------------------------------------

Row = TypeVar("Row", bound=Mapping[str, Any])


def best_counterparts(
    rows: Sequence[Row],
    n: int,
    *,
    passage: Callable[[Row], str] = lambda row: row["a_id"],
) -> list[Row]:
    """The ``n`` best-scoring counterparts of each passage ``a`` over all other documents.

    ``rows`` come from ``Store.aligned_pairs`` or are pair records (give ``passage``, which
    names a row's passage ``a``), passage by passage; each passage keeps its place, and its
    counterparts come best first. This is what ``--top N`` means to a reader
    ("the N best matches of each passage"), unlike ``rank``, which is b's place among a's
    counterparts in b's own document only.
    """
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(passage(row), []).append(row)
    return [
        row
        for group in groups.values()
        for row in sorted(group, key=lambda r: -float(r["score"]))[: max(n, 0)]
    ]


def distinct_pairs(rows: Iterable[Mapping[str, Any]]) -> int:
    """How many pairs of passages ``rows`` show: (a, b) and (b, a) are one pair."""
    return len({row["pair_id"] for row in rows})


def pair_record(row: AlignedPair) -> dict[str, Any]:
    """A row of ``Store.aligned_pairs`` as ``{"pair_id", "a", "b", "score", "rank", "mutual",
    "features"}``."""

    def side(prefix: str) -> dict[str, Any]:
        return {
            "passage_id": row[f"{prefix}_id"],
            "doc": row[f"{prefix}_doc"],
            "outlet": row[f"{prefix}_outlet"],
            "start": row[f"{prefix}_start"],
            "end": row[f"{prefix}_end"],
            "text": row[f"{prefix}_text"],
            "section": row[f"{prefix}_section"],
        }

    return {
        "pair_id": row["pair_id"],
        "a": side("a"),
        "b": side("b"),
        "score": row["score"],
        "rank": row["rank"],
        "mutual": bool(row["mutual"]),
        "features": dict(row["features"]),
    }


def reason_record(
    reason: Mapping[str, Any], seen_from_a: bool = True, a_start: int = 0, b_start: int = 0
) -> dict[str, Any]:
    """A stored reason as ``workbench pairs`` prints it: ``{"kind", "text", "weight"}``.

    The reasons ranked by their weight come with ``text`` before ``weight``, the specifics
    and a framing dispute listed after them with ``weight`` first: the order the records
    have always had, kept so that their output stays byte for byte the same. The claim
    pair also gives its two sentences' offsets in the documents, ``"a": [start, end]`` and
    ``"b": [start, end]``, given the passages' starts ``a_start`` and ``b_start``.
    """
    text = reason_text(reason, seen_from_a)
    if reason["kind"] == "claim_pair":
        (sa, ea), (sb, eb) = claim_pair_spans([reason], seen_from_a) or ((0, 0), (0, 0))
        return {
            "kind": "claim_pair",
            "weight": reason["weight"],
            "text": text,
            "a": [sa + a_start, ea + a_start],
            "b": [sb + b_start, eb + b_start],
        }
    if reason.get("ranked"):
        return {"kind": reason["kind"], "text": text, "weight": reason["weight"]}
    return {"kind": reason["kind"], "weight": reason["weight"], "text": text}


def suggestion_record(
    suggestion: StoredSuggestion | None, a_id: str, a_start: int, b_start: int
) -> dict[str, Any]:
    """The fields ``workbench pairs`` adds to a pair seen from passage ``a_id``:
    ``relation``, ``confidence``, ``probabilities``, ``reasons`` and ``specifics`` (offsets in
    the documents given the passages' starts). None or empty when no suggestion is stored:
    the listing stays as fast as the store, so specifics are not computed here."""
    if suggestion is None:
        return {
            "relation": None,
            "confidence": None,
            "probabilities": {},
            "reasons": [],
            "specifics": {k: [] for k in NO_SPECIFICS},
        }
    from_a = a_id == suggestion.a_id
    return {
        "relation": suggestion.relation,
        "confidence": suggestion.confidence,
        "probabilities": suggestion.probabilities,
        "reasons": [reason_record(r, from_a, a_start, b_start) for r in suggestion.reasons],
        "specifics": oriented_specifics(suggestion, a_id, a_start, b_start),
    }


def ranked_record(ranked: RankedPair, row: Mapping[str, Any] | None) -> dict[str, Any]:
    """A pair ranked for tagging (``workbench rank``), with its texts when ``row`` (its
    rank-1 alignment) is given."""
    return {
        "pair_id": ranked.pair_id,
        "uncertainty": ranked.uncertainty,
        "relation": ranked.relation,
        "confidence": ranked.confidence,
        "probabilities": ranked.probabilities,
        **({"a_text": row["a_text"], "b_text": row["b_text"]} if row is not None else {}),
    }


# -- reports ----------------------------------------------------------------------------


def citation(outlet: str, title: str, date: str, doc: str, start: int, end: int) -> str:
    """``Outlet, "Title" (date), doc ID, characters START–END``: enough to find the words."""
    head = ", ".join(part for part in (outlet, f"“{title}”" if title else "") if part)
    when = f" ({date})" if date else ""
    return f"{head}{when}, doc {doc}, characters {start}–{end}"


def side_record(row: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """One passage of a report row (columns ``{prefix}_id``, ``{prefix}_doc``, ...) with its
    source and citation."""
    p = prefix
    start, end = int(row[f"{p}_start"]), int(row[f"{p}_end"])
    return {
        "passage_id": row[f"{p}_id"],
        "doc": row[f"{p}_doc"],
        "outlet": row[f"{p}_outlet"],
        "title": row[f"{p}_title"],
        "date": row[f"{p}_date"],
        "start": start,
        "end": end,
        "section": row[f"{p}_section"],
        "text": row[f"{p}_text"],
        "citation": citation(
            row[f"{p}_outlet"], row[f"{p}_title"], row[f"{p}_date"], row[f"{p}_doc"], start, end
        ),
    }


def tag_record(tag: Tag) -> dict[str, Any]:
    """An analyst's tag as a report shows it beside its pair."""
    return {
        "analyst": tag.analyst,
        "label": tag.label.value,
        "note": tag.note,
        "created_at": tag.created_at,
    }


def report_suggestion_record(suggestion: Suggestion | None) -> dict[str, Any] | None:
    """``{"relation", "confidence", "reasons": [str], "model"}`` as a report shows it beside
    the passage the suggestion is seen from."""
    if suggestion is None:
        return None
    return {
        "relation": suggestion.relation,
        "confidence": suggestion.confidence,
        "reasons": list(suggestion.reasons),
        "model": suggestion.model,
    }
