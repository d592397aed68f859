"""Spreadsheet cells: formula triggers are neutralised and the original text comes back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.report.cells import (
    FORMULA_TRIGGERS,
    needs_quote,
    neutralise,
    ooxml_escape,
    ooxml_unescape,
    restore,
)


@pytest.mark.parametrize(
    "text",
    [
        "=1+1",
        "+SUM(A1)",
        "-2+3",
        "@SUM(A1)",
        "\t=1",
        "\r=1",
        "\0x",
        '=HYPERLINK("http://x")',
        " =cmd|' /C calc'!A0",
        "\n@x",
        "'=already quoted",
        "'",
    ],
)
def test_cells_that_could_start_a_formula_get_a_quote(text: str) -> None:
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


@pytest.mark.parametrize("text", ["", "North Korea", "2020-01", "a=b", "x-y", "<script>", "42"])
def test_ordinary_cells_are_left_alone(text: str) -> None:
    assert neutralise(text) == text
    assert restore(text) == text


@given(st.text())
def test_neutralised_text_never_starts_a_formula_and_restores_exactly(text: str) -> None:
    cell = neutralise(text)
    assert cell[:1] not in FORMULA_TRIGGERS
    assert cell.lstrip()[:1] not in FORMULA_TRIGGERS or cell.startswith("'")
    assert restore(cell) == text
    assert not needs_quote(cell) or cell.startswith("'")


def test_ooxml_escapes_control_characters_and_literal_escapes() -> None:
    assert ooxml_escape("a\x01b\rc") == "a_x0001_b_x000D_c"
    assert ooxml_escape("_x0041_") == "_x005F_x0041_"
    assert ooxml_unescape(ooxml_escape("_x0041_ and \x1f")) == "_x0041_ and \x1f"


@given(st.text())
def test_ooxml_escape_round_trips(text: str) -> None:
    escaped = ooxml_escape(text)
    assert not any(ch in escaped for ch in "\x00\x01\x08\x0b\x0c\r\x1f\ufffe\uffff")
    assert ooxml_unescape(escaped) == text
