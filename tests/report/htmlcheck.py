"""HTML checks shared by the report tests: what elements a document has and what it would
fetch."""

from __future__ import annotations

import re
from html.parser import HTMLParser

FETCHING_ATTRIBUTES = {
    "src",
    "href",
    "srcset",
    "action",
    "formaction",
    "poster",
    "data",
    "xlink:href",
    "background",
    "ping",
    "manifest",
    "codebase",
}
_CSS_FETCH = re.compile(r"url\s*\(|@import", re.IGNORECASE)


class Elements(HTMLParser):
    """Every element, attribute, piece of text and style sheet of an HTML document."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []
        self.styles: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))
        self._in_style = tag == "style"

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        (self.styles if self._in_style else self.text).append(data)


def parse(document: str) -> Elements:
    parsed = Elements()
    parsed.feed(document)
    parsed.close()
    return parsed


def inert_text(document: str) -> str:
    """The text of ``document``, after checking it holds no active or embedding element."""
    parsed = parse(document)
    names = {tag for tag, _ in parsed.tags}
    assert not names & {"script", "img", "iframe", "object", "embed", "b"}, names
    handlers = [(t, a) for t, attrs in parsed.tags for a, _ in attrs if a.startswith("on")]
    assert not handlers
    return "".join(parsed.text)


def fetching_references(document: str) -> list[str]:
    """Everything in ``document`` a browser could fetch: URL-valued attributes that are
    neither fragment links nor data URIs, inline-style and style-sheet ``url()`` and
    ``@import``, and script elements."""
    parsed = parse(document)
    found = []
    for tag, attrs in parsed.tags:
        if tag == "script":
            found.append("<script>")
        for name, value in attrs:
            value = (value or "").strip()
            if name in FETCHING_ATTRIBUTES and value and not value.startswith(("#", "data:")):
                found.append(f"{tag} {name}={value}")
            if name == "style" and _CSS_FETCH.search(value):
                found.append(f"{tag} style={value}")
    found += [f"<style> {m.group()}" for css in parsed.styles for m in _CSS_FETCH.finditer(css)]
    return found
