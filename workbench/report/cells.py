"""Spreadsheet-safe cells: text from sources never becomes a live formula.

Spreadsheets (Excel, LibreOffice Calc, Google Sheets) treat a cell whose first character is
``=``, ``+``, ``-``, ``@``, tab or carriage return as a formula (OWASP "CSV injection";
ASVS 1.2.10 adds NUL). :func:`neutralise` prefixes such a cell with a single quote, the
spreadsheet's "this is text" mark; it also prefixes a cell that starts with whitespace
before one of those characters (some importers trim spaces) and a cell that already starts
with a quote, so that :func:`restore` gives back exactly the original text.

XLSX stores text as XML, which cannot hold most control characters; :func:`ooxml_escape`
writes them as ``_xHHHH_`` the way Excel does (a literal ``_xHHHH_`` in the text is itself
escaped), so the sheet reads back as the text that was written.
"""

from __future__ import annotations

import re

FORMULA_TRIGGERS = frozenset("=+-@\t\r\0")
QUOTE = "'"

_OOXML_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0d\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")
_OOXML_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")


def needs_quote(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (or it starts with a quote)."""
    if not text:
        return False
    return text[0] in FORMULA_TRIGGERS or text[0] == QUOTE or text.lstrip()[:1] in FORMULA_TRIGGERS


def neutralise(text: str) -> str:
    """``text`` as a cell no spreadsheet evaluates: quoted when it would start a formula."""
    return QUOTE + text if needs_quote(text) else text


def restore(cell: str) -> str:
    """The original text of a cell written by :func:`neutralise`."""
    if cell.startswith(QUOTE) and needs_quote(cell[1:]):
        return cell[1:]
    return cell


def ooxml_escape(text: str) -> str:
    """``text`` with the characters XML cannot hold written as OOXML ``_xHHHH_`` escapes."""
    return _OOXML_UNSAFE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """The inverse of :func:`ooxml_escape`, as Excel reads a shared string."""
    return _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
