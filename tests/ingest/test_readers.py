import pytest
from conftest import make_pdf

from workbench.errors import RejectedFile
from workbench.ingest.readers import read_html, read_markdown, read_pdf, read_text

ARTICLE = b"""<html><head><title>Border report</title>
<meta name="author" content="Jane Doe"></head><body>
<nav><a href="/">Home</a> <a href="/about">About us</a> Skip to main content</nav>
<article><h1>Border closures</h1>
<p>The authorities closed the northern border in January and imposed a ban on movement.</p>
<h2>Executions</h2>
<p>Border guards were ordered to shoot anyone approaching within one kilometre of the line.</p>
<p>Third paragraph with <b>bold</b> text and an escaped &lt;script&gt; tag shown as text.</p>
<script>alert('x')</script></article>
<footer>Donate now to support our work. Copyright 2021.</footer></body></html>"""


def test_html_main_content_is_extracted_with_headings() -> None:
    extracted = read_html(ARTICLE)
    assert extracted.text.splitlines()[0] == "# Border closures"
    assert "## Executions" in extracted.text
    assert "shoot anyone approaching" in extracted.text
    assert (
        "Third paragraph with bold text and an escaped <script> tag shown as text."
        in extracted.text
    )
    assert "Donate" not in extracted.text and "About us" not in extracted.text
    assert "alert" not in extracted.text
    assert extracted.metadata["author"] == "Jane Doe"


def test_pdf_text_is_extracted_page_by_page() -> None:
    pdf = make_pdf(
        [
            ["North Korea closed its border in January 2020."],
            ["Only 195 people reached the South that year."],
        ]
    )
    extracted = read_pdf(pdf)
    assert "closed its border" in extracted.text
    assert "195 people" in extracted.text
    assert extracted.format == "pdf"


@pytest.mark.parametrize(
    ("reader", "data", "message"),
    [
        (read_pdf, make_pdf([[]]), "the PDF has no extractable text (a scan? run OCR on it first)"),
        (read_pdf, b"%PDF-1.4\n1 0 obj << /Type /Catalog", "the PDF could not be read"),
        (read_pdf, b"hello, I am text", "not a PDF file (no %PDF- header)"),
        (read_html, b"<html><body><nav>Home</nav></body></html>", "no main text found"),
        (read_html, make_pdf([["text"]]), "this is a PDF file; give it the .pdf extension"),
        (read_text, make_pdf([["text"]]), "this is a PDF file; give it the .pdf extension"),
        (read_markdown, b"PK\x03\x04rest of a docx", "this is a ZIP archive (or a .docx"),
        (read_pdf, b"\x89PNG\r\n\x1a\n...", "this is a PNG image, not text"),
    ],
)
def test_unreadable_files_are_rejected(reader, data: bytes, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RejectedFile) as err:
        reader(data)
    assert str(err.value).startswith(message)


def test_pdf_page_limit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    pdf = make_pdf([["page one text here"], ["page two"], ["page three"]])
    with pytest.raises(RejectedFile, match="the PDF has 3 pages, more than the limit of 2"):
        read_pdf(pdf, max_pages=2)
