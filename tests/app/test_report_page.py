"""The Report page: scope choices, a report built on request, a preview that shows source
text as text, and a download button holding the report in the chosen format."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from apphelpers import NEO, app_settings, session, texts
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from workbench.config import Settings
from workbench.report import ReportScope
from workbench.store import Store

pytestmark = pytest.mark.model

SCRIPT = "<script>alert(1)</script>"
IMAGE = "![x](http://127.0.0.1:9/x.png)"


@dataclass
class Offered:
    """One file a download button offers: its name, media type and contents."""

    file_name: str | None
    media_type: str | None
    read: Callable[[], Any]

    def data(self) -> bytes:
        value = self.read()
        return value.encode() if isinstance(value, str) else bytes(value)


@pytest.fixture
def offered(monkeypatch: pytest.MonkeyPatch) -> list[Offered]:
    """Every file the app's download buttons hand to Streamlit, newest last.

    AppTest discards its media store after each run, so the files are recorded on their
    way into Streamlit's real media file manager (which still stores them as usual)."""
    seen: list[Offered] = []
    add, add_deferred = MediaFileManager.add, MediaFileManager.add_deferred

    def record_add(self: MediaFileManager, data: Any, mimetype: str, *args: Any, **kw: Any) -> str:
        name = kw.get("file_name", args[1] if len(args) > 1 else None)
        if not str(mimetype).startswith("image/"):  # the favicon, not a download
            seen.append(Offered(name, mimetype, lambda: data))
        return add(self, data, mimetype, *args, **kw)

    def record_deferred(
        self: MediaFileManager, data: Callable[[], Any], mimetype: str | None, *args: Any, **kw: Any
    ) -> str:
        name = kw.get("file_name", args[1] if len(args) > 1 else None)
        seen.append(Offered(name, mimetype, data))
        return add_deferred(self, data, mimetype, *args, **kw)

    monkeypatch.setattr(MediaFileManager, "add", record_add)
    monkeypatch.setattr(MediaFileManager, "add_deferred", record_deferred)
    return seen


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return app_settings(tmp_path, tmp_path_factory, monkeypatch)


def _unescaped(markdown: str) -> str:
    """Text the page escaped for Markdown (``ui.plain``), as the reader sees it."""
    return re.sub(r"\\(.)", r"\1", markdown)


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _build(at: AppTest, focus: str = "", fmt: str = "md", **choices: Any) -> AppTest:
    at.selectbox(key="rep_focus").set_value(focus)
    at.selectbox(key="rep_format").set_value(fmt)
    for key, value in choices.items():
        widget = (
            at.checkbox(key=f"rep_{key}") if key == "tagged" else at.selectbox(key=f"rep_{key}")
        )
        widget.set_value(value)
    at.button(key="rep_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_offers_the_cli_scope_and_builds_nothing_until_asked(
    settings: Settings, offered: list[Offered]
) -> None:
    at = session(page="report")
    assert [t.value for t in at.title] == ["Report"]
    focus = at.selectbox(key="rep_focus")
    assert focus.value == "" and "Outlet: New Eastern Outlook" in focus.options
    assert any(o.startswith("Document: New Eastern Outlook — ") for o in focus.options)
    assert at.selectbox(key="rep_analyst").options == ["All analysts"]
    assert at.selectbox(key="rep_relation").options[:2] == ["Any relation", "Corroborates"]
    assert [o.split(" ")[0] for o in at.selectbox(key="rep_format").options] == [
        "Markdown", "HTML,", "CSV,", "Excel", "JSON,", "JSON-LD,",
    ]  # fmt: skip
    assert "then build it" in texts(at)
    assert not at.download_button and not at.code and not offered
    assert len(at.session_state["_rep_built"]) == 0


def test_a_focus_and_a_format_give_a_download_of_that_report(
    settings: Settings, offered: list[Offered]
) -> None:
    at = _build(session(page="report"), "New Eastern Outlook", "csv")
    pairs = int(_metrics(at)["Pairs"])
    (button,) = at.download_button
    assert button.label == "Download report-new-eastern-outlook.csv"
    csv_file = offered[-1]
    assert (csv_file.file_name, csv_file.media_type) == (
        "report-new-eastern-outlook.csv",
        "text/csv",
    )
    rows = list(csv.reader(io.StringIO(csv_file.data().decode("utf-8-sig"), newline="")))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[:2] == ["pair_id", "score"] and len(body) == pairs > 0
    assert all("New Eastern Outlook" in (r["a_outlet"], r["b_outlet"]) for r in body)
    built = at.session_state["_rep_built"].get(ReportScope(focus="New Eastern Outlook"))

    at.selectbox(key="rep_format").set_value("html").run()  # another format, no rebuild
    assert at.download_button[0].label == "Download report-new-eastern-outlook.html"
    html_file = offered[-1]
    assert (html_file.file_name, html_file.media_type) == (
        "report-new-eastern-outlook.html",
        "text/html",
    )
    page = html_file.data().decode()
    assert page.startswith("<!DOCTYPE html>") and "Comparison report: New Eastern Outlook" in page
    assert at.session_state["_rep_built"].get(ReportScope(focus="New Eastern Outlook")) is built


def test_a_scope_with_no_pairs_is_said_and_its_report_still_downloads(
    settings: Settings, offered: list[Offered]
) -> None:
    at = _build(session(page="report"), fmt="json", relation="contradicts", tagged=True)
    assert _metrics(at)["Pairs"] == "0"
    assert any("No pair is in this scope" in w.value for w in at.warning)
    assert at.download_button[0].label == "Download report-contradicts-tagged.json"
    assert b'"relation": "contradicts"' in offered[-1].data()


def test_the_choices_and_the_built_report_survive_a_visit_to_another_page(
    settings: Settings,
) -> None:
    at = _build(session(page="report"), NEO, "xlsx")
    at.switch_page("views/compare.py").run()
    at.switch_page("views/report.py").run()
    assert at.selectbox(key="rep_focus").value == NEO
    assert at.selectbox(key="rep_format").value == "xlsx"
    assert at.download_button[0].label == f"Download report-{NEO.replace('_', '-')}.xlsx"


def test_a_report_built_before_a_new_tag_says_so_until_built_again(settings: Settings) -> None:
    at = _build(session(page="report"))
    assert not at.warning
    with Store(settings.db) as store:
        pair = store.aligned_pairs(max_rank=1)[0]["pair_id"]
        store.add_tag(pair, "corroborates", "Ben")
    at.run()
    assert any("changed since this report was built" in w.value for w in at.warning)
    assert at.selectbox(key="rep_analyst").options == ["All analysts", "Ben"]
    at.button(key="rep_build").click().run()
    assert not at.warning
    rebuilt = at.session_state["_rep_built"].get(ReportScope()).report
    assert [t.analyst for t in rebuilt.tags_by_pair[pair]] == ["Ben"]


def test_a_focus_document_deleted_meanwhile_is_said_and_nothing_else_is_built(
    settings: Settings,
) -> None:
    at = session(page="report")
    at.selectbox(key="rep_focus").set_value(NEO).run()
    with Store(settings.db) as store:
        store.delete_document(NEO)
    at.button(key="rep_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert [_unescaped(w.value) for w in at.warning] == [
        f"{NEO} is no longer in the database; choose again."
    ]
    assert at.selectbox(key="rep_focus").value == ""
    assert len(at.session_state["_rep_built"]) == 0 and not at.download_button


# -- hostile text ---------------------------------------------------------------------

HOSTILE = {
    "alpha.txt": (
        "Alpha News",
        "Officials said twelve prisoners were released from camp 15 in June 2020 after a "
        f"review of their cases. {SCRIPT} The ministry confirmed the releases. {IMAGE}\n\n"
        "Food shortages hit the northern provinces during the winter of 2020, aid groups said.",
    ),
    "beta.txt": (
        "Beta Wire",
        "Twelve prisoners were released from camp 15 in June 2020 after officials reviewed "
        "their cases, the ministry confirmed.\n\n"
        "Aid groups said food shortages hit the northern provinces in the 2020 winter.",
    ),
    "gamma.txt": (
        "Gamma Daily",
        "The ministry denied that any prisoners were released from camp 15 in June 2020.\n\n"
        "The northern provinces had enough food during the winter of 2020, officials said.",
    ),
}


@pytest.fixture
def hostile(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A fresh database the app fills on start from three small sources, one of which
    holds a script tag and a Markdown image pointing at a local port."""
    folder = tmp_path / "hostile"
    folder.mkdir()
    with open(folder / "manifest.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["file", "outlet", "kind", "title", "published"])
        for name, (outlet, text) in HOSTILE.items():
            (folder / name).write_text(text, encoding="utf-8")
            writer.writerow([name, outlet, "outlet", f"{outlet} story", "2020-07"])
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "hostile.db"))
    monkeypatch.setenv("WORKBENCH_CORPUS", str(folder))
    return Settings.load()


def test_markup_in_a_passage_shows_as_text_in_the_preview_and_the_download(
    hostile: Settings, offered: list[Offered]
) -> None:
    at = _build(session(page="report"), fmt="html")
    assert int(_metrics(at)["Pairs"]) > 0
    (preview,) = at.code
    assert preview.language == "markdown"
    assert "\\<script\\>alert(1)\\</script\\>" in preview.value
    assert "!\\[x\\](http://127.0.0.1:9/x.png)" in preview.value
    rendered = [m.value for m in at.markdown] + [h.value for h in at.get("html")]
    assert not [m for m in rendered if "alert(1)" in m or "127.0.0.1:9" in m]
    page = offered[-1].data().decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert SCRIPT not in page and '="http://127.0.0.1:9' not in page
    with Store(hostile.db) as store:
        assert any(SCRIPT in p.text for p in store.passages())
