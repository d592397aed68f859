"""One reader per file format: bytes -> the document text that passage offsets index into.

Plain text and markdown are kept exactly as decoded. HTML goes through trafilatura's
main-content extraction (navigation, footers and scripts are dropped there) and is written
out as blocks separated by blank lines, headings marked with ``#``. PDF text comes from
pypdf page by page, pages separated by a blank line. The document text of HTML and PDF is
therefore the extracted text, which the store keeps; offsets and citations refer to it.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import RejectedFile
from workbench.ingest.decode import decode

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
PDF_SUFFIXES = {".pdf"}
SUPPORTED = sorted(TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES)


@dataclass
class Extracted:
    """What a reader got out of a file."""

    text: str
    format: str
    encoding: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


_SIGNATURES = [
    (b"%PDF-", "a PDF file; give it the .pdf extension"),
    (b"PK\x03\x04", "a ZIP archive (or a .docx/.xlsx/.odt document); save it as PDF or text"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office document (.doc/.xls); save it as PDF or text"),
    (b"{\\rtf", "an RTF document; save it as PDF or text"),
    (b"%!PS", "a PostScript file; convert it to PDF"),
    (b"\x89PNG", "a PNG image, not text"),
    (b"GIF8", "a GIF image, not text"),
    (b"\xff\xd8\xff", "a JPEG image, not text"),
    (b"\x7fELF", "a program, not text"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
]


def _sniff(data: bytes, allow_pdf: bool = False) -> None:
    """Reject a file whose first bytes say it is something other than its name claims."""
    head = data.lstrip()[:8]
    for magic, what in _SIGNATURES:
        if head.startswith(magic) and not (allow_pdf and magic == b"%PDF-"):
            raise RejectedFile(f"this is {what}")


def read_text(data: bytes) -> Extracted:
    _sniff(data)
    text, encoding = decode(data)
    return Extracted(text, "text", encoding)


def read_markdown(data: bytes) -> Extracted:
    _sniff(data)
    text, encoding = decode(data)
    return Extracted(text, "markdown", encoding)


def read_html(data: bytes) -> Extracted:
    import trafilatura
    from lxml import etree

    _sniff(data)
    text, encoding = decode(data)
    try:
        xml = trafilatura.extract(
            text,
            output_format="xml",
            include_comments=False,
            include_tables=True,
            include_images=False,
            with_metadata=True,
        )
    except Exception as exc:  # trafilatura raises assorted parser errors on broken markup
        raise RejectedFile(f"HTML could not be parsed: {exc}") from None
    if not xml:
        raise RejectedFile("no main text found in the HTML page")
    root = etree.fromstring(xml.encode("utf-8"))
    blocks: list[str] = []
    main = root.find("main")
    for element in (main if main is not None else root).iter("head", "p", "item", "quote", "row"):
        if element.getparent() is not None and element.getparent().tag in {"p", "quote", "item"}:
            continue
        content = " ".join("".join(element.itertext()).split())
        if not content:
            continue
        if element.tag == "head":
            level = {"h1": 1, "h2": 2, "h3": 3}.get(element.get("rend", ""), 2)
            content = "#" * level + " " + content
        elif element.tag == "item":
            content = "- " + content
        blocks.append(content)
    if not blocks:
        raise RejectedFile("no main text found in the HTML page")
    metadata = {key: str(root.get(key) or "") for key in ("title", "author", "date", "url")}
    metadata["published"] = metadata.pop("date")
    return Extracted(
        "\n\n".join(blocks) + "\n", "html", encoding, {k: v for k, v in metadata.items() if v}
    )


def read_pdf(data: bytes, max_pages: int = 2000) -> Extracted:
    if data.lstrip()[:5] != b"%PDF-":
        _sniff(data, allow_pdf=True)
        raise RejectedFile("not a PDF file (no %PDF- header)")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise RejectedFile("the PDF is encrypted with a password")
        pages = len(reader.pages)
        if pages > max_pages:
            raise RejectedFile(f"the PDF has {pages} pages, more than the limit of {max_pages}")
        texts = [(page.extract_text() or "").strip() for page in reader.pages]
        info = reader.metadata or {}
    except RejectedFile:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise RejectedFile(f"the PDF could not be read: {exc}") from None
    text = "\n\n".join(t for t in texts if t)
    if not any(ch.isalnum() for ch in text):
        raise RejectedFile("the PDF has no extractable text (a scan? run OCR on it first)")
    metadata = {"title": str(info.get("/Title") or ""), "author": str(info.get("/Author") or "")}
    return Extracted(text + "\n", "pdf", "", {k: v for k, v in metadata.items() if v})


def reader_for(path: Path) -> Callable[[bytes], Extracted]:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return read_text
    if suffix in MARKDOWN_SUFFIXES:
        return read_markdown
    if suffix in HTML_SUFFIXES:
        return read_html
    if suffix in PDF_SUFFIXES:
        return read_pdf
    raise RejectedFile(
        f"unsupported file type {suffix or '(no extension)'!r}; supported: {' '.join(SUPPORTED)}"
    )
