"""The CLI as a user runs it: real processes, a real SQLite file, the real bundled model."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from aligned_store import aligned_store
from conftest import CORPUS

from workbench.config import Settings

WORKBENCH = [sys.executable, "-m", "workbench"]


def run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, env=env, timeout=600
    )
    if check and result.returncode != 0:
        raise AssertionError(f"workbench {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("cli")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    environment |= {
        "WORKBENCH_DB": str(home / "wb.db"),
        "WORKBENCH_EMBEDDINGS": str(home / "emb"),
        "HF_HUB_OFFLINE": "1",
    }
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
    for command in [
        "ingest",
        "embed",
        "align",
        "pairs",
        "passages",
        "documents",
        "tag",
        "tags",
        "unaddressed",
        "eval",
        "run",
    ]:
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
    docs = {
        d["doc"]: d
        for d in map(
            json.loads, run("documents", "--format", "jsonl", env=aligned).stdout.splitlines()
        )
    }
    texts = {
        doc: (CORPUS / Path(d["source"]).name).read_text(encoding="utf-8")
        for doc, d in docs.items()
    }
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
    group = [
        p
        for p in pairs
        if p["a"]["doc"] == a_doc and a_words in p["a"]["text"] and p["b"]["doc"] == b_doc
    ]
    assert group, (a_doc, a_words)
    return min(group, key=lambda p: p["rank"])


@pytest.mark.model
@pytest.mark.parametrize(
    ("a_doc", "a_words", "b_doc", "b_words"),
    [
        ("000_5122fa09ea523ce1", "195", "002_de4ac8e5358793a0", "only 195 North Koreans"),
        ("002_de4ac8e5358793a0", "only 195 North Koreans", "000_5122fa09ea523ce1", "195"),
        (
            "003_9370619d500f480d",
            "On June 22, during its 43rd session",
            "000_5122fa09ea523ce1",
            "On June 22, 2020, the UN Human Rights Council",
        ),
        # HRW's passage holds two claims, the June 22 council resolution and the November
        # third-committee one; the outlet retells each in a passage of its own, and either
        # is a right first counterpart.
        (
            "000_5122fa09ea523ce1",
            "On June 22, 2020, the UN Human Rights Council",
            "003_9370619d500f480d",
            "On June 22, during its 43rd session|The Third Committee",
        ),
        (
            "001_fddb6186e0e85242",
            "ratified five human rights treaties",
            "000_5122fa09ea523ce1",
            "ratified five human rights treaties",
        ),
    ],
)
def test_expected_pairs_come_first(
    aligned: dict[str, str], a_doc: str, a_words: str, b_doc: str, b_words: str
) -> None:
    best = _best(_pairs(aligned, "--max-rank", "1"), a_doc, a_words, b_doc)
    assert any(words in best["b"]["text"] for words in b_words.split("|")), best["b"]["text"]


@pytest.mark.model
def test_rerun_on_unchanged_corpus_embeds_nothing(aligned: dict[str, str]) -> None:
    ingest = run("ingest", str(CORPUS), env=aligned)
    assert ingest.stdout.count("unchanged") == 5
    out = run("align", env=aligned).stdout
    assert "(0 texts embedded)" in out
    assert "incremental: searched the 0 passages of new or changed documents" in out
    # a pair is two passages counted once, as in `pairs` and the README, not a row per side
    listed = _pairs(aligned)
    assert f"; {len({r['pair_id'] for r in listed})} pairs kept ({len(listed)} alignment rows" in (
        out
    )


@pytest.mark.model
def test_tag_and_tags_round_trip(aligned: dict[str, str]) -> None:
    pair = _pairs(aligned, "--top", "1")[0]["pair_id"]
    saved = json.loads(
        run("tag", pair, "corroborates", "--analyst", "Ana", "--note", "same", env=aligned).stdout
    )
    listed = [
        json.loads(line)
        for line in run("tags", "--format", "jsonl", env=aligned).stdout.splitlines()
    ]
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
    assert (
        "error: --top_k=0 is not a valid int for setting 'top_k' (must be positive)" in bad.stderr
    )


def test_db_option_beats_environment(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "opt.db"
    (tmp_path / "d.txt").write_text("Some text about the border here.\n")
    run("ingest", str(tmp_path / "d.txt"), "--db", str(target), env=env)
    assert target.exists()
    docs = run("documents", "--format", "jsonl", "--db", str(target), env=env).stdout
    assert json.loads(docs.splitlines()[0])["doc"] == "d"


def test_db_option_stands_before_or_after_the_command(tmp_path: Path, env: dict[str, str]) -> None:
    target = tmp_path / "before.db"
    (tmp_path / "d.txt").write_text("Some text about the border here.\n")
    run("--db", str(target), "ingest", str(tmp_path / "d.txt"), env=env)
    assert target.exists()
    before = run("--db", str(target), "documents", "--format", "jsonl", env=env).stdout
    after = run("documents", "--format", "jsonl", "--db", str(target), env=env).stdout
    assert json.loads(before.splitlines()[0])["doc"] == "d"
    assert before == after
    other = tmp_path / "after.db"
    run("--db", str(target), "ingest", str(tmp_path / "d.txt"), "--db", str(other), env=env)
    assert other.exists(), "the option after the command wins"


def test_tables_never_cut_offsets_or_ids(tmp_path: Path, env: dict[str, str]) -> None:
    db = str(tmp_path / "long.db")
    doc = tmp_path / "a_document_with_a_rather_long_identifier_2020.txt"
    doc.write_text(
        "".join(
            f"Paragraph {i} says the border stayed closed for weeks on end.\n\n" for i in range(400)
        )
    )
    run("ingest", str(doc), "--db", db, env=env)
    table = run("passages", "--db", db, env=env).stdout
    records = [
        json.loads(line)
        for line in run("passages", "--format", "jsonl", "--db", db, env=env).stdout.splitlines()
    ]
    assert records[-1]["start"] > 10_000
    for record in records:
        assert f"{record['start']}-{record['end']}" in table
        assert record["passage_id"] in table
    assert doc.stem in table
    assert "…" not in run("documents", "--db", db, env=env).stdout.splitlines()[1].split()[0]


def test_ingest_progress_and_summary_read_right_when_nothing_changed(
    tmp_path: Path, env: dict[str, str]
) -> None:
    db = str(tmp_path / "again.db")
    run("ingest", str(CORPUS), "--db", db, env=env)
    again = run("ingest", str(CORPUS), "--db", db, env=env).stderr
    assert "5/5" in again
    assert "5 files: 5 unchanged" in again
    one = tmp_path / "one.txt"
    one.write_bytes(b"\xff\xfe\x00binary\x00")
    lone = run("ingest", str(one), "--db", db, env=env, check=False).stderr
    assert "1 file: 1 rejected" in lone


def test_model_options_stand_before_the_command(tmp_path: Path, env: dict[str, str]) -> None:
    result = run("--backend", "nonsense", "embed", env=env, check=False)
    assert result.returncode == 2
    assert "'nonsense' is not one of" in result.stderr


@pytest.mark.model
def test_changed_document_makes_pairs_warn_until_realigned(
    tmp_path: Path, env: dict[str, str]
) -> None:
    local = env | {"WORKBENCH_DB": str(tmp_path / "c.db")}
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    run("ingest", str(corpus), env=local)
    run("align", env=local)
    target = corpus / "004_a46ea01ca1f6a4b8.txt"
    target.write_text(
        target.read_text(encoding="utf-8") + "\nA brand new paragraph.\n", encoding="utf-8"
    )
    assert "replaced" in run("ingest", str(corpus), env=local).stdout
    assert "warning: passages or settings changed" in run("pairs", env=local).stderr
    run("align", env=local)
    assert "warning" not in run("pairs", env=local).stderr


def test_pairs_top_n_gives_each_passage_its_n_best_counterparts_over_all_documents(
    tmp_path: Path, env: dict[str, str], settings: Settings
) -> None:
    with aligned_store(tmp_path, settings) as store:
        every = store.aligned_pairs()
    db = str(settings.db)
    best = _pairs(env, "--db", db, "--top", "1")
    passages = {r["a_id"] for r in every}
    assert len(best) == len(passages) < len(every)
    for record in best:
        mine = [r for r in every if r["a_id"] == record["a"]["passage_id"]]
        assert record["score"] == max(r["score"] for r in mine)
    per_document = _pairs(env, "--db", db, "--max-rank", "1")
    assert {r["rank"] for r in per_document} == {1}
    assert len(per_document) > len(best)
    table = run("pairs", "--db", db, env=env)
    pairs = len({r["pair_id"] for r in every})
    assert f"{len(every)} rows for {pairs} pairs (a pair is listed from each of its two sides)" in (
        table.stderr
    )


def test_pairs_help_says_what_top_and_a_pair_mean(env: dict[str, str]) -> None:
    helped = " ".join(run("pairs", "--help", env=env).stdout.split())
    assert "N best counterparts of each passage, over all other documents" in helped
    assert "listed from both sides" in helped
