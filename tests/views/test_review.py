from pathlib import Path

import pytest
from aligned_store import aligned_store, pair_between

from workbench.config import Settings
from workbench.views.review import (
    Context,
    Filters,
    build_queue,
    corpus_queue,
    index_of,
    load_pairs,
    narrow_to_tagged,
    next_untagged,
    order_queue,
    progress_counts,
    with_texts,
)


@pytest.fixture
def store(tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    with aligned_store(tmp_path, settings) as opened:
        yield opened


def _mine(store, analyst: str = "ana"):  # type: ignore[no-untyped-def]
    return {t.pair_id: t for t in store.tags(analyst=analyst, latest=True)}


def test_queue_holds_focus_passages_in_document_order_with_counterparts(store) -> None:  # type: ignore[no-untyped-def]
    queue = build_queue(load_pairs(store, doc="ngo"), Filters(), Context())
    assert [item.opening.split()[0] for item in queue] == ["Only", "The", "Farmers"]
    assert {c.doc for c in queue[0].counterparts} == {"agency", "outlet"}
    assert all(c.rank == 1 for item in queue for c in item.counterparts)
    shown = with_texts(store, queue[0])
    assert shown.text == store.passage(queue[0].passage_id).text
    assert all(c.text == store.passage(c.passage_id).text for c in shown.counterparts)


def test_counterparts_can_be_limited_to_chosen_sources_in_the_query(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo", outlets=["State Outlet"])
    assert rows and {r["b_outlet"] for r in rows} == {"State Outlet"}
    assert load_pairs(store, doc="ngo", outlets=[]) == []


def test_filters_by_source_score_section_and_tag_status(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo")
    only_agency = build_queue(rows, Filters(outlets=("News Agency",)), Context())
    assert {c.outlet for i in only_agency for c in i.counterparts} == {"News Agency"}
    strong = build_queue(rows, Filters(min_score=0.99), Context())
    assert all(c.score >= 0.99 for i in strong for c in i.counterparts)
    assert build_queue(rows, Filters(sections=("No such section",)), Context()) == []

    tagged_pair = pair_between(store, "ngo", "195", "agency")
    store.add_tag(tagged_pair, "corroborates", "ana")
    store.add_tag(pair_between(store, "ngo", "guards", "agency"), "contradicts", "ben")
    context = Context(my_tags=_mine(store))
    untagged = build_queue(rows, Filters(tagged="untagged"), context)
    assert tagged_pair not in {pid for i in untagged for pid in i.pair_ids}
    mine = build_queue(rows, Filters(tagged="tagged"), context)
    assert [pid for i in mine for pid in i.pair_ids] == [tagged_pair]


def test_one_queue_serves_every_analyst_and_each_narrowing_leaves_it_as_it_was(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo")
    tagged_pair = pair_between(store, "ngo", "195", "agency")
    store.add_tag(tagged_pair, "corroborates", "ana")
    shared = corpus_queue(rows, Filters(), Context())
    before = [(i.passage_id, list(i.pair_ids)) for i in shared]
    for tagged in ("all", "untagged", "tagged"):
        for order in ("document", "score"):
            context = Context(my_tags=_mine(store))
            filters = Filters(tagged=tagged)
            narrowed = order_queue(
                narrow_to_tagged(shared, context.my_tags, tagged), order, context
            )
            assert narrowed == build_queue(rows, filters, context, order)
    assert [(i.passage_id, list(i.pair_ids)) for i in shared] == before
    assert tagged_pair in {pid for i in shared for pid in i.pair_ids}


def test_suggested_relation_filter_and_useful_order(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo")
    ids = sorted({r["pair_id"] for r in rows})
    guards = pair_between(store, "ngo", "guards", "agency")
    context = Context(
        relations={pid: "contradicts" if pid == guards else "related" for pid in ids},
        priority={pid: (1.0 if pid == guards else 0.0) for pid in ids},
    )
    contradictions = build_queue(rows, Filters(relations=("contradicts",)), context)
    assert [pid for i in contradictions for pid in i.pair_ids] == [guards]
    useful = build_queue(rows, Filters(), context, order="useful")
    assert guards in useful[0].pair_ids
    # without a ranking the order stays the document's
    plain = build_queue(rows, Filters(), Context(), order="useful")
    assert [i.passage_id for i in plain] == [
        i.passage_id for i in build_queue(rows, Filters(), Context())
    ]


def test_framing_filter_uses_each_sides_verdict(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo")
    outlet_passages = {r["b_id"] for r in rows if r["b_doc"] == "outlet"}
    context = Context(disputes=dict.fromkeys(outlet_passages, True))
    disputed = build_queue(rows, Filters(framing="counterpart"), context)
    assert {c.doc for i in disputed for c in i.counterparts} == {"outlet"}
    assert build_queue(rows, Filters(framing="focus"), context) == []


def test_next_untagged_skips_done_passages_and_wraps_round(store) -> None:  # type: ignore[no-untyped-def]
    queue = build_queue(load_pairs(store, doc="ngo"), Filters(), Context())
    for pid in queue[1].pair_ids:
        store.add_tag(pid, "related", "ana")
    mine = _mine(store)
    assert next_untagged(queue, 0, mine) == 2
    assert next_untagged(queue, 2, mine) == 0
    for item in queue:
        for pid in item.pair_ids:
            store.add_tag(pid, "related", "ana")
    assert next_untagged(queue, 0, _mine(store)) is None
    done, total = progress_counts(queue, _mine(store))
    assert done == total > 0


def test_place_is_kept_by_passage_id_and_clamped_when_it_leaves_the_queue(store) -> None:  # type: ignore[no-untyped-def]
    queue = build_queue(load_pairs(store, doc="ngo"), Filters(), Context())
    assert index_of(queue, queue[2].passage_id) == 2
    assert index_of(queue, "gone", fallback=7) == len(queue) - 1
    assert index_of([], "anything") == 0


def test_bad_filter_values_are_refused() -> None:
    with pytest.raises(ValueError, match="tagged must be one of"):
        Filters(tagged="maybe")
    with pytest.raises(ValueError, match="order must be one of"):
        build_queue([], Filters(), Context(), order="random")


def test_technique_filter_keeps_pairs_where_either_side_uses_a_chosen_technique(store) -> None:  # type: ignore[no-untyped-def]
    rows = load_pairs(store, doc="ngo")
    outlet_passages = {r["b_id"] for r in rows if r["b_doc"] == "outlet"}
    context = Context(techniques=dict.fromkeys(outlet_passages, frozenset({"Doubt"})))
    doubted = build_queue(rows, Filters(techniques=("Doubt", "Slogans")), context)
    assert doubted
    assert {c.doc for item in doubted for c in item.counterparts} == {"outlet"}
    assert build_queue(rows, Filters(techniques=("Slogans",)), context) == []
    assert build_queue(rows, Filters(), context) == build_queue(rows, Filters(), Context())
