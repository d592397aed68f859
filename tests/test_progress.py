"""Progress as the analyst sees it: counted work as ``N of M``, a single step by its name."""

from __future__ import annotations

import pytest

from workbench.app.ui import progress_text
from workbench.progress import TqdmReporter


def test_a_single_step_is_shown_by_its_name_without_a_count() -> None:
    assert progress_text("loading the model m (torch)", 0, 1) == "loading the model m (torch)…"
    assert progress_text("embedding", 3, 10) == "embedding: 3 of 10"


def test_the_cli_shows_a_single_step_by_name_and_counted_work_with_its_count(
    capsys: pytest.CaptureFixture[str],
) -> None:
    reporter = TqdmReporter()
    with reporter.task("converting the model to OpenVINO (once per model)", 1) as task:
        task.advance()
    with reporter.task("embedding", 4) as task:
        task.advance(4)
    err = capsys.readouterr().err
    assert "converting the model to OpenVINO (once per model)…" in err
    assert "0/1" not in err and "1/1" not in err
    assert "4/4" in err
