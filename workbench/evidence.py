"""What the app shows about a pair beyond its alignment score, behind small functions.

Framing cues, the comparison of specifics inside a pair, relation suggestions and the
"most useful to tag next" ranking come from their own stages (``framing``, ``compare``,
``suggest``). The app asks for them only through this module, so the pages never depend on
how those stages compute or store their results, and a stage that is absent shows as such
(``capabilities()``) instead of breaking a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from workbench import specifics
from workbench.config import Settings
from workbench.highlight import Mark
from workbench.progress import SILENT, Reporter
from workbench.store import Store


@dataclass(frozen=True)
class Capabilities:
    """Which optional stages are installed: the app hides or explains what is missing."""

    framing: bool
    suggestions: bool
    ranking: bool


def capabilities() -> Capabilities:
    """What this workbench can show beyond alignments."""
    return Capabilities(framing=False, suggestions=False, ranking=False)


@dataclass(frozen=True)
class Suggestion:
    """The suggested relation of a pair, how sure the model is, and why."""

    relation: str
    confidence: float
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cues:
    """Framing cues of one passage, as marks on its text, and the verdict."""

    marks: tuple[Mark, ...] = ()
    disputes_framing: bool | None = None
    """None when no framing stage is installed: unknown, not "no"."""


def passage_cues(text: str) -> Cues:
    """Framing cues (hedges, dismissals, scare quotes, attacks on a source) in ``text``."""
    return Cues()


def framing_verdicts(store: Store, passage_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each passage disputes another source's framing, for filtering many at once
    (absent: unknown)."""
    return {}


@dataclass
class PairSpecifics:
    """Specifics of both sides of a pair: marks to highlight and readable summaries."""

    a_marks: list[Mark] = field(default_factory=list)
    b_marks: list[Mark] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    a_only: list[str] = field(default_factory=list)
    b_only: list[str] = field(default_factory=list)


_COMPARED = ("number", "date", "name")


def _comparable(text: str) -> list[specifics.Specific]:
    """Specifics worth comparing: a number written as a word with nothing counted ("one
    of the most...") is an idiom more often than a figure, so it is left out."""
    return [
        s
        for s in specifics.extract(text)
        if s.kind in (*_COMPARED, "negation")
        and not (s.kind == "number" and not s.unit and s.text.strip().isalpha())
    ]


def _keys(item: specifics.Specific) -> list[str]:
    return item.keys()


def compare_specifics(a_text: str, b_text: str) -> PairSpecifics:
    """Numbers, dates and names on each side: shared, conflicting or one-sided.

    A number conflicts when the other side gives a different value for the same thing
    counted (same unit or noun); a specific whose match key appears on both sides is shared.
    Negations are marked but not compared.
    """
    a_items = _comparable(a_text)
    b_items = _comparable(b_text)
    out = PairSpecifics()
    a_keys = {k for s in a_items if s.kind != "negation" for k in _keys(s)}
    b_keys = {k for s in b_items if s.kind != "negation" for k in _keys(s)}

    def numbers_by_unit(items: Sequence[specifics.Specific]) -> dict[str, set[str]]:
        units: dict[str, set[str]] = {}
        for s in items:
            if s.kind == "number" and s.unit:
                units.setdefault(s.unit, set()).add(s.value)
        return units

    a_units, b_units = numbers_by_unit(a_items), numbers_by_unit(b_items)
    for items, own, other_keys, other_units, only, marks in (
        (a_items, "a", b_keys, b_units, out.a_only, out.a_marks),
        (b_items, "b", a_keys, a_units, out.b_only, out.b_marks),
    ):
        for s in items:
            label = f"{s.text} ({s.unit})" if s.kind == "number" and s.unit else s.text
            if s.kind == "negation":
                marks.append(Mark(s.start, s.end, "negation", "negation"))
            elif any(k in other_keys for k in _keys(s)):
                marks.append(Mark(s.start, s.end, "shared", f"shared {s.kind}"))
                if own == "a" and label not in out.shared:
                    out.shared.append(label)
            elif s.kind == "number" and s.unit in other_units:
                others = ", ".join(sorted(other_units[s.unit]))
                marks.append(
                    Mark(s.start, s.end, "conflict", f"the other side gives {others} for {s.unit}")
                )
                if own == "a":
                    out.conflicting.append(f"{label} against {others}")
            else:
                marks.append(Mark(s.start, s.end, "only", f"{s.kind} on this side only"))
                only.append(label)
    return out


def suggestions(store: Store, pair_ids: Sequence[str] | None = None) -> dict[str, Suggestion]:
    """The suggested relation of each pair that has one (of every pair when ``pair_ids`` is
    None)."""
    return {}


def tagging_priority(store: Store, pair_ids: Sequence[str]) -> dict[str, float] | None:
    """How much a tag on each pair would teach the suggestion model (higher first).

    None when no model can rank pairs yet.
    """
    return None


def refresh(store: Store, settings: Settings, *, progress: Reporter = SILENT) -> None:
    """Recompute cues and suggestions after the passages or alignments changed."""
