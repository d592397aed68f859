"""The app in headless chromium asks nothing of any host but the one serving it, and its
log stays free of Streamlit's bare-mode warnings, from first preparation to every page."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from apphelpers import CORPUS, template
from browserkit import chromium, serve_app, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
LOCAL_SCHEMES = {"data", "blob", "about", "chrome", "chrome-extension", "devtools"}
BARE_MODE = re.compile(
    r"missing ScriptRunContext|Session state does not function|"
    r"to view a Streamlit app on a browser|bare mode",
    re.IGNORECASE,
)


def _is_local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in LOCAL_SCHEMES or (parts.hostname or "") in LOCAL_HOSTS


def _requested(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """URLs the page asked for since the last call (Network events of the performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _referenced(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """Every URL the document points a resource at (icons, images, styles, scripts, fonts)."""
    return driver.execute_script(
        """
        const out = [];
        for (const el of document.querySelectorAll('link[href], img[src], script[src],'
                                                   + ' source[src], iframe[src]')) {
          out.push(el.href || el.src);
        }
        for (const sheet of document.styleSheets) {
          let rules = [];
          try { rules = sheet.cssRules; } catch (e) { continue; }
          for (const rule of rules) {
            for (const m of rule.cssText.matchAll(/url\\(["']?([^"')]+)/g)) {
              out.push(new URL(m[1], sheet.href || document.baseURI).href);
            }
          }
        }
        return out;
        """
    )


def test_preparing_and_visiting_every_page_requests_nothing_from_other_hosts(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, emb = template(str(tmp_path_factory.getbasetemp()))
    for var in [v for v in os.environ if v.startswith("WORKBENCH_")]:
        monkeypatch.delenv(var)
    monkeypatch.setenv("WORKBENCH_DB", str(tmp_path / "wb.db"))  # empty: prepared in the app
    monkeypatch.setenv("WORKBENCH_EMBEDDINGS", str(emb))
    monkeypatch.setenv("WORKBENCH_CORPUS", str(CORPUS))
    monkeypatch.setenv("WORKBENCH_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    driver = chromium(**{"goog:loggingPrefs": {"performance": "ALL"}})
    seen: list[str] = []
    try:
        with serve_app(tmp_path) as url:
            driver.get(url)
            field = wait(
                lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
                180,
                "the name form",
            )
            field.send_keys("Ana Lyst", Keys.ENTER)
            # the preparation's progress shows on a clean page, not below a greyed-out form
            wait(
                lambda: "Getting ready" in driver.find_element(By.TAG_NAME, "body").text,
                120,
                "the preparation's progress box",
            )
            assert not driver.find_elements(By.CSS_SELECTOR, "input[aria-label^='Your name']")
            links = wait(
                lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a"),
                300,
                "the prepared corpus and the page navigation",
            )
            names = [a.text for a in links]
            assert len(names) >= 6, names
            for name in names:
                link = next(
                    a
                    for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
                    if a.text == name
                )
                link.click()
                wait(
                    lambda: driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text,
                    60,
                    f"the {name!r} page",
                )
                time.sleep(1)
                wait(
                    lambda: (
                        not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']")
                    ),
                    60,
                    f"the {name} page to finish",
                )
                seen += _requested(driver) + _referenced(driver)
        log = (tmp_path / "app.log").read_text()
    finally:
        driver.quit()
    assert seen, "the performance log recorded no request at all"
    foreign = sorted({u for u in seen if not _is_local(u)})
    assert not foreign, foreign
    assert "loss_type" not in log and "Loading weights" not in log, log[-2000:]
    assert not BARE_MODE.findall(log), [
        line for line in log.splitlines() if BARE_MODE.search(line)
    ][:5]
