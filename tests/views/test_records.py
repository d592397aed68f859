"""The JSON records the CLI prints and the reports are made of."""

from __future__ import annotations

import json

from workbench.store.suggestions import StoredSuggestion
from workbench.views.evidence import passage_cues
from workbench.views.records import cues_record, reason_record, suggestion_record


def test_record_shifts_offsets_by_the_passage_start() -> None:
    text = "Another canard appeared."
    result = cues_record(passage_cues(text), offset=100)
    cue = result["cues"][0]
    assert (cue["start"], cue["end"], cue["text"], cue["kind"]) == (
        108,
        114,
        "canard",
        "dismissal",
    )
    assert result["disputes_framing"] is True
    assert result["framing_score"] == 1.0


def test_ranked_reasons_put_text_before_weight_and_listed_ones_after() -> None:
    ranked = {
        "kind": "similarity",
        "side": "both",
        "values": {"cosine": 0.8, "word_overlap": 0.2},
        "weight": 0.5,
        "ranked": True,
    }
    listed = {
        "kind": "shared_names",
        "side": "both",
        "values": {"names": ["Geneva"]},
        "weight": 0.1,
        "ranked": False,
    }
    assert json.dumps(reason_record(ranked)) == (
        '{"kind": "similarity", "text": "similarity of the closest sentence: cosine 0.80, '
        'word overlap 0.20", "weight": 0.5}'
    )
    assert json.dumps(reason_record(listed)) == (
        '{"kind": "shared_names", "weight": 0.1, "text": "both name: Geneva"}'
    )


def _item(start: int, end: int, text: str, value: str, unit: str) -> dict[str, object]:
    return {
        "kind": "number",
        "value": value,
        "start": start,
        "end": end,
        "text": text,
        "unit": unit,
    }


def test_a_pair_record_turns_specifics_and_reasons_to_the_passage_it_is_seen_from() -> None:
    stored = StoredSuggestion(
        pair_id="pr1",
        a_id="p1",
        b_id="p2",
        relation="contradicts",
        confidence=0.7,
        probabilities={"contradicts": 0.7, "related": 0.3},
        reasons=[
            {
                "kind": "conflict",
                "side": "both",
                "values": {
                    "pairs": [
                        {
                            "a": {"kind": "number", "value": "1", "text": "1 km", "unit": "km"},
                            "b": {"kind": "number", "value": "2", "text": "2 km", "unit": "km"},
                        }
                    ]
                },
                "weight": 0.4,
                "ranked": False,
            }
        ],
        specifics={
            "shared": [],
            "conflicting": [
                {
                    "kind": "number",
                    "value": "1 | 2",
                    "a": _item(10, 14, "1 km", "1", "km"),
                    "b": _item(3, 7, "2 km", "2", "km"),
                }
            ],
            "a_only": [],
            "b_only": [],
        },
        model="m",
        computed_at="t",
    )
    from_a = suggestion_record(stored, "p1", 100, 200)
    assert from_a["reasons"] == [
        {"kind": "conflict", "weight": 0.4, "text": "differ: 1 km vs 2 km"}
    ]
    entry = from_a["specifics"]["conflicting"][0]
    assert (entry["a"]["start"], entry["b"]["start"]) == (110, 203)
    from_b = suggestion_record(stored, "p2", 200, 100)
    assert from_b["reasons"][0]["text"] == "differ: 2 km vs 1 km"
    entry = from_b["specifics"]["conflicting"][0]
    assert (entry["a"]["text"], entry["a"]["start"]) == ("2 km", 203)
    assert (entry["b"]["text"], entry["b"]["start"]) == ("1 km", 110)
    assert entry["value"] == "1 | 2"  # as stored: the record format of `workbench pairs`


def test_the_claim_pair_record_gives_its_sentences_offsets_in_the_documents() -> None:
    reason = {
        "kind": "claim_pair",
        "side": "both",
        "values": {
            "a": {"start": 5, "end": 30, "writer": "asserts", "source": None},
            "b": {"start": 0, "end": 12, "writer": "hedges", "source": None},
            "shared": [],
            "conflicting": [],
        },
        "weight": 0.0,
        "ranked": False,
    }
    record = reason_record(reason, True, a_start=100, b_start=1000)
    assert (record["a"], record["b"]) == ([105, 130], [1000, 1012])
    seen_from_b = reason_record(reason, False, a_start=1000, b_start=100)
    assert (seen_from_b["a"], seen_from_b["b"]) == ([1000, 1012], [105, 130])
    assert seen_from_b["text"].startswith("rests on a's sentence at 0-12 (hedges)")
