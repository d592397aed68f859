"""Starting the app: the analyst's name once per session, and computing what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest
from apphelpers import CORPUS, app_settings, session, texts
from streamlit.testing.v1 import AppTest

from workbench.app import APP_SCRIPT
from workbench.config import Settings
from workbench.prepare import missing
from workbench.store import Store

pytestmark = pytest.mark.model


def test_the_analyst_gives_a_name_once_and_the_sidebar_shows_database_and_model(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=120).run()
    at.text_input(key="name_input").input("   ")
    at.button[0].click().run()
    assert any("Give a name" in e.value for e in at.error)
    at.text_input(key="name_input").input("  Ana   Lyst ")
    at.button[0].click().run()
    assert at.session_state["analyst"] == "Ana Lyst"
    assert [t.value for t in at.title] == ["Compare sources"]
    sidebar = " ".join(str(m.value) for m in [*at.sidebar.markdown, *at.sidebar.caption])
    assert str(settings.db) in sidebar
    assert "sentence-transformers/all-MiniLM-L6-v2" in sidebar
    assert "Ana Lyst" in sidebar


def test_an_empty_database_is_filled_from_the_bundled_corpus_on_first_start(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_settings(tmp_path, tmp_path_factory, monkeypatch)  # shares the vector cache
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "fresh.db"))
    settings = Settings.load()
    at = session(page=None)
    assert not at.exception, [e.value for e in at.exception]
    with Store(settings.db) as store:
        assert len(store.documents()) == len(list(CORPUS.glob("*.txt")))
        assert store.alignment_count() > 0
        assert not missing(store, settings)
    assert "Compare sources" in [t.value for t in at.title]
    assert "New Eastern Outlook" in texts(at) or at.selectbox(key="cmp_doc").options
