"""``--top N``: the N best counterparts of each passage over all other documents."""

from __future__ import annotations

from workbench.views.records import best_counterparts, distinct_pairs


def _row(a: str, b: str, b_doc: str, rank: int, score: float) -> dict[str, object]:
    return {
        "a_id": a,
        "b_id": b,
        "b_doc": b_doc,
        "rank": rank,
        "score": score,
        "pair_id": "-".join(sorted((a, b))),
    }


ROWS = [
    _row("a1", "x1", "x", 1, 0.6),
    _row("a1", "x2", "x", 2, 0.5),
    _row("a1", "y1", "y", 1, 0.9),
    _row("a1", "z1", "z", 1, 0.4),
    _row("a2", "x1", "x", 1, 0.7),
    _row("a2", "y1", "y", 1, 0.8),
]


def test_top_one_is_the_single_best_counterpart_of_each_passage_over_all_documents() -> None:
    best = best_counterparts(ROWS, 1)
    assert [(r["a_id"], r["b_id"]) for r in best] == [("a1", "y1"), ("a2", "y1")]


def test_top_n_keeps_each_passage_in_place_with_its_counterparts_best_first() -> None:
    best = best_counterparts(ROWS, 3)
    assert [(r["a_id"], r["score"]) for r in best] == [
        ("a1", 0.9),
        ("a1", 0.6),
        ("a1", 0.5),
        ("a2", 0.8),
        ("a2", 0.7),
    ]


def test_a_pair_seen_from_both_sides_counts_once() -> None:
    both = [_row("a1", "x1", "x", 1, 0.6), _row("x1", "a1", "a", 1, 0.6)]
    assert distinct_pairs(both) == 1
