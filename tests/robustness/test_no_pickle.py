"""Nothing is unpickled at run time: models and parameters load from safe formats."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import CORPUS

# Runs in a fresh interpreter: the hook and the wrappers are in place before any library
# is imported, so no code path can have kept a reference to the unwrapped functions.
SCRIPT = textwrap.dedent(
    """
    import json, sys
    events = []

    def hook(event, args):
        if event == "pickle.find_class":
            events.append(f"pickle.find_class {args[0]}.{args[1]}")

    sys.addaudithook(hook)
    import pickle, _pickle

    def wrap(module, name):
        original = getattr(module, name)
        def wrapper(*args, **kwargs):
            events.append(f"{module.__name__}.{name}")
            return original(*args, **kwargs)
        setattr(module, name, wrapper)

    for module in (pickle, _pickle):
        for name in ("load", "loads", "Unpickler"):
            wrap(module, name)

    from workbench.cli import main
    steps = json.loads(sys.argv[1])
    for args in steps:
        try:
            main.main(args=args, standalone_mode=False)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
    print("EVENTS" + json.dumps(events))
    """
)


@pytest.mark.model
def test_ingest_align_and_reading_unpickle_nothing(tmp_path: Path, figure) -> None:  # type: ignore[no-untyped-def]
    steps = [["--quiet", "ingest", str(CORPUS)], ["--quiet", "align"],
             ["pairs", "--format", "jsonl"], ["passages", "--format", "jsonl"],
             ["backup", str(tmp_path / "b.db")]]
    env = {**os.environ, "WORKBENCH_DB": str(tmp_path / "wb.db"),
           "WORKBENCH_EMBEDDINGS": str(tmp_path / "emb"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, json.dumps(steps)], env=env,
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(l for l in result.stdout.splitlines() if l.startswith("EVENTS"))
    events = json.loads(line[len("EVENTS"):])
    assert events == []
    figure(f"no pickle: {' / '.join(s[1] if s[0] == '--quiet' else s[0] for s in steps)} "
           "with the real model: 0 unpickling events (audit hook on pickle.find_class, "
           "pickle/_pickle load, loads and Unpickler wrapped)")


def test_the_audit_catches_an_unpickling(tmp_path: Path) -> None:
    """The check above can fail: the same harness sees a plain pickle.loads."""
    probe = SCRIPT.replace("from workbench.cli import main",
                           "import pickle as p; p.loads(p.dumps({'a': 1}))\n"
                           "from workbench.cli import main")
    result = subprocess.run([sys.executable, "-c", probe, "[]"], capture_output=True, text=True,
                            timeout=120)
    line = next(l for l in result.stdout.splitlines() if l.startswith("EVENTS"))
    assert json.loads(line[len("EVENTS"):]) == ["pickle.loads"]
