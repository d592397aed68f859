"""Text put into Streamlit's Markdown elements comes out as the same text, with nothing live."""

from __future__ import annotations

import pytest
from apphelpers import rendered

from workbench.app.ui import plain

HOSTILE = [
    "![x](http://127.0.0.1:9/x.png) Ana",
    "Ben http://127.0.0.1:9/track and HTTPS://example.org/a",
    "ftp://example.org/f and www.example.org/w",
    "ana@example.org",
    "mailto:ana@example.org",
    "[click](javascript:alert(1)) <img src=x onerror=alert(1)>",
    "<http://127.0.0.1:9/auto> :red[red] $x$ **bold** # heading",
    "1. item\n- item\n> quote",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_text_makes_no_link_or_image_and_reads_the_same(text: str) -> None:
    live, shown = rendered("Shown: " + plain(text))
    assert live == []
    assert shown == "Shown: " + " ".join(text.split())


def test_the_check_sees_the_links_github_markdown_makes_after_escapes() -> None:
    """GitHub-flavoured Markdown links bare addresses after escapes are undone; the check
    above sees it, so it can fail on them."""
    live, _ = rendered("Shown: http\\://127.0.0.1:9/track ana@example\\.org www\\.example.org")
    assert live == [
        "a href=http://127.0.0.1:9/track",
        "a href=mailto:ana@example.org",
        "a href=http://www.example.org",
    ]
