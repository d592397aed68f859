"""Documents -> passages and sentences, with offsets into the document text.

Every span produced here satisfies ``text[start:end] == passage.text``: the segmenter only
ever trims whitespace and cuts at positions, it never rewrites text.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from workbench.ingest.boilerplate import Block, classify_blocks
from workbench.models import Passage, PassageKind, Sentence, passage_id

Span = tuple[int, int]

_TERMINAL = ".!?…"
_CLOSERS = "\"'”’»)]"
_OPENERS = "\"'“‘«(["
_LIST_MARKER = re.compile(r"\s*(?:[-*•+]|\d{1,3}[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?…]+[\"'”’»)\]]*(?=\s)")
_NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "art", "p", "para", "vol", "op"})
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "st",
        "sr",
        "jr",
        "gen",
        "col",
        "lt",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "gov",
        "sen",
        "rep",
        "pres",
        "rev",
        "hon",
        "mt",
        "ft",
        "vol",
        "vols",
        "sec",
        "ch",
        "fig",
        "pp",
        "ed",
        "eds",
        "est",
        "approx",
        "dept",
        "univ",
        "inc",
        "ltd",
        "co",
        "corp",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "vs",
        "etc",
        "e.g",
        "i.e",
        "cf",
        "al",
    ]
)


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans inside ``text[start:end]``, whitespace trimmed, covering all words."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.end()
        if not _is_boundary(text, match.start(), cut, end):
            continue
        span = _trim(text, cursor, cut)
        if span:
            spans.append(span)
        cursor = cut
    span = _trim(text, cursor, end)
    if span:
        spans.append(span)
    return spans


def _is_boundary(text: str, mark: int, cut: int, end: int) -> bool:
    """Whether the punctuation at ``mark`` ends a sentence (not an abbreviation or initial)."""
    nxt = cut
    while nxt < end and text[nxt].isspace():
        nxt += 1
    while nxt < end and text[nxt] in _OPENERS:
        nxt += 1
    if nxt >= end:
        return True
    follower = text[nxt]
    if not (follower.isupper() or follower.isdigit() or not follower.isalpha()):
        return False
    if text[mark] != ".":
        return True
    if any(ch in _CLOSERS for ch in text[mark:cut]):
        return True  # a quotation or bracket closes after the period
    word_start = mark
    while (
        word_start > 0
        and not text[word_start - 1].isspace()
        and text[word_start - 1] not in _OPENERS
    ):
        word_start -= 1
    word = text[word_start:mark].lower()
    if not word:
        return True
    if word in _NUMBER_ABBREVIATIONS:
        return not follower.isdigit()  # "No. 5", "Art. 3"
    if word in _ABBREVIATIONS:
        return word in {"etc", "al"}  # "etc." may end a sentence; "Dr." never does
    if len(word) == 1 and word.isalpha():
        return False  # an initial: "Kim J. Un"
    if "." in word and all(len(part) <= 2 for part in word.split(".")):
        # "U.S." or "U.N." mid-sentence; after it a capital often starts a name, so only
        # cut when the next word is a common sentence opener.
        return text[nxt : nxt + 4].rstrip().lower() in {"the", "it", "in", "on", "but", "and"}
    return True


def _trim(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def _lines(text: str) -> list[Span]:
    """Line spans without their line ends. Only CR and LF end a line: a form feed (a PDF or
    print page break), vertical tab or Unicode line separator inside a paragraph is
    whitespace, not a break, so it never cuts a sentence into short "lines" that would look
    like navigation."""
    spans = []
    for match in _LINE.finditer(text):
        line = match.group()
        spans.append((match.start(), match.start() + len(line.rstrip("\r\n"))))
    return spans


def _is_hard_wrapped(text: str, lines: list[Span]) -> bool:
    """Whether the text breaks lines inside paragraphs (plain-text e-mail, PDF extraction)."""
    lengths = sorted(e - s for s, e in lines if text[s:e].strip())
    if len(lengths) < 6:
        return False
    p90 = lengths[int(len(lengths) * 0.9) - 1]
    ends = sum(1 for s, e in lines if text[s:e].rstrip()[-1:] in _TERMINAL + _CLOSERS)
    return p90 <= 110 and ends < 0.5 * len(lengths)


def paragraph_spans(text: str) -> list[Span]:
    """Paragraph spans: lines separated by blank lines, or single lines when unwrapped."""
    lines = _lines(text)
    wrapped = _is_hard_wrapped(text, lines)
    width = max((e - s for s, e in lines), default=0)
    paragraphs: list[Span] = []
    current: Span | None = None
    for s, e in lines:
        content = text[s:e]
        if not content.strip():
            if current:
                paragraphs.append(current)
            current = None
            continue
        starts_new = (
            current is None
            or not wrapped
            or content.lstrip().startswith("#")
            or _LIST_MARKER.match(content) is not None
        )
        if starts_new:
            if current:
                paragraphs.append(current)
            current = (s, e)
        else:
            current = (current[0], e)
        stripped = content.rstrip()
        if wrapped and stripped[-1:] in _TERMINAL + _CLOSERS and len(stripped) < 0.75 * width:
            paragraphs.append(current)
            current = None
    if current:
        paragraphs.append(current)
    return [span for span in (_trim(text, s, e) for s, e in paragraphs) if span]


def _chunks(text: str, start: int, end: int, max_chars: int) -> list[tuple[Span, list[Span]]]:
    """Cut a paragraph into passages of at most ``max_chars`` at sentence boundaries."""
    sentences = split_sentences(text, start, end)
    pieces: list[Span] = []
    for s, e in sentences:
        while e - s > max_chars:  # one enormous sentence: cut at whitespace
            cut = text.rfind(" ", s + max_chars // 2, s + max_chars)
            cut = cut if cut > s else s + max_chars
            head = _trim(text, s, cut)
            if head:
                pieces.append(head)
            s = _trim(text, cut, e)[0] if _trim(text, cut, e) else e
        if e > s:
            pieces.append((s, e))
    chunks: list[tuple[Span, list[Span]]] = []
    group: list[Span] = []
    for piece in pieces:
        if group and piece[1] - group[0][0] > max_chars:
            chunks.append(((group[0][0], group[-1][1]), group))
            group = []
        group.append(piece)
    if group:
        chunks.append(((group[0][0], group[-1][1]), group))
    return chunks


@dataclass(frozen=True)
class Segmentation:
    passages: list[Passage]
    sentences: list[Sentence]


def segment(doc_id: str, text: str, *, max_chars: int = 1500, author: str = "") -> Segmentation:
    """Split a document into passages (text, headings, boilerplate) and their sentences."""
    spans = [
        span for span in paragraph_spans(text) if any(ch.isalnum() for ch in text[slice(*span)])
    ]
    blocks = classify_blocks([Block(text[s:e]) for s, e in spans], author=author)
    passages: list[Passage] = []
    sentences: list[Sentence] = []
    seen: Counter[str] = Counter()
    section = ""
    for (start, end), block in zip(spans, blocks, strict=True):
        if block.kind is PassageKind.HEADING:
            section = _heading_text(block.text)
        pieces = (
            _chunks(text, start, end, max_chars)
            if block.kind is PassageKind.TEXT
            else [((start, end), [(start, end)])]
        )
        for (p_start, p_end), sentence_spans in pieces:
            body = text[p_start:p_end]
            pid = passage_id(doc_id, body, seen[body])
            seen[body] += 1
            passages.append(
                Passage(
                    id=pid,
                    doc_id=doc_id,
                    seq=len(passages),
                    start=p_start,
                    end=p_end,
                    text=body,
                    kind=block.kind,
                    section=section if block.kind is PassageKind.TEXT else "",
                    reason=block.reason,
                )
            )
            if block.kind is PassageKind.TEXT:
                sentences.extend(
                    Sentence(pid, i, s, e, text[s:e]) for i, (s, e) in enumerate(sentence_spans)
                )
    return Segmentation(passages, sentences)


_QUOTE_MARKS = "\"'“”‘’«»„"


def _heading_text(text: str) -> str:
    """A heading as a section name: Markdown marks and spare whitespace gone, and quotation
    marks around the whole heading dropped. A quote that opens only part of the heading
    (``“The Struggle …“ in 2020``) is kept, so the heading never reads with half a quote."""
    heading = " ".join(text.lstrip("#").split())
    inner = heading[1:-1]
    if (
        len(heading) > 2
        and heading[0] in _QUOTE_MARKS
        and heading[-1] in _QUOTE_MARKS
        and not any(mark in inner for mark in _QUOTE_MARKS if mark not in "'’")
    ):
        return inner.strip()
    return heading
