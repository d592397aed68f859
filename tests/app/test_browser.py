"""The app in a real browser: `workbench app` on a free port, driven by headless Debian chromium.

Screenshots go to tests/artifacts/ (git-ignored) so a person can look at what the analyst saw.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apphelpers import NEO, ROOT, app_settings
from browserkit import chromium as _browser
from browserkit import clicked as _clicked
from browserkit import serve_app, webdriver
from browserkit import typed as _typed
from browserkit import wait as _wait

from workbench.config import Settings
from workbench.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

ARTIFACTS = ROOT / "tests" / "artifacts"

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


@pytest.fixture
def app(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Settings]]:
    """`workbench app` serving a copy of the aligned corpus; stopped after the test."""
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with serve_app(tmp_path) as url:
        yield url, settings


def _start(driver: webdriver.Chrome, url: str, name: str) -> None:
    """Open the app, give the analyst's name, go to Compare and focus on the Russian outlet."""
    driver.get(url)
    field = _wait(
        lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
        what="the name form",
    )
    field.send_keys(name, Keys.ENTER)
    # found and clicked inside the waits: a rerun may replace an element between the two
    _wait(
        lambda: _clicked(
            next(
                a
                for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
                if "Compare" in a.text
            )
        ),
        what="the page navigation",
    )
    _wait(
        lambda: _typed(
            driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Focus document']"),
            "New Eastern Outlook",
        ),
        what="the Compare page",
    )
    _wait(
        lambda: (
            "New Eastern Outlook"
            in driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text
            and _tag_buttons(driver, "related")
        ),
        what="New Eastern Outlook passages with tagging buttons",
    )
    time.sleep(1)


def _tag_buttons(driver: webdriver.Chrome, label: str) -> list[tuple[str, object]]:
    """(pair id, button) of every counterpart's button for ``label``, top to bottom."""
    found = []
    for holder in driver.find_elements(
        By.CSS_SELECTOR, f"[class*='st-key-cmp_tag_'][class*='_{label}']"
    ):
        key = next(
            c for c in holder.get_attribute("class").split() if c.startswith("st-key-cmp_tag_")
        )
        pair = key.removeprefix("st-key-cmp_tag_").removesuffix(f"_{label}")
        found.append((pair, holder.find_element(By.TAG_NAME, "button")))
    return found


def _tag_count(settings: Settings, analyst: str) -> int:
    with Store(settings.db) as store:
        return len(store.tags(analyst=analyst))


def _click_tag(
    driver: webdriver.Chrome, settings: Settings, analyst: str, index: int, label: str
) -> str:
    """Click ``label`` on the ``index``-th counterpart; wait until the tag is stored."""
    before = _tag_count(settings, analyst)
    pair, button = _wait(lambda: _tag_buttons(driver, label)[index], what="a tagging button")
    button.click()
    _wait(lambda: _tag_count(settings, analyst) > before, 30, f"{analyst}'s tag to be saved")
    _wait(
        lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"),
        30,
        "the page to finish updating",
    )
    time.sleep(0.3)
    return pair


def test_an_analyst_tags_a_pair_in_the_browser_and_it_is_stored(app) -> None:  # type: ignore[no-untyped-def]
    url, settings = app
    driver = _browser()
    try:
        _start(driver, url, "Ana")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "compare.png"))
        pair = _click_tag(driver, settings, "Ana", 0, "disputes_framing")
        _wait(
            lambda: (
                "your tag: Disputes framing"
                in driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text
            ),
            what="the saved tag on the card",
        )
        driver.save_screenshot(str(ARTIFACTS / "compare-tagged.png"))
    finally:
        driver.quit()
    with Store(settings.db) as store:
        (saved,) = store.tags()
        focus_docs = {r["a_doc"] for r in store.aligned_pairs(pair_id=pair)}
    assert (saved.pair_id, saved.label.value, saved.analyst) == (pair, "disputes_framing", "Ana")
    assert NEO in focus_docs


def test_uploading_in_the_browser_reports_a_bad_file_and_ingests_the_good_one(  # type: ignore[no-untyped-def]
    app, tmp_path: Path
) -> None:
    url, settings = app
    good = tmp_path / "wire-report.md"
    good.write_text(
        "# Border\n\nGuards at the Chinese border were told to shoot anyone "
        "approaching it, a wire service reported.\n"
    )
    bad = tmp_path / "scanned.pdf"
    bad.write_bytes(b"%PDF-1.4 not really a pdf")
    driver = _browser()
    try:
        _start(driver, url, "Ana")
        # clicked inside the wait: a rerun may replace the element between find and click
        _wait(
            lambda: _clicked(
                next(
                    a
                    for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
                    if "Corpus" in a.text
                )
            ),
            what="the Corpus link",
        )
        field = _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "input[type='file']"),
            what="the upload field",
        )
        field.send_keys(f"{good}\n{bad}")
        _wait(
            lambda: _clicked(
                next(
                    b
                    for b in driver.find_elements(By.TAG_NAME, "button")
                    if b.text == "Ingest and align"
                )
            ),
            what="the ingest button",
        )
        main = lambda: driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text  # noqa: E731
        _wait(lambda: "Aligned:" in main(), 180, "the upload to be ingested and aligned")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "corpus-upload.png"))
        shown = main()
        toolbar = _table_toolbar(driver)
    finally:
        driver.quit()
    assert "scanned.pdf:" in shown and "wire-report.md: ingested as wire-report" in shown
    # the table's own CSV export would write hostile cells raw: the app turns it off
    assert toolbar and not any("download" in label.lower() for label in toolbar), toolbar
    assert "6 documents" in shown  # the table includes the new document
    with Store(settings.db) as store:
        assert "wire-report" in {d.id for d in store.documents()}
        assert "scanned" not in {d.id for d in store.documents()}
        assert store.aligned_pairs(doc_id="wire-report")


def _table_toolbar(driver: webdriver.Chrome) -> list[str]:
    """The labels of the buttons a table shows when the pointer is over it."""
    from selenium.webdriver.common.action_chains import ActionChains

    table = driver.find_element(By.CSS_SELECTOR, "[data-testid='stDataFrame']")
    ActionChains(driver).move_to_element(table).perform()
    return _wait(  # type: ignore[return-value]
        lambda: [
            b.get_attribute("aria-label") or b.text
            for b in driver.find_elements(
                By.CSS_SELECTOR, "[data-testid='stElementToolbar'] button"
            )
        ],
        10,
        "the table's toolbar",
    )


def test_two_analysts_tagging_at_the_same_time_lose_no_tags(app) -> None:  # type: ignore[no-untyped-def]
    url, settings = app
    analysts = ["Ana", "Ben"]
    drivers = [_browser() for _ in analysts]
    rounds = 3
    barrier = threading.Barrier(len(analysts))
    saved: dict[str, list[str]] = {name: [] for name in analysts}
    failures: list[BaseException] = []

    def work(driver: webdriver.Chrome, name: str) -> None:
        try:
            _start(driver, url, name)
            for i in range(rounds):
                barrier.wait(timeout=120)  # both click in the same instant
                saved[name].append(_click_tag(driver, settings, name, i % 2, "corroborates"))
        except BaseException as exc:  # reported in the main thread
            failures.append(exc)
            barrier.abort()

    threads = [
        threading.Thread(target=work, args=(d, n)) for d, n in zip(drivers, analysts, strict=True)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
        ARTIFACTS.mkdir(exist_ok=True)
        drivers[1].save_screenshot(str(ARTIFACTS / "compare-second-analyst.png"))
    finally:
        for driver in drivers:
            driver.quit()
    assert not failures, failures
    with Store(settings.db) as store:
        stored = {name: [t.pair_id for t in store.tags(analyst=name)] for name in analysts}
    assert stored == saved
    assert all(len(pairs) == rounds for pairs in stored.values())


def _choose(driver: webdriver.Chrome, label: str, option: str) -> None:
    """Pick the option starting with ``option`` in the select box labelled ``label``,
    again if a rerun replaced the box while it was being used."""

    def pick() -> bool:
        field = driver.find_element(By.CSS_SELECTOR, f"input[aria-label^='{label}']")
        field.click()
        field.send_keys(option, Keys.ENTER)
        _wait(
            lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"),
            30,
            "the page to finish updating",
        )
        box = driver.find_element(By.CSS_SELECTOR, f"input[aria-label^='{label}']")
        return str(box.get_attribute("value")).startswith(option)

    _wait(pick, 60, f"{option!r} chosen in {label}")


def test_the_report_page_builds_a_report_and_the_browser_downloads_it(  # type: ignore[no-untyped-def]
    app, tmp_path: Path
) -> None:
    url, _ = app
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    driver = _browser()
    driver.execute_cdp_cmd(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    main = lambda: driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']")  # noqa: E731
    try:
        driver.get(url)
        field = _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
            what="the name form",
        )
        field.send_keys("Ana", Keys.ENTER)
        report = _wait(
            lambda: next(
                a
                for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
                if a.text.strip().endswith("Report")
            ),
            what="the Report page in the navigation",
        )
        report.click()
        _choose(driver, "Focus", "Outlet: New Eastern Outlook")
        _choose(driver, "Format", "CSV")
        build = _wait(
            lambda: next(
                b for b in main().find_elements(By.TAG_NAME, "button") if "Build report" in b.text
            ),
            what="the build button",
        )
        build.click()
        button = _wait(
            lambda: next(
                b
                for b in main().find_elements(By.TAG_NAME, "button")
                if "Download report-new-eastern-outlook.csv" in b.text
            ),
            60,
            "the download button",
        )
        _wait(lambda: "# Comparison report: New Eastern Outlook" in main().text, what="preview")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "report-page.png"))
        button.click()
        saved = downloads / "report-new-eastern-outlook.csv"
        _wait(saved.exists, 60, "the downloaded report")
    finally:
        driver.quit()
    text = saved.read_text(encoding="utf-8-sig")
    assert text.startswith("pair_id,score,")
    assert "New Eastern Outlook" in text
