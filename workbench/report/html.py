"""The HTML report: one self-contained file that loads nothing and runs nothing.

Styles are inline, charts are inline SVG, the icon is an empty data URI, and a
Content-Security-Policy forbids every fetch and every script, so the file is safe to open
offline or from an untrusted share. Every piece of source text, metadata and analyst note
is escaped; highlighted specifics and cues are cut from the escaped text by offset.
"""

from __future__ import annotations

from html import escape as _escape
from typing import Any, TextIO

from workbench.report import text as wording
from workbench.report.build import Report
from workbench.report.charts import bar_chart

CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'"
)

CSS = """
:root { --ink: #1b1b1b; --muted: #5a5a5a; --rule: #d0d0d0; --panel: #f6f6f3; }
* { box-sizing: border-box; }
body { font: 15px/1.5 Georgia, "Times New Roman", serif; color: var(--ink); margin: 0 auto;
  max-width: 72rem; padding: 1.5rem; }
h1, h2, h3, h4, nav, table, .meta, .cite, .facts, figcaption { font-family: "Helvetica Neue",
  Arial, sans-serif; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; border-bottom: 2px solid var(--ink); padding-bottom: .2rem;
  margin-top: 2.2rem; }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
nav a { margin-right: 1rem; color: var(--ink); }
.meta, .cite, .facts { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; font-size: .85rem; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--rule); padding: .25rem .45rem; text-align: left;
  vertical-align: top; }
th { background: var(--panel); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.hash { font-family: monospace; font-size: .75rem; word-break: break-all; }
blockquote { margin: .3rem 0; padding: .4rem .7rem; background: var(--panel);
  border-left: 4px solid var(--ink); white-space: pre-wrap; overflow-wrap: anywhere; }
.claim { border-top: 1px solid var(--rule); padding-top: .6rem; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.25fr); gap: 1rem; }
.counterpart { border: 1px solid var(--rule); padding: .5rem .6rem; margin-bottom: .7rem; }
.counterpart blockquote { border-left-color: var(--muted); }
.facts { margin: .3rem 0 0; padding-left: 1.1rem; }
.label { font-family: "Helvetica Neue", Arial, sans-serif; font-weight: bold; }
mark.shared { background: #d5ecd4; }
mark.conflict { background: #f7d4cf; }
mark.cue { background: none; text-decoration: underline dotted 2px; }
mark.technique { background: none; text-decoration: underline solid 2px #6b46c1; }
.legend mark { padding: 0 .3rem; }
figure { margin: .5rem 0 1rem; }
svg.chart { max-width: 100%; height: auto; font-family: Arial, sans-serif; }
.gap { margin-bottom: .8rem; }
@media (max-width: 800px) { .grid { grid-template-columns: 1fr; } }
@page { margin: 14mm; }
@media print {
  body { font-size: 9.5pt; max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-before: page; }
  h2:first-of-type { break-before: auto; }
  h3, h4 { break-after: avoid; }
  .counterpart, .gap, tr, figure { break-inside: avoid; }
  mark, th, blockquote { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; text-decoration: none; }
}
"""


def esc(value: object) -> str:
    """Text as HTML, quotes included, so it is safe in content and attributes alike."""
    return _escape(str(value), quote=True)


def marked(text: str, offset: int, marks: list[tuple[int, int, str, str]]) -> str:
    """``text`` escaped, with ``(start, end, class, title)`` document-offset spans wrapped in
    ``<mark>``; a span overlapping an earlier one is left out."""
    out: list[str] = []
    at = 0
    for start, end, cls, title in sorted(marks):
        s, e = start - offset, end - offset
        if s < at or e > len(text) or s >= e:
            continue
        out.append(esc(text[at:s]))
        out.append(f'<mark class="{cls}" title="{esc(title)}">{esc(text[s:e])}</mark>')
        at = e
    out.append(esc(text[at:]))
    return "".join(out)


def _cue_marks(cues: dict[str, Any]) -> list[tuple[int, int, str, str]]:
    return [
        (c["start"], c["end"], "technique", f"{c['technique']} {c['confidence']:.0%} (model)")
        if c.get("source") == "model"
        else (c["start"], c["end"], "cue", f"framing cue: {c['kind']}")
        for c in cues.get("cues", [])
    ]


def _spec_marks(spec: dict[str, Any], side: str) -> list[tuple[int, int, str, str]]:
    marks = []
    for kind, cls in (("shared", "shared"), ("conflicting", "conflict")):
        for entry in spec.get(kind, []):
            item = entry[side]
            marks.append((item["start"], item["end"], cls, f"{kind} {entry['kind']}"))
    return marks


def _table(
    headers: list[str],
    rows: list[list[Any]],
    numeric: set[int] | None = None,
    hashes: set[int] | None = None,
) -> str:
    numeric, hashes = numeric or set(), hashes or set()
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for i, value in enumerate(row):
            cls = ' class="num"' if i in numeric else ' class="hash"' if i in hashes else ""
            cells.append(f"<td{cls}>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>\n"


def write_html(report: Report, out: TextIO) -> None:
    """Write the whole report to ``out``, one claim at a time."""
    counts = report.counts()
    out.write(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="workbench {esc(report.provenance.version)}">\n'
        f"<title>{esc(report.title)}</title>\n"
        '<link rel="icon" href="data:,">\n'
        f"<style>{CSS}</style>\n</head>\n<body>\n"
    )
    out.write(
        f"<header><h1>{esc(report.title)}</h1>"
        f'<p class="meta">Scope: {esc(report.scope.describe())}. Generated '
        f"{esc(report.provenance.generated_at)} by workbench {esc(report.provenance.version)}. "
        f"{counts['claims']} claims with counterparts, {counts['pairs']} pairs, "
        f"{counts['unaddressed']} claims a source never addresses.</p></header>\n"
        '<nav><a href="#summary">Summary</a><a href="#claims">Claims</a>'
        '<a href="#unaddressed">Never addressed</a><a href="#methods">Methods</a></nav>\n<main>\n'
    )
    _summary(report, out)
    _claims(report, out)
    _unaddressed(report, out)
    _methods(report, out)
    out.write("</main>\n</body>\n</html>\n")


def _summary(report: Report, out: TextIO) -> None:
    summary = report.summary_record()
    sources = summary["sources"]
    out.write('<section id="summary">\n<h2>Summary</h2>\n<h3>Sources</h3>\n')
    out.write(
        _table(
            ["doc", "outlet", "kind", "title", "date", "passages", "aligned", "share aligned"],
            [
                [
                    ("focus: " if s["focus"] and report.scope.focus else "") + s["doc"],
                    s["outlet"],
                    s["kind"],
                    s["title"],
                    s["date"] or s["published"],
                    s["passages"],
                    s["aligned"],
                    wording.share(s["aligned_share"]),
                ]
                for s in sources
            ],
            numeric={5, 6, 7},
        )
    )
    out.write(
        "<figure>"
        + bar_chart(
            "Share of each source's passages that at least one other source addresses",
            [f"{s['outlet']} · {s['doc']}" for s in sources],
            [("aligned", [s["aligned_share"] for s in sources])],
            maximum=1.0,
            fmt=lambda v: f"{v * 100:.0f}%",
        )
        + '<figcaption class="meta">Share of each source\'s passages that at least one other '
        "source addresses.</figcaption></figure>\n"
    )
    docs = list(report.coverage.index)
    out.write(
        '<h3>Coverage</h3>\n<p class="meta">Share of each row source\'s passages that '
        "the column source addresses.</p>\n"
    )
    out.write(
        _table(
            ["source", *docs],
            [
                [
                    doc,
                    *[
                        "—" if doc == other else wording.share(summary["coverage"][doc].get(other))
                        for other in docs
                    ],
                ]
                for doc in docs
            ],
            numeric=set(range(1, len(docs) + 1)),
        )
    )
    relations = summary["relations"]
    out.write(
        '<h3>Relations</h3>\n<p class="meta">Analysts\' tags (latest per analyst and '
        "pair), adjudications and the suggester's proposals, counted apart.</p>\n"
    )
    out.write(
        _table(
            ["relation", "analysts' tags", "adjudicated", "suggested"],
            [[r["relation"], r["tags"], r["adjudicated"], r["suggested"]] for r in relations],
            numeric={1, 2, 3},
        )
    )
    if any(r["tags"] or r["adjudicated"] or r["suggested"] for r in relations):
        out.write(
            "<figure>"
            + bar_chart(
                "Relations: analysts' tags, adjudications and suggestions",
                [r["relation"] for r in relations],
                [
                    ("analysts' tags", [r["tags"] for r in relations]),
                    ("adjudicated", [r["adjudicated"] for r in relations]),
                    ("suggested", [r["suggested"] for r in relations]),
                ],
            )
            + "</figure>\n"
        )
    agreement = summary["agreement"]
    out.write("<h3>Agreement</h3>\n")
    out.write(f"<p>{esc(wording.agreement_summary(agreement))}</p>\n")
    if agreement["multiply_tagged"]:
        out.write(
            _table(
                wording.AGREEMENT_COLUMNS,
                wording.agreement_rows(agreement),
                numeric={2, 3, 4, 5},
            )
        )
        if warning := wording.agreement_warning(agreement):
            out.write(f'<p class="note">{esc(warning)}</p>\n')
    out.write("</section>\n")


def _claims(report: Report, out: TextIO) -> None:
    out.write(
        '<section id="claims">\n<h2>Claims and their counterparts</h2>\n'
        '<p class="meta legend">In the passages: <mark class="shared">shared specific'
        '</mark> <mark class="conflict">conflicting specific</mark> '
        '<mark class="cue">framing cue</mark> '
        '<mark class="technique">persuasion technique (hover: name, confidence)</mark></p>\n'
    )
    number = 0
    for claim in report.claims():
        number += 1
        a = claim["passage"]
        a_marks = _cue_marks(claim["cues"])
        for c in claim["counterparts"]:
            a_marks += _spec_marks(c["specifics"], "a")
        out.write(
            f'<article class="claim" id="claim-{number}">\n'
            f"<h3>{number}. {esc(a['outlet'])}, {esc(a['date'] or 'undated')}</h3>\n"
            '<div class="grid">\n<div class="focus">\n'
            f"<blockquote>{marked(a['text'], a['start'], a_marks)}</blockquote>\n"
            f'<p class="cite">{esc(a["citation"])}'
            + (f"<br>Section: {esc(a['section'])}" if a["section"] else "")
            + (
                f"<br>Framing cues: {esc(wording.cues_line(claim['cues']))}"
                if wording.cues_line(claim["cues"])
                else ""
            )
            + "</p>\n"
            '</div>\n<div class="others">\n'
        )
        for c in claim["counterparts"]:
            out.write(_counterpart(c))
        out.write("</div>\n</div>\n</article>\n")
    if not number:
        out.write("<p>No pairs in this scope.</p>\n")
    out.write("</section>\n")


def _counterpart(c: dict[str, Any]) -> str:
    b = c["passage"]
    marks = _spec_marks(c["specifics"], "b") + _cue_marks(c["cues"])
    facts = [f"Pair {esc(c['pair_id'])}: {esc(wording.alignment_line(c))}"]
    if c["adjudication"]:
        facts.append(
            '<span class="label">Decision:</span> '
            + esc(wording.adjudication_line(c["adjudication"]))
        )
    facts.append(
        '<span class="label">Tags:</span> '
        + ("; ".join(esc(wording.tag_line(t)) for t in c["tags"]) or "none")
    )
    if c["suggestion"]:
        reasons = wording.reasons_line(c["suggestion"])
        facts.append(
            '<span class="label">Suggested:</span> '
            + esc(wording.suggestion_line(c["suggestion"]))
            + (f" because {esc(reasons)}" if reasons else "")
        )
    spec = wording.specifics_lines(c["specifics"])
    facts.append("Shared specifics: " + (esc(", ".join(spec["shared"])) or "none"))
    facts.append("Conflicting specifics: " + (esc(", ".join(spec["conflicting"])) or "none"))
    if cues := wording.cues_line(c["cues"]):
        facts.append(f"Framing cues: {esc(cues)}")
    return (
        '<div class="counterpart">\n'
        f"<h4>{esc(b['outlet'])}, {esc(b['date'] or 'undated')}</h4>\n"
        f"<blockquote>{marked(b['text'], b['start'], marks)}</blockquote>\n"
        f'<p class="cite">{esc(b["citation"])}</p>\n'
        '<ul class="facts">' + "".join(f"<li>{f}</li>" for f in facts) + "</ul>\n</div>\n"
    )


def _unaddressed(report: Report, out: TextIO) -> None:
    out.write('<section id="unaddressed">\n<h2>Claims a source never addresses</h2>\n')
    current = None
    any_rows = False
    for gap in report.unaddressed_records():
        any_rows = True
        if gap["silent_doc"] != current:
            current = gap["silent_doc"]
            out.write(f"<h3>{esc(gap['silent_outlet'])} ({esc(current)}) never addresses</h3>\n")
        p = gap["passage"]
        out.write(
            f'<div class="gap"><blockquote>{esc(p["text"])}</blockquote>'
            f'<p class="cite">{esc(p["citation"])}; best score '
            f"{esc(wording.score(gap['best_score']))}</p></div>\n"
        )
    if not any_rows:
        out.write("<p>Every claim in scope is addressed by every other source.</p>\n")
    out.write("</section>\n")


def _methods(report: Report, out: TextIO) -> None:
    rows = wording.methods_rows(report, rerun="workbench align")
    rows.append(["inclusion", report.methods["inclusion"]])
    out.write('<section id="methods">\n<h2>Methods and provenance</h2>\n')
    out.write(_table(["", ""], rows))
    out.write("<h3>Documents</h3>\n")
    out.write(
        _table(
            wording.DOCUMENT_COLUMNS,
            wording.document_rows(report.methods),
            numeric={6},
            hashes={4, 5},
        )
    )
    out.write("<h3>Audit trail</h3>\n")
    trail = wording.audit_rows(report.methods)
    if trail:
        out.write(_table(wording.AUDIT_COLUMNS, trail))
    else:
        out.write("<p>No events recorded.</p>\n")
    out.write("</section>\n")
