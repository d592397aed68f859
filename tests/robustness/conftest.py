"""Robustness suite: figures measured by the tests are printed at the end of the run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIGURES: list[str] = []
HEAVY = {"test_backup.py", "test_concurrent_writers.py", "test_crash.py", "test_malformed.py"}
"""Modules that stress whole processes (minutes each on two cores): the slow tier, as the
Makefile and the README say, not the quick one."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.name in HEAVY and item.path.parent.name == "robustness":
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def figure() -> object:
    """Call ``figure("text")`` to have a measured figure printed in the run's summary."""
    return FIGURES.append


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("robustness figures")
        for line in FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(params=["sqlite", "postgres"])
def new_db(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes a new, empty database on each store each time it is called: a SQLite file
    path, or the URL of a fresh database on the test PostgreSQL server."""
    made: list[str] = []

    def make() -> str:
        if request.param == "postgres":
            made.append(request.getfixturevalue("pg_server").fresh_db())
        else:
            made.append(str(tmp_path / f"wb{len(made)}.db"))
        return made[-1]

    return make


@pytest.fixture
def db(new_db: Callable[[], str]) -> str:
    """A new, empty database on each store (SQLite file, PostgreSQL URL)."""
    return new_db()
