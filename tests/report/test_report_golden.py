"""Golden files: the report of the bundled corpus (tagged pairs) in every format.

The database is the bundled corpus aligned with the deterministic fake embedder, tagged by
two analysts with pinned timestamps, and the run time and version are fixed, so every
format is reproducible byte for byte (XLSX is compared cell by cell, as its zip container
carries timestamps). After an intended change of a format, or of the aligner or segmenter
(which changes which pairs there are), regenerate with
``WORKBENCH_UPDATE_GOLDEN=1 pytest tests/report/test_report_golden.py`` and review the diff.
"""

from __future__ import annotations

import difflib
import io
import json
import os
from pathlib import Path

import pytest
from openpyxl import load_workbook

from workbench.report import ReportScope, build_report, render_report
from workbench.store import Store

from .conftest import FIXED, Bundled

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("WORKBENCH_UPDATE_GOLDEN") == "1"


def _compare(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(actual)
        return
    with open(path, encoding="utf-8", newline="") as golden:
        expected = golden.read()
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(),
            actual.splitlines(),
            f"golden/{name}",
            "actual",
            lineterm="",
            n=1,
        )
        pytest.fail(f"{name} differs from its golden file:\n" + "\n".join(list(diff)[:60]))


def _xlsx_cells(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data))
    sheets = {sheet.title: [[c.value for c in row] for row in sheet.iter_rows()] for sheet in book}
    return json.dumps(sheets, ensure_ascii=False, indent=1) + "\n"


@pytest.mark.parametrize("fmt", ["md", "html", "csv", "json", "jsonld", "xlsx"])
def test_report_of_the_bundled_corpus_matches_its_golden_file(
    fmt: str, bundled: Bundled, bundled_store: Store
) -> None:
    report = build_report(
        bundled_store, bundled.settings, ReportScope(tagged_only=True), provenance=FIXED
    )
    data = render_report(report, fmt)
    if fmt == "xlsx":
        _compare("bundled-tagged.xlsx.json", _xlsx_cells(data))
    else:
        _compare(f"bundled-tagged.{fmt}", data.decode("utf-8"))
