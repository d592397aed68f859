import json
from pathlib import Path
from typing import Any

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


def _tiny_ecb(tmp_path: Path) -> Any:
    from conftest import FakeEmbedder

    from workbench.evaluation.ecb import load_ecbplus

    rows, queries = [], []
    events = {1: ["fire", "arrest"], 2: ["quake", "rescue"], 3: ["vote", "recount"]}
    for topic, (first, second) in events.items():
        for d in range(2):
            doc = f"{topic}_{d}"
            rows.append(
                {
                    "doc": doc,
                    "sent": 0,
                    "topic": topic,
                    "split": "train",
                    "text": f"The {first} happened in town {topic}.",
                    "event_instances": [f"{first}{topic}"],
                }
            )
            rows.append(
                {
                    "doc": doc,
                    "sent": 1,
                    "topic": topic,
                    "split": "train",
                    "text": f"Then came the {second} number {d}.",
                    "event_instances": [f"{second}{topic}"],
                }
            )
    for r in rows:
        same = [x for x in rows if x["topic"] == r["topic"] and x["doc"] != r["doc"]]
        queries.append(
            {
                "query_id": f"{r['doc']}:{r['sent']}",
                "topic": r["topic"],
                "split": "train",
                "candidates": [f"{x['doc']}:{x['sent']}" for x in same],
                "gold": [
                    f"{x['doc']}:{x['sent']}"
                    for x in same
                    if set(x["event_instances"]) & set(r["event_instances"])
                ],
            }
        )
    s, q = tmp_path / "s.jsonl", tmp_path / "r.jsonl"
    s.write_text("\n".join(json.dumps(r) for r in rows))
    q.write_text("\n".join(json.dumps(x) for x in queries))
    return load_ecbplus(s, q, FakeEmbedder().encode)


def test_mixed_claim_passages_pair_with_both_topics_but_never_their_sources(
    tmp_path: Path,
) -> None:
    from workbench.evaluation.ecb import passage_pairs

    data = _tiny_ecb(tmp_path)
    pairs = passage_pairs(data, size=2)
    paragraphs = pairs.kind == 1
    mixed = pairs.kind == 2
    assert paragraphs.sum() == 3 * 2  # two documents per topic, each paired with the other
    assert pairs.y[paragraphs].all()  # a paragraph holds both events of its document
    assert mixed.any()
    assert (pairs.topics[mixed, 0] != pairs.topics[mixed, 1]).all()
    # a mixed passage meets the paragraph of each of its two topics it was not taken from:
    # one per topic, and each shares an event with it
    assert pairs.y[mixed].all()
    assert mixed.sum() == 2 * (12 // 2)  # half of the 12 sentences anchor a mixed passage


def test_cross_validation_needs_as_many_topics_as_folds(tmp_path: Path) -> None:
    from workbench.align.scorer import PairScorer
    from workbench.errors import WorkbenchError
    from workbench.evaluation.ecb import cross_validate_alignment

    data = _tiny_ecb(tmp_path)
    with pytest.raises(WorkbenchError, match="5 folds need at least 5 topics; the file has 3"):
        cross_validate_alignment(data, PairScorer(), folds=5)
    result = cross_validate_alignment(data, PairScorer(), folds=3)
    assert result.product.queries == 12
    assert list(result.baselines) == ["first scorer, refitted", "embedding cosine", "tf-idf cosine"]
