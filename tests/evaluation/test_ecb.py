import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import SHARED

from workbench.cli import main
from workbench.evaluation.ecb import retrieval_scores

ECB = SHARED / "data" / "ecbplus-dev"


def test_retrieval_scores_on_a_hand_checked_ranking() -> None:
    # query 0: gold at ranks 1 and 3 -> AP (1 + 2/3) / 2; query 1: gold at rank 2 -> AP 1/2
    scores = np.array([0.9, 0.8, 0.7, 0.9, 0.8])
    gold = np.array([True, False, True, False, True])
    query = np.array([0, 0, 0, 1, 1])
    result = retrieval_scores(scores, gold, query)
    assert result.map == pytest.approx(((1 + 2 / 3) / 2 + 0.5) / 2)
    assert result.p_at_1 == 0.5
    assert result.r_precision == pytest.approx((0.5 + 0.0) / 2)


def test_eval_align_reports_bad_input_with_the_line(tmp_path: Path) -> None:
    sentences = tmp_path / "s.jsonl"
    sentences.write_text('{"doc": "d1", "sent": 0, "text": "x"}\nnot json\n')
    result = CliRunner().invoke(
        main, ["eval", "align", "--sentences", str(sentences), "--retrieval", str(sentences)]
    )
    assert result.exit_code == 1
    assert f"{sentences}:2: not JSON" in result.output


@pytest.mark.model
@pytest.mark.skipif(not ECB.exists(), reason="../shared/data is not beside the project")
def test_eval_align_beats_both_reference_figures_on_ecbplus_dev(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "--quiet",
            "eval",
            "align",
            "--sentences",
            str(ECB / "sentences.jsonl"),
            "--retrieval",
            str(ECB / "retrieval.jsonl"),
            "--split",
            "dev",
            "--embeddings",
            str(tmp_path / "emb"),
        ],
    )
    assert result.exit_code == 0, result.output
    figures = {
        line.split()[0]: [float(x) for x in line.split()[-3:]]
        for line in result.output.splitlines()
        if line.startswith(("workbench", "embedding", "tf-idf"))
    }
    assert figures["embedding"][0] == pytest.approx(0.773, abs=0.002)  # the README's reference
    assert figures["tf-idf"][0] == pytest.approx(0.756, abs=0.002)
    assert figures["workbench"][0] > 0.82
    assert figures["workbench"][1] > 0.916


def test_eval_align_rejects_unknown_split(tmp_path: Path) -> None:
    s = tmp_path / "s.jsonl"
    r = tmp_path / "r.jsonl"
    s.write_text(
        "\n".join(
            json.dumps({"doc": d, "sent": 0, "text": t}) for d, t in [("a", "one"), ("b", "two")]
        )
    )
    r.write_text(
        json.dumps({"query_id": "a:0", "candidates": ["b:0"], "gold": ["b:0"], "split": "dev"})
    )
    result = CliRunner().invoke(
        main,
        [
            "--quiet",
            "eval",
            "align",
            "--sentences",
            str(s),
            "--retrieval",
            str(r),
            "--split",
            "test",
            "--embeddings",
            str(tmp_path / "emb"),
        ],
    )
    assert result.exit_code == 1
    assert "no queries in split 'test'; the file has dev" in result.output
