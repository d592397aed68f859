"""Commands that need no model start without importing torch, sentence-transformers or the
other heavy libraries: each is run in a fresh process and its loaded modules are listed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from workbench.config import Settings
from workbench.ingest.batch import ingest_paths
from workbench.pipeline import realign
from workbench.store import Store

HEAVY = [
    "torch",
    "sentence_transformers",
    "transformers",
    "openvino",
    "sklearn",
    "scipy",
    "faiss",
    "pandas",
    "dask",
    "distributed",
]

PROBE = """
import json, sys
from workbench.cli import main
try:
    main(sys.argv[1:], prog_name="workbench", standalone_mode=False)
finally:
    heavy = json.loads(sys.stdin.read())
    sys.stderr.write("LOADED " + json.dumps([m for m in heavy if m in sys.modules]) + "\\n")
"""


def _run(args: list[str], env: dict[str, str]) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        input=json.dumps(HEAVY),
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    lines = [line for line in result.stderr.splitlines() if line.startswith("LOADED ")]
    assert result.returncode == 0 and lines, result.stderr
    return json.loads(lines[-1].removeprefix("LOADED "))


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("light")
    docs = home / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Floods hit the north in August.\n\nHarvests were poor.\n")
    (docs / "b.txt").write_text("In August floods struck the north.\n\nThe harvest failed.\n")
    settings = Settings.load(db=home / "wb.db", embeddings_dir=home / "emb", progress=False)
    with Store(settings.db) as store:
        ingest_paths(store, [docs], settings=settings)
        realign(store, settings, embedder=FakeEmbedder())
        pair = store.aligned_pairs(max_rank=1)[0]["pair_id"]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    return environment | {
        "WORKBENCH_DB": str(settings.db),
        "PAIR": pair,
        "WORKBENCH_EMBEDDINGS": str(home / "emb"),
    }


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["pairs", "--help"],
        ["passages"],
        ["passages", "--format", "jsonl"],
        ["documents"],
        ["pairs"],
        ["pairs", "--format", "jsonl", "--top", "1"],
        ["unaddressed"],
        ["tag", "$PAIR", "related", "--analyst", "Ana"],
        ["tags"],
    ],
    ids=" ".join,
)
def test_command_that_needs_no_model_imports_no_heavy_library(
    args: list[str], env: dict[str, str]
) -> None:
    args = [env["PAIR"] if a == "$PAIR" else a for a in args]
    assert _run(args, env) == []


def test_probe_sees_heavy_imports(env: dict[str, str]) -> None:
    """The check itself can fail: ``align`` loads the aligner and with it scikit-learn."""
    loaded = _run(["align", "--db", str(Path(env["WORKBENCH_DB"]).with_name("none.db"))], env)
    assert "sklearn" in loaded


MODEL_LIBRARIES = ["torch", "sentence_transformers", "transformers", "openvino", "faiss"]


def test_report_imports_no_model_library(env: dict[str, str], tmp_path: Path) -> None:
    """A report reads the store only: it may use pandas, never the model's libraries."""
    loaded = _run(["report", "--format", "html", "--out", str(tmp_path / "r.html")], env)
    assert (tmp_path / "r.html").stat().st_size > 0
    assert [m for m in loaded if m in MODEL_LIBRARIES] == []


APP_PROBE = """
import json, sys
from streamlit.testing.v1 import AppTest
first = AppTest.from_file(sys.argv[1], default_timeout=60).run()
assert not first.exception, first.exception
page = AppTest.from_file(sys.argv[1], default_timeout=60)
page.session_state["analyst"] = "Ana"
page.run()
assert not page.exception, page.exception
assert "Compare sources" in [t.value for t in page.title], [t.value for t in page.title]
print(json.dumps([m for m in ("torch", "sentence_transformers", "transformers", "openvino",
                              "faiss") if m in sys.modules]))
"""


def test_app_first_page_imports_no_model_library(env: dict[str, str]) -> None:
    page = Path(__file__).resolve().parents[1] / "workbench" / "app" / "main.py"
    if not page.exists():
        pytest.skip("the app (workbench/app/main.py) is not on this branch")
    out = subprocess.run(
        [sys.executable, "-c", APP_PROBE, str(page)],
        capture_output=True,
        text=True,
        # the store was aligned with the test's hashing embedder: name it, so the app finds
        # the alignment current and has nothing to compute
        env=env | {"WORKBENCH_MODEL": FakeEmbedder.model_id},
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
