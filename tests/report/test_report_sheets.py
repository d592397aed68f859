"""CSV and XLSX pair rows: whatever the text, no cell is a live formula and rows round-trip.

Rows come from generated pair records through the real row builder and writers; the XLSX
is read back from its XML (as Excel reads it) and with openpyxl.
"""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any
from xml.etree import ElementTree

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from workbench.models import Relation
from workbench.report.cells import FORMULA_TRIGGERS, ooxml_unescape, restore
from workbench.report.sheets import (
    CUT_NOTE,
    PAIR_COLUMNS,
    XLSX_CELL_LIMIT,
    pair_row,
    write_csv_rows,
    write_xlsx_sheets,
    xlsx_text,
)

NS = {"s": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
TEXT = st.text(max_size=120)
TRICKY = st.sampled_from(
    [
        "=1+1",
        "+1",
        "-1",
        "@A1",
        "\t=x",
        "\r=x",
        " =x",
        "'=x",
        "_x0041_",
        "<script>alert(1)</script>",
        '=HYPERLINK("http://e.invalid")',
    ]
)
CELL_TEXT = st.one_of(TEXT, TRICKY, st.tuples(TRICKY, TEXT).map("".join))


@st.composite
def records(draw: Any) -> dict[str, Any]:
    def side() -> dict[str, Any]:
        start = draw(st.integers(0, 10**6))
        return {
            "passage_id": "p",
            "doc": draw(CELL_TEXT),
            "outlet": draw(CELL_TEXT),
            "title": draw(CELL_TEXT),
            "date": draw(CELL_TEXT),
            "start": start,
            "end": start + draw(st.integers(0, 5000)),
            "section": draw(CELL_TEXT),
            "text": draw(CELL_TEXT),
            "citation": draw(CELL_TEXT),
        }

    def item() -> dict[str, Any]:
        return {"kind": "name", "value": "v", "start": 0, "end": 1, "text": draw(CELL_TEXT)}

    label = st.sampled_from([r.value for r in Relation])
    tag = st.fixed_dictionaries(
        {"analyst": CELL_TEXT, "label": label, "note": CELL_TEXT, "created_at": TEXT}
    )
    return {
        "pair_id": draw(CELL_TEXT),
        "a": side(),
        "b": side(),
        "score": draw(st.none() | st.floats(0, 1)),
        "rank": draw(st.none() | st.integers(1, 10)),
        "mutual": draw(st.booleans()),
        "tags": draw(st.lists(tag, max_size=3)),
        "adjudication": draw(
            st.none()
            | st.fixed_dictionaries(
                {"label": label, "adjudicator": CELL_TEXT, "note": CELL_TEXT, "created_at": TEXT}
            )
        ),
        "suggestion": draw(
            st.none()
            | st.fixed_dictionaries(
                {
                    "relation": label,
                    "confidence": st.floats(0, 1),
                    "reasons": st.lists(CELL_TEXT, max_size=2),
                }
            )
        ),
        "specifics": {
            "shared": [
                {"kind": "name", "value": "v", "a": item(), "b": item()}
                for _ in range(draw(st.integers(0, 2)))
            ],
            "conflicting": [
                {"kind": "number", "value": "v", "a": item(), "b": item()}
                for _ in range(draw(st.integers(0, 1)))
            ],
        },
        "a_cues": {
            "available": True,
            "cues": [{"kind": "hedge", "text": draw(CELL_TEXT)}],
            "disputes_framing": draw(st.booleans()),
        },
        "b_cues": {"available": False, "cues": [], "disputes_framing": None},
    }


def _live(cell: str) -> bool:
    """Whether a spreadsheet could evaluate this cell text as a formula."""
    return cell[:1] in FORMULA_TRIGGERS or cell.lstrip()[:1] in FORMULA_TRIGGERS


@given(st.lists(records(), min_size=1, max_size=4))
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_csv_rows_hold_no_live_formula_and_round_trip(recs: list[dict[str, Any]]) -> None:
    rows = [pair_row(r) for r in recs]
    buffer = io.StringIO(newline="")
    write_csv_rows(rows, PAIR_COLUMNS, buffer)
    read = list(csv.reader(io.StringIO(buffer.getvalue(), newline="")))
    assert read[0] == PAIR_COLUMNS
    assert len(read) == len(rows) + 1
    for row, back in zip(rows, read[1:], strict=True):
        for column, cell in zip(PAIR_COLUMNS, back, strict=True):
            value = row[column]
            if isinstance(value, str):
                assert not _live(cell), (column, cell)
                assert restore(cell) == value
            else:
                assert type(value)(cell) == value


def _sheet_cells(data: bytes) -> list[list[ElementTree.Element]]:
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    return [row.findall("s:c", NS) for row in root.iter(f"{{{NS['s']}}}row")]


def _cell_text(cell: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in cell.iter(f"{{{NS['s']}}}t"))


@given(st.lists(records(), min_size=1, max_size=3))
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_xlsx_cells_are_strings_or_numbers_never_formulas_and_round_trip(
    recs: list[dict[str, Any]],
) -> None:
    rows = [pair_row(r) for r in recs]
    buffer = io.BytesIO()
    write_xlsx_sheets([("Pairs", PAIR_COLUMNS, rows)], buffer)
    data = buffer.getvalue()
    sheet = _sheet_cells(data)
    assert [_cell_text(c) for c in sheet[0]] == PAIR_COLUMNS
    for row, cells in zip(rows, sheet[1:], strict=True):
        by_ref = {"".join(ch for ch in c.get("r") if ch.isalpha()): c for c in cells}
        for index, column in enumerate(PAIR_COLUMNS):
            cell = by_ref[_column_letter(index)]
            assert cell.find("s:f", NS) is None
            value = row[column]
            if isinstance(value, str):
                assert cell.get("t") == "inlineStr"
                text = ooxml_unescape(_cell_text(cell))
                assert not _live(text), (column, text)
                assert restore(text) == value
            else:
                assert cell.get("t") == "n"
                # Excel keeps 15 significant digits.
                assert float(cell.find("s:v", NS).text) == pytest.approx(value, rel=1e-14)
    book = load_workbook(io.BytesIO(data))
    assert all(c.data_type != "f" for r in book["Pairs"].iter_rows() for c in r)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def test_xlsx_text_longer_than_a_cell_is_cut_with_a_note() -> None:
    long = "x" * (XLSX_CELL_LIMIT + 10)
    stored = xlsx_text(long)
    assert len(stored) == XLSX_CELL_LIMIT
    assert stored.endswith(CUT_NOTE)
