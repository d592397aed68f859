"""Hostile text in a real browser, on each store (SQLite, PostgreSQL): about 200 script and
resource-loading payloads held in passages, headings, document metadata, analyst names and
notes are shown on every page of the app and in the HTML and Markdown reports, and none of
them does anything.

A loopback HTTP listener records every request; each payload points its resources and its
script's ``fetch`` at the listener with its own number. Headless Debian chromium (through
selenium, which is told to leave dialogs open so they can be counted) visits every page of
the navigation, steps through every focus passage on Compare and searches for the payload
passages. After each view the test counts dialogs, reads ``window.__xss`` and looks for any
element with an event-handler attribute, a ``javascript:`` URL or a reference to the
listener. The payloads must also be readable as text, so a page that drops them (instead
of showing them) fails too.
"""

from __future__ import annotations

import csv
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from workbench.cli import main as cli
from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.models import PassageKind
from workbench.pipeline import realign
from workbench.store.factory import open_store

from .payloads import Payload, make_payloads

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

from browserkit import chromium, serve_app  # noqa: E402
from browserkit import wait as _wait  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    ElementClickInterceptedException,
    NoAlertPresentException,
    UnexpectedAlertPresentException,
)
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

PARAGRAPH_CHARS = 1300
"""Payloads are grouped into paragraphs below the segmenter's passage limit (1,500), so no
payload is ever cut in two."""

SEARCHES = ("dossier alpha", "dossier beta", "onerror")
"""Keyword searches run on the Search page: the first two find every payload passage
between them (each under the 50-hit limit), the third marks matches inside payloads."""

# Run in the page after every view: what, if anything, the payloads managed to do.
AUDIT_JS = """
const listener = arguments[0];
const fetching = new Set(['src', 'href', 'srcset', 'poster', 'data', 'background', 'action',
  'formaction', 'xlink:href', 'ping', 'style', 'content', 'srcdoc']);
const found = [];
const visit = (root) => {
  for (const el of root.querySelectorAll('*')) {
    for (const a of el.attributes) {
      const name = a.name.toLowerCase();
      const squeezed = a.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
      if (name.startsWith('on') || squeezed.startsWith('javascript:')
          || (fetching.has(name) && a.value.includes(listener))) {
        found.push(`${el.tagName.toLowerCase()} ${name}=${a.value.slice(0, 100)}`);
      }
    }
    if (el.shadowRoot) visit(el.shadowRoot);
    if (el.tagName === 'IFRAME') {
      try { if (el.contentDocument) visit(el.contentDocument); } catch (e) {}
    }
  }
};
visit(document);
return {xss: window.__xss === undefined ? null : String(window.__xss), found: found,
        text: document.body ? document.body.innerText : ''};
"""


def squeeze(text: str) -> str:
    """Whitespace runs as one space, as ``innerText`` shows them."""
    return " ".join(text.split())


# -- the listener -----------------------------------------------------------------------


class _Recorder(BaseHTTPRequestHandler):
    hits: list[str]

    def _record(self) -> None:
        self.hits.append(f"{self.command} {self.path}")
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_OPTIONS = do_PUT = _record

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A loopback HTTP server answering 404 to everything: (base URL, requests seen)."""
    hits: list[str] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (_Recorder,), {"hits": hits}))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


# -- the hostile corpus -----------------------------------------------------------------


@dataclass
class Hostile:
    """The hostile database and what the test needs to know about it."""

    settings: Settings
    payloads: list[Payload]
    extras: dict[str, str]
    """Payloads outside the passages (metadata, headings, analysts, notes), by name."""
    disputed: list[str] = field(default_factory=list)
    """Pairs the two hostile analysts tagged differently (all on the Agreement page's first
    page of ten)."""


def _extras(listener: str) -> dict[str, str]:
    """Payloads for everything that is not a passage; each at most 100 characters."""

    def js(name: str) -> str:
        return f"window.__xss='{name}';alert('{name}')"

    def url(name: str) -> str:
        return f"{listener}/meta/{name}"

    return {
        "outlet_a": f"Evil Outlet <img src={url('oa')} onerror={js('oa')}>",
        "outlet_b": f"Other Wire :red[wire] ![o]({url('ob')})",
        "title_a": f"![title]({url('ta')}) <script>{js('ta')}</script>",
        "title_b": f"<svg onload={js('tb')}><image href={url('tb')} /></svg>",
        "kind": f"[state media](javascript:{js('kind')}) ![k]({url('kind')})",
        "author": f"<iframe src={url('au')} onload={js('au')}></iframe>",
        "url_a": f"javascript:{js('url')}",
        "url_b": url("ub"),
        "section": f"Events ![s]({url('sec')}) <img src={url('sec2')} onerror={js('sec')}>",
        "analyst_1": f"![a]({url('an1')}) Ana",
        "analyst_2": f"<img src={url('an2')} onerror={js('an2')}> Ben",
        "adjudicator": f"<svg onload={js('adj')}> :red[Chief] ![j]({url('adj')})",
        "note": f"see <img src={url('note')} onerror={js('note')}> [x](javascript:{js('n')})",
        "me": f"<img src={url('me')} onerror={js('me')}> Me",
        "upload": "<img src=x onerror=alert('upload')> scan.pdf",
    }


def _paragraphs(payloads: list[Payload]) -> list[str]:
    groups: list[list[str]] = [[]]
    for p in payloads:
        if groups[-1] and sum(len(t) + 1 for t in groups[-1]) + len(p.text) > PARAGRAPH_CHARS:
            groups.append([])
        groups[-1].append(p.text)
    return [
        f"Hostile dossier {'alpha' if k % 2 == 0 else 'beta'} part {k}: officials said "
        f"{k + 12} people were detained on {k % 27 + 1} May 2021. " + " ".join(group)
        for k, group in enumerate(groups)
    ]


def _write_corpus(folder: Path, payloads: list[Payload], extras: dict[str, str]) -> None:
    folder.mkdir()
    blocks = []
    for k, paragraph in enumerate(_paragraphs(payloads)):
        if k % 6 == 0:
            blocks.append(f"## Part {k // 6} {extras['section']}")
        blocks.append(paragraph)
    text = "\n\n".join(blocks) + "\n"
    (folder / "a.md").write_text(text, encoding="utf-8")
    (folder / "b.md").write_text(text, encoding="utf-8")
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["file", "id", "outlet", "kind", "title", "author", "published", "url"])
        for doc, side in (("a.md", "a"), ("b.md", "b")):
            writer.writerow(
                [doc, f"{side}-hostile", extras[f"outlet_{side}"], extras["kind"],
                 extras[f"title_{side}"], extras["author"], "3 May 2021", extras[f"url_{side}"]]
            )  # fmt: skip


@pytest.fixture(params=["sqlite", "postgres"])
def hostile(
    request: pytest.FixtureRequest,
    listener: tuple[str, list[str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Hostile:
    """The hostile corpus, aligned, tagged by two hostile analysts and adjudicated, named by
    environment variables as ``workbench app`` names it for the app; in a SQLite file, and
    in a PostgreSQL database (the app then serves from the server)."""
    base, _ = listener
    corpus = tmp_path / "hostile"
    payloads, extras = make_payloads(base), _extras(base)
    _write_corpus(corpus, payloads, extras)
    for var in [v for v in os.environ if v.startswith("WORKBENCH_")]:
        monkeypatch.delenv(var)
    values = {
        "WORKBENCH_DB": (
            request.getfixturevalue("pg_url") if request.param == "postgres" else tmp_path / "wb.db"
        ),
        "WORKBENCH_EMBEDDINGS": tmp_path / "emb",
        "WORKBENCH_CORPUS": corpus,
        "WORKBENCH_UPLOADS": tmp_path / "uploads",
        "HF_HUB_OFFLINE": "1",
    }
    for var, value in values.items():
        monkeypatch.setenv(var, str(value))
    found = Hostile(Settings.load(progress=False), payloads, extras)
    with open_store(found.settings.db) as store:
        report = ingest_paths(store, [corpus], settings=found.settings)
        assert not report.rejected, [r.line() for r in report.rejected]
        realign(store, found.settings)  # the real model: the app finds nothing to redo
        passages = [p for p in store.passages() if p.kind is PassageKind.TEXT]
        for p in found.payloads:
            assert any(p.text in q.text for q in passages), f"payload {p.number} not ingested"
        pairs = sorted({r["pair_id"] for r in store.aligned_pairs(max_rank=1)})
        for n, pair in enumerate(pairs[:8]):
            store.add_tag(pair, "contradicts", found.extras["analyst_1"], found.extras["note"])
            store.add_tag(pair, "corroborates" if n % 2 else "related", found.extras["analyst_2"])
            found.disputed.append(pair)
        store.add_adjudication(
            pairs[0], "contradicts", found.extras["adjudicator"], found.extras["note"]
        )
    return found


# -- the app and the browser ------------------------------------------------------------


@pytest.fixture
def app(hostile: Hostile, tmp_path: Path) -> Iterator[str]:
    """`workbench app` serving the hostile database; stopped after the test."""
    with serve_app(tmp_path) as url:
        yield url


def _browser() -> Any:
    # Leave a dialog open instead of dismissing it, so that every one is seen and counted.
    return chromium(unhandledPromptBehavior="ignore")


@dataclass
class Audit:
    """What the browser saw, view by view."""

    driver: Any
    listener: str
    views: list[str] = field(default_factory=list)
    dialogs: list[tuple[str, str]] = field(default_factory=list)
    scripts: list[tuple[str, str]] = field(default_factory=list)
    elements: list[tuple[str, str]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)

    def close_dialogs(self, where: str) -> None:
        while True:
            try:
                alert = self.driver.switch_to.alert
            except NoAlertPresentException:
                return
            self.dialogs.append((where, alert.text))
            alert.accept()

    def wait(self, condition: Callable[[], object], timeout: float, what: str) -> Any:
        """:func:`_wait`, counting and closing any dialog that opens meanwhile."""
        return _wait(condition, timeout, what, lambda: self.close_dialogs(what))

    def act(self, action: Callable[[], object], what: str) -> None:
        """Click or type, counting and closing any dialog that is in the way."""
        for _ in range(20):
            try:
                action()
                return
            except UnexpectedAlertPresentException:
                self.close_dialogs(what)
        raise AssertionError(f"{what}: dialogs keep opening")

    def click(self, element: Any, what: str) -> None:
        """Click like a user; if something drawn over the page takes the click, record that
        and click from script, so the remaining views are still checked."""
        try:
            self.act(element.click, what)
        except ElementClickInterceptedException as exc:
            self.elements.append((what, f"the click was intercepted: {exc.msg[:200]}"))
            self.act(lambda: self.driver.execute_script("arguments[0].click()", element), what)

    def check(self, where: str) -> str:
        """Record what the view at ``where`` let through; returns its visible text."""
        time.sleep(0.5)  # let images and frames start loading
        self.close_dialogs(where)
        for _ in range(20):
            try:
                state = self.driver.execute_script(AUDIT_JS, self.listener)
                break
            except UnexpectedAlertPresentException:
                self.close_dialogs(where)
        else:
            raise AssertionError(f"{where}: dialogs keep opening")
        self.close_dialogs(where)
        if state["xss"] is not None:
            self.scripts.append((where, state["xss"]))
        self.elements += [(where, found) for found in state["found"]]
        self.views.append(where)
        self.texts[where] = self.texts.get(where, "") + "\n" + squeeze(state["text"])
        return str(state["text"])

    def findings(self, hits: list[str]) -> str:
        """What got through, by kind ('' if nothing did)."""
        found = {
            "dialogs": sorted({f"{where}: {text}" for where, text in self.dialogs}),
            "scripts run (window.__xss)": sorted({f"{w}: {v}" for w, v in self.scripts}),
            "live elements": sorted({f"{w.split(',')[0]}: {e}" for w, e in self.elements}),
            "listener hits": sorted(set(hits)),
        }
        return "\n".join(
            f"{len(items)} {what}:\n  " + "\n  ".join(items[:40])
            for what, items in found.items()
            if items
        )

    def main_text(self) -> str:
        return str(self.driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text)

    def settle(self) -> None:
        """Wait until the app has finished its current run."""
        time.sleep(0.4)
        self.wait(
            lambda: (
                not self.driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']")
            ),
            60,
            "the page to finish updating",
        )

    def open_page(self, title: str) -> None:
        link = next(a for a in self.nav() if _title(a) == title)
        self.click(link, f"opening {title}")
        self.wait(
            lambda: (
                title.lower() in self.driver.current_url.lower() or title == self.nav_titles()[0]
            ),
            30,
            f"the {title} page",
        )
        self.settle()

    def nav(self) -> list[Any]:
        return list(self.driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a"))

    def nav_titles(self) -> list[str]:
        return [_title(a) for a in self.nav()]


def _title(link: Any) -> str:
    """A navigation link's page title (its text after the icon's name)."""
    return str(link.text).strip().splitlines()[-1].strip()


def _visit_compare(audit: Audit) -> None:
    """Every focus passage of the first hostile document, with its counterparts."""
    driver = audit.driver
    audit.wait(
        lambda: driver.find_elements(By.CSS_SELECTOR, "[class*='st-key-cmp_card_']"),
        60,
        "a counterpart card on Compare",
    )
    step = 1
    while True:
        audit.wait(
            lambda: str(
                driver.find_element(By.CSS_SELECTOR, "input[aria-label='Passage']").get_attribute(
                    "value"
                )
            ).startswith(f"{step} of "),  # noqa: B023
            30,
            f"passage {step} on Compare",
        )
        audit.check(f"Compare, passage {step}")
        button = driver.find_element(By.CSS_SELECTOR, ".st-key-cmp_next button")
        if button.get_attribute("disabled") is not None:
            return
        audit.click(button, f"Compare, after passage {step}")
        step += 1
        audit.settle()


def _visit_corpus(audit: Audit, upload: Path) -> None:
    """The documents table, and an upload whose file name is a payload (it is rejected)."""
    driver = audit.driver
    audit.wait(lambda: "aligned pairs" in audit.main_text(), 30, "the Corpus page")
    audit.check("Corpus")
    field_ = audit.wait(
        lambda: driver.find_element(By.CSS_SELECTOR, "input[type='file']"), 30, "the upload field"
    )
    audit.act(lambda: field_.send_keys(str(upload)), "uploading")
    ingest = audit.wait(
        lambda: next(
            b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "Ingest and align"
        ),
        30,
        "the ingest button",
    )
    audit.click(ingest, "ingesting the upload")
    audit.wait(lambda: "scan.pdf: " in audit.main_text(), 60, "the upload's rejection")
    audit.check("Corpus, after an upload")


def _visit_search(audit: Audit) -> None:
    driver = audit.driver
    for query in SEARCHES:
        field_ = audit.wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label='Query']"),
            30,
            "the query field",
        )
        audit.act(lambda: field_.send_keys(Keys.CONTROL, "a"), "the query field")  # noqa: B023
        audit.act(lambda: field_.send_keys(Keys.DELETE), "the query field")  # noqa: B023
        audit.act(lambda: field_.send_keys(query, Keys.ENTER), "searching")  # noqa: B023
        audit.wait(lambda: re.search(r"\d+ passages", audit.main_text()), 30, f"hits for {query!r}")
        audit.settle()
        audit.check(f"Search {query!r}")


def _visit_page(audit: Audit, title: str, upload: Path) -> None:
    audit.open_page(title)
    if title == "Compare":
        _visit_compare(audit)
    elif title == "Corpus":
        _visit_corpus(audit, upload)
    elif title == "Search":
        _visit_search(audit)
    elif title == "Overview":
        audit.wait(lambda: "never addresses" in audit.main_text(), 60, "the Overview page")
        audit.check(title)
    elif title == "Agreement":
        audit.wait(lambda: "Disagreements" in audit.main_text(), 60, "the Agreement page")
        audit.check(title)
    elif title == "Report":
        button = audit.wait(
            lambda: audit.driver.find_element(By.CSS_SELECTOR, ".st-key-rep_build button"),
            60,
            "the Report page",
        )
        audit.check(title)
        audit.click(button, "building the report")
        audit.wait(lambda: "Preview" in audit.main_text(), 120, "the report's preview")
        audit.settle()
        audit.check("Report, built")
    else:  # a page added later: shown as it opens
        time.sleep(2)
        audit.settle()
        audit.check(title)


# -- reports ----------------------------------------------------------------------------


def _reports(folder: Path) -> dict[str, Path]:
    """The reports `workbench report` writes, as pages for the browser: the HTML report as
    written and with its Content-Security-Policy removed (so its escaping is tested on its
    own), and the Markdown report rendered by a CommonMark renderer that passes raw HTML."""
    folder.mkdir()
    runner = CliRunner()
    for fmt in ("html", "md"):
        result = runner.invoke(
            cli, ["--quiet", "report", "--format", fmt, "--out", str(folder / f"report.{fmt}")]
        )
        assert result.exit_code == 0, result.output
    html_report = (folder / "report.html").read_text(encoding="utf-8")
    without_csp = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html_report)
    assert without_csp != html_report
    (folder / "report-no-csp.html").write_text(without_csp, encoding="utf-8")
    rendered = (
        MarkdownIt("commonmark", {"html": True})
        .enable("table")
        .render((folder / "report.md").read_text(encoding="utf-8"))
    )
    (folder / "report-md.html").write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">'
        f"</head><body>{rendered}</body></html>",
        encoding="utf-8",
    )
    return {
        "HTML report": folder / "report.html",
        "HTML report without its CSP": folder / "report-no-csp.html",
        "Markdown report, rendered": folder / "report-md.html",
    }


# -- the test ---------------------------------------------------------------------------


def test_hostile_text_is_shown_as_text_on_every_page_and_report(  # type: ignore[no-untyped-def]
    app: str, hostile: Hostile, listener: tuple[str, list[str]], tmp_path: Path, figure
) -> None:
    base, hits = listener
    upload = tmp_path / hostile.extras["upload"]
    upload.write_bytes(b"%PDF-1.4 not really a pdf")
    reports = _reports(tmp_path / "reports")
    driver = _browser()
    audit = Audit(driver, base)
    try:
        driver.get(app)
        name = audit.wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
            60,
            "the name form",
        )
        audit.act(lambda: name.send_keys(hostile.extras["me"], Keys.ENTER), "giving a name")
        audit.wait(audit.nav, 120, "the page navigation")
        audit.settle()
        pages = audit.nav_titles()
        for title in pages:
            _visit_page(audit, title, upload)
        for view, path in reports.items():
            driver.get(path.as_uri())
            audit.check(view)
        time.sleep(2)  # anything still loading reaches the listener now
        audit.close_dialogs("the end")
    except Exception as exc:
        audit.close_dialogs("a failure")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "hostile-failure.png"))
        (ARTIFACTS / "hostile-failure.html").write_text(driver.page_source, encoding="utf-8")
        raise AssertionError(f"{exc}\nfound before the failure:\n{audit.findings(hits)}") from exc
    finally:
        driver.quit()

    assert {"Compare", "Corpus", "Overview", "Search", "Agreement", "Report"} <= set(pages)
    found = audit.findings(hits)
    assert not found, found

    # The payloads are there to read, as the analyst would read them.
    def missing(view: str, texts: list[str]) -> list[str]:
        shown = (
            audit.texts[view]
            if view in audit.texts
            else "\n".join(t for v, t in audit.texts.items() if v.startswith(view))
        )
        return [t for t in texts if squeeze(t) not in shown]

    every = [p.text for p in hostile.payloads]
    assert missing("Compare", every) == []
    assert missing("Search", every) == []
    for view in reports:
        assert missing(view, every) == [], view
    extras = hostile.extras
    assert missing("Compare", [extras["title_a"], extras["section"], extras["me"]]) == []
    assert missing("Overview", [extras["title_a"], extras["outlet_a"]]) == []
    assert missing("Agreement", [extras["analyst_1"], extras["analyst_2"], extras["note"]]) == []
    with open_store(hostile.settings.db) as store:
        disputed = [
            store.aligned_pairs(pair_id=pair, max_rank=None)[0] for pair in hostile.disputed
        ]
    in_disputes = [t for t in every if any(t in r["a_text"] + r["b_text"] for r in disputed)]
    assert in_disputes and missing("Agreement", in_disputes) == []
    # The Report page previews the Markdown report as text, escapes and all, first claims only.
    preview = re.sub(r"\\(.)", r"\1", audit.texts["Report, built"])
    in_preview = [t for t in every if squeeze(t) in preview]
    assert in_preview

    steps = sum(v.startswith("Compare") for v in audit.views)
    store = "PostgreSQL" if "://" in str(hostile.settings.db) else "SQLite"
    figure(
        f"hostile text ({store}): {len(hostile.payloads)} payloads in passages "
        f"(+{len(hostile.extras)} in metadata, headings, analyst names, notes, an upload "
        f"name); {len(pages)} app pages "
        f"({', '.join(pages)}; {steps} Compare passages, {len(SEARCHES)} searches) and "
        f"{len(reports)} report views, {len(audit.views)} views in all in headless chromium: "
        f"{len(audit.dialogs)} dialogs, {len(audit.scripts)} scripts run, "
        f"{len(audit.elements)} live elements, {len(hits)} listener hits; every payload "
        f"readable as text on Compare, Search and each report file, {len(in_preview)} in the "
        "Report page's preview (its first claims)"
    )
