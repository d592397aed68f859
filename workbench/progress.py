"""Progress reporting that the CLI shows with tqdm and the app with ``st.progress``.

Library code takes a ``Reporter`` and never prints; the caller picks how progress is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol


class Task(Protocol):
    def advance(self, n: int = 1) -> None: ...


class Reporter(Protocol):
    def task(self, description: str, total: int) -> Iterator[Task]:
        """A context manager yielding a task to advance as work gets done.

        Every step that can take more than two seconds is a task, so the analyst never
        watches a silent screen; a step that cannot be counted is a task of ``total`` 1.
        """
        ...


class _Silent:
    def advance(self, n: int = 1) -> None:
        pass


class SilentReporter:
    """Shows nothing; the default for library calls and tests."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        yield _Silent()


class _TqdmTask:
    def __init__(self, bar: object) -> None:
        self.bar = bar

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)  # type: ignore[attr-defined]


class TqdmReporter:
    """Progress bars on stderr, for the CLI."""

    def __init__(self, min_total: int = 1) -> None:
        self.min_total = min_total

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        if total < self.min_total:
            yield _Silent()
            return
        from tqdm import tqdm

        # A single step (loading a model) has no count worth showing, only its name.
        step = {"bar_format": "{desc}…"} if total == 1 else {}
        with tqdm(
            total=total,
            desc=description,
            file=sys.stderr,
            unit="item",
            dynamic_ncols=True,
            leave=False,
            **step,
        ) as bar:
            yield _TqdmTask(bar)
            # Quick work finishes between two redraws: show where it ended, not "0/N".
            bar.refresh()


SILENT = SilentReporter()
