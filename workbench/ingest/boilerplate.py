"""Tell content from web-page leftovers in plain text: headings, navigation, captions.

HTML goes through trafilatura's main-content extraction first; this classifier is for text
that arrives already flattened (saved pages, copy-paste, PDF extraction), where the markup
that would tell navigation from content is gone. It works on paragraph blocks with
structural signals (short title-like lines in runs, credit lines and the captions above
them, lines repeated through the document, position near the start or end) plus a small
lexicon of site furniture. Nothing is deleted: boilerplate blocks are kept, marked, with the
reason, so an analyst can audit what was left out of analysis.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from workbench.models import PassageKind

SHORT_CHARS = 120
SHORT_WORDS = 16
CAPTION_CHARS = 500

_SITE_FURNITURE = re.compile(
    r"skip to (?:the )?(?:main )?(?:content|navigation)|please select digest|"
    r"select digest to download|\bdonat(?:e|ion)s?\b|we only have what we give|"
    r"support our work|make a (?:gift|donation)|give (?:now|today|monthly)|"
    r"subscribe (?:to|now|for)|sign up (?:for|to)|newsletter|share (?:this|on)\b|"
    r"follow us|all rights reserved|cookie|privacy policy|terms of (?:use|service)|"
    r"back to top|print this page|related (?:content|articles|stories)|read more\b|"
    r"click here|download (?:the )?(?:full )?(?:report|pdf|digest)|listen to (?:this|the)|"
    r"tax[- ]deductible|\byour (?:gift|donation|support) (?:can|will|helps?)\b",
    re.IGNORECASE,
)
_WHOLE_FURNITURE = frozenset(
    {
        "menu",
        "search",
        "home",
        "share",
        "print",
        "email",
        "tweet",
        "more",
        "next",
        "previous",
        "close",
        "login",
        "log in",
        "sign in",
        "advertisement",
        "illustration",
        "photo",
        "video",
        "audio",
        "related",
        "tags",
        "topics",
        "comments",
    }
)
_CREDIT = re.compile(
    r"©|\(c\)\s*\d{4}|\b(?:photo|image|picture|credit)s?\s*(?:by|:|/)|"
    r"\b(?:AP|AFP|EPA|REUTERS|Reuters|Getty Images|Xinhua|Yonhap|KCNA|Shutterstock)\s*(?:Photo)?/",
)
_BYLINE = re.compile(
    r"^\s*(?:by\s+[A-Z]|author\s*:|written by\b)|\bauthor\s*:\s*[A-Z]", re.IGNORECASE
)
_DATE_ONLY = re.compile(r"^[\d\s./:,-]+$|^\d{1,2}\s+\w+\s+\d{4}$|^\w+\s+\d{1,2},\s+\d{4}$")
_SLUG = re.compile(r"^[\w-]*[_/][\w/-]*$")


@dataclass(frozen=True)
class Block:
    """A paragraph-sized piece of text and, once classified, what it is and why."""

    text: str
    kind: PassageKind = PassageKind.TEXT
    reason: str = ""

    def mark(self, kind: PassageKind, reason: str = "") -> Block:
        return Block(self.text, kind, reason)


def _is_sentence_like(text: str) -> bool:
    stripped = text.rstrip(" \"'”’»)]")
    return stripped[-1:] in ".!?…;" or len(text.split()) > SHORT_WORDS


def _is_short_line(text: str) -> bool:
    return len(text) <= SHORT_CHARS and not _is_sentence_like(text)


def _is_short(text: str) -> bool:
    return len(text) <= SHORT_CHARS and len(text.split()) <= SHORT_WORDS


def classify_blocks(blocks: list[Block], *, author: str = "") -> list[Block]:
    """Mark each block as text, heading or boilerplate (with the reason)."""
    out = list(blocks)
    counts = Counter(b.text.strip() for b in blocks)
    n = len(out)
    for i, block in enumerate(out):
        text = block.text.strip()
        reason = _furniture_reason(text, counts[text], i, n, author)
        if reason:
            out[i] = block.mark(PassageKind.BOILERPLATE, reason)
    # A caption sits right above its credit line.
    for i, block in enumerate(out):
        if block.reason == "photo credit" and i > 0:
            above = out[i - 1]
            if above.kind is PassageKind.TEXT and len(above.text) <= CAPTION_CHARS:
                out[i - 1] = above.mark(PassageKind.BOILERPLATE, "photo caption")
    # Runs of three or more short lines, mostly title-like, are navigation or teasers;
    # shorter runs of title-like lines, and markdown headings, are headings.
    i = 0
    while i < n:
        if out[i].kind is not PassageKind.TEXT or not _is_short_line(out[i].text.strip()):
            i += 1
            continue
        j = i
        while j < n and (
            (out[j].kind is PassageKind.BOILERPLATE and out[j].reason == "site furniture")
            or (out[j].kind is PassageKind.TEXT and _is_short(out[j].text.strip()))
        ):
            j += 1
        members = [k for k in range(i, j) if out[k].kind is PassageKind.TEXT]
        titles = [k for k in members if _is_short_line(out[k].text.strip())]
        is_markdown = all(out[k].text.lstrip().startswith("#") for k in members)
        if len(members) >= 3 and 3 * len(titles) >= 2 * len(members) and not is_markdown:
            for k in members:
                out[k] = out[k].mark(PassageKind.BOILERPLATE, "navigation")
        else:
            for k in titles:
                out[k] = out[k].mark(PassageKind.HEADING)
        i = max(j, i + 1)
    for i, block in enumerate(out):
        if block.kind is PassageKind.TEXT and block.text.lstrip().startswith("#"):
            out[i] = block.mark(PassageKind.HEADING)
    # Headings after the last paragraph head nothing: page-footer links such as "Region".
    last_text = max((i for i, b in enumerate(out) if b.kind is PassageKind.TEXT), default=-1)
    for i in range(last_text + 1, n):
        if out[i].kind is PassageKind.HEADING:
            out[i] = out[i].mark(PassageKind.BOILERPLATE, "after the last paragraph")
    return out


def _furniture_reason(text: str, repeats: int, index: int, total: int, author: str) -> str:
    lowered = text.lower().strip(" .:!")
    if lowered in _WHOLE_FURNITURE or _SLUG.match(text):
        return "site furniture"
    short = len(text) <= 300
    if short and _SITE_FURNITURE.search(text):
        return "site furniture"
    if len(text) <= CAPTION_CHARS and _CREDIT.search(text):
        return "photo credit"
    if repeats >= 3 and len(text) <= SHORT_CHARS:
        return "repeated header or footer"
    near_start = index < 4
    near_end = index >= total - 2
    if short and near_start and (_BYLINE.search(text) or _DATE_ONLY.match(text)):
        return "byline"
    if near_end and author and text.lower().startswith(author.lower()):
        return "author's byline"
    return ""
