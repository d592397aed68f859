"""JSON (everything in the report as data) and JSON-LD (tags as W3C Web Annotations).

Both are streamed: claims, gaps and annotations are written one at a time.

In the JSON-LD, each analyst's latest tag on a pair is one ``Annotation`` (motivation
``classifying``) whose body is the label (and the note, as a ``commenting`` body) and whose
two targets are the pair's passages. Each target's ``source`` is the document text the
offsets index into, named by an RFC 6920 ``ni:`` hash of that text (with the document's http(s)
URL as ``via`` when known), and carries a ``TextQuoteSelector`` (the exact words, with up to 32
characters either side) and a ``TextPositionSelector`` (character offsets, in Unicode code
points). Superseded tags and adjudications are not exported as annotations.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any, TextIO

from workbench.report.build import Report

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
REPORT_FORMAT = "workbench.report/1"
CONTEXT_CHARS = 32
_NAMESPACE = uuid.UUID("6f1f6a52-3c1e-5d0e-9a57-2c1b8e0c5a10")


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _stream_list(out: TextIO, items: Iterable[Any]) -> None:
    out.write("[")
    first = True
    for item in items:
        out.write("\n  " if first else ",\n  ")
        out.write(_dump(item))
        first = False
    out.write("\n]" if not first else "]")


def write_json(report: Report, out: TextIO) -> None:
    """``{"report", "scope", "summary", "claims", "unaddressed", "methods"}``."""
    out.write("{\n")
    out.write(f'"report": {_dump({"title": report.title, "format": REPORT_FORMAT})},\n')
    out.write(f'"scope": {_dump(report.scope.record())},\n')
    out.write(f'"summary": {_dump(report.summary_record())},\n')
    out.write('"claims": ')
    _stream_list(out, report.claims())
    out.write(',\n"unaddressed": ')
    _stream_list(out, report.unaddressed_records())
    out.write(f',\n"methods": {_dump(report.methods)}\n')
    out.write("}\n")


def _target(
    report: Report, side: dict[str, Any], urls: dict[str, str], titles: dict[str, str]
) -> dict[str, Any]:
    text = report.doc_texts[side["doc"]]
    start, end = side["start"], side["end"]
    source: dict[str, Any] = {
        "id": report.text_name(side["doc"]),
        "type": "Text",
        "format": "text/plain",
        "label": titles[side["doc"]],
    }
    url = urls.get(side["doc"]) or ""
    if url.startswith(("https://", "http://")):
        source["via"] = url
    return {
        "type": "SpecificResource",
        "source": source,
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": text[start:end],
                "prefix": text[max(0, start - CONTEXT_CHARS) : start],
                "suffix": text[end : end + CONTEXT_CHARS],
            },
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }


def annotation_id(pair_id: str, tag: dict[str, Any]) -> str:
    """A stable IRI for one tag: the same tag gets the same id in every export."""
    key = "\0".join([pair_id, tag["analyst"], tag["label"], tag["created_at"]])
    return f"urn:uuid:{uuid.uuid5(_NAMESPACE, key)}"


def annotations(report: Report) -> Iterable[dict[str, Any]]:
    """One Web Annotation per analyst's latest tag on each pair in the report."""
    sources = report.sources.set_index("doc")
    urls = sources["url"].to_dict()
    titles = {
        doc: ", ".join(p for p in (row["outlet"], row["title"]) if p) + f" (doc {doc})"
        for doc, row in sources.iterrows()
    }
    for record in report.pair_records(tagged_only=True):
        targets = [_target(report, record[s], urls, titles) for s in ("a", "b")]
        for tag in record["tags"]:
            body: list[dict[str, Any]] = [
                {
                    "type": "TextualBody",
                    "purpose": "classifying",
                    "value": tag["label"],
                    "format": "text/plain",
                }
            ]
            if tag["note"]:
                body.append(
                    {
                        "type": "TextualBody",
                        "purpose": "commenting",
                        "value": tag["note"],
                        "format": "text/plain",
                    }
                )
            yield {
                "id": annotation_id(record["pair_id"], tag),
                "type": "Annotation",
                "motivation": "classifying",
                "created": tag["created_at"],
                "creator": {"type": "Person", "name": tag["analyst"]},
                "body": body,
                "target": targets,
            }


def write_jsonld(report: Report, out: TextIO) -> None:
    """An ``AnnotationCollection`` whose first page holds every annotation."""
    total = sum(len(tags) for tags in report.tags_by_pair.values())
    scope_key = _dump(report.scope.record()) + report.provenance.generated_at
    header = {
        "@context": ANNO_CONTEXT,
        "id": f"urn:uuid:{uuid.uuid5(_NAMESPACE, scope_key)}",
        "type": "AnnotationCollection",
        "label": f"{report.title}: analysts' tags ({report.scope.describe()})",
        "generator": {"type": "Software", "name": f"workbench {report.provenance.version}"},
        "generated": report.provenance.generated_at,
        "total": total,
    }
    out.write(_dump(header)[:-1])
    out.write(', "first": {"type": "AnnotationPage", "startIndex": 0, "items": ')
    _stream_list(out, annotations(report))
    out.write("}}\n")
