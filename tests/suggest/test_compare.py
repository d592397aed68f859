"""Comparison of specifics inside an aligned pair: shared, conflicting, one-sided."""

from __future__ import annotations

from workbench.suggest.compare import compare_pair, items

HRW = (
    "While several thousand people escaped North Korea annually earlier this decade, the "
    "numbers have decreased in recent years. Just over one thousand North Koreans fled to "
    "the south in 2019, but only 195 did so between January and September of 2020."
)
AMNESTY = (
    "Due to the reinforced border security measures, only 195 North Koreans resettled "
    "in South Korea between 1 January and 30 September, the lowest number since 2003."
)


def test_the_same_figure_on_both_sides_is_shared_with_what_it_counts() -> None:
    result = compare_pair(HRW, AMNESTY)
    shared = {(a.kind, a.value) for a, _ in result.shared}
    assert ("number", "195") in shared
    a, b = next((a, b) for a, b in result.shared if a.value == "195")
    assert b.unit == "north koreans"
    assert HRW[a.start : a.end] == "195" and AMNESTY[b.start : b.end] == "195"


def test_an_unmatched_figure_with_the_same_unit_is_one_sided_not_a_conflict() -> None:
    # "one thousand North Koreans" (2019) has no unmatched counterpart: 195 is shared.
    result = compare_pair(HRW, AMNESTY)
    assert not result.conflicting
    assert any(i.kind == "number" and i.value == "1000" for i in result.a_only)


def test_dates_meet_across_precision() -> None:
    result = compare_pair(HRW, AMNESTY)
    pairs = {(a.text, b.text) for a, b in result.shared if a.kind == "date"}
    assert ("January", "1 January") in pairs
    assert ("September of 2020", "30 September") in pairs
    assert any(i.value == "2003" for i in result.b_only)


def test_different_distances_of_the_same_zone_conflict() -> None:
    a = (
        "In August, the government created buffer zones one to two kilometers from the "
        "northern border, with guards ordered to shoot on sight."
    )
    b = (
        "Border guards were empowered to shoot unauthorized people coming within 1km of the "
        "North Korean-Chinese border."
    )
    result = compare_pair(a, b)
    assert [(x.value, x.unit, y.value, y.unit) for x, y in result.conflicting] == [
        ("1-2", "km", "1", "km")
    ]
    x, y = result.conflicting[0]
    assert a[x.start : x.end] == "one to two kilometers"
    assert b[y.start : y.end].startswith("1")


def test_counts_of_different_things_do_not_conflict() -> None:
    result = compare_pair("The raid killed 12 soldiers.", "The raid destroyed 40 houses.")
    assert not result.conflicting
    assert len(result.a_only) + len(result.b_only) >= 2


def test_names_are_sorted_into_people_places_and_organisations() -> None:
    text = (
        "President Moon Jae-in met officials of the Ministry of Unification in Seoul "
        "before the UN Human Rights Council session in Geneva."
    )
    kinds = {i.text: i.kind for i in items(text)}
    assert kinds["Moon Jae-in"] == "person"
    assert kinds["Ministry of Unification"] == "organisation"
    assert kinds["UN Human Rights Council"] == "organisation"
    assert kinds["Seoul"] == "place" and kinds["Geneva"] == "place"


def test_a_shorter_name_meets_the_full_one() -> None:
    result = compare_pair(
        "The UN Human Rights Council adopted it.", "The Human Rights Council adopted a resolution."
    )
    assert any(a.kind == "organisation" for a, _ in result.shared)


def test_negations_are_listed_on_their_side() -> None:
    result = compare_pair("The government did not respond.", "The government responded.")
    assert [i.kind for i in result.a_only] == ["negation"]
    assert result.counts["negation_a"] == 1 and result.counts["negation_b"] == 0


def test_record_gives_document_offsets_for_highlighting() -> None:
    record = compare_pair(HRW, AMNESTY).record(a_offset=1000, b_offset=5000)
    entry = next(e for e in record["shared"] if e["value"] == "195")
    assert entry["a"]["start"] == 1000 + HRW.index("195")
    assert entry["b"]["start"] == 5000 + AMNESTY.index("195")
    assert set(record) == {"shared", "conflicting", "a_only", "b_only"}


def test_a_number_word_counting_nothing_is_not_a_figure() -> None:
    idioms = items("It is one of the most closed countries. One of them left.")
    assert [i for i in idioms if i.kind == "number"] == []
    kept = items("One person died; the zone is one to two kilometres wide.")
    assert [i.value for i in kept if i.kind == "number"] == ["1", "1-2"]


def test_counts_of_different_years_do_not_conflict() -> None:
    result = compare_pair(
        "In 2011, 2,706 North Koreans arrived in South Korea.",
        "Just over one thousand North Koreans fled to the south in 2019.",
    )
    assert not result.conflicting
    same_year = compare_pair(
        "In 2019, 2,706 North Koreans arrived in South Korea.",
        "Just over one thousand North Koreans fled to the south in 2019.",
    )
    assert [(a.text, b.text) for a, b in same_year.conflicting] == [("2,706", "one thousand")]


def test_differently_qualified_counts_do_not_conflict() -> None:
    result = compare_pair(
        "2,706 North Koreans arrived in South Korea.",
        "At least six South Koreans were in custody.",
    )
    assert not result.conflicting
    unqualified = compare_pair(
        "2,706 North Koreans arrived in South Korea.", "At least six Koreans were in custody."
    )
    assert len(unqualified.conflicting) == 1
