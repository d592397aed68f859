"""The Compare page driven by widget keys, on the bundled corpus aligned with the real model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from apphelpers import NEO, app_settings, session, texts

from workbench.config import Settings
from workbench.store import Store

pytestmark = pytest.mark.model


@pytest.fixture
def settings(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    return app_settings(tmp_path, tmp_path_factory, monkeypatch)


def _pairs_shown(at) -> list[str]:  # type: ignore[no-untyped-def]
    keys = [b.key for b in at.button if b.key and b.key.startswith("cmp_tag_")]
    return list(
        dict.fromkeys(
            k.removeprefix("cmp_tag_").rsplit("_", 1)[0].rsplit("_", 1)[0]
            if k.endswith("_disputes_framing")
            else k.removeprefix("cmp_tag_").rsplit("_", 1)[0]
            for k in keys
        )
    )


def _neo(at):  # type: ignore[no-untyped-def]
    at.selectbox(key="cmp_doc").set_value(NEO).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_focus_passage_is_shown_beside_counterparts_from_the_chosen_sources(settings) -> None:  # type: ignore[no-untyped-def]
    at = _neo(session(page="compare"))
    assert at.multiselect(key=f"cmp_with_{NEO}").value == [
        "Amnesty International",
        "Human Rights Watch",
    ]
    shown = texts(at)
    assert "New Eastern Outlook" in shown and "Human Rights Watch" in shown
    assert _pairs_shown(at), "no counterpart with tagging buttons"
    at.multiselect(key=f"cmp_with_{NEO}").set_value(["Amnesty International"]).run()
    cards = [m.value for m in at.markdown if "score " in str(m.value)]
    assert cards and all("Amnesty International" in c for c in cards)


def test_a_tag_saved_from_compare_carries_the_analysts_name_and_note(settings) -> None:  # type: ignore[no-untyped-def]
    at = _neo(session("Ana Lyst", page="compare"))
    pair = _pairs_shown(at)[0]
    at.text_input(key=f"cmp_note_{pair}").input("calls the report a duck story")
    at.button(key=f"cmp_tag_{pair}_disputes_framing").click().run()
    assert not at.exception
    with Store(settings.db) as store:
        (saved,) = store.tags()
    assert (saved.pair_id, saved.label.value, saved.analyst, saved.note) == (
        pair,
        "disputes_framing",
        "Ana Lyst",
        "calls the report a duck story",
    )
    assert "your tag: Disputes framing" in texts(at)
    assert at.text_input(key=f"cmp_note_{pair}").value == ""


def test_other_analysts_tags_show_and_the_untagged_filter_hides_mine(settings) -> None:  # type: ignore[no-untyped-def]
    ana = _neo(session("Ana", page="compare"))
    pair = _pairs_shown(ana)[0]
    ana.button(key=f"cmp_tag_{pair}_corroborates").click().run()
    ben = _neo(session("Ben", page="compare"))
    assert "Ana: Corroborates" in texts(ben)
    ana.radio(key="cmp_tagged").set_value("untagged").run()
    assert pair not in _pairs_shown(ana)
    ana.radio(key="cmp_tagged").set_value("tagged").run()
    assert _pairs_shown(ana) == [pair]


def test_next_untagged_moves_on_and_the_place_survives_other_pages(settings) -> None:  # type: ignore[no-untyped-def]
    at = _neo(session(page="compare"))
    assert at.selectbox(key="cmp_jump").value == 0
    at.button(key="cmp_next").click().run()
    assert at.selectbox(key="cmp_jump").value == 1
    at.switch_page("views/corpus.py").run()
    at.switch_page("views/compare.py").run()
    assert at.selectbox(key="cmp_jump").value == 1
    for pair in _pairs_shown(at):  # tagging every counterpart moves on by itself
        at.button(key=f"cmp_tag_{pair}_related").click().run()
    assert at.selectbox(key="cmp_jump").value == 2
    at.selectbox(key="cmp_jump").set_value(0).run()
    for pair in _pairs_shown(at):
        at.button(key=f"cmp_tag_{pair}_related").click().run()
    assert at.selectbox(key="cmp_jump").value == 2  # passage 1 is done: skipped
    at.button(key="cmp_next_untagged").click().run()
    assert at.selectbox(key="cmp_jump").value == 3


def test_focus_on_an_outlet_walks_all_its_documents(settings) -> None:  # type: ignore[no-untyped-def]
    at = session(page="compare")
    at.radio(key="cmp_focus_by").set_value("outlet").run()
    at.selectbox(key="cmp_outlet").set_value("Human Rights Watch").run()
    assert not at.exception
    jump = at.selectbox(key="cmp_jump")
    assert len(jump.options) > 27  # more passages than the largest HRW document has
    assert at.multiselect(key="cmp_with_Human Rights Watch").value == [
        "Amnesty International",
        "New Eastern Outlook",
    ]


def test_suggested_relation_shows_with_reasons_and_filters_the_queue(settings) -> None:  # type: ignore[no-untyped-def]
    from workbench.views.evidence import suggested_relations

    at = _neo(session(page="compare"))
    cards = [str(m.value) for m in at.markdown if "score " in str(m.value)]
    assert any("Suggested:" in c and "<li>" in c for c in cards)
    # each suggestion quotes the two sentences it rests on, with their offsets
    assert any(
        "Rests on:</b> <b>a</b> " in c and "rests on a&#39;s sentence at" in c for c in cards
    )
    at.multiselect(key="cmp_relations").set_value(["disputes_framing"]).run()
    shown = _pairs_shown(at)
    with Store(settings.db) as store:
        relations = suggested_relations(store, shown)
    assert shown and set(relations.values()) == {"disputes_framing"}
    # the suggested label is the highlighted button until the analyst tags
    assert at.button(key=f"cmp_tag_{shown[0]}_disputes_framing").proto.type == "primary"


def test_most_useful_to_tag_next_puts_the_most_uncertain_pair_first(settings) -> None:  # type: ignore[no-untyped-def]
    from workbench.views.evidence import tagging_priority
    from workbench.views.review import load_pairs

    at = _neo(session(page="compare"))
    assert "useful" in at.selectbox(key="cmp_order").options or any(
        "Most useful" in o for o in at.selectbox(key="cmp_order").options
    )
    at.selectbox(key="cmp_order").set_value("useful").run()
    at.selectbox(key="cmp_jump").set_value(0).run()
    with Store(settings.db) as store:
        rows = load_pairs(
            store, doc=NEO, min_score=0.5, outlets=["Amnesty International", "Human Rights Watch"]
        )
        priority = tagging_priority(store, [r["pair_id"] for r in rows])
    assert priority
    assert max(priority[p] for p in _pairs_shown(at) if p in priority) == max(priority.values())


def test_framing_cues_are_highlighted_and_filter_the_focus_passages(settings) -> None:  # type: ignore[no-untyped-def]
    at = _neo(session(page="compare"))
    at.selectbox(key="cmp_framing").set_value("focus").run()
    assert not at.exception
    focus_html = next(str(m.value) for m in at.markdown if "wb-passage" in str(m.value))
    assert "wb-cue" in focus_html
    assert "amber a framing cue" in texts(at)


def test_technique_spans_show_their_name_and_confidence_on_hover_and_beside_the_text(
    settings,
) -> None:  # type: ignore[no-untyped-def]
    at = _neo(session(page="compare"))
    shown = [str(m.value) for m in at.markdown if "wb-passage" in str(m.value)]
    assert any("wb-technique" in h for h in shown)
    assert any(re.search(r'title="[^"]*\d+% \(model\)', h) for h in shown)
    assert any("<b>Techniques:</b>" in h for h in shown)
    assert "purple a persuasion technique" in texts(at)


def test_the_technique_filter_keeps_pairs_where_either_passage_uses_it(settings) -> None:  # type: ignore[no-untyped-def]
    from workbench.views.evidence import passage_techniques

    at = _neo(session(page="compare"))
    before = len(at.selectbox(key="cmp_jump").options)
    at.multiselect(key="cmp_techniques").set_value(["Doubt"]).run()
    assert not at.exception
    shown = _pairs_shown(at)
    assert shown
    with Store(settings.db) as store:
        ends = {r["pair_id"]: (r["a_id"], r["b_id"]) for r in store.aligned_pairs()}
        found = passage_techniques(store, sorted({p for pair in ends.values() for p in pair}))
    for pair in shown:
        a, b = ends[pair]
        assert "Doubt" in found.get(a, frozenset()) | found.get(b, frozenset()), pair
    assert len(at.selectbox(key="cmp_jump").options) <= before
