"""What the real-browser tests share: `workbench app` on a free port, headless Debian
chromium through selenium, and a patient wait. Importing it skips the importing test module
when selenium, chromium or chromedriver is missing."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"

webdriver = pytest.importorskip("selenium.webdriver")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip(
        "Debian chromium and chromium-driver are not installed "
        "(apt-get install -y chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    UnexpectedAlertPresentException,
    WebDriverException,
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait(
    condition: Callable[[], object],
    timeout: float = 60,
    what: str = "",
    on_dialog: Callable[[], None] | None = None,
) -> Any:
    """The first true value of ``condition()``; an open dialog goes to ``on_dialog`` (and
    fails the wait without one)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = condition()
        except (StaleElementReferenceException, IndexError, StopIteration):
            found = None
        except UnexpectedAlertPresentException:
            if on_dialog is None:
                raise
            on_dialog()
            found = None
        except WebDriverException:
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def clicked(element: Any) -> bool:
    """Click ``element``; True, so a :func:`wait` that finds and clicks it in one go retries
    when a rerun of the page replaces the element between the two."""
    element.click()
    return True


def typed(element: Any, text: str) -> bool:
    """Click ``element``, type ``text`` and Enter into it; True, as :func:`clicked`."""
    from selenium.webdriver.common.keys import Keys

    element.click()
    element.send_keys(text, Keys.ENTER)
    return True


@contextmanager
def serve_app(cwd: Path) -> Iterator[str]:
    """`workbench app` with this process's environment, run in ``cwd`` (its log is
    ``cwd/app.log``); yields its URL once it answers, stops it afterwards."""
    port = free_port()
    log = open(cwd / "app.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "app", "--port", str(port)],
        env=dict(os.environ),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=cwd,
    )
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    try:
        wait(healthy, 60, "the app to answer")
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def chromium(**capabilities: object) -> Any:
    """Headless chromium with a fresh profile and no background traffic."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--window-size=1500,1300",
        f"--user-data-dir={tempfile.mkdtemp(prefix='wb-chromium-')}",
    ):
        options.add_argument(flag)
    for name, value in capabilities.items():
        options.set_capability(name, value)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(service=service, options=options)
