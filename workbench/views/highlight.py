"""Passage text as HTML with highlighted spans: escape first, then add markup.

Passage text comes from hostile sources. Every character of it is escaped before any markup
is added, and characters that Markdown, LaTeX or emoji shortcodes would act on are written as
numeric entities too, so the result is inert whether it is shown as raw HTML or passed
through Streamlit's Markdown renderer. The only tags in the output are the ``<div>``,
``<span>`` and ``<br>`` this module writes, with classes from a fixed list.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

KINDS = ("shared", "conflict", "only", "negation", "cue", "technique", "attribution", "query")
"""Mark kinds; each becomes the CSS class ``wb-<kind>``."""

_MARKDOWN_ACTIVE = re.compile(r"[\\`*_{}\[\]()#+\-.!|~$:<>&\"'=@^%]")
_NEWLINE = re.compile(r"\r\n|\r|\n|\u2028|\u2029")


@dataclass(frozen=True)
class Mark:
    """A span of a text to highlight: ``text[start:end]``, of a kind, with a tooltip."""

    start: int
    end: int
    kind: str
    note: str = ""


def escape(text: str) -> str:
    """Text made inert for HTML and Markdown: every active character becomes an entity."""
    escaped = _MARKDOWN_ACTIVE.sub(lambda m: f"&#{ord(m.group())};", text)
    return _NEWLINE.sub("<br>", escaped)


def _attribute(value: str) -> str:
    return html.escape(" ".join(value.split()), quote=True)


def highlight(text: str, marks: Iterable[Mark] = (), *, css_class: str = "wb-passage") -> str:
    """``text`` as one HTML ``<div>`` with ``marks`` wrapped in ``<span>``s.

    Overlapping marks are flattened: each stretch of text gets one span carrying the classes
    and notes of every mark that covers it. Marks outside the text are clipped; unknown
    kinds are refused, so no class name ever comes from the data.
    """
    spans = _clip(text, marks)
    cuts = sorted({0, len(text), *(m.start for m in spans), *(m.end for m in spans)})
    out = [f'<div class="{css_class}">']
    for lo, hi in pairwise(cuts):
        if lo == hi:
            continue
        piece = escape(text[lo:hi])
        active = [m for m in spans if m.start <= lo and hi <= m.end]
        if not active:
            out.append(piece)
            continue
        classes = " ".join(dict.fromkeys(f"wb-{m.kind}" for m in active))
        notes = "; ".join(dict.fromkeys(m.note for m in active if m.note))
        title = f' title="{_attribute(notes)}"' if notes else ""
        out.append(f'<span class="{classes}"{title}>{piece}</span>')
    out.append("</div>")
    return "".join(out)


def _clip(text: str, marks: Iterable[Mark]) -> list[Mark]:
    clipped = []
    for mark in marks:
        if mark.kind not in KINDS:
            raise ValueError(f"unknown mark kind {mark.kind!r}; use one of {', '.join(KINDS)}")
        start, end = max(0, mark.start), min(len(text), mark.end)
        if start < end:
            clipped.append(Mark(start, end, mark.kind, mark.note))
    return clipped


def query_marks(text: str, words: Sequence[str]) -> list[Mark]:
    """Where the keyword-search ``words`` occur in ``text`` (case-insensitive)."""
    marks = []
    for word in words:
        if word:
            marks += [
                Mark(m.start(), m.end(), "query")
                for m in re.finditer(re.escape(word), text, re.IGNORECASE)
            ]
    return marks


CSS = """
<style>
.wb-passage { line-height: 1.55; font-size: 0.95rem; }
.wb-shared { background: #c8f0c8; border-bottom: 2px solid #2e8b57; }
.wb-conflict { background: #ffd0c8; border-bottom: 2px solid #c0392b; }
.wb-only { border-bottom: 1px dotted #888; }
.wb-negation { text-decoration: underline wavy #8e44ad; }
.wb-cue { background: #ffe9a8; border-bottom: 2px dashed #b7791f; }
.wb-technique { border-bottom: 2px solid #6b46c1; background: #efe7ff; }
.wb-attribution { border-bottom: 1px dotted #555; }
.wb-query { background: #fff3a0; }
</style>
"""
"""The stylesheet for the classes above, written by the app once per page."""


def claim_pair_html(
    a_text: str, b_text: str, spans: tuple[tuple[int, int], tuple[int, int]]
) -> str:
    """The two sentences a suggestion rests on, quoted (escaped) with their offsets in each
    passage: "a" from ``a_text``, "b" from ``b_text``."""
    (a_start, a_end), (b_start, b_end) = spans
    quoted = [
        f"<b>{side}</b> {start}–{end} “{escape(text[start:end])}”"
        for side, text, start, end in (("a", a_text, a_start, a_end), ("b", b_text, b_start, b_end))
    ]
    return (
        '<div class="wb-claim-pair" style="font-size:0.85rem;margin-top:0.3rem">'
        "<b>Rests on:</b> " + " · ".join(quoted) + "</div>"
    )
