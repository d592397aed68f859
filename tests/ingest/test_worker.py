from pathlib import Path

import pytest
from conftest import make_pdf

from workbench.errors import RejectedFile
from workbench.ingest.worker import Limits, parse_isolated

TEXT = "".join(
    f"The border was closed in week {i}. Only {i * 7} people crossed it.\n\n" for i in range(40)
).encode()
BIG = b"Words of a long document without end. " * 50_000


def test_parsing_in_a_child_returns_passages_with_offsets() -> None:
    parsed = parse_isolated(TEXT, "doc.txt", "doc", "", Limits())
    assert parsed.text == TEXT.decode()
    assert parsed.passages and all(parsed.text[p.start : p.end] == p.text for p in parsed.passages)
    assert parsed.sentences[0].text == "The border was closed in week 0."


@pytest.mark.parametrize(
    ("data", "name", "limits", "message"),
    [
        (
            make_pdf([["some text on a page"]] * 30),
            "slow.pdf",
            Limits(timeout=0.001),
            "parsing took longer than 0.001 s (setting WORKBENCH_PARSE_TIMEOUT)",
        ),
        (
            BIG,
            "big.txt",
            Limits(memory_mb=1),
            "parsing needed more than the 1 MB memory limit (setting WORKBENCH_PARSE_MEMORY_MB)",
        ),
        (
            TEXT,
            "long.txt",
            Limits(max_text_mb=0.001),
            "the extracted text is 0.0 MB, over the 0.001 MB limit (setting WORKBENCH_MAX_TEXT_MB)",
        ),
        (
            b"%PDF-1.4\n" + b"1 0 obj << /Length 99999999 >> stream\n" + b"\x00" * 100,
            "bad.pdf",
            Limits(),
            "the PDF could not be read",
        ),
    ],
)
def test_limits_and_failures_become_rejections(
    data: bytes, name: str, limits: Limits, message: str
) -> None:
    with pytest.raises(RejectedFile) as err:
        parse_isolated(data, name, "doc", "", limits)
    assert str(err.value).startswith(message)


def test_child_crash_is_a_rejection_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    import workbench.ingest.worker as worker

    def die(*args: object) -> None:
        os._exit(3)

    # fork context, so the patched function is what the child runs
    import multiprocessing

    monkeypatch.setattr(worker, "_CONTEXT", multiprocessing.get_context("fork"))
    monkeypatch.setattr(worker, "_child", lambda conn, *a: die())
    with pytest.raises(RejectedFile) as err:
        parse_isolated(TEXT, "doc.txt", "doc", "", Limits())
    assert str(err.value) == (
        "the parser stopped without an answer (exit code 3); the file is probably malformed"
    )


def test_no_parse_leaves_a_process_behind(tmp_path: Path) -> None:
    import multiprocessing

    before = len(multiprocessing.active_children())
    for _ in range(3):
        with pytest.raises(RejectedFile):
            parse_isolated(make_pdf([["x"]] * 20), "a.pdf", "a", "", Limits(timeout=0.001))
    assert len(multiprocessing.active_children()) <= before


def test_parse_worker_does_not_run_the_main_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under Streamlit ``__main__`` is the app page; a child must not run it again."""
    import sys
    import types

    marker = tmp_path / "ran"
    script = tmp_path / "app_page.py"
    script.write_text(f"open({str(marker)!r}, 'w').close()\n")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    parsed = parse_isolated(TEXT, "doc.txt", "doc", "", Limits())
    assert parsed.passages
    assert not marker.exists()
    assert sys.modules["__main__"] is page
