"""Robustness suite: figures measured by the tests are printed at the end of the run."""

from __future__ import annotations

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
