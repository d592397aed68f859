"""Markup and formulas in sources, metadata and notes come out as text in every format."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from openpyxl import load_workbook

from workbench.report import ReportScope, build_report, render_report
from workbench.report.cells import FORMULA_TRIGGERS, restore
from workbench.store import add_tag

from .conftest import FIXED, align_folder, make_settings

SCRIPT = "<script>alert('passage')</script>"
IMG = '<img src=x onerror=alert("passage")>'
NOTE = "<script>alert('note')</script> =HYPERLINK(\"http://e.invalid\")"
ANALYST = "<img src=x onerror=alert('analyst')>"
OUTLET = 'Evil <script>alert("outlet")</script> News'
FORMULA_OUTLET = "=cmd|' /C calc'!A0"

DOCS = {
    "a.txt": (
        "Officials said twelve prisoners were released from camp 15 in June 2020 after a "
        f"review of their cases. {SCRIPT} The ministry confirmed the releases in a statement.\n\n"
        "Food shortages hit the northern provinces during the winter of 2020, aid groups said."
    ),
    "b.txt": (
        "Officials said twelve prisoners were released from camp 15 in June 2020 after a "
        f"review of their cases, the ministry said. {IMG} Families were not told in advance.\n\n"
        "Aid groups said food shortages hit the northern provinces during the 2020 winter."
    ),
    "c.txt": (
        "The ministry denied that any prisoners were released from camp 15 in June 2020 and "
        "called the claims about their cases a fabrication.\n\n"
        "The northern provinces had enough food during the winter of 2020, officials said."
    ),
}
MANIFEST = (
    "file,outlet,kind,title,author,published,url,language\n"
    f'a.txt,"{OUTLET.replace(chr(34), chr(34) * 2)}",outlet,"<b>Title</b>",,2020-06,'
    "javascript:alert(1),en\n"
    f'b.txt,"{FORMULA_OUTLET}",outlet,Plain title,,2020-07,https://example.org/b,en\n'
    "c.txt,Third Outlet,outlet,Another title,,2020-08,,en\n"
)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("hostile")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    settings = make_settings(root)
    with align_folder(settings, folder) as store:
        pair = next(
            row["pair_id"]
            for row in store.aligned_pairs()
            if SCRIPT in row["a_text"] and IMG in row["b_text"]
        )
        add_tag(store, pair, "corroborates", ANALYST, NOTE)
        yield build_report(store, settings, ReportScope(), provenance=FIXED)


def test_the_hostile_passages_are_in_the_report(hostile: Any) -> None:
    texts = {c["passage"]["text"] for c in hostile.claims()}
    assert any(SCRIPT in t for t in texts) and any(IMG in t for t in texts)
    assert sum(len(t) for t in hostile.tags_by_pair.values()) == 1


class _Elements(HTMLParser):
    """Every element, attribute and piece of text of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _assert_inert_html(document: str) -> str:
    parsed = _Elements()
    parsed.feed(document)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "b"}, names
    handlers = [(t, a) for t, attrs in parsed.tags for a, _ in attrs if a.startswith("on")]
    assert not handlers
    return "".join(parsed.text)


def test_html_shows_markup_as_text(hostile: Any) -> None:
    text = _assert_inert_html(render_report(hostile, "html").decode("utf-8"))
    for needle in (SCRIPT, IMG, NOTE, ANALYST, OUTLET, "<b>Title</b>", "javascript:alert(1)"):
        assert needle in text


def test_markdown_renders_markup_as_text(hostile: Any) -> None:
    source = render_report(hostile, "md").decode("utf-8")
    rendered = MarkdownIt("commonmark").enable("table").render(source)
    text = _assert_inert_html(rendered)
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
