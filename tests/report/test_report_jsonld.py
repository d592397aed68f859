"""The JSON-LD export against the W3C Web Annotation data model, checked structurally and
against the stored documents the selectors point into."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import datetime
from typing import Any

from workbench.models import Relation
from workbench.report import ReportScope, build_report, render_report
from workbench.store import Store

from .conftest import FIXED, Bundled

MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying",
    "tagging",
}  # fmt: skip
# Terms of http://www.w3.org/ns/anno.jsonld this export may use; anything else would be
# dropped by a JSON-LD processor.
TERMS = {
    "@context", "id", "type", "label", "generator", "generated", "total", "first", "items",
    "startIndex", "motivation", "created", "creator", "name", "body", "target", "value",
    "purpose", "format", "source", "selector", "exact", "prefix", "suffix", "start", "end",
    "via",
}  # fmt: skip


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _ni(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def test_jsonld_is_an_annotation_collection_of_web_annotations(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = build_report(bundled_store, bundled.settings, provenance=FIXED)
    data = json.loads(render_report(report, "jsonld"))
    assert data["@context"] == "http://www.w3.org/ns/anno.jsonld"
    assert data["type"] == "AnnotationCollection"
    assert data["first"]["type"] == "AnnotationPage"
    items = data["first"]["items"]
    assert data["total"] == len(items) > 0
    assert _keys(data) <= TERMS, _keys(data) - TERMS
    texts = {d.id: d.text for d in bundled_store.documents()}
    names = {_ni(text): text for text in texts.values()}
    seen = set()
    for annotation in items:
        assert annotation["type"] == "Annotation"
        assert annotation["id"].startswith("urn:uuid:")
        uuid.UUID(annotation["id"].removeprefix("urn:uuid:"))
        assert annotation["id"] not in seen
        seen.add(annotation["id"])
        assert annotation["motivation"] in MOTIVATIONS
        datetime.fromisoformat(annotation["created"])
        assert annotation["creator"]["type"] == "Person" and annotation["creator"]["name"]
        bodies = annotation["body"]
        assert all(b["type"] == "TextualBody" and isinstance(b["value"], str) for b in bodies)
        assert all(b["purpose"] in MOTIVATIONS for b in bodies)
        labels = [b["value"] for b in bodies if b["purpose"] == "classifying"]
        assert len(labels) == 1 and labels[0] in {r.value for r in Relation}
        targets = annotation["target"]
        assert len(targets) == 2
        assert targets[0]["source"]["id"] != targets[1]["source"]["id"]
        for target in targets:
            assert target["type"] == "SpecificResource"
            text = names[target["source"]["id"]]
            selectors = {s["type"]: s for s in target["selector"]}
            assert set(selectors) == {"TextQuoteSelector", "TextPositionSelector"}
            quote, position = selectors["TextQuoteSelector"], selectors["TextPositionSelector"]
            start, end = position["start"], position["end"]
            assert 0 <= start < end <= len(text)
            assert text[start:end] == quote["exact"]
            assert text[:start].endswith(quote["prefix"]) and len(quote["prefix"]) <= 32
            assert text[end:].startswith(quote["suffix"]) and len(quote["suffix"]) <= 32


def test_jsonld_holds_each_analysts_latest_tag_on_the_reported_pairs(
    bundled: Bundled, bundled_store: Store
) -> None:
    report = build_report(bundled_store, bundled.settings, provenance=FIXED)
    items = json.loads(render_report(report, "jsonld"))["first"]["items"]
    exported = {
        (
            a["creator"]["name"],
            next(b["value"] for b in a["body"] if b["purpose"] == "classifying"),
            a["created"],
        )
        for a in items
    }
    latest = {(t.analyst, t.label.value, t.created_at) for t in bundled_store.tags(latest=True)}
    assert exported == latest
    notes = {b["value"] for a in items for b in a["body"] if b["purpose"] == "commenting"}
    assert "Not the same event" in notes
    ana_only = build_report(
        bundled_store, bundled.settings, ReportScope(analyst="Ana"), provenance=FIXED
    )
    ana_items = json.loads(render_report(ana_only, "jsonld"))["first"]["items"]
    assert {a["creator"]["name"] for a in ana_items} == {"Ana"}
