from pathlib import Path

from aligned_store import aligned_store, pair_between

from workbench.config import Settings
from workbench.suggest import framing
from workbench.views.evidence import (
    Cues,
    capabilities,
    compare_specifics,
    framing_verdicts,
    passage_cues,
    suggested_relations,
    tagging_priority,
)


def _marked(text: str, marks, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [text[m.start : m.end] for m in marks if m.kind == kind]


def test_shared_figures_and_names_are_marked_on_both_sides() -> None:
    a = "Only 195 North Koreans resettled in South Korea in 2020."
    b = "South Korea said 195 North Koreans arrived in 2020, a record low."
    found = compare_specifics(a, b)
    assert {"195", "North Koreans", "South Korea", "2020"} <= set(
        _marked(a, found.a_marks, "shared")
    )
    assert "195" in _marked(b, found.b_marks, "shared")
    assert "195 (north koreans)" in found.shared
    assert not found.conflicting


def test_the_same_quantity_with_different_values_conflicts_on_both_sides() -> None:
    a = "Guards were ordered to shoot anyone within 1 km of the border."
    b = "Guards were ordered to shoot anyone within 2 km of the border."
    found = compare_specifics(a, b)
    assert _marked(a, found.a_marks, "conflict") == ["1 km"]
    assert _marked(b, found.b_marks, "conflict") == ["2 km"]
    assert found.conflicting == ["1 km against 2 km"]
    assert next(m.note for m in found.a_marks if m.kind == "conflict") == (
        "the other side says 2 km"
    )


def test_one_sided_specifics_and_negations_are_marked() -> None:
    a = "The government did not reply to Geneva."
    found = compare_specifics(a, "The country remained isolated.")
    assert _marked(a, found.a_marks, "negation") == ["not"]
    assert "Geneva" in _marked(a, found.a_marks, "only") and "Geneva" in found.a_only


def test_cues_mark_disputes_and_keep_neutral_attribution_apart() -> None:
    hedged = "Prison conditions allegedly remain harsh and dangerous."
    cues = passage_cues(hedged)
    assert cues.disputes_framing is True
    assert [(hedged[m.start : m.end], m.kind, m.note) for m in cues.marks] == [
        ("allegedly remain", "cue", "hedge: Doubt (rule)")
    ]
    neutral = "According to Human Rights Watch, guards reportedly shot people."
    cues = passage_cues(neutral)
    assert cues.disputes_framing is False
    assert {m.kind for m in cues.marks} == {"attribution"}


def test_a_database_without_suggestions_says_so(tmp_path: Path, settings: Settings) -> None:
    # the fake embedder is not the relation model's, so the stage stores no suggestions
    with aligned_store(tmp_path, settings) as store:
        caps = capabilities(store)
        pair = pair_between(store, "ngo", "195", "agency")
        verdicts = framing_verdicts(store, [p.id for p in store.passages()])
        assert caps.framing and not caps.suggestions and not caps.ranking
        assert suggested_relations(store, [pair]) == {}
        assert tagging_priority(store, [pair]) is None
    assert verdicts and not any(verdicts.values())  # stored by the stage for every passage


def test_model_techniques_are_marked_with_their_name_and_confidence() -> None:
    text = "The report is a shameless mix of gossip."
    model = framing.Cue("technique", 4, 40, text[4:40], 1.0, "Loaded_Language", 0.613, "model")
    weak = framing.Cue("technique", 4, 40, text[4:40], 0.0, "Doubt", 0.2, "model")
    rule = framing.Cue("dismissal", 33, 39, "gossip", 0.5, "Doubt", 0.5, "rule")
    cues = Cues(framing.Framing((model, weak, rule), 1.5, True))
    assert [(m.kind, m.note) for m in cues.marks] == [
        ("technique", "Loaded_Language 61% (model), disputes another source's framing"),
        ("technique", "Doubt 20% (model)"),
        ("cue", "dismissal: Doubt (rule)"),
    ]
    assert [m.label for m in cues.techniques] == ["Loaded_Language 61%", "Doubt 20%"]
