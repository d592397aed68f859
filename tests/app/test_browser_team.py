"""The team app in a real browser: sign-in, blind tagging, an adjudicator seeing everyone.

`workbench app` serves a copy of the aligned corpus whose store has accounts; headless
Debian chromium plays a stranger, two analysts and an adjudicator.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from apphelpers import ROOT, app_settings
from browserkit import chromium as _browser
from browserkit import clicked as _clicked
from browserkit import serve_app, webdriver
from browserkit import typed as _typed
from browserkit import wait as _wait

from workbench.accounts import Accounts
from workbench.config import Settings
from workbench.store.factory import open_store

pytestmark = [pytest.mark.browser, pytest.mark.model, pytest.mark.slow]

from selenium.webdriver.common.by import By  # noqa: E402

ARTIFACTS = ROOT / "tests" / "artifacts"
PASSWORDS = {"ann": "ann's passphrase", "bob": "bob's passphrase", "judge": "judge passphrase"}
ROLES = {"ann": "analyst", "bob": "analyst", "judge": "adjudicator"}


@pytest.fixture
def team_app(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Settings]]:
    """The app serving a copy of the aligned corpus whose store has three accounts."""
    settings = app_settings(tmp_path, tmp_path_factory, monkeypatch)
    with open_store(settings.db) as store:
        accounts = Accounts(store)
        for name, password in PASSWORDS.items():
            accounts.add(name, ROLES[name], password, actor="test")
    with serve_app(tmp_path) as url:
        yield url, settings


def _main_text(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.CSS_SELECTOR, "[data-testid='stMain']").text


def _sign_in(driver: webdriver.Chrome, url: str, name: str, password: str) -> None:
    driver.get(url)
    field = _wait(
        lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label='User name']"),
        what="the sign-in form",
    )
    field.send_keys(name)
    secret = driver.find_element(By.CSS_SELECTOR, "input[aria-label='Password']")
    assert secret.get_attribute("type") == "password"
    secret.send_keys(password)
    next(b for b in driver.find_elements(By.TAG_NAME, "button") if b.text == "Sign in").click()


def _page(driver: webdriver.Chrome, title: str) -> None:
    # found and clicked in one wait: a rerun may replace the link between the two
    _wait(
        lambda: _clicked(
            next(
                a
                for a in driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
                if title in a.text
            )
        ),
        what=f"the {title} page link",
    )


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


def _compare_neo(driver: webdriver.Chrome) -> None:
    _page(driver, "Compare")
    _wait(
        lambda: _typed(
            driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Focus document']"),
            "New Eastern Outlook",
        ),
        what="the Compare page",
    )
    _wait(
        lambda: "New Eastern Outlook" in _main_text(driver) and _tag_buttons(driver, "related"),
        what="New Eastern Outlook passages with tagging buttons",
    )
    time.sleep(1)


def _tag(driver: webdriver.Chrome, settings: Settings, who: str, label: str, pair: str = "") -> str:
    """Click ``label`` on ``pair`` (default: the first counterpart); wait until it is stored."""
    with open_store(settings.db) as store:
        before = len(store.tags(analyst=who))
    found = _wait(lambda: _tag_buttons(driver, label), what="the tagging buttons")
    chosen, button = next((p, b) for p, b in found if p == pair or not pair)
    button.click()

    def stored() -> bool:
        with open_store(settings.db) as store:
            return len(store.tags(analyst=who)) > before

    _wait(stored, 30, f"{who}'s tag to be saved")
    _wait(
        lambda: not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stStatusWidget']"),
        30,
        "the page to finish updating",
    )
    time.sleep(0.5)
    return chosen


def test_a_stranger_sees_only_the_sign_in_form_and_a_wrong_password_is_refused(
    team_app: tuple[str, Settings],
) -> None:
    url, settings = team_app
    with open_store(settings.db) as store:
        openings = [p.text[:50] for p in store.passages()]
    driver = _browser()
    try:
        driver.get(url)
        _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label='Password']"),
            what="the sign-in form",
        )
        time.sleep(1)
        page = driver.page_source
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
        assert not any(opening in page for opening in openings)
        assert "New Eastern Outlook" not in page
        _sign_in(driver, url, "ann", "a wrong passphrase")
        _wait(lambda: "wrong user name or password" in _main_text(driver), what="the refusal")
        assert not driver.find_elements(By.CSS_SELECTOR, "[data-testid='stSidebarNav'] a")
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "sign-in-refused.png"))
        _sign_in(driver, url, "ann", PASSWORDS["ann"])
        _compare_neo(driver)
        assert "New Eastern Outlook" in _main_text(driver)
    finally:
        driver.quit()


def test_blind_analysts_do_not_see_each_other_and_the_adjudicator_sees_both(
    team_app: tuple[str, Settings],
) -> None:
    url, settings = team_app
    driver = _browser()
    try:
        _sign_in(driver, url, "ann", PASSWORDS["ann"])
        _compare_neo(driver)
        pair = _tag(driver, settings, "ann", "corroborates")
    finally:
        driver.quit()
    driver = _browser()
    try:
        _sign_in(driver, url, "bob", PASSWORDS["bob"])
        _compare_neo(driver)
        _tag(driver, settings, "bob", "contradicts", pair)
        card = _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, f"[class*='st-key-cmp_card_{pair}']").text,
            what="bob's card",
        )
        assert "your tag: Contradicts" in card
        assert "ann: Corroborates" not in _main_text(driver)
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "blind-analyst.png"))
    finally:
        driver.quit()
    driver = _browser()
    try:
        _sign_in(driver, url, "judge", PASSWORDS["judge"])
        _page(driver, "Agreement")
        _wait(lambda: "disagreements first" in _main_text(driver), what="the adjudication list")
        card = _wait(
            lambda: driver.find_element(By.CSS_SELECTOR, f"[class*='st-key-adj_{pair}']").text,
            what="the adjudication card of the pair",
        )
        assert "ann" in card and "bob" in card
        assert "Corroborates" in card and "Contradicts" in card
        driver.save_screenshot(str(ARTIFACTS / "adjudicator.png"))
    finally:
        driver.quit()
