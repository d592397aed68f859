"""What a report says about a pair beyond its alignment, behind small functions.

Framing cues, the comparison of specifics, relation suggestions and agreement between
analysts come from their own stages. The report asks for them only through this module, so
its tables and writers do not depend on how those stages compute or store their results,
and a stage that is not installed shows as "not computed" instead of as an empty finding.

Shapes (offsets are in the document text, like every offset in a report):

- cues: ``{"available", "cues": [{"kind", "start", "end", "text"}], "disputes_framing"}``
- specifics: ``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...],
  "a_only": [item], "b_only": [item]}`` with ``item = {"kind", "value", "start", "end",
  "text", "unit"?}``
- suggestion: ``{"relation", "confidence", "reasons": [str], "model"}``
- agreement: see :func:`agreement_figures`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations
from typing import Any

from workbench import specifics
from workbench.models import Tag
from workbench.store import Store


@dataclass(frozen=True)
class Capabilities:
    """Which optional stages this workbench has; the methods section cites them."""

    framing: str | None
    suggestions: str | None
    specifics: str
    agreement: str


def capabilities() -> Capabilities:
    """The stages behind cues, suggestions, specifics and agreement, by name and version."""
    return Capabilities(
        framing=None,
        suggestions=None,
        specifics="workbench.specifics rules (numbers with what they count, dates, names)",
        agreement="observed agreement on pairs tagged by two or more analysts",
    )


# -- framing cues -----------------------------------------------------------------------


def passage_cues(text: str, start: int) -> dict[str, Any]:
    """Framing cues (hedges, dismissals, scare quotes, attributions) of one passage."""
    return {"available": False, "cues": [], "disputes_framing": None}


# -- specifics --------------------------------------------------------------------------

_COMPARED = ("number", "date", "name")


def _item(s: specifics.Specific, offset: int) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": s.kind,
        "value": s.value,
        "start": s.start + offset,
        "end": s.end + offset,
        "text": s.text,
    }
    if s.unit:
        out["unit"] = s.unit
    return out


@lru_cache(maxsize=65536)
def _comparable(text: str) -> tuple[tuple[specifics.Specific, frozenset[str]], ...]:
    """Numbers, dates and names with their match keys; a number word counting nothing
    ("one of the...") is an idiom more often than a figure, so it is left out."""
    return tuple(
        (s, frozenset(s.keys()))
        for s in specifics.extract(text)
        if s.kind in _COMPARED and not (s.kind == "number" and not s.unit and s.text.isalpha())
    )


def compare_specifics(a_text: str, a_start: int, b_text: str, b_start: int) -> dict[str, Any]:
    """Specifics both passages give (shared), figures for the same thing that differ
    (conflicting: numbers counting the same unit or noun with no value in common), and the
    rest on one side only."""
    a_items, b_items = _comparable(a_text), _comparable(b_text)
    shared: list[dict[str, Any]] = []
    conflicting: list[dict[str, Any]] = []
    used_a: set[int] = set()
    used_b: set[int] = set()
    for i, (a, a_keys) in enumerate(a_items):
        for j, (b, b_keys) in enumerate(b_items):
            if j not in used_b and not a_keys.isdisjoint(b_keys):
                shared.append(
                    {
                        "kind": a.kind,
                        "value": a.value,
                        "a": _item(a, a_start),
                        "b": _item(b, b_start),
                    }
                )
                used_a.add(i)
                used_b.add(j)
                break
    for i, (a, _) in enumerate(a_items):
        if i in used_a or a.kind != "number" or not a.unit:
            continue
        for j, (b, _) in enumerate(b_items):
            if j not in used_b and b.kind == "number" and b.unit == a.unit:
                conflicting.append(
                    {
                        "kind": "number",
                        "value": f"{a.value} | {b.value}",
                        "a": _item(a, a_start),
                        "b": _item(b, b_start),
                    }
                )
                used_a.add(i)
                used_b.add(j)
                break
    return {
        "shared": shared,
        "conflicting": conflicting,
        "a_only": [_item(a, a_start) for i, (a, _) in enumerate(a_items) if i not in used_a],
        "b_only": [_item(b, b_start) for j, (b, _) in enumerate(b_items) if j not in used_b],
    }


# -- suggestions ------------------------------------------------------------------------


def suggestions(store: Store, pair_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The suggested relation of each pair that has one, by pair id."""
    return {}


# -- agreement --------------------------------------------------------------------------


def agreement_figures(tags: Iterable[Tag]) -> dict[str, Any]:
    """How often analysts who tagged the same pair gave it the same label.

    ``tags`` are latest tags (one per analyst and pair). Returns ``{"method", "analysts":
    {name: pairs tagged}, "pairs_tagged", "multiply_tagged", "observed": share of multiply
    tagged pairs on which all agree or None, "by_pair_of_analysts": [{"first", "second",
    "shared", "agreed", "observed"}]}``.
    """
    units: dict[str, dict[str, str]] = {}
    for tag in tags:
        units.setdefault(tag.pair_id, {})[tag.analyst] = tag.label.value
    per_analyst: Counter[str] = Counter()
    for labels in units.values():
        per_analyst.update(labels.keys())
    multiple = [labels for labels in units.values() if len(labels) > 1]
    by_pair = []
    for first, second in combinations(sorted(per_analyst), 2):
        both = [(u[first], u[second]) for u in units.values() if first in u and second in u]
        agreed = sum(x == y for x, y in both)
        by_pair.append(
            {
                "first": first,
                "second": second,
                "shared": len(both),
                "agreed": agreed,
                "observed": round(agreed / len(both), 4) if both else None,
            }
        )
    agreed_all = sum(1 for labels in multiple if len(set(labels.values())) == 1)
    return {
        "method": capabilities().agreement,
        "analysts": dict(sorted(per_analyst.items())),
        "pairs_tagged": len(units),
        "multiply_tagged": len(multiple),
        "observed": round(agreed_all / len(multiple), 4) if multiple else None,
        "by_pair_of_analysts": by_pair,
    }
