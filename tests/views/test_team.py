"""Blind tagging: who sees whose tags, which tags count for agreement, what to adjudicate."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.models import Relation, Tag
from workbench.views.team import (
    OPEN_TAGS_ACTION,
    Viewer,
    adjudication_queue,
    independent_tags,
    open_periods,
    tags_open,
    visible_tags,
)


def tag(n: int, pair: str, analyst: str, label: str, at: str) -> Tag:
    return Tag(n, pair, "a", "b", Relation(label), analyst, "", at)


@dataclass
class Event:
    at: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)


TAGS = [
    tag(1, "p1", "ann", "corroborates", "2026-01-01T10:00"),
    tag(2, "p1", "bob", "contradicts", "2026-01-01T11:00"),
    tag(3, "p2", "bob", "related", "2026-01-01T12:00"),
    tag(4, "p2", "ann", "related", "2026-01-01T13:00"),
    tag(5, "p3", "bob", "unrelated", "2026-01-01T14:00"),
]


def test_an_analyst_sees_only_their_own_tags_until_a_pair_is_adjudicated() -> None:
    ann = Viewer("ann", sees_all=False)
    assert [t.tag_id for t in visible_tags(TAGS, ann)] == [1, 4]
    assert [t.tag_id for t in visible_tags(TAGS, ann, adjudicated={"p1"})] == [1, 2, 4]


def test_adjudicators_open_projects_and_single_users_see_every_tag() -> None:
    assert len(visible_tags(TAGS, Viewer("adj", sees_all=True))) == 5
    assert len(visible_tags(TAGS, Viewer("ann", sees_all=False), open_to_all=True)) == 5
    assert len(visible_tags(TAGS, None)) == 5


def test_open_periods_follow_the_setting_changes() -> None:
    events = [
        Event("2026-01-01T11:30", OPEN_TAGS_ACTION, {"open": True}),
        Event("2026-01-01T11:40", "user.add"),
        Event("2026-01-01T12:30", OPEN_TAGS_ACTION, {"open": False}),
        Event("2026-01-01T13:30", OPEN_TAGS_ACTION, {"open": True}),
    ]
    assert open_periods(events) == [
        ("2026-01-01T11:30", "2026-01-01T12:30"),
        ("2026-01-01T13:30", ""),
    ]
    assert tags_open(events)
    assert not tags_open(events[:3])
    assert not tags_open([])


def test_only_tags_made_blind_and_before_adjudication_are_independent() -> None:
    kept = independent_tags(
        TAGS,
        first_adjudicated={"p1": "2026-01-01T10:30"},
        spans_open=[("2026-01-01T11:30", "2026-01-01T12:30")],
    )
    # bob's p1 tag came after the decision; bob's p2 tag while tags were open
    assert [t.tag_id for t in kept] == [1, 4, 5]


def test_adjudication_queue_puts_disagreements_first_with_every_analysts_tag() -> None:
    queue = adjudication_queue(TAGS, decided={"p2"})
    assert [item.pair_id for item in queue] == ["p1", "p2", "p3"]
    assert queue[0].disagrees and not queue[1].disagrees
    assert list(queue[0].tags) == ["ann", "bob"]
    more = [*TAGS, tag(6, "p0", "ann", "related", "x"), tag(7, "p0", "bob", "related", "y")]
    order = [item.pair_id for item in adjudication_queue(more, decided={"p2"})]
    assert order == ["p1", "p0", "p2", "p3"]  # undecided agreements before decided ones
