from pathlib import Path

import pytest
from aligned_store import THRESHOLD, aligned_store, pair_between

from workbench.config import Settings
from workbench.views.overview import (
    label_counts,
    pair_labels,
    relation_counts,
    silence_matrix,
    source_counts,
    unaddressed,
)


@pytest.fixture
def store(tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    with aligned_store(tmp_path, settings) as opened:
        yield opened


def test_source_counts_add_up_each_source_and_sections_documents(store) -> None:  # type: ignore[no-untyped-def]
    pairs = sorted({r["pair_id"] for r in store.aligned_pairs()})
    relations = ["corroborates", "contradicts", "disputes_framing"]
    suggested = {pid: relations[i % 3] for i, pid in enumerate(pairs)}
    store.add_tag(pairs[0], "contradicts", "ana")
    tagged = label_counts(store, pair_labels(store), "tagged")
    per_document = label_counts(store, suggested, "suggested")
    assert per_document["doc"].nunique() > 1  # so there is something to add up
    summed = source_counts(tagged, source_counts(per_document))
    assert list(summed.columns) == ["outlet", "section", "relation", "basis", "pairs"]
    expected: dict[tuple[str, str, str, str], int] = {}
    for part in (tagged, per_document):
        for r in part.itertuples():
            key = (r.outlet, r.section, r.relation, r.basis)
            expected[key] = expected.get(key, 0) + r.pairs
    assert {(r.outlet, r.section, r.relation, r.basis): r.pairs for r in summed.itertuples()} == (
        expected
    )
    assert source_counts().empty and source_counts(tagged.iloc[:0]).empty


def test_a_pairs_label_is_the_majority_then_the_adjudicators(store) -> None:  # type: ignore[no-untyped-def]
    pid = pair_between(store, "ngo", "195", "agency")
    store.add_tag(pid, "corroborates", "ana")
    store.add_tag(pid, "corroborates", "ben")
    store.add_tag(pid, "related", "cy")
    assert pair_labels(store)[pid] == "corroborates"
    store.add_adjudication(pid, "related", "judge")
    assert pair_labels(store)[pid] == "related"


def test_counts_each_pair_under_both_sources_tagged_and_suggested_apart(store) -> None:  # type: ignore[no-untyped-def]
    figure = pair_between(store, "ngo", "195", "agency")
    guards = pair_between(store, "ngo", "guards", "agency")
    store.add_tag(figure, "corroborates", "ana")
    store.add_tag(guards, "related", "ana")  # not a counted relation
    counts = relation_counts(store, {guards: "contradicts"})
    rows = {(r.outlet, r.relation, r.basis): r.pairs for r in counts.itertuples()}
    assert rows == {
        ("Rights Group", "corroborates", "tagged"): 1,
        ("News Agency", "corroborates", "tagged"): 1,
        ("Rights Group", "contradicts", "suggested"): 1,
        ("News Agency", "contradicts", "suggested"): 1,
    }


def test_unaddressed_lists_claims_a_source_never_addresses(store) -> None:  # type: ignore[no-untyped-def]
    expected = {(r["passage_id"], r["doc_id"]) for r in store.coverage(addressed=False)}
    assert expected, "the corpus should leave some claim unaddressed at this threshold"
    every = unaddressed(store)
    assert set(zip(every["passage_id"], every["silent_doc"], strict=True)) == expected
    assert (every["best_score"] < THRESHOLD).all()
    silent = every["silent_doc"].iloc[0]
    by_outlet = unaddressed(store, silent_doc=silent)
    assert len(by_outlet) == sum(1 for _, d in expected if d == silent)
    assert (by_outlet["doc"] != silent).all()
    matrix = silence_matrix(store)
    for doc in set(every["doc"]):
        assert matrix.loc[doc, silent] == len(unaddressed(store, silent_doc=silent, source_doc=doc))


def test_silence_matrix_limited_keeps_the_documents_with_most_silence(store) -> None:  # type: ignore[no-untyped-def]
    full = silence_matrix(store)
    totals = full.sum(axis=1).add(full.sum(axis=0), fill_value=0)
    kept = silence_matrix(store, limit=2)
    assert set(kept.index) | set(kept.columns) <= set(totals.nlargest(2).index)
    for doc in kept.index:
        for silent in kept.columns:
            assert kept.loc[doc, silent] == full.loc[doc, silent]
    assert silence_matrix(store, limit=100).equals(full)
