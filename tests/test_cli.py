"""The CLI as a user runs it: real processes, a real SQLite file, the real bundled model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS

WORKBENCH = [sys.executable, "-m", "workbench"]


def run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([*WORKBENCH, *args], capture_output=True, text=True, env=env,
                            timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"workbench {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("cli")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    environment |= {"WORKBENCH_DB": str(home / "wb.db"),
                    "WORKBENCH_EMBEDDINGS": str(home / "emb"), "HF_HUB_OFFLINE": "1"}
    return environment


@pytest.fixture(scope="module")
def aligned(env: dict[str, str]) -> dict[str, str]:
    run("ingest", str(CORPUS), env=env)
    run("align", env=env)
    return env


def _pairs(env: dict[str, str], *args: str) -> list[dict]:
    out = run("pairs", "--format", "jsonl", *args, env=env).stdout
    return [json.loads(line) for line in out.splitlines()]


def test_help_lists_every_stage() -> None:
    out = subprocess.run([*WORKBENCH, "--help"], capture_output=True, text=True).stdout
    for command in ["ingest", "embed", "align", "pairs", "passages", "documents", "tag", "tags",
                    "unaddressed", "eval", "run"]:
        assert f"  {command} " in out or f"  {command}\n" in out


def _leaf_commands(group: object, prefix: str = "") -> list[tuple[str, object]]:
    found = []
    for name, command in group.commands.items():  # type: ignore[attr-defined]
        if hasattr(command, "commands"):
            found += _leaf_commands(command, f"{prefix}{name} ")
        else:
            found.append((prefix + name, command))
    return found


def test_every_option_reaches_its_command() -> None:
    """Shared option decorators (store, model) must match each command's parameters: a
    missing one only shows as a TypeError when the command runs."""
    import inspect

    from workbench.cli import main

    commands = _leaf_commands(main)
    assert len(commands) > 10
    for name, command in commands:
        accepted = set(inspect.signature(inspect.unwrap(command.callback)).parameters)
        declared = {p.name for p in command.params}
        assert declared <= accepted, f"{name}: options {declared - accepted} not accepted"


@pytest.mark.model
def test_pairs_jsonl_has_the_documented_shape(aligned: dict[str, str]) -> None:
    pairs = _pairs(aligned)
    assert pairs
    first = pairs[0]
    assert set(first) >= {"pair_id", "a", "b", "score", "rank", "mutual"}
    assert set(first["a"]) >= {"doc", "outlet", "start", "end", "text"}
    docs = {d["doc"]: d for d in map(json.loads, run("documents", "--format", "jsonl",
                                                       env=aligned).stdout.splitlines())}
    texts = {doc: (CORPUS / Path(d["source"]).name).read_text(encoding="utf-8")
             for doc, d in docs.items()}
    for pair in pairs:
        for side in ("a", "b"):
            p = pair[side]
            assert texts[p["doc"]][p["start"] : p["end"]] == p["text"]
        assert pair["a"]["doc"] != pair["b"]["doc"]
    per_group: dict[tuple[str, str], int] = {}
    for pair in pairs:
        key = (pair["a"]["passage_id"], pair["b"]["doc"])
        per_group[key] = per_group.get(key, 0) + 1
    assert min(per_group.values()) >= 3 or all(v >= 3 for v in per_group.values())


def _best(pairs: list[dict], a_doc: str, a_words: str, b_doc: str) -> dict:
    group = [p for p in pairs if p["a"]["doc"] == a_doc and a_words in p["a"]["text"]
             and p["b"]["doc"] == b_doc]
    assert group, (a_doc, a_words)
    return min(group, key=lambda p: p["rank"])


@pytest.mark.model
@pytest.mark.parametrize(
    ("a_doc", "a_words", "b_doc", "b_words"),
    [
        ("000_5122fa09ea523ce1", "195", "002_de4ac8e5358793a0", "only 195 North Koreans"),
        ("002_de4ac8e5358793a0", "only 195 North Koreans", "000_5122fa09ea523ce1", "195"),
        ("003_9370619d500f480d", "On June 22, during its 43rd session", "000_5122fa09ea523ce1",
         "On June 22, 2020, the UN Human Rights Council"),
        # HRW's passage holds two claims, the June 22 council resolution and the November
        # third-committee one; the outlet retells each in a passage of its own, and either
        # is a right first counterpart.
        ("000_5122fa09ea523ce1", "On June 22, 2020, the UN Human Rights Council",
         "003_9370619d500f480d", "On June 22, during its 43rd session|The Third Committee"),
        ("001_fddb6186e0e85242", "ratified five human rights treaties", "000_5122fa09ea523ce1",
         "ratified five human rights treaties"),
    ],
)
def test_expected_pairs_come_first(aligned: dict[str, str], a_doc: str, a_words: str,
                                   b_doc: str, b_words: str) -> None:
    best = _best(_pairs(aligned, "--top", "1"), a_doc, a_words, b_doc)
    assert any(words in best["b"]["text"] for words in b_words.split("|")), best["b"]["text"]


@pytest.mark.model
def test_rerun_on_unchanged_corpus_embeds_nothing(aligned: dict[str, str]) -> None:
    ingest = run("ingest", str(CORPUS), env=aligned)
    assert ingest.stdout.count("unchanged") == 5
    out = run("align", env=aligned).stdout
    assert "(0 texts embedded)" in out


@pytest.mark.model
def test_tag_and_tags_round_trip(aligned: dict[str, str]) -> None:
    pair = _pairs(aligned, "--top", "1")[0]["pair_id"]
    saved = json.loads(run("tag", pair, "corroborates", "--analyst", "Ana", "--note", "same",
                           env=aligned).stdout)
    listed = [json.loads(line) for line in
              run("tags", "--format", "jsonl", env=aligned).stdout.splitlines()]
    assert saved in listed
    assert set(saved) == {"tag_id", "pair_id", "label", "analyst", "note", "created_at"}


def test_ingest_exit_status_reports_rejections(tmp_path: Path, env: dict[str, str]) -> None:
    local = env | {"WORKBENCH_DB": str(tmp_path / "x.db")}
    (tmp_path / "good.txt").write_text("A paragraph of text about the border.\n")
    (tmp_path / "empty.txt").write_text("")
    result = run("ingest", str(tmp_path), env=local, check=False)
    assert result.returncode == 1
    assert f"rejected {tmp_path / 'empty.txt'}: empty file" in result.stderr
    assert "ingested" in result.stdout
    clean = run("ingest", str(tmp_path / "good.txt"), env=local, check=False)
    assert clean.returncode == 0


def test_errors_are_one_line_without_traceback(tmp_path: Path, env: dict[str, str]) -> None:
    local = env | {"WORKBENCH_DB": str(tmp_path / "none.db")}
    result = run("pairs", env=local, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: database")
    assert "Traceback" not in result.stderr
    bad = run("align", "--top-k", "0", env=local, check=False)
    assert bad.returncode == 1
    assert "error: --top_k=0 is not a valid int for setting 'top_k' (must be positive)" in bad.stderr


def test_db_option_beats_environment(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "opt.db"
    (tmp_path / "d.txt").write_text("Some text about the border here.\n")
    run("ingest", str(tmp_path / "d.txt"), "--db", str(target), env=env)
    assert target.exists()
    docs = run("documents", "--format", "jsonl", "--db", str(target), env=env).stdout
    assert json.loads(docs.splitlines()[0])["doc"] == "d"


@pytest.mark.model
def test_changed_document_makes_pairs_warn_until_realigned(tmp_path: Path,
                                                          env: dict[str, str]) -> None:
    local = env | {"WORKBENCH_DB": str(tmp_path / "c.db")}
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    run("ingest", str(corpus), env=local)
    run("align", env=local)
    target = corpus / "004_a46ea01ca1f6a4b8.txt"
    target.write_text(target.read_text(encoding="utf-8") + "\nA brand new paragraph.\n",
                      encoding="utf-8")
    assert "replaced" in run("ingest", str(corpus), env=local).stdout
    assert "warning: passages or settings changed" in run("pairs", env=local).stderr
    run("align", env=local)
    assert "warning" not in run("pairs", env=local).stderr
