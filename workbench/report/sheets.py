"""CSV and XLSX: one row per pair with both passages, their citations, the suggestion and
the tags, safe to open in a spreadsheet.

Every text cell goes through :func:`workbench.report.cells.neutralise`, so no cell starts a
formula; XLSX cells are written as inline strings (never formulas) and numbers as numbers.
The CSV is UTF-8 with a byte-order mark (so Excel reads it as UTF-8) and RFC 4180 quoting.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO, Any, TextIO

from workbench.report import text as wording
from workbench.report.build import Report
from workbench.report.cells import neutralise, ooxml_escape

XLSX_CELL_LIMIT = 32_767
"""The most characters an Excel cell holds; longer text is cut, with a note saying so."""
CUT_NOTE = " … [cut: the cell limit is 32,767 characters; the CSV and JSON hold the whole text]"

Cell = str | int | float

PAIR_COLUMNS = [
    "pair_id", "score", "rank", "mutual",
    "a_outlet", "a_doc", "a_date", "a_title", "a_start", "a_end", "a_section", "a_text",
    "a_citation",
    "b_outlet", "b_doc", "b_date", "b_title", "b_start", "b_end", "b_section", "b_text",
    "b_citation",
    "adjudication", "tags", "suggestion", "suggestion_confidence", "suggestion_reasons",
    "shared_specifics", "conflicting_specifics", "a_cues", "b_cues",
]  # fmt: skip


def pair_row(record: dict[str, Any]) -> dict[str, Cell]:
    """A row of :data:`PAIR_COLUMNS` from one of :meth:`Report.pair_records`."""
    row: dict[str, Cell] = {
        "pair_id": record["pair_id"],
        "score": "" if record["score"] is None else record["score"],
        "rank": "" if record["rank"] is None else record["rank"],
        "mutual": "yes" if record["mutual"] else "no",
    }
    for side in ("a", "b"):
        p = record[side]
        for key in (
            "outlet",
            "doc",
            "date",
            "title",
            "start",
            "end",
            "section",
            "text",
            "citation",
        ):
            row[f"{side}_{key}"] = p[key]
    suggestion = record["suggestion"]
    spec = wording.specifics_lines(record["specifics"])
    row |= {
        "adjudication": wording.adjudication_line(record["adjudication"]),
        "tags": "; ".join(wording.tag_line(t) for t in record["tags"]),
        "suggestion": suggestion["relation"] if suggestion else "",
        "suggestion_confidence": round(suggestion["confidence"], 4) if suggestion else "",
        "suggestion_reasons": wording.reasons_line(suggestion),
        "shared_specifics": "; ".join(spec["shared"]),
        "conflicting_specifics": "; ".join(spec["conflicting"]),
        "a_cues": wording.cues_line(record["a_cues"]),
        "b_cues": wording.cues_line(record["b_cues"]),
    }
    return row


def pair_rows(report: Report) -> Iterator[dict[str, Cell]]:
    for record in report.pair_records():
        yield pair_row(record)


def write_csv_rows(rows: Iterable[dict[str, Cell]], columns: Sequence[str], out: TextIO) -> None:
    """Rows as CSV with a header; text cells neutralised. ``out`` must use ``newline=""``."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [neutralise(v) if isinstance(v, str) else v for v in (row[c] for c in columns)]
        )


def write_csv(report: Report, out: TextIO) -> None:
    """The pairs of the report, one per row."""
    write_csv_rows(pair_rows(report), PAIR_COLUMNS, out)


def xlsx_text(value: str) -> str:
    """A text cell as stored in the sheet: neutralised, cut to the cell limit, escaped."""
    value = neutralise(value)
    if len(value) > XLSX_CELL_LIMIT:
        value = value[: XLSX_CELL_LIMIT - len(CUT_NOTE)] + CUT_NOTE
    return ooxml_escape(value)


def write_xlsx_sheets(
    sheets: Iterable[tuple[str, Sequence[str], Iterable[dict[str, Cell]]]],
    out: IO[bytes],
    *,
    created: datetime | None = None,
) -> None:
    """A workbook with one sheet per ``(title, columns, rows)``, streamed row by row."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    if created is not None:
        book.properties.created = created
        book.properties.modified = created
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title)
        sheet.append([_cell(sheet, c, WriteOnlyCell) for c in columns])
        for row in rows:
            sheet.append([_cell(sheet, row[c], WriteOnlyCell) for c in columns])
    book.save(out)


def _cell(sheet: Any, value: Cell, make: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        cell = make(sheet, value=xlsx_text(str(value)))
        cell.data_type = "s"
        return cell
    return make(sheet, value=value)


SOURCE_COLUMNS = [
    "doc",
    "outlet",
    "kind",
    "title",
    "author",
    "published",
    "date",
    "url",
    "language",
    "format",
    "passages",
    "aligned",
    "aligned_share",
]
UNADDRESSED_COLUMNS = [
    "silent_doc",
    "silent_outlet",
    "doc",
    "outlet",
    "date",
    "start",
    "end",
    "best_score",
    "text",
    "citation",
]


def _source_rows(report: Report) -> Iterator[dict[str, Cell]]:
    for s in report.summary_record()["sources"]:
        yield {c: "" if s[c] is None else s[c] for c in SOURCE_COLUMNS}


def _unaddressed_rows(report: Report) -> Iterator[dict[str, Cell]]:
    for gap in report.unaddressed_records():
        p = gap["passage"]
        yield {
            "silent_doc": gap["silent_doc"],
            "silent_outlet": gap["silent_outlet"],
            "best_score": gap["best_score"],
            **{k: p[k] for k in ("doc", "outlet", "date", "start", "end", "text", "citation")},
        }


def _method_rows(report: Report) -> Iterator[dict[str, Cell]]:
    m = report.methods
    yield {"item": "software", "value": f"workbench {m['software']['version']}"}
    yield {"item": "generated", "value": m["generated_at"]}
    yield {"item": "scope", "value": report.scope.describe()}
    for key, value in m["alignment"].items():
        if key != "scorer_card":
            yield {"item": f"alignment {key}", "value": str(value)}
    for key, value in m["stages"].items():
        yield {"item": key, "value": value}
    yield {"item": "inclusion", "value": m["inclusion"]}
    for d in m["documents"]:
        yield {
            "item": f"document {d['doc']}",
            "value": f"{d['file']}; {d['url'] or 'no URL'}; content SHA-256 {d['content_sha256']}; "
            f"text SHA-256 {d['text_sha256']}; {d['characters']} characters",
        }


def _audit_rows(report: Report) -> Iterator[dict[str, Cell]]:
    for row in wording.audit_rows(report.methods):
        yield dict(zip(wording.AUDIT_COLUMNS, row, strict=True))


def write_xlsx(report: Report, out: IO[bytes]) -> None:
    """Sheets Pairs (one row per pair), Sources, Unaddressed, Methods and Audit (the audit
    trail: who ingested, tagged, changed or adjudicated what, and when)."""
    created = _parse_time(report.provenance.generated_at)
    write_xlsx_sheets(
        [
            ("Pairs", PAIR_COLUMNS, pair_rows(report)),
            ("Sources", SOURCE_COLUMNS, _source_rows(report)),
            ("Unaddressed", UNADDRESSED_COLUMNS, _unaddressed_rows(report)),
            ("Methods", ["item", "value"], _method_rows(report)),
            ("Audit", wording.AUDIT_COLUMNS, _audit_rows(report)),
        ],
        out,
        created=created,
    )


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None
