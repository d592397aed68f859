"""The Markdown report: readable as plain text, safe when rendered.

Source text is escaped so that a Markdown renderer shows it as written: raw HTML such as
``<script>`` stays text, and emphasis, links, lists and headings never start inside a
passage.
"""

from __future__ import annotations

import io
import re
from typing import Any, TextIO

from workbench.report import text as wording
from workbench.report.build import Report

_INLINE = re.compile(r"([\\`*_\[\]<>|~&])")
_LINE_BREAK = re.compile(r"\r\n?|\n")
_LINE_START = re.compile(r"^(\s*)([#=+\-]|\d+(?=[.)]))", re.MULTILINE)


def escape(value: object) -> str:
    """``value`` as Markdown that renders to exactly its text, at the start of a line too."""
    out = _INLINE.sub(r"\\\1", str(value))
    return _LINE_START.sub(lambda m: m.group(1) + _escape_marker(m.group(2)), out)


def _escape_marker(marker: str) -> str:
    return marker + "\\" if marker.isdigit() else "\\" + marker


def cell(value: object) -> str:
    """Escaped text on one line, for a table cell or the middle of a line."""
    return " ".join(_INLINE.sub(r"\\\1", str(value)).split())


def line_start(value: object) -> str:
    """Escaped text on one line that may open a line or a list item."""
    return " ".join(escape(" ".join(str(value).split())).split())


def quote(value: str) -> str:
    """A blockquote of escaped source text; blank lines keep the quote going."""
    lines = _LINE_BREAK.split(value)
    return "\n".join("> " + escape(line) if line.strip() else ">" for line in lines)


def _table(out: TextIO, headers: list[str], rows: list[list[Any]]) -> None:
    out.write("| " + " | ".join(headers) + " |\n")
    out.write("|" + "|".join("---" for _ in headers) + "|\n")
    for row in rows:
        out.write("| " + " | ".join(cell(v) for v in row) + " |\n")
    out.write("\n")


def write_markdown(report: Report, out: TextIO, *, max_claims: int | None = None) -> None:
    """Write the report to ``out``, one claim at a time; ``max_claims`` shortens the claims
    section for a preview (the rest is counted, not written)."""
    counts = report.counts()
    out.write(f"# {cell(report.title)}\n\n")
    out.write(
        f"Scope: {cell(report.scope.describe())}. Generated {cell(report.provenance.generated_at)}"
        f" by workbench {cell(report.provenance.version)}.\n\n"
    )
    out.write(
        f"{counts['claims']} claims with counterparts, {counts['pairs']} pairs, "
        f"{counts['unaddressed']} claims a source never addresses.\n\n"
    )
    _summary(report, out)
    _claims(report, out, max_claims)
    _unaddressed(report, out)
    _methods(report, out)


def _summary(report: Report, out: TextIO) -> None:
    out.write("## Summary\n\n### Sources\n\n")
    _table(
        out,
        ["doc", "outlet", "kind", "title", "date", "passages", "aligned", "share aligned"],
        [
            [
                ("**focus** " if s["focus"] and report.scope.focus else "") + s["doc"],
                s["outlet"],
                s["kind"],
                s["title"],
                s["date"] or s["published"],
                s["passages"],
                s["aligned"],
                wording.share(s["aligned_share"]),
            ]
            for s in report.summary_record()["sources"]
        ],
    )
    out.write("A passage counts as aligned when at least one other source addresses it.\n\n")
    out.write(
        "### Coverage\n\nShare of each row source's passages that the column source addresses.\n\n"
    )
    docs = list(report.coverage.index)
    _table(
        out,
        ["source", *[cell(d) for d in docs]],
        [
            [
                doc,
                *[
                    "—" if doc == other else wording.share(_nan(report.coverage.at[doc, other]))
                    for other in docs
                ],
            ]
            for doc in docs
        ],
    )
    out.write(
        "### Relations\n\nAnalysts' tags (latest per analyst and pair), adjudications and "
        "the suggester's proposals are counted apart.\n\n"
    )
    _table(
        out,
        ["relation", "analysts' tags", "adjudicated", "suggested"],
        report.relations.values.tolist(),
    )
    out.write("### Agreement\n\n")
    agreement = report.agreement
    out.write(wording.agreement_summary(agreement) + "\n\n")
    if agreement["multiply_tagged"]:
        _table(out, wording.AGREEMENT_COLUMNS, wording.agreement_rows(agreement))
        if warning := wording.agreement_warning(agreement):
            out.write(f"{warning}\n\n")


def _nan(value: Any) -> float | None:
    return None if value != value else float(value)


def _claims(report: Report, out: TextIO, max_claims: int | None = None) -> None:
    out.write("## Claims and their counterparts\n\n")
    number = 0
    for claim in report.claims():
        number += 1
        if max_claims is not None and number > max_claims:
            rest = report.counts()["claims"] - max_claims
            out.write(f"… and {rest} more claims in the full report.\n\n")
            break
        passage = claim["passage"]
        out.write(
            f"### {number}. {cell(passage['outlet'])}, {cell(passage['date'] or 'undated')}"
            f" — {cell(passage['doc'])}, characters {passage['start']}–{passage['end']}\n\n"
        )
        if passage["section"]:
            out.write(f"Section: {cell(passage['section'])}\n\n")
        out.write(quote(passage["text"]) + "\n\n")
        if cues := wording.cues_line(claim["cues"]):
            out.write(f"Framing cues: {cell(cues)}\n\n")
        for c in claim["counterparts"]:
            _counterpart(c, out)
    if not number:
        out.write("No pairs in this scope.\n\n")


def _counterpart(c: dict[str, Any], out: TextIO) -> None:
    b = c["passage"]
    out.write(
        f"#### {cell(b['outlet'])}, {cell(b['date'] or 'undated')} — {cell(b['doc'])}, "
        f"characters {b['start']}–{b['end']}\n\n"
    )
    out.write(quote(b["text"]) + "\n\n")
    lines = [f"Pair {cell(c['pair_id'])}: {cell(wording.alignment_line(c))}"]
    if c["adjudication"]:
        lines.append(f"Decision: {cell(wording.adjudication_line(c['adjudication']))}")
    lines.append(
        "Tags: "
        + ("; ".join(cell(wording.tag_line(t)) for t in c["tags"]) if c["tags"] else "none")
    )
    if c["suggestion"]:
        reasons = wording.reasons_line(c["suggestion"])
        lines.append(
            f"Suggested: {cell(wording.suggestion_line(c['suggestion']))}"
            + (f" because {cell(reasons)}" if reasons else "")
        )
    spec = wording.specifics_lines(c["specifics"])
    lines.append("Shared specifics: " + (", ".join(cell(s) for s in spec["shared"]) or "none"))
    lines.append(
        "Conflicting specifics: " + (", ".join(cell(s) for s in spec["conflicting"]) or "none")
    )
    if cues := wording.cues_line(c["cues"]):
        lines.append(f"Framing cues: {cell(cues)}")
    out.write("".join(f"- {line}\n" for line in lines) + "\n")


def _unaddressed(report: Report, out: TextIO) -> None:
    out.write("## Claims a source never addresses\n\n")
    current = None
    any_rows = False
    for gap in report.unaddressed_records():
        any_rows = True
        if gap["silent_doc"] != current:
            current = gap["silent_doc"]
            out.write(f"### {cell(gap['silent_outlet'])} ({cell(current)}) never addresses\n\n")
        p = gap["passage"]
        out.write(
            f"- {line_start(p['citation'])}, best score {wording.score(gap['best_score'])}\n\n"
        )
        out.write("  " + quote(p["text"]).replace("\n", "\n  ") + "\n\n")
    if not any_rows:
        out.write("Every claim in scope is addressed by every other source.\n\n")


def _methods(report: Report, out: TextIO) -> None:
    out.write("## Methods and provenance\n\n")
    _table(out, ["", ""], wording.methods_rows(report, rerun="`workbench align`"))
    out.write(f"Inclusion: {cell(report.methods['inclusion'])}.\n\n### Documents\n\n")
    _table(out, wording.DOCUMENT_COLUMNS, wording.document_rows(report.methods))
    out.write("### Audit trail\n\n")
    trail = wording.audit_rows(report.methods)
    if trail:
        _table(out, wording.AUDIT_COLUMNS, trail)
    else:
        out.write("No events recorded.\n\n")


def preview_markdown(report: Report, max_claims: int = 10) -> str:
    """The Markdown report with only its first ``max_claims`` claims, for the app."""
    out = io.StringIO()
    write_markdown(report, out, max_claims=max_claims)
    return out.getvalue()
