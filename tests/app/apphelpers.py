"""Helpers for the app's tests: the bundled corpus aligned once with the real model, copied
into each test's own database, and AppTest sessions of the real entry script."""

from __future__ import annotations

import functools
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from workbench.app import APP_SCRIPT
from workbench.config import Settings
from workbench.pipeline import bring_up_to_date
from workbench.store import Store

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
NEO = "003_9370619d500f480d"
HRW_2021 = "000_5122fa09ea523ce1"
AMNESTY = "002_de4ac8e5358793a0"


@functools.cache
def template(base: str) -> tuple[Path, Path]:
    """(database, vector cache) of the bundled corpus, ingested and aligned once a session."""
    folder = Path(base) / "app-template"
    folder.mkdir(exist_ok=True)
    settings = Settings.load(
        db=folder / "wb.db", embeddings_dir=folder / "emb", corpus_dir=CORPUS, progress=False
    )
    with Store(settings.db) as store:
        bring_up_to_date(store, settings)
    return settings.db, settings.embeddings_dir


def app_settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """A fresh copy of the aligned corpus for one test, named by environment variables as
    ``workbench app`` names it for the app."""
    db, emb = template(str(tmp_path_factory.getbasetemp()))
    shutil.copy(db, tmp_path / "wb.db")
    values = {
        "WORKBENCH_DB": tmp_path / "wb.db",
        "WORKBENCH_EMBEDDINGS": emb,
        "WORKBENCH_CORPUS": CORPUS,
        "WORKBENCH_UPLOADS": tmp_path / "uploads",
        "HF_HUB_OFFLINE": "1",
    }
    for var in [v for v in list(__import__("os").environ) if v.startswith("WORKBENCH_")]:
        monkeypatch.delenv(var)
    for var, value in values.items():
        monkeypatch.setenv(var, str(value))
    return Settings.load()


def session(analyst: str | None = "Ana Lyst", page: str | None = None) -> AppTest:
    """A new browser session of the app, already named, run once (on ``page`` if given)."""
    at = AppTest.from_file(str(APP_SCRIPT), default_timeout=120)
    if analyst is not None:
        at.session_state["analyst"] = analyst
    at.run()
    if page is not None:
        at.switch_page(f"views/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def texts(at: AppTest) -> str:
    """Everything the page shows as markdown, captions and alerts, as one string, the way a
    reader sees it: tags dropped and entities decoded."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [e.value for e in at.error] + [w.value for w in at.warning]
    parts += [i.value for i in at.info] + [s.value for s in at.success]
    joined = re.sub(r"</?span[^>]*>", "", "\n".join(str(p) for p in parts))
    return html.unescape(re.sub(r"<[^>]+>", " ", joined))


_WWW = re.compile(r"(?<![\w.])www\.[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
"""GitHub's "www." autolinks, which linkify-it only finds as fuzzy links (too many)."""
_LIVE_ATTRIBUTES = {"href", "src", "srcset", "poster", "data", "action", "formaction"}


class _Html(HTMLParser):
    """Raw HTML: the attributes that link, load or run something, and the text."""

    def __init__(self, live: list[str], text: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.live, self.text = live, text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in _LIVE_ATTRIBUTES or name.startswith("on"):
                self.live.append(f"{tag} {name}={value}")

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _html(fragment: str, live: list[str], text: list[str]) -> None:
    parser = _Html(live, text)
    parser.feed(fragment)
    parser.close()


def rendered(markdown: str) -> tuple[list[str], str]:
    """``markdown`` as Streamlit's renderer treats it: CommonMark with GitHub's tables and
    strikethrough, raw HTML passed through (as with ``unsafe_allow_html``), and GitHub's bare
    addresses made links in the text *after* escapes and entities are undone (remark-gfm
    finds them in the parsed text, not in the source). Returns the links, images and
    handlers made, and the text a reader sees (word joiners, being invisible, left out)."""
    from linkify_it import LinkifyIt

    addresses = LinkifyIt().set({"fuzzy_link": False})
    live: list[str] = []
    text: list[str] = []
    for block in (
        MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).parse(markdown)
    ):
        if block.type == "html_block":
            _html(block.content, live, text)
        in_link = 0
        for token in block.children or []:
            if token.type == "image":
                live.append(f"img src={token.attrGet('src')}")
            elif token.type == "link_open":
                live.append(f"a href={token.attrGet('href')}")
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            elif token.type == "html_inline":
                _html(token.content, live, text)
            elif token.type in ("text", "code_inline"):
                if token.type == "text" and not in_link:
                    live += [f"a href={m.url}" for m in addresses.match(token.content) or []]
                    live += [f"a href=http://{m[0]}" for m in _WWW.finditer(token.content)]
                text.append(token.content)
            elif token.type in ("softbreak", "hardbreak"):
                text.append(" ")
        text.append(" ")
    return live, " ".join("".join(text).replace("\u2060", "").split())
