"""Starting the app: the analyst's name once per session, and computing what is missing."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from apphelpers import CORPUS, app_settings, rendered, session, texts
from streamlit.testing.v1 import AppTest

from workbench.app import APP_SCRIPT
from workbench.config import Settings
from workbench.pipeline import missing
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


def test_the_first_page_does_not_import_torch(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model (and torch) load only where embedding is needed, so the app starts fast."""
    app_settings(tmp_path, tmp_path_factory, monkeypatch)
    script = (
        "import sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "from workbench.app import APP_SCRIPT\n"
        "at = AppTest.from_file(str(APP_SCRIPT), default_timeout=120)\n"
        "at.session_state['analyst'] = 'Ana'\n"
        "at.run()\n"
        "assert not at.exception, [e.value for e in at.exception]\n"
        "assert [t.value for t in at.title] == ['Compare sources'], at.title\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "False False"


def test_workbench_app_takes_port_and_db_and_stays_on_this_machine_by_default() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "app", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert "--port INTEGER RANGE" in result.stdout and "--db FILE" in result.stdout
    assert "[default: 127.0.0.1]" in result.stdout


def test_an_address_or_markup_in_the_analysts_name_is_shown_as_text(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    app_settings(tmp_path, tmp_path_factory, monkeypatch)
    name = "Ana http://127.0.0.1:9/a ![x](http://127.0.0.1:9/x.png) <img src=x onerror=alert(1)>"
    at = session(name)
    (shown,) = [str(m.value) for m in at.sidebar.markdown if "Analyst:" in str(m.value)]
    assert rendered(shown) == ([], f"Analyst: {name}")
