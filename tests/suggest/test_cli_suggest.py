"""The CLI of issue 3 as a user runs it: cues in `passages`, suggestions in `pairs`,
`rank`, `train` and `eval stance`, with the real bundled model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS
from fnc_sample import write_fnc

WORKBENCH = [sys.executable, "-m", "workbench"]


def run(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*WORKBENCH, *args], capture_output=True, text=True, env=env, timeout=900
    )
    if check and result.returncode != 0:
        raise AssertionError(f"workbench {' '.join(args)} failed:\n{result.stderr}")
    return result


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("cli3")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    environment |= {
        "WORKBENCH_DB": str(home / "wb.db"),
        "WORKBENCH_EMBEDDINGS": str(home / "emb"),
        "HF_HUB_OFFLINE": "1",
        "WORKBENCH_PROGRESS": "0",
    }
    return environment


@pytest.fixture(scope="module")
def aligned(env: dict[str, str]) -> dict[str, str]:
    run("ingest", str(CORPUS), env=env)
    out = run("align", env=env).stdout
    assert "passages dispute framing" in out
    return env


def _jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.mark.model
def test_passages_carry_cues_with_document_offsets(aligned: dict[str, str]) -> None:
    passages = _jsonl(run("passages", "--format", "jsonl", env=aligned).stdout)
    texts = {p.name.split(".")[0]: p.read_text(encoding="utf-8") for p in CORPUS.glob("*.txt")}
    assert all({"cues", "disputes_framing", "framing_score"} <= set(p) for p in passages)
    for p in passages:
        for cue in p["cues"]:
            assert texts[p["doc"]][cue["start"] : cue["end"]] == cue["text"]
            assert set(cue) >= {"kind", "start", "end", "text"}
    disputing = _jsonl(run("passages", "--disputing", "--format", "jsonl", env=aligned).stdout)
    assert disputing and all(p["disputes_framing"] for p in disputing)
    assert {p["outlet"] for p in disputing} == {"New Eastern Outlook"}


@pytest.mark.model
def test_passages_show_techniques_with_confidence_and_source_and_filter_by_them(
    aligned: dict[str, str],
) -> None:
    passages = _jsonl(run("passages", "--format", "jsonl", env=aligned).stdout)
    cues = [c for p in passages for c in p["cues"]]
    assert {c["source"] for c in cues} == {"rule", "model"}
    for cue in cues:
        assert {"technique", "confidence", "source"} <= set(cue)
        assert 0.0 <= cue["confidence"] <= 1.0
    loaded = _jsonl(
        run("passages", "--technique", "Loaded_Language", "--format", "jsonl", env=aligned).stdout
    )
    assert 0 < len(loaded) < len(passages)
    assert all(any(t["technique"] == "Loaded_Language" for t in p["techniques"]) for p in loaded)
    table = run("passages", "--technique", "Loaded_Language", env=aligned).stdout
    assert "techniques" in table.splitlines()[0] and "Loaded_Language" in table
    wrong = run("passages", "--technique", "Loaded language", env=aligned, check=False)
    assert wrong.returncode == 2 and "is not a PTC technique" in wrong.stderr


@pytest.mark.model
def test_pairs_carry_relation_confidence_reasons_and_specifics(aligned: dict[str, str]) -> None:
    every = _jsonl(run("pairs", "--format", "jsonl", env=aligned).stdout)
    # only the pairs an analyst is shown carry a suggestion; weaker candidates read as none
    pairs = [p for p in every if p["relation"] is not None]
    assert pairs and len(pairs) < len(every)
    best = [p for p in every if p["rank"] == 1 and p["score"] >= 0.5]
    assert best and all(p["relation"] is not None for p in best)
    assert all(p["reasons"] == [] for p in every if p["relation"] is None)
    for pair in pairs:
        assert pair["relation"] in {
            "corroborates",
            "contradicts",
            "disputes_framing",
            "related",
            "unrelated",
        }
        assert 0 < pair["confidence"] <= 1
        assert isinstance(pair["reasons"], list)
        assert set(pair["specifics"]) == {"shared", "conflicting", "a_only", "b_only"}
    chosen = _jsonl(
        run("pairs", "--relation", "disputes_framing", "--format", "jsonl", env=aligned).stdout
    )
    assert chosen and all(p["relation"] == "disputes_framing" for p in chosen)
    table = run("pairs", "--top", "1", env=aligned).stdout
    assert "relation" in table.splitlines()[0]


@pytest.mark.model
def test_rank_lists_untagged_pairs_most_uncertain_first(aligned: dict[str, str]) -> None:
    ranked = _jsonl(run("rank", "--limit", "5", "--format", "jsonl", env=aligned).stdout)
    assert len(ranked) == 5
    values = [r["uncertainty"] for r in ranked]
    assert values == sorted(values, reverse=True)
    # a pair kept only at rank 2 or 3 still shows its two passages
    assert all(r["a_text"] and r["b_text"] for r in ranked), ranked
    bad = run("rank", "--limit", "0", env=aligned, check=False)
    assert bad.returncode == 1
    assert bad.stderr.strip() == "error: --limit must be positive, got 0"


@pytest.mark.model
def test_train_from_tags_then_forget(aligned: dict[str, str]) -> None:
    too_few = run("train", env=aligned, check=False)
    assert too_few.returncode == 1
    assert too_few.stderr.startswith("error: training needs at least 5 tagged pairs")
    pairs = _jsonl(run("pairs", "--top", "1", "--format", "jsonl", env=aligned).stdout)
    by_score = sorted({p["pair_id"]: p["score"] for p in pairs}.items(), key=lambda kv: -kv[1])
    for pair_id, _ in by_score[:4]:
        run("tag", pair_id, "corroborates", "--analyst", "Ana", env=aligned)
    for pair_id, _ in by_score[-4:]:
        run("tag", pair_id, "unrelated", "--analyst", "Ana", env=aligned)
    out = run("train", env=aligned).stdout
    assert out.startswith("trained on 8 tagged pairs (4 corroborates, 4 unrelated)")
    relabelled = _jsonl(run("pairs", "--format", "jsonl", env=aligned).stdout)
    assert {p["relation"] for p in relabelled}
    assert "trained model dropped" in run("train", "--forget", env=aligned).stdout


@pytest.mark.model
def test_eval_stance_trains_and_scores_a_small_fnc_file(
    tmp_path: Path, env: dict[str, str]
) -> None:
    bodies, stances = write_fnc(tmp_path / "fnc")
    model = tmp_path / "model.npz"
    out = run(
        "eval",
        "stance",
        "--bodies",
        str(bodies),
        "--stances",
        str(stances),
        "--holdout",
        "0.25",
        "--rounds",
        "20",
        "--save-model",
        str(model),
        env=env,
    ).stdout
    assert "FNC-1 stance:" in out and "held-out 25% of Body IDs" in out
    line = next(x for x in out.splitlines() if x.startswith("relation suggester"))
    fnc, macro = (float(v) for v in line.split()[2:4])
    assert 0 <= fnc <= 100 and 0 <= macro <= 1
    card = json.loads(model.with_suffix(".json").read_text())
    assert card["fnc_score"] == pytest.approx(fnc, abs=0.01)
    again = run(
        "eval",
        "stance",
        "--bodies",
        str(bodies),
        "--stances",
        str(stances),
        "--relation-model",
        str(model),
        env=env,
    ).stdout
    assert "relation suggester" in again
    # a saved model evaluated on its own hold-out again, without training: the same figures
    same = run(
        "eval",
        "stance",
        "--bodies",
        str(bodies),
        "--stances",
        str(stances),
        "--holdout",
        "0.25",
        "--relation-model",
        str(model),
        env=env,
    ).stdout
    assert "trained on" not in same and "held-out 25% of Body IDs" in same
    assert next(x for x in same.splitlines() if x.startswith("relation suggester")) == line


@pytest.mark.model
def test_eval_stance_holds_out_whole_topics_and_trains_the_claim_view(
    tmp_path: Path, env: dict[str, str]
) -> None:
    bodies, stances = write_fnc(tmp_path / "fnc")
    model = tmp_path / "model.npz"
    common = ("eval", "stance", "--bodies", str(bodies), "--stances", str(stances))
    common += ("--holdout", "0.4", "--holdout-by", "topic")
    out = run(
        *common,
        "--rounds",
        "20",
        "--features",
        "claim-view",
        "--disagree-weight",
        "2",
        "--save-model",
        str(model),
        env=env,
    ).stdout
    assert "held-out 40% of topics" in out
    lines = out.splitlines()
    header = next(i for i, x in enumerate(lines) if x.startswith("classifier"))
    assert lines[header + 1].startswith("relation suggester")
    card = json.loads(model.with_suffix(".json").read_text())
    assert card["stance_features"] == "claim-view" and card["disagree_weight"] == 2.0
    assert "topic hold-out" in card["data"]
    short = run(*common, "--max-body-sentences", "10", "--relation-model", str(model), env=env)
    assert "trained on" not in short.stdout
    assert "only bodies of at most 10 sentences" in short.stdout


def test_eval_stance_refuses_half_a_training_set(tmp_path: Path, env: dict[str, str]) -> None:
    bodies, stances = write_fnc(tmp_path / "fnc")
    result = run(
        "eval",
        "stance",
        "--bodies",
        str(bodies),
        "--stances",
        str(stances),
        "--train-bodies",
        str(bodies),
        env=env,
        check=False,
    )
    assert result.returncode == 1
    expected = "error: give both --train-bodies and --train-stances, or neither"
    assert result.stderr.strip() == expected
