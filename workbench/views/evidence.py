"""What the app shows about a pair beyond its alignment score, behind small functions.

Framing cues (:mod:`workbench.suggest.framing`), the comparison of specifics inside a pair
(:mod:`workbench.suggest.compare`), relation suggestions and the "most useful to tag next" ranking
(:mod:`workbench.suggest.stage`, stored by the alignment stage) reach the app only through this
module, so pages never depend on how those stages compute or store their results. A database
whose pairs have no stored suggestions yet (aligned by an older workbench) shows that through
:func:`capabilities` instead of breaking a page.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from workbench.suggest import compare
from workbench.suggest import framing
from workbench.views.highlight import Mark
from workbench.store import Store

CHUNK = 900
"""Ids per ``IN (...)`` query, under SQLite's variable limit."""


@dataclass(frozen=True)
class Capabilities:
    """What this database can show beyond alignments: the app hides or explains the rest."""

    framing: bool
    suggestions: bool
    ranking: bool


def capabilities(store: Store) -> Capabilities:
    """Framing cues are computed from the text, so always there; suggestions and the ranking
    exist once the alignment stage has stored suggestions for this database's pairs."""
    stored = store.conn.execute("SELECT 1 FROM suggestions LIMIT 1").fetchone() is not None
    return Capabilities(framing=True, suggestions=stored, ranking=stored)


def _chunks(ids: Sequence[str]) -> Iterator[list[str]]:
    unique = list(dict.fromkeys(ids))
    for lo in range(0, len(unique), CHUNK):
        yield unique[lo : lo + CHUNK]


# -- framing ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cues:
    """Framing cues of one passage, as marks on its text, and the verdict."""

    marks: tuple[Mark, ...] = ()
    disputes_framing: bool | None = None


def passage_cues(text: str) -> Cues:
    """Framing cues (hedges, dismissals, sarcasm, scare quotes, attacks on a source, and
    neutral attribution, marked apart) in ``text``, with the passage's verdict."""
    found = framing.analyse(text)
    marks = tuple(
        Mark(
            cue.start,
            cue.end,
            "attribution" if cue.kind == "attribution" else "cue",
            cue.kind.replace("_", " "),
        )
        for cue in found.cues
    )
    return Cues(marks, found.disputes)


def framing_verdicts(store: Store, passage_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each passage disputes another source's framing, as the alignment stage stored
    it (a passage without a stored verdict is absent: unknown), for filtering many at once."""
    out: dict[str, bool] = {}
    for chunk in _chunks(passage_ids):
        rows = store.conn.execute(
            "SELECT passage_id, disputes FROM passage_framing WHERE version = ?"
            f" AND passage_id IN ({','.join('?' * len(chunk))})",
            [framing.VERSION, *chunk],
        )
        out.update({pid: bool(disputes) for pid, disputes in rows})
    return out


# -- specifics ----------------------------------------------------------------------------


@dataclass
class PairSpecifics:
    """Specifics of both sides of a pair: marks to highlight and readable summaries."""

    a_marks: list[Mark] = field(default_factory=list)
    b_marks: list[Mark] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    a_only: list[str] = field(default_factory=list)
    b_only: list[str] = field(default_factory=list)


def compare_specifics(a_text: str, b_text: str) -> PairSpecifics:
    """Numbers (with what they count), dates, names and negations on each side of a pair:
    shared, conflicting (the same quantity with different values) or on one side only."""
    found = compare.compare_pair(a_text, b_text)
    out = PairSpecifics()
    for a, b in found.shared:
        out.a_marks.append(Mark(a.start, a.end, "shared", f"shared {a.kind}"))
        out.b_marks.append(Mark(b.start, b.end, "shared", f"shared {b.kind}"))
        if a.label() not in out.shared:
            out.shared.append(a.label())
    for a, b in found.conflicting:
        out.a_marks.append(Mark(a.start, a.end, "conflict", f"the other side says {b.label()}"))
        out.b_marks.append(Mark(b.start, b.end, "conflict", f"the other side says {a.label()}"))
        out.conflicting.append(f"{a.label()} against {b.label()}")
    for items, marks, only in (
        (found.a_only, out.a_marks, out.a_only),
        (found.b_only, out.b_marks, out.b_only),
    ):
        for item in items:
            if item.kind == "negation":
                marks.append(Mark(item.start, item.end, "negation", "negation on this side only"))
            else:
                marks.append(Mark(item.start, item.end, "only", f"{item.kind} on this side only"))
                only.append(item.label())
    return out


# -- suggestions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """The suggested relation of a pair, how sure the model is, and why.

    In ``reasons``, "a" is the passage the pair is seen from (the focus) and "b" the other.
    """

    relation: str
    confidence: float
    reasons: tuple[str, ...] = ()


def suggestions(
    store: Store, pair_ids: Sequence[str], seen_from: Mapping[str, str] | None = None
) -> dict[str, Suggestion]:
    """Stored suggestions with their reasons, for the few pairs on show.

    ``seen_from`` maps a pair id to the passage it is seen from, so that the reasons' "a"
    is that passage; without it, "a" is the passage with the smaller id.
    """
    from workbench.suggest.stage import suggestion_record, suggestions_for

    out = {}
    for pid, stored in suggestions_for(store, list(pair_ids)).items():
        a_id = (seen_from or {}).get(pid, stored.a_id)
        record = suggestion_record(stored, a_id, 0, 0)
        reasons = tuple(r["text"] for r in record["reasons"])
        out[pid] = Suggestion(stored.relation, stored.confidence, reasons)
    return out


def suggested_relations(store: Store, pair_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Just the suggested relation of each pair (of every pair when ``pair_ids`` is None):
    cheap enough to filter and count tens of thousands of pairs."""
    if pair_ids is None:
        return dict(store.conn.execute("SELECT pair_id, relation FROM suggestions").fetchall())
    out: dict[str, str] = {}
    for chunk in _chunks(pair_ids):
        rows = store.conn.execute(
            "SELECT pair_id, relation FROM suggestions"
            f" WHERE pair_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        out.update(dict(rows.fetchall()))
    return out


def _uncertainty(probabilities: Mapping[str, float]) -> float:
    """Normalised entropy of the suggested probabilities, the measure of
    :func:`workbench.suggest.stage.rank_for_tagging` (1: the model cannot tell relations apart)."""
    values = [p for p in probabilities.values() if p > 0]
    entropy = -sum(p * math.log(p) for p in values)
    norm = math.log(len(probabilities)) if len(probabilities) > 1 else 1.0
    return round(entropy / norm, 4)


def tagging_priority(store: Store, pair_ids: Sequence[str]) -> dict[str, float] | None:
    """How much a tag on each pair would teach the suggestion model, higher first.

    Uncertainty sampling as in ``workbench rank``, computed for the pairs asked about only;
    pairs someone has tagged already are left out (they teach the model nothing new). None
    when this database has no suggestions to rank by.
    """
    if not capabilities(store).ranking:
        return None
    tagged = {row[0] for row in store.conn.execute("SELECT DISTINCT pair_id FROM tags")}
    out: dict[str, float] = {}
    for chunk in _chunks(pair_ids):
        rows = store.conn.execute(
            "SELECT pair_id, probabilities FROM suggestions"
            f" WHERE pair_id IN ({','.join('?' * len(chunk))})",
            chunk,
        )
        for pid, probabilities in rows:
            if pid not in tagged:
                out[pid] = _uncertainty(json.loads(probabilities))
    return out
