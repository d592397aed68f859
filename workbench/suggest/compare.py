"""What two aligned passages share and where they differ: numbers, dates, names, negations.

:func:`compare_pair` extracts the specifics of each side (:mod:`workbench.suggest.specifics`) and
sorts them into

- ``shared``: the same number (with compatible units: "195" and "195 North Koreans"), the
  same date (a date without a year meets the same day with one), the same person, place or
  organisation ("UN Human Rights Council" meets "Human Rights Council"), a negation on both
  sides;
- ``conflicting``: the same quantity with different values on the two sides: numbers that
  measure or count the same thing ("1 km" against "one to two kilometers") and are not
  shared by any other mention. Counts of differently qualified things ("North Koreans"
  against "South Koreans") or of different years (2,706 arrivals in 2011 against 195 in
  2020, each year read from the number's sentence) are not the same quantity;
- ``a_only`` / ``b_only``: everything else.

Offsets are relative to the texts given; :meth:`Comparison.record` shifts them by the
passages' starts so the app can highlight them in the documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from workbench.suggest import specifics

KINDS = ("number", "date", "person", "place", "organisation", "name", "negation")


@dataclass(frozen=True)
class Item:
    """One specific on one side of a pair; ``text == side_text[start:end]``."""

    kind: str
    value: str
    start: int
    end: int
    text: str
    unit: str = ""
    years: frozenset[str] = field(default=frozenset(), compare=False)
    """For a number: the years its sentence names, the period it is about."""

    def record(self, offset: int = 0) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "value": self.value,
            "start": self.start + offset,
            "end": self.end + offset,
            "text": self.text,
        }
        if self.unit:
            out["unit"] = self.unit
        return out

    def label(self) -> str:
        """Short human-readable form: ``195 (north koreans)``, ``1 km``, ``Geneva``."""
        if self.kind == "number" and self.unit:
            return (
                f"{self.value} {self.unit}"
                if self.unit in _MEASURES
                else f"{self.value} ({self.unit})"
            )
        return self.value if self.kind == "number" else " ".join(self.text.split())


_MEASURES = frozenset({"km", "m", "mile", "kg", "tonne", "%", "usd", "eur", "gbp", "krw", "cny"})


@dataclass(frozen=True)
class Comparison:
    """The specifics of an aligned pair, sorted into shared, conflicting and one-sided."""

    shared: tuple[tuple[Item, Item], ...] = ()
    conflicting: tuple[tuple[Item, Item], ...] = ()
    a_only: tuple[Item, ...] = ()
    b_only: tuple[Item, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    def record(self, a_offset: int = 0, b_offset: int = 0) -> dict[str, object]:
        """``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...], "a_only": [...],
        "b_only": [...]}`` with offsets in the documents."""

        def both(pairs: tuple[tuple[Item, Item], ...]) -> list[dict[str, object]]:
            return [
                {
                    "kind": a.kind,
                    "value": a.value if a.value == b.value else f"{a.value} | {b.value}",
                    "a": a.record(a_offset),
                    "b": b.record(b_offset),
                }
                for a, b in pairs
            ]

        return {
            "shared": both(self.shared),
            "conflicting": both(self.conflicting),
            "a_only": [i.record(a_offset) for i in self.a_only],
            "b_only": [i.record(b_offset) for i in self.b_only],
        }


_TITLE = re.compile(
    r"^(?:President|Premier|Prime Minister|Minister|Ambassador|Secretary|Chairman|Leader|"
    r"Director|Senator|General|Judge|Mr|Mrs|Ms|Dr|Prof)\.?\s+(?=[A-Z])"
)


def items(text: str) -> list[Item]:
    """The specifics of one text, names sorted into person, place and organisation.

    A title opening a name ("President Moon Jae-in") marks a person and is left out of
    the name, so the name meets the same person mentioned without it. A number word that
    counts nothing ("one of the most", "One of them") is an idiom, not a figure, and is
    left out; "one person" and "one to two kilometres" are kept.
    """
    out: list[Item] = []
    found = specifics.extract(text)
    for s in found:
        if s.kind == "number" and not s.unit and s.text.isalpha():
            continue  # a number word counting nothing ("one of the most") is an idiom
        if s.kind == "number":
            years = _sentence_years(text, s.start, found)
            out.append(Item(s.kind, s.value, s.start, s.end, s.text, s.unit, years))
            continue
        if s.kind != "name":
            out.append(Item(s.kind, s.value, s.start, s.end, s.text, s.unit))
            continue
        title = _TITLE.match(s.text)
        if title and title.end() < len(s.text):
            start = s.start + title.end()
            name = text[start : s.end]
            out.append(Item("person", specifics._normalise_name(name), start, s.end, name))
            continue
        out.append(Item(specifics.name_kind(text, s), s.value, s.start, s.end, s.text))
    return out


_SENTENCE_END = re.compile(r"[.!?;](?=\s|$)")


def _sentence_years(text: str, at: int, found: list[specifics.Specific]) -> frozenset[str]:
    """Years of the dates in the sentence around offset ``at``."""
    start = max((m.end() for m in _SENTENCE_END.finditer(text, 0, at)), default=0)
    end_match = _SENTENCE_END.search(text, at)
    end = end_match.end() if end_match else len(text)
    return frozenset(
        d.value[:4]
        for d in found
        if d.kind == "date" and start <= d.start < end and d.value[:4].isdigit()
    )


def _units_agree(a: Item, b: Item) -> bool:
    if not a.unit or not b.unit or a.unit == b.unit:
        return True
    return bool(set(a.unit.split()) & set(b.unit.split()))


def _same_quantity(a: Item, b: Item) -> bool:
    """Two numbers that count or measure the same thing (same non-empty unit)."""
    if not a.unit or not b.unit:
        return False
    if a.unit in _MEASURES or b.unit in _MEASURES:
        return a.unit == b.unit
    wa, wb = a.unit.split(), b.unit.split()
    if wa[-1].rstrip("s") == wb[-1].rstrip("s"):
        # the same head noun, unless both qualify it differently ("north" / "south koreans")
        qualifiers_a, qualifiers_b = set(wa[:-1]), set(wb[:-1])
        return not (qualifiers_a and qualifiers_b and qualifiers_a.isdisjoint(qualifiers_b))
    return wa[0].rstrip("s") == wb[0].rstrip("s")


def _same_period(a: Item, b: Item) -> bool:
    """Unless both numbers' sentences name years and share none, they may be one period."""
    return not (a.years and b.years and a.years.isdisjoint(b.years))


def _date_match(a: Item, b: Item) -> bool:
    """No part given on both sides differs, and they share at least a month or a year."""
    pa, pb = specifics._date_parts(a.value), specifics._date_parts(b.value)
    if a.value.startswith("--") and len(a.value) == 4:
        pa = ("", a.value[2:], "")
    if b.value.startswith("--") and len(b.value) == 4:
        pb = ("", b.value[2:], "")
    common = [i for i in range(3) if pa[i] and pb[i]]
    return (
        bool(common)
        and all(pa[i] == pb[i] for i in common)
        and (1 in common or (0 in common and not (pa[1] or pb[1])))
    )


def _name_match(a: Item, b: Item) -> bool:
    if a.value == b.value:
        return True
    wa, wb = set(a.value.split()) - {"of", "the"}, set(b.value.split()) - {"of", "the"}
    small, large = (wa, wb) if len(wa) <= len(wb) else (wb, wa)
    return len(small) >= 2 and small <= large


def _matches(a: Item, b: Item) -> bool:
    if a.kind == "number" and b.kind == "number":
        return a.value == b.value and _units_agree(a, b)
    if a.kind == "date" and b.kind == "date":
        return _date_match(a, b)
    if a.kind == "negation" and b.kind == "negation":
        return True
    if a.kind in KINDS[2:6] and b.kind in KINDS[2:6]:
        return _name_match(a, b)
    return False


def compare_items(a_items: list[Item], b_items: list[Item]) -> Comparison:
    """Shared first (one-to-one, in order), then conflicting quantities, then the rest."""
    b_free = list(range(len(b_items)))
    shared: list[tuple[Item, Item]] = []
    a_left: list[Item] = []
    for a in a_items:
        hit = next((j for j in b_free if _matches(a, b_items[j])), None)
        if hit is None:
            # a second mention of something already shared is not one-sided
            if any(_matches(a, pb) for _, pb in shared):
                continue
            a_left.append(a)
            continue
        b_free.remove(hit)
        shared.append((a, b_items[hit]))
    b_left = [b_items[j] for j in b_free if not any(_matches(a, b_items[j]) for a, _ in shared)]
    shared_values = {(a.kind, a.value) for a, _ in shared}
    conflicting: list[tuple[Item, Item]] = []
    for a in list(a_left):
        if a.kind != "number" or ("number", a.value) in shared_values:
            continue
        partner = next(
            (
                b
                for b in b_left
                if b.kind == "number"
                and _same_quantity(a, b)
                and _same_period(a, b)
                and ("number", b.value) not in shared_values
            ),
            None,
        )
        if partner is not None:
            conflicting.append((a, partner))
            a_left.remove(a)
            b_left.remove(partner)
    counts = {
        "shared": len(shared),
        "shared_numbers": sum(1 for a, _ in shared if a.kind == "number"),
        "shared_dates": sum(1 for a, _ in shared if a.kind == "date"),
        "shared_names": sum(1 for a, _ in shared if a.kind in KINDS[2:6]),
        "conflicting": len(conflicting),
        "one_sided": len(a_left) + len(b_left),
        "one_sided_numbers": sum(1 for i in a_left + b_left if i.kind == "number"),
        "negation_a": sum(1 for i in a_items if i.kind == "negation"),
        "negation_b": sum(1 for i in b_items if i.kind == "negation"),
        "total_a": len(a_items),
        "total_b": len(b_items),
    }
    return Comparison(tuple(shared), tuple(conflicting), tuple(a_left), tuple(b_left), counts)


def compare_pair(a_text: str, b_text: str) -> Comparison:
    """Compare the specifics of two passages (offsets relative to each text)."""
    return compare_items(items(a_text), items(b_text))
