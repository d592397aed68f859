from pathlib import Path

import numpy as np
import pytest
from aligned_store import aligned_store
from conftest import FakeEmbedder

from workbench.config import Settings
from workbench.views.search import (
    PassageIndex,
    SearchFilters,
    keyword_search,
    semantic_search,
    terms,
)


@pytest.fixture
def store(tmp_path: Path, settings: Settings):  # type: ignore[no-untyped-def]
    with aligned_store(tmp_path, settings) as opened:
        yield opened


def test_terms_keep_quoted_phrases_together() -> None:
    assert terms('border "shoot anyone" 195') == ["border", "shoot anyone", "195"]
    assert terms('unbalanced "quote') == ["unbalanced", "quote"]


def test_keyword_search_needs_every_term_and_escapes_wildcards(store) -> None:  # type: ignore[no-untyped-def]
    hits = keyword_search(store, '195 "record low"')
    assert {h.doc for h in hits} == {"agency", "outlet"}
    assert keyword_search(store, "%") == []
    assert [h.doc for h in keyword_search(store, '"shoot anyone"')] == ["ngo"]


def test_search_filters_by_outlet_kind_and_date(store) -> None:  # type: ignore[no-untyped-def]
    assert {
        h.doc for h in keyword_search(store, "195", SearchFilters(outlets=("State Outlet",)))
    } == {"outlet"}
    assert {
        h.doc for h in keyword_search(store, "195", SearchFilters(kinds=("wire service",)))
    } == {"agency"}
    # "2021-01" (the NGO's month) overlaps a range starting mid-January 2021
    in_2021 = keyword_search(store, "195", SearchFilters(date_from="2021-01-05"))
    assert {h.doc for h in in_2021} == {"ngo", "outlet"}
    before = keyword_search(store, "195", SearchFilters(date_to="2020-12-31"))
    assert {h.doc for h in before} == {"agency"}


def test_semantic_search_ranks_by_meaning_within_the_filters(store, settings) -> None:  # type: ignore[no-untyped-def]
    embedder = FakeEmbedder()
    index = PassageIndex.from_store(store, settings, embedder)
    assert len(index) == len(store.passages())
    hits = semantic_search(store, index, embedder, "guards told to shoot at the Chinese border")
    assert "shoot" in hits[0].text
    assert hits == sorted(hits, key=lambda h: -h.score)
    agency = semantic_search(
        store, index, embedder, "border guards shoot", SearchFilters(outlets=("News Agency",))
    )
    assert {h.doc for h in agency} == {"agency"}


def test_nearest_with_nothing_allowed_finds_nothing() -> None:
    index = PassageIndex(["a", "b"], np.eye(2, dtype=np.float32))
    assert index.nearest(np.array([1.0, 0.0]), [], 5) == []
    assert index.nearest(np.array([1.0, 0.0]), None, 1) == [("a", 1.0)]
