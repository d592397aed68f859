import html
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workbench.views.highlight import Mark, escape, highlight, query_marks

TAG = re.compile(r"<(/?)(\w+)([^>]*)>")


def _visible_text(markup: str) -> str:
    """The text a browser shows: our tags removed, <br> back to newlines, entities decoded."""
    return html.unescape(TAG.sub(lambda m: "\n" if m.group(2) == "br" else "", markup))


def test_hostile_text_is_escaped_before_markup() -> None:
    text = "<script>alert(1)</script> [click](javascript:x) $x$ :red[y] **b**"
    out = highlight(text, [Mark(0, 8, "shared", 'note "with" <quotes>')])
    tags = {m.group(2) for m in TAG.finditer(out)}
    assert tags <= {"div", "span", "br"}
    assert "<script" not in out and "](" not in out and "$" not in out and "**" not in out
    assert 'title="note &quot;with&quot; &lt;quotes&gt;"' in out


@given(
    st.text(),
    st.lists(
        st.tuples(
            st.integers(-5, 60),
            st.integers(-5, 60),
            st.sampled_from(["shared", "conflict", "only", "cue"]),
        )
    ),
)
def test_highlighting_never_changes_the_text_shown(text: str, spans) -> None:  # type: ignore[no-untyped-def]
    marks = [Mark(a, b, kind) for a, b, kind in spans]
    out = highlight(text, marks)
    normalised = re.sub(r"\r\n|\r|\u2028|\u2029", "\n", text)
    assert _visible_text(out) == normalised
    assert all(m.group(2) in {"div", "span", "br"} for m in TAG.finditer(out))


def test_overlapping_marks_are_flattened_into_one_span_per_stretch() -> None:
    out = highlight("abcdef", [Mark(0, 4, "shared"), Mark(2, 6, "cue", "hedge")])
    assert out == (
        '<div class="wb-passage"><span class="wb-shared">ab</span>'
        '<span class="wb-shared wb-cue" title="hedge">cd</span>'
        '<span class="wb-cue" title="hedge">ef</span></div>'
    )


def test_unknown_mark_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown mark kind 'x\"><script>'"):
        highlight("text", [Mark(0, 2, 'x"><script>')])


def test_escape_turns_newlines_into_breaks() -> None:
    assert escape("a\nb\r\nc") == "a<br>b<br>c"


def test_query_marks_are_case_insensitive_and_literal() -> None:
    marks = query_marks("Border guards. border (zone)", ["border", "(zone)"])
    assert [(m.start, m.end) for m in marks] == [(0, 6), (15, 21), (22, 28)]


def test_technique_marks_on_hostile_text_stay_inert() -> None:
    from workbench.suggest import framing
    from workbench.views.evidence import Cues

    text = '<img src=x onerror=alert(1)> "loaded" [x](javascript:y) words'
    hostile_name = '"><script>alert(2)</script>'
    cue = framing.Cue("technique", 0, 28, text[:28], 0.0, hostile_name, 0.5, "model")
    out = highlight(text, Cues(framing.Framing((cue,), 0.0, False)).marks)
    tags = {m.group(2) for m in TAG.finditer(out)}
    assert tags <= {"div", "span", "br"}
    assert "<img" not in out and "<script" not in out and "](" not in out
    assert 'class="wb-technique"' in out
    assert "&lt;script&gt;alert(2)&lt;/script&gt; 50% (model)" in out


def test_the_claim_pair_is_quoted_escaped_with_its_offsets() -> None:
    from workbench.views.highlight import claim_pair_html

    a = "Intro. <script>alert(1)</script> said so."
    b = "Other text & more."
    found = claim_pair_html(a, b, ((7, 41), (0, 18)))
    assert "<script>" not in found
    shown = _visible_text(found)
    assert "a 7–41 “<script>alert(1)</script> said so.”" in shown
    assert "b 0–18 “Other text & more.”" in shown
