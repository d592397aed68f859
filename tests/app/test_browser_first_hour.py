"""What a new analyst meets in a real browser: a link to a page lands on that page after
the name prompt, and the Corpus table shows every column in a 1400 px wide window."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apphelpers import app_settings
from browserkit import chromium, serve_app, wait
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]


@pytest.fixture
def url(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """`workbench app` serving a copy of the aligned corpus."""
    app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with serve_app(tmp_path) as served:
        yield served


def _name(driver, name: str = "Ana") -> None:  # type: ignore[no-untyped-def]
    field = wait(
        lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
        120,
        "the name form",
    )
    field.send_keys(name, Keys.ENTER)


def _main_text(driver) -> str:  # type: ignore[no-untyped-def]
    return driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text


@pytest.mark.parametrize(("path", "title"), [("search", "Search passages"), ("corpus", "Corpus")])
def test_a_link_to_a_page_lands_on_that_page_after_the_name_prompt(
    url: str, path: str, title: str
) -> None:
    driver = chromium()
    try:
        driver.get(f"{url}/{path}")
        _name(driver)
        wait(lambda: title in _main_text(driver), 120, f"the {title!r} page")
        assert "Compare sources" not in _main_text(driver)
        assert driver.current_url.rstrip("/").endswith(f"/{path}")
    finally:
        driver.quit()


def test_the_corpus_table_shows_its_last_column_in_a_1400_px_window(url: str) -> None:
    driver = chromium()
    try:
        driver.set_window_size(1400, 1000)
        driver.get(f"{url}/corpus")
        _name(driver)
        wait(
            lambda: driver.find_elements(By.CSS_SELECTOR, "[data-testid='stDataFrame']"),
            120,
            "the documents table",
        )
        time.sleep(2)
        overflow = driver.execute_script(
            """
            const table = document.querySelector("[data-testid='stDataFrame']");
            const out = [];
            for (const el of table.querySelectorAll('.dvn-scroller')) {
              if (el.scrollWidth > el.clientWidth + 1) {
                out.push([el.scrollWidth, el.clientWidth]);  // columns scroll out of sight
              }
            }
            return out;
            """
        )
    finally:
        driver.quit()
    assert not overflow, overflow
