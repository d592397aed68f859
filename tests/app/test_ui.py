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


def test_no_app_script_has_a_bare_string_streamlit_would_show() -> None:
    """Streamlit's "magic" writes any bare string statement of a page script onto the page
    (a docstring after the first statement included): every analyst would read it."""
    import ast
    from pathlib import Path

    from workbench.app import APP_SCRIPT

    scripts = [Path(APP_SCRIPT), *sorted((Path(APP_SCRIPT).parent / "views").glob("*.py"))]
    shown = []
    for script in scripts:
        body = ast.parse(script.read_text(encoding="utf-8")).body
        for statement in body[1:]:  # the module's own docstring is not shown
            value = statement.value if isinstance(statement, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                shown.append(f"{script.name}:{statement.lineno}")
    assert shown == []
