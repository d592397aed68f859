"""``workbench report`` as a user runs it: a real process on a real database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from workbench.ingest.batch import ingest_paths
from workbench.pipeline import realign
from workbench.report import build_report
from workbench.store import Store

from .conftest import Bundled, make_settings


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    return env | {"WORKBENCH_DB": str(db), "HF_HUB_OFFLINE": "1"}


def _report(bundled: Bundled, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", "--quiet", "report", *args],
        capture_output=True, text=True, env=_env(bundled.settings.db), timeout=120,
    )  # fmt: skip


def test_report_writes_the_format_its_file_name_asks_for(bundled: Bundled, tmp_path: Path) -> None:
    out = tmp_path / "nested" / "report.json"
    result = _report(bundled, "--out", str(out), "--focus", "New Eastern Outlook")
    assert result.returncode == 0, result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["scope"]["focus"] == "New Eastern Outlook"
    claims = data["claims"]
    assert claims and {c["passage"]["outlet"] for c in claims} == {"New Eastern Outlook"}
    assert result.stderr.startswith(f"json report: {len(claims)} claims, ")
    assert result.stderr.rstrip().endswith(f"-> {out}")


def test_report_to_standard_output(bundled: Bundled) -> None:
    result = _report(bundled, "--format", "md", "--out", "-", "--tagged-only", "--analyst", "Ana")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Comparison report\n")
    assert "Scope: all sources; every relation; analyst: Ana; tagged pairs only." in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "r.txt"], "error: cannot tell the report format from 'r.txt'; pass --format "
         "(md, html, csv, xlsx, json, jsonld)"),
        (["--out", "r.md", "--relation", "agrees"], "error: unknown relation 'agrees'; use one "
         "of corroborates, contradicts, disputes_framing, related, unrelated"),
        (["--out", "r.md", "--analyst", "Zoe"], "error: no tags by analyst 'Zoe'; analysts are "
         "Ana, Ben"),
    ],
)  # fmt: skip
def test_report_errors_say_what_to_do(
    bundled: Bundled, tmp_path: Path, args: list[str], message: str
) -> None:
    result = _report(bundled, *[str(tmp_path / a) if a.startswith("r.") else a for a in args])
    assert result.returncode == 1
    assert result.stderr.strip().replace(str(tmp_path) + "/", "") == message
    assert not list(tmp_path.iterdir())


def test_report_never_imports_the_embedding_stack(bundled: Bundled, tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from workbench.cli import main\n"
        f"main(['--quiet', 'report', '--out', {str(tmp_path / 'r.xlsx')!r}], "
        "standalone_mode=False)\n"
        "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers')"
        " if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=_env(bundled.settings.db),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


@pytest.mark.model
def test_report_of_the_bundled_corpus_aligned_with_the_real_model(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    with Store(settings.db) as store:
        ingest_paths(store, [CORPUS], settings=settings)
        realign(store, settings)
        report = build_report(store, settings)
        texts = {d.id: d.text for d in store.documents()}
    assert report.methods["alignment"]["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert report.methods["alignment"]["up_to_date"] is True
    claims = list(report.claims())
    assert len(claims) > 20
    for claim in claims:
        for p in [claim["passage"], *(c["passage"] for c in claim["counterparts"])]:
            assert texts[p["doc"]][p["start"] : p["end"]] == p["text"]
    # the framing, specifics and suggestion stages reach the report
    assert report.methods["stages"]["suggestions"].startswith("relation model ")
    neo = [c for c in claims if c["passage"]["outlet"] == "New Eastern Outlook"]
    assert any(c["cues"]["disputes_framing"] for c in neo)
    assert not any(
        c["cues"]["disputes_framing"]
        for c in claims
        if c["passage"]["outlet"] != "New Eastern Outlook"
    )
    counterparts = [(claim, c) for claim in claims for c in claim["counterparts"]]
    suggested = [c["suggestion"] for _, c in counterparts if c["suggestion"]]
    assert len(suggested) > len(counterparts) / 2
    assert all(isinstance(r, str) for s in suggested for r in s["reasons"])
    # reasons are seen from the claim: a framing dispute is "b"'s when the counterpart
    # disputes, "a"'s when the claim does
    for claim, c in counterparts:
        reasons = " ".join(c["suggestion"]["reasons"]) if c["suggestion"] else ""
        if "a disputes framing" in reasons:
            assert claim["cues"]["disputes_framing"], reasons
        if "b disputes framing" in reasons:
            assert c["cues"]["disputes_framing"], reasons
    assert any("195" in [s["a"]["text"] for s in c["specifics"]["shared"]] for _, c in counterparts)
