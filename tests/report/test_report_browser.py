"""The HTML report in a real browser: headless Debian chromium renders it, prints it, and
it fetches nothing.

The report is served from a loopback HTTP server that records every path asked of it, and
chromium writes a network log (with every host name resolving to nothing, so no request can
leave the machine). A request the page makes shows up in both, whatever its URL; a page
that does reference outside resources is checked the same way to show the check can fail.
The screenshot and the PDF are saved under ``tests/artifacts/`` (git-ignored).
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from workbench.report import ReportScope, build_report, render_report
from workbench.store import Store

from .conftest import FIXED, IMG, SCRIPT, Bundled
from .htmlcheck import fetching_references, inert_text, parse

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
OUTSIDE = """<!DOCTYPE html><html><head><link rel="stylesheet" href="/style.css">
<style>body { background: url(/bg.png) }</style></head><body>
<img src="http://example.invalid/x.png"><script src="https://cdn.invalid/x.js"></script>
text</body></html>"""


def _chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium")
    return found


class _Recorder(SimpleHTTPRequestHandler):
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, list[str]]]:
    """A folder served on loopback: (folder, base URL, paths requested so far)."""
    folder = tmp_path / "site"
    folder.mkdir()
    paths: list[str] = []
    handler = type("Handler", (_Recorder,), {"paths": paths})
    server = ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(handler, directory=str(folder))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}", paths
    finally:
        server.shutdown()
        server.server_close()


def _run_chromium(url: str, tmp: Path, *actions: str) -> subprocess.CompletedProcess[str]:
    profile = tmp / f"profile-{len(list(tmp.glob('profile-*')))}"
    command = [
        _chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        "--virtual-time-budget=5000", *actions, url,
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def _page_requests(netlog: Path, site: str) -> list[str]:
    """URLs of requests made on behalf of pages of ``site`` (the browser's own background
    requests carry another network isolation key and are not the page's doing)."""
    log = json.loads(netlog.read_text())
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        e["params"]["url"]
        for e in log["events"]
        if e["type"] == start_job
        and e.get("params", {}).get("network_isolation_key", "").split(" ")[0] == site
    ]


def _load(url: str, tmp: Path, *actions: str) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    netlog = tmp / f"net-{len(list(tmp.glob('net-*')))}.json"
    result = _run_chromium(url, tmp, f"--log-net-log={netlog}", *actions)
    return result, _page_requests(netlog, "http://127.0.0.1")


def test_network_check_catches_a_page_that_fetches(
    served: tuple[Path, str, list[str]], tmp_path: Path
) -> None:
    folder, base, paths = served
    (folder / "outside.html").write_text(OUTSIDE)
    assert len(fetching_references(OUTSIDE)) == 5
    _, requests = _load(f"{base}/outside.html", tmp_path, "--dump-dom")
    assert {
        "http://example.invalid/x.png",
        "https://cdn.invalid/x.js",
        f"{base}/style.css",
        f"{base}/bg.png",
    } <= set(requests)
    assert {"/style.css", "/bg.png"} <= set(paths)


def test_html_report_renders_prints_and_fetches_nothing(
    served: tuple[Path, str, list[str]], tmp_path: Path, bundled: Bundled, bundled_store: Store
) -> None:
    folder, base, paths = served
    report = build_report(bundled_store, bundled.settings, ReportScope(), provenance=FIXED)
    html = render_report(report, "html").decode("utf-8")
    assert fetching_references(html) == []
    (folder / "report.html").write_text(html, encoding="utf-8")
    url = f"{base}/report.html"
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "report.png"
    shot.unlink(missing_ok=True)

    _, requests = _load(url, tmp_path, "--window-size=1280,2400", f"--screenshot={shot}")
    assert requests == [url]
    dom, requests = _load(url, tmp_path, "--dump-dom")
    assert requests == [url]
    assert set(paths) == {"/report.html"}

    rendered = parse(dom.stdout)
    articles = [attrs for tag, attrs in rendered.tags if tag == "article"]
    assert len(articles) == report.counts()["claims"]
    assert sum(tag == "svg" for tag, _ in rendered.tags) == 2
    with Image.open(shot) as image:
        assert image.size == (1280, 2400)
        assert len(image.convert("L").getcolors(maxcolors=256 * 256) or []) > 20

    pdf = ARTIFACTS / "report.pdf"
    _run_chromium(url, tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}")
    reader = PdfReader(pdf)
    assert len(reader.pages) > 5
    assert "Comparison report" in reader.pages[0].extract_text()


def test_hostile_report_in_the_browser_shows_markup_as_text(
    served: tuple[Path, str, list[str]], tmp_path: Path, hostile: Any
) -> None:
    folder, base, paths = served
    (folder / "hostile.html").write_bytes(render_report(hostile, "html"))
    dom, requests = _load(f"{base}/hostile.html", tmp_path, "--dump-dom")
    assert requests == [f"{base}/hostile.html"]
    assert set(paths) == {"/hostile.html"}
    text = inert_text(dom.stdout)
    assert SCRIPT in text and IMG in text
