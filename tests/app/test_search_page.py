"""The Search page: keyword and semantic search with filters; hits open in Compare."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import NEO, app_settings, session

from workbench.config import Settings

pytestmark = pytest.mark.model


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return app_settings(tmp_path, tmp_path_factory, monkeypatch)


def _hits(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(m.value) for m in at.markdown if 'class="wb-passage"' in str(m.value)]


def test_keyword_search_filters_by_outlet_and_opens_a_hit_in_compare(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="search")
    at.text_input(key="search_query").input('"duck story"').run()
    hits = _hits(at)
    assert len(hits) == 1 and "New Eastern Outlook" in hits[0]
    at.multiselect(key="search_outlets").set_value(["Human Rights Watch"]).run()
    assert _hits(at) == []
    at.multiselect(key="search_outlets").set_value([]).run()
    at.button(key="hit_open_0").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Compare sources"]
    assert at.selectbox(key="cmp_doc").value == NEO
    jump = at.selectbox(key="cmp_jump")
    assert "duck story" in jump.options[jump.value] or "Highlighted as" in jump.options[jump.value]


def test_semantic_search_finds_a_claim_in_other_words(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="search")
    at.radio(key="search_mode").set_value("meaning").run()
    at.text_input(key="search_query").input("people fleeing the country who reached Seoul").run()
    assert not at.exception, [e.value for e in at.exception]
    hits = _hits(at)
    assert hits
    assert any(
        "defector" in h.lower() or "escap" in h.lower() or "fled" in h.lower() for h in hits[:5]
    )
    at.text_input(key="search_from").input("2021-01-05").run()
    dated = _hits(at)
    assert dated and all("2019-01" not in h for h in dated)


def test_a_single_keyword_match_reads_one_match_and_empty_dates_look_empty(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="search")
    for key in ("search_from", "search_to"):
        field = at.text_input(key=key)
        assert field.value in ("", None)
        assert not any(ch.isdigit() for ch in (field.placeholder or "")), field.placeholder
    at.text_input(key="search_query").input('"duck story"').run()
    hits = _hits(at)
    assert len(hits) == 1
    assert "1 match<" in hits[0] or "· 1 match" in hits[0], hits[0][:400]
    assert "1 matches" not in hits[0]
