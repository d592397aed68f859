from workbench.evidence import capabilities, compare_specifics, passage_cues


def _marked(text: str, marks, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [text[m.start : m.end] for m in marks if m.kind == kind]


def test_shared_figures_and_names_are_marked_on_both_sides() -> None:
    a = "Only 195 North Koreans resettled in South Korea in 2020."
    b = "South Korea said 195 North Koreans arrived in 2020, a record low."
    found = compare_specifics(a, b)
    assert "195 North Koreans" in " ".join(_marked(a, found.a_marks, "shared"))
    assert "195 North Koreans" in " ".join(_marked(b, found.b_marks, "shared"))
    assert any(s.startswith("195") for s in found.shared)
    assert not found.conflicting


def test_the_same_quantity_with_different_values_conflicts() -> None:
    a = "Guards were ordered to shoot anyone within 1 km of the border."
    b = "Guards were ordered to shoot anyone within 2 km of the border."
    found = compare_specifics(a, b)
    assert _marked(a, found.a_marks, "conflict") == ["1 km"]
    assert _marked(b, found.b_marks, "conflict") == ["2 km"]
    assert found.conflicting == ["1 km (km) against 2"]


def test_one_sided_specifics_and_negations_are_marked_but_idioms_are_not() -> None:
    a = "One of the most repressive countries did not reply to Geneva."
    b = "The country remained isolated."
    found = compare_specifics(a, b)
    assert _marked(a, found.a_marks, "negation") == ["not"]
    assert "Geneva" in _marked(a, found.a_marks, "only")
    assert all(m.kind != "shared" for m in found.a_marks)
    assert "One" not in _marked(a, found.a_marks, "only")


def test_without_a_framing_stage_cues_are_unknown_not_absent() -> None:
    assert not capabilities().framing
    assert passage_cues("Prison conditions allegedly remain harsh.").disputes_framing is None
