"""Markup and formulas in sources, metadata and notes come out as text in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from openpyxl import load_workbook

from workbench.report import render_report
from workbench.report.cells import FORMULA_TRIGGERS, restore

from .conftest import ANALYST, FORMULA_OUTLET, IMG, NOTE, OUTLET, SCRIPT
from .htmlcheck import inert_text


def test_the_hostile_passages_are_in_the_report(hostile: Any) -> None:
    texts = {c["passage"]["text"] for c in hostile.claims()}
    assert any(SCRIPT in t for t in texts) and any(IMG in t for t in texts)
    assert sum(len(t) for t in hostile.tags_by_pair.values()) == 1


def test_html_shows_markup_as_text(hostile: Any) -> None:
    text = inert_text(render_report(hostile, "html").decode("utf-8"))
    for needle in (SCRIPT, IMG, NOTE, ANALYST, OUTLET, "<b>Title</b>", "javascript:alert(1)"):
        assert needle in text


def test_markdown_renders_markup_as_text(hostile: Any) -> None:
    source = render_report(hostile, "md").decode("utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(source)
    text = inert_text(rendered)
    for needle in (SCRIPT, IMG, ANALYST, OUTLET, "<b>Title</b>"):
        assert needle in text
    assert "alert('note')" in text


def _live(cell: str) -> bool:
    return cell[:1] in FORMULA_TRIGGERS or cell.lstrip()[:1] in FORMULA_TRIGGERS


def test_csv_holds_the_text_and_no_live_formula(hostile: Any) -> None:
    data = render_report(hostile, "csv").decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(data, newline="")) for c in row]
    assert not [c for c in cells if _live(c)]
    restored = [restore(c) for c in cells]
    assert FORMULA_OUTLET in restored
    for needle in (SCRIPT, IMG, ANALYST):
        assert any(needle in c for c in restored)


def test_xlsx_holds_the_text_as_strings(hostile: Any) -> None:
    book = load_workbook(io.BytesIO(render_report(hostile, "xlsx")))
    cells = [c for sheet in book for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [restore(c.value) for c in cells if isinstance(c.value, str)]
    assert not [c.value for c in cells if isinstance(c.value, str) and _live(c.value)]
    assert FORMULA_OUTLET in texts
    for needle in (SCRIPT, IMG, ANALYST):
        assert any(needle in t for t in texts)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_json_and_jsonld_hold_the_exact_text(hostile: Any) -> None:
    data = json.loads(render_report(hostile, "json"))
    strings = list(_strings(data))
    for needle in (SCRIPT, IMG, NOTE, ANALYST, OUTLET, FORMULA_OUTLET):
        assert any(needle in s for s in strings)
    ld = json.loads(render_report(hostile, "jsonld"))
    annotation = ld["first"]["items"][0]
    exact = [
        s["exact"]
        for t in annotation["target"]
        for s in t["selector"]
        if s["type"] == "TextQuoteSelector"
    ]
    assert any(SCRIPT in e for e in exact) and any(IMG in e for e in exact)
    assert annotation["creator"]["name"] == ANALYST
    assert annotation["body"][1]["value"] == NOTE
    assert all(
        "via" not in t["source"]
        for t in annotation["target"]
        if t["source"]["label"].startswith("Evil")
    )


def test_written_files_match_the_rendered_bytes(hostile: Any, tmp_path: Path) -> None:
    from workbench.report import write_report

    for fmt in ("md", "csv", "jsonld"):
        out = tmp_path / f"r.{fmt}"
        write_report(hostile, fmt, out)
        assert out.read_bytes() == render_report(hostile, fmt)
        assert not list(tmp_path.glob(".*.part"))
