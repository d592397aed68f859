"""Tagging as a team: who sees whose tags, which tags are independent, what to adjudicate.

Blind tagging (the default once accounts exist) keeps an analyst's judgement their own:
an analyst sees only their own tags on a pair until an adjudicator has decided it.
Adjudicators and admins see every analyst's tags. A project setting opens everyone's tags
to everyone; its changes are kept in the audit trail, so it is always known which tags were
made blind.

Agreement is only meaningful between independent judgements, so agreement figures count a
tag only when it was made blind and before the pair was first adjudicated
(:func:`independent_tags`). Without accounts (one analyst on one machine) there is no
blindness and every tag counts, as before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.models import Tag

OPEN_TAGS_ACTION = "setting.open_tags"
"""The audit action that records the project setting; its detail is ``{"open": bool}``."""


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a user name and whether they may see every analyst's tags."""

    name: str
    sees_all: bool


def open_periods(events: Iterable[Any]) -> list[tuple[str, str]]:
    """``[(from, to), ...]`` ISO-time spans during which tags were open to all ("" = now).

    ``events`` are audit events (oldest first) with ``action``, ``at`` and ``detail``.
    """
    spans: list[tuple[str, str]] = []
    opened_at: str | None = None
    for event in events:
        if event.action != OPEN_TAGS_ACTION:
            continue
        if event.detail.get("open") and opened_at is None:
            opened_at = event.at
        elif not event.detail.get("open") and opened_at is not None:
            spans.append((opened_at, event.at))
            opened_at = None
    if opened_at is not None:
        spans.append((opened_at, ""))
    return spans


def tags_open(events: Iterable[Any]) -> bool:
    """Whether the project's tags are open to all analysts now (blind is the default)."""
    spans = open_periods(events)
    return bool(spans) and spans[-1][1] == ""


def _during(moment: str, spans: Sequence[tuple[str, str]]) -> bool:
    return any(start <= moment and (not end or moment < end) for start, end in spans)


def visible_tags(
    tags: Iterable[Tag],
    viewer: Viewer | None,
    *,
    adjudicated: Iterable[str] = (),
    open_to_all: bool = False,
) -> list[Tag]:
    """The tags ``viewer`` may see.

    ``viewer`` None means no accounts (a single analyst): everything is visible. Otherwise
    an analyst sees their own tags, and other analysts' tags only on pairs already
    adjudicated, unless the project opened tags to all.
    """
    tags = list(tags)
    if viewer is None or viewer.sees_all or open_to_all:
        return tags
    decided = set(adjudicated)
    return [t for t in tags if t.analyst == viewer.name or t.pair_id in decided]


def independent_tags(
    tags: Iterable[Tag],
    *,
    first_adjudicated: Mapping[str, str],
    spans_open: Sequence[tuple[str, str]] = (),
) -> list[Tag]:
    """Tags made without sight of other analysts' tags: while tags were blind, and before
    their pair's first adjudication (``first_adjudicated[pair_id]`` is its ISO time)."""
    kept = []
    for tag in tags:
        decided = first_adjudicated.get(tag.pair_id)
        if decided is not None and tag.created_at >= decided:
            continue
        if _during(tag.created_at, spans_open):
            continue
        kept.append(tag)
    return kept


@dataclass(frozen=True)
class AdjudicationItem:
    """A pair tagged by at least one analyst, with each analyst's latest tag."""

    pair_id: str
    tags: dict[str, Tag]

    @property
    def disagrees(self) -> bool:
        return len({t.label for t in self.tags.values()}) > 1


def adjudication_queue(tags: Iterable[Tag], decided: Iterable[str] = ()) -> list[AdjudicationItem]:
    """Pairs to adjudicate, each with every analyst's latest tag side by side.

    Disagreements come first, then pairs tagged by several analysts who agree, then pairs
    tagged by one; within each group undecided pairs before decided ones, then by pair id.
    """
    latest: dict[str, dict[str, Tag]] = {}
    for tag in tags:
        latest.setdefault(tag.pair_id, {})[tag.analyst] = tag
    done = set(decided)
    items = [AdjudicationItem(pid, dict(sorted(by.items()))) for pid, by in latest.items()]
    return sorted(
        items,
        key=lambda item: (
            not item.disagrees,
            len(item.tags) < 2,
            item.pair_id in done,
            item.pair_id,
        ),
    )
