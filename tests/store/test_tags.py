"""Analysts' tags and adjudications."""

import pytest

from workbench.errors import InvalidInput, NotFound
from workbench.models import Adjudication, Relation, Tag

from .conftest import Corpus


def test_tags_keep_history_and_latest_per_analyst(aligned: Corpus) -> None:
    store, pid = aligned.store, aligned.pair(0, 0)
    store.add_tag(pid, "related", "ana")
    store.add_tag(pid, "corroborates", "ana", note="same figure")
    store.add_tag(pid, "contradicts", "ben")
    assert [t.label.value for t in store.tags()] == ["related", "corroborates", "contradicts"]
    latest = {t.analyst: t.label.value for t in store.tags(latest=True)}
    assert latest == {"ana": "corroborates", "ben": "contradicts"}


@pytest.mark.parametrize(
    ("pair", "label", "analyst", "error", "message"),
    [
        (
            None,
            "agree",
            "ana",
            InvalidInput,
            "unknown label 'agree'; use one of corroborates, "
            "contradicts, disputes_framing, related, unrelated",
        ),
        (None, "related", "  ", InvalidInput, "the analyst's name is empty"),
        ("prnothing", "related", "ana", NotFound, "no aligned pair 'prnothing'"),
    ],
)
def test_bad_tags_are_refused(aligned: Corpus, pair, label, analyst, error, message) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as err:
        aligned.store.add_tag(pair or aligned.pair(0, 0), label, analyst)
    assert str(err.value).startswith(message)
    assert aligned.store.tags() == []


def test_add_tag_rejects_a_name_longer_than_100_characters(aligned: Corpus) -> None:
    with pytest.raises(InvalidInput) as err:
        aligned.store.add_tag(aligned.pair(0, 0), "related", "a" * 101)
    assert str(err.value) == "the analyst's name is longer than 100 characters"


def test_add_tag_returns_the_stored_tag_with_its_passages_in_id_order(aligned: Corpus) -> None:
    store, pid = aligned.store, aligned.pair(1, 1)
    saved = store.add_tag(pid, "corroborates", "  Ana   Lee ", "a note")
    ends = sorted((aligned.a[1].id, aligned.b[1].id))
    assert isinstance(saved, Tag)
    assert (saved.pair_id, saved.a_id, saved.b_id) == (pid, *ends)
    assert (saved.label, saved.analyst, saved.note) == (Relation.CORROBORATES, "Ana Lee", "a note")
    assert store.tags() == [saved]


def test_tags_are_narrowed_by_analyst_and_pair(aligned: Corpus) -> None:
    store = aligned.store
    one, two = aligned.pair(0, 0), aligned.pair(1, 1)
    store.add_tag(one, "related", "ana")
    store.add_tag(two, "related", "ana")
    store.add_tag(two, "unrelated", "ben")
    assert [t.pair_id for t in store.tags(analyst="ana")] == [one, two]
    assert [t.analyst for t in store.tags(pair_id=two)] == ["ana", "ben"]
    assert [t.label.value for t in store.tags(analyst="ben", pair_id=two, latest=True)] == [
        "unrelated"
    ]
    assert store.tagged_pair_ids() == {one, two}


def test_analysts_are_listed_once_alphabetically_ignoring_case(aligned: Corpus) -> None:
    store = aligned.store
    for name in ("cy", "Ben", "ana", "cy"):
        store.add_tag(aligned.pair(0, 0), "related", name)
    assert store.analysts() == ["ana", "Ben", "cy"]


def test_the_latest_adjudication_per_pair_counts(aligned: Corpus) -> None:
    store = aligned.store
    one, two = aligned.pair(0, 0), aligned.pair(1, 1)
    first = store.add_adjudication(one, "related", "Chief")
    store.add_adjudication(two, "contradicts", "Chief", "figures differ")
    last = store.add_adjudication(one, "corroborates", " Deputy ")
    found = store.adjudications()
    assert list(found) == [two, one]
    assert found[one] == last and last.adjudication_id > first.adjudication_id
    assert isinstance(last, Adjudication) and last.adjudicator == "Deputy"
    assert (found[two].label, found[two].note) == (Relation.CONTRADICTS, "figures differ")
    assert store.tags() == []  # decisions are kept apart from the analysts' tags


def test_add_adjudication_rejects_unknown_label_and_empty_name(aligned: Corpus) -> None:
    store = aligned.store
    with pytest.raises(InvalidInput, match="unknown label 'same'; use one of corroborates"):
        store.add_adjudication(aligned.pair(0, 0), "same", "Chief")
    with pytest.raises(InvalidInput, match="the adjudicator's name is empty"):
        store.add_adjudication(aligned.pair(0, 0), "related", "")
    assert store.adjudications() == {}
