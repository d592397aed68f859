"""Reasons are stored as facts and put into words at read time, from either passage."""

from __future__ import annotations

from typing import Any

import pytest

from workbench.errors import StoreError
from workbench.views.evidence import reason_text


def _reason(kind: str, values: dict[str, Any], side: str | None = "both") -> dict[str, Any]:
    return {"kind": kind, "side": side, "values": values, "weight": 0.5, "ranked": True}


def _number(value: str, unit: str = "", text: str = "") -> dict[str, Any]:
    return {"kind": "number", "value": value, "text": text or value, "unit": unit}


def _old_flip(text: str, kind: str) -> str:
    """How the stored sentences used to be turned around: the reference the words match."""
    if kind == "framing":
        text = text.replace("a disputes", "\0").replace("b disputes", "a disputes")
        text = text.replace("\0", "b disputes").replace("a has cues", "\1")
        text = text.replace("b has cues", "a has cues").replace("\1", "b has cues")
    if kind == "conflict" and text.startswith("differ: "):
        swapped = [
            " vs ".join(reversed(part.split(" vs ", 1)))
            for part in text[len("differ: ") :].split("; ")
        ]
        text = "differ: " + "; ".join(swapped)
    return text


FRAMING = _reason(
    "framing",
    {
        "a": {
            "disputes": True,
            "cues": [
                {"kind": "hedge", "text": "allegedly remain"},
                {"kind": "scare_quote", "text": "“experts”"},
                {"kind": "dismissal", "text": "rehash"},
                {"kind": "source_attack", "text": "engaged NGOs"},
                {"kind": "hedge", "text": "so-called"},
            ],
        },
        "b": {"disputes": False, "cues": [{"kind": "sarcasm", "text": "Of course"}]},
    },
)
CONFLICT = _reason(
    "conflict",
    {
        "pairs": [
            {"a": _number("1-2", "km", "one to two kilometers"), "b": _number("1", "km", "1km")},
            {"a": _number("195", "north koreans"), "b": _number("229", "north koreans")},
        ]
    },
)


def test_framing_cues_are_named_by_side_and_at_most_four() -> None:
    assert reason_text(FRAMING) == (
        "a disputes framing: hedge “allegedly remain”, scare quote “experts”, dismissal "
        "“rehash”, source attack “engaged NGOs”; b has cues: sarcasm “Of course”"
    )


def test_seen_from_b_the_sides_of_a_framing_reason_trade_names() -> None:
    from_a = reason_text(FRAMING, seen_from_a=True)
    from_b = reason_text(FRAMING, seen_from_a=False)
    assert from_b == (
        "b disputes framing: hedge “allegedly remain”, scare quote “experts”, dismissal "
        "“rehash”, source attack “engaged NGOs”; a has cues: sarcasm “Of course”"
    )
    assert from_b == _old_flip(from_a, "framing")


def test_one_side_with_cues_and_none_at_all() -> None:
    only_b = _reason(
        "framing",
        {
            "a": {"disputes": False, "cues": []},
            "b": {"disputes": True, "cues": [{"kind": "dismissal", "text": "duck story"}]},
        },
        side="b",
    )
    assert reason_text(only_b) == "b disputes framing: dismissal “duck story”"
    assert reason_text(only_b, seen_from_a=False) == "a disputes framing: dismissal “duck story”"
    none = _reason(
        "framing", {"a": {"disputes": False, "cues": []}, "b": {"disputes": False, "cues": []}}
    )
    assert reason_text(none) == reason_text(none, seen_from_a=False) == "no framing cues"


def test_conflicting_figures_are_named_from_the_reader_side_first() -> None:
    from_a = reason_text(CONFLICT)
    assert from_a == "differ: 1-2 km vs 1 km; 195 (north koreans) vs 229 (north koreans)"
    from_b = reason_text(CONFLICT, seen_from_a=False)
    assert from_b == "differ: 1 km vs 1-2 km; 229 (north koreans) vs 195 (north koreans)"
    assert from_b == _old_flip(from_a, "conflict")


def test_stance_and_similarity_read_the_same_from_both_sides() -> None:
    stance = _reason(
        "stance", {"agree": 0.12345, "disagree": 0.05, "discuss": 0.3, "unrelated": 0.52655}
    )
    words = "stance model: agree 0.12, disagree 0.05, discuss 0.30, unrelated 0.53"
    assert reason_text(stance) == reason_text(stance, seen_from_a=False) == words
    # stored in another key order (a database that does not keep it): the model's order
    shuffled = _reason("stance", dict(reversed(list(stance["values"].items()))))
    assert reason_text(shuffled) == words
    similarity = _reason("similarity", {"cosine": 0.8149, "word_overlap": 0.2})
    assert reason_text(similarity, seen_from_a=False) == (
        "similarity of the closest sentence: cosine 0.81, word overlap 0.20"
    )


def test_negations_and_one_sided_figures_count_both_sides() -> None:
    assert reason_text(_reason("negation", {"a": 2, "b": 0}, "a")) == (
        "one side negates where the other does not"
    )
    assert reason_text(_reason("negation", {"a": 1, "b": 1}, None)) == "no difference in negation"
    assert reason_text(_reason("one_sided", {"a": 2, "b": 1}), seen_from_a=False) == (
        "3 figure(s) on one side only"
    )


def test_shared_figures_dates_and_names_are_listed_up_to_a_limit() -> None:
    numbers = [_number("195", "north koreans"), _number("1", "km")] + [
        _number(str(n)) for n in range(10, 20)
    ]
    dates = [
        {"kind": "date", "value": f"2020-0{m}", "text": f"{m}  September 2020"} for m in range(1, 7)
    ]
    shared = _reason("shared", {"numbers": numbers, "dates": dates})
    assert reason_text(shared) == (
        "shared: 195 (north koreans); 1 km; 10; 11; 12; 13; 1 September 2020; "
        "2 September 2020; 3 September 2020; 4 September 2020"
    )
    names = _reason("shared_names", {"names": [f"Name {i}" for i in range(8)]})
    assert reason_text(names, seen_from_a=False) == (
        "both name: Name 0, Name 1, Name 2, Name 3, Name 4, Name 5"
    )


def test_a_reason_of_unknown_kind_says_to_recompute() -> None:
    with pytest.raises(StoreError) as err:
        reason_text(_reason("astrology", {}))
    assert str(err.value) == (
        "a stored suggestion has a reason of unknown kind 'astrology'; run `workbench align` "
        "to compute the suggestions again with this workbench"
    )


CLAIM_PAIR = _reason(
    "claim_pair",
    {
        "a": {"start": 0, "end": 40, "writer": "asserts", "source": None},
        "b": {"start": 112, "end": 190, "writer": "relays", "source": "Human Rights Watch"},
        "shared": [_number("195", "north koreans")],
        "conflicting": [
            {"a": _number("1-2", "km", "one to two kilometers"), "b": _number("1", "km", "1km")}
        ],
    },
)


def test_the_claim_pair_names_both_sentences_by_offset_and_what_they_share_or_not() -> None:
    assert reason_text(CLAIM_PAIR) == (
        "rests on a's sentence at 0-40 (asserts) and b's at 112-190 (relays Human Rights "
        "Watch); in both: 195 (north koreans); differ: 1-2 km vs 1 km"
    )


def test_seen_from_b_the_claim_pair_names_b_sentence_first() -> None:
    assert reason_text(CLAIM_PAIR, seen_from_a=False) == (
        "rests on a's sentence at 112-190 (relays Human Rights Watch) and b's at 0-40 "
        "(asserts); in both: 195 (north koreans); differ: 1 km vs 1-2 km"
    )


def test_claim_pair_spans_are_oriented_to_the_reader() -> None:
    from workbench.views.evidence import claim_pair_spans

    assert claim_pair_spans([FRAMING, CLAIM_PAIR]) == ((0, 40), (112, 190))
    assert claim_pair_spans([CLAIM_PAIR], seen_from_a=False) == ((112, 190), (0, 40))
    assert claim_pair_spans([FRAMING]) is None
