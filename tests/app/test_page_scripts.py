"""The app's scripts as Streamlit runs them: its "magic" writes every bare expression of a
page or entry script on the page (a string literal meant as a docstring included)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from workbench.app import APP_SCRIPT

SCRIPTS = [APP_SCRIPT, *sorted((Path(APP_SCRIPT).parent / "views").glob("*.py"))]


def _shown_by_magic(tree: ast.AST) -> list[int]:
    """Lines of expressions Streamlit's magic would draw: bare constants and names outside
    functions and classes, the module docstring excepted."""
    body = list(getattr(tree, "body", []))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the module docstring is not drawn
    lines = []
    stack = body
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant | ast.Name):
            lines.append(node.lineno)
        for field in ("body", "orelse", "finalbody", "handlers"):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                stack.extend(getattr(node, field, []) or [])
    return sorted(lines)


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: Path(p).name)
def test_no_script_has_a_bare_string_streamlit_would_show_on_the_page(script: Path) -> None:
    tree = ast.parse(Path(script).read_text(encoding="utf-8"))
    assert _shown_by_magic(tree) == [], f"{script}: a bare expression Streamlit would draw"
