"""What is known about a pair beyond its alignment score: the one read model of the app, the
CLI and the reports.

The later stages' findings reach every reader through this module, so pages, commands and
report writers never depend on how those stages compute or store their results:

- framing cues of a passage (:mod:`workbench.suggest.framing`): :func:`cues_by_id`,
  :func:`passage_cues`, :func:`framing_for`, :func:`framing_verdicts`,
  :func:`passage_techniques`;
- the comparison of specifics inside a pair (:mod:`workbench.suggest.compare`):
  :func:`compare_specifics` takes the comparison stored with the pair's suggestion and
  computes one from the texts only when no suggestion is stored;
- relation suggestions (:mod:`workbench.suggest.stage`): :func:`stored_suggestions`,
  :func:`suggestion_seen_from`, :func:`suggestions`, :func:`suggested_relations` and
  :func:`tagging_priority`. Their reasons are stored as facts and put into words here, in
  :func:`reason_text` alone, from either passage's point of view;
- what the database can show (:func:`capabilities`), the methods behind it
  (:func:`stage_methods`) and agreement between analysts (:func:`agreement_figures`).

A database whose pairs have no stored suggestions yet (aligned with an embedder the relation
model was not made for, say) says so through :func:`capabilities` instead of breaking a page
or a report. Everything here is cheap: no model, no scikit-learn.

Orientation: a pair is unordered, and its suggestion is stored with ``a`` the passage with
the smaller id. A reader always sees a pair from one passage (the focus passage, the claim
of a report row, passage ``a`` of a ``workbench pairs`` row); that passage is "a" in what
this module returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from workbench.errors import StoreError
from workbench.models import Passage, Tag
from workbench.store import Store
from workbench.store.suggestions import StoredSuggestion
from workbench.suggest import compare, framing
from workbench.suggest.ranking import uncertainty
from workbench.views import agreement
from workbench.views.highlight import Mark

__all__ = [
    "Capabilities",
    "Cues",
    "PairSpecifics",
    "StageMethods",
    "StoredSuggestion",
    "Suggestion",
    "TechniqueMention",
    "agreement_figures",
    "capabilities",
    "compare_specifics",
    "cues_by_id",
    "framing_for",
    "framing_verdicts",
    "item_label",
    "oriented_specifics",
    "passage_cues",
    "passage_techniques",
    "reason_text",
    "stage_methods",
    "stored_suggestions",
    "suggested_relations",
    "suggestion_seen_from",
    "suggestions",
    "tagging_priority",
]


# -- what the database can show -------------------------------------------------------


@dataclass(frozen=True)
class Capabilities:
    """What this database can show beyond alignments: the app hides or explains the rest."""

    framing: bool
    suggestions: bool
    ranking: bool


def capabilities(store: Store) -> Capabilities:
    """Framing cues are computed from the text, so always there; suggestions and the ranking
    exist once the suggestion stage has stored suggestions for this database's pairs."""
    stored = store.has_suggestions()
    return Capabilities(framing=True, suggestions=stored, ranking=stored)


@dataclass(frozen=True)
class StageMethods:
    """The stages behind cues, suggestions, specifics and agreement, by name and version,
    as a report's methods section cites them. ``suggestions`` is None when the database has
    no stored suggestions."""

    framing: str
    suggestions: str | None
    specifics: str
    agreement: str


def stage_methods(store: Store) -> StageMethods:
    """How cues, suggestions, specifics and agreement were obtained, in words."""
    models = store.suggestion_models()
    return StageMethods(
        framing=(
            f"workbench.framing rules ({framing.VERSION}): hedges, dismissals, sarcasm, "
            "scare quotes and attacks on a source are cues; neutral attribution is shown but "
            f"disputes nothing; a passage disputes framing at score {framing.DISPUTE_THRESHOLD}"
            " or more; " + framing.detector_method()
        ),
        suggestions=(
            "relation model " + ", ".join(models) + " (learned from pair features: similarity, "
            "shared and conflicting specifics, framing cues); a suggestion, not a finding"
            if models
            else None
        ),
        specifics=(
            "workbench.compare rules: numbers with what they count, dates, places, people, "
            "organisations and negations, sorted into shared, conflicting (the same quantity "
            "with different values) and one-sided"
        ),
        agreement=(
            "Cohen's kappa per pair of analysts on the pairs both tagged, Krippendorff's alpha "
            "(nominal) across all analysts; each analyst's latest tag per pair counts, "
            "adjudications are kept apart"
        ),
    )


# -- framing cues -----------------------------------------------------------------------


@dataclass(frozen=True)
class TechniqueMention:
    """A persuasion technique found in a passage: its PTC name, how sure, and by what.

    ``confidence`` is the detector's calibrated probability for ``source == "model"``; for
    ``"rule"`` it is the rule's weight, not a measured probability.
    """

    technique: str
    confidence: float
    source: str

    @property
    def label(self) -> str:
        """``"Loaded_Language 61%"`` for the model, ``"Doubt (rule)"`` for a rule."""
        if self.source == "model":
            return f"{self.technique} {self.confidence:.0%}"
        return f"{self.technique} (rule)"


@dataclass(frozen=True)
class Cues:
    """Framing cues of one passage with its score and verdict, offsets in the passage's text.

    :func:`workbench.views.records.cues_record` gives the JSON shape with document offsets.
    """

    framing: framing.Framing

    @property
    def disputes_framing(self) -> bool:
        return self.framing.disputes

    @property
    def score(self) -> float:
        return self.framing.score

    @property
    def techniques(self) -> tuple[TechniqueMention, ...]:
        """One mention per technique the passage's cues name: the model's most confident
        when the model found it, else the rules'; model mentions first, most confident
        first."""
        best: dict[str, TechniqueMention] = {}
        for cue in self.framing.cues:
            if not cue.technique:
                continue
            seen = best.get(cue.technique)
            rank = (cue.source == "model", cue.confidence)
            if seen is None or rank > (seen.source == "model", seen.confidence):
                best[cue.technique] = TechniqueMention(cue.technique, cue.confidence, cue.source)
        return tuple(
            sorted(best.values(), key=lambda m: (m.source != "model", -m.confidence, m.technique))
        )

    @property
    def marks(self) -> tuple[Mark, ...]:
        """The cues as marks on the passage text, each with a note naming it: the model's
        techniques with their confidence, the rules' kinds with their technique; neutral
        attribution is marked apart."""
        return tuple(_cue_mark(cue) for cue in self.framing.cues)


def _cue_mark(cue: framing.Cue) -> Mark:
    if cue.source == "model":
        note = f"{cue.technique} {cue.confidence:.0%} (model)"
        if cue.weight > 0:
            note += ", disputes another source's framing"
        return Mark(cue.start, cue.end, "technique", note)
    if cue.kind == "attribution":
        return Mark(cue.start, cue.end, "attribution", "attribution")
    name = cue.kind.replace("_", " ")
    return Mark(
        cue.start, cue.end, "cue", f"{name}: {cue.technique} (rule)" if cue.technique else name
    )


def passage_cues(text: str) -> Cues:
    """Framing cues (hedges, dismissals, sarcasm, scare quotes, attacks on a source, and
    neutral attribution) in ``text``, with the passage's verdict: the rules alone, computed
    now (the stored cues also hold the technique detector's: :func:`cues_by_id`)."""
    return Cues(framing.analyse(text))


def cues_by_id(store: Store, texts: Mapping[str, str]) -> dict[str, Cues]:
    """Cues of each passage (id -> its text): as the last run of the suggestion stage stored
    them with the current rules and detector, else the rules alone computed now."""
    stored = store.stored_framing(list(texts), framing.VERSION)
    out: dict[str, Cues] = {}
    for pid, text in texts.items():
        row = stored.get(pid)
        if row is None:
            out[pid] = passage_cues(text)
            continue
        cues = tuple(framing.Cue.from_record(c) for c in row.cues)
        out[pid] = Cues(framing.Framing(cues, row.score, row.disputes))
    return out


def framing_for(store: Store, passages: Sequence[Passage]) -> dict[str, Cues]:
    """Cues of each passage by id: as the last run of the suggestion stage stored them (by
    the current rules), else computed now."""
    return cues_by_id(store, {p.id: p.text for p in passages})


def passage_techniques(store: Store, passage_ids: Sequence[str]) -> dict[str, frozenset[str]]:
    """The technique names each passage's stored cues carry (rules and model), for filtering
    many passages at once; a passage without stored cues is absent."""
    stored = store.stored_framing(passage_ids, framing.VERSION)
    return {
        pid: frozenset(str(c["technique"]) for c in row.cues if c.get("technique"))
        for pid, row in stored.items()
    }


def framing_verdicts(store: Store, passage_ids: Sequence[str]) -> dict[str, bool]:
    """Whether each passage disputes another source's framing, as the suggestion stage
    stored it (a passage without a stored verdict is absent: unknown), for filtering many
    at once."""
    return store.framing_verdicts(passage_ids, framing.VERSION)


# -- suggestions ------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """A pair's suggested relation seen from one of its passages (``a_id``), how sure the
    model is, and why.

    In ``reasons`` (words, see :func:`reason_text`) and ``specifics`` (the stored comparison,
    offsets relative to each passage's text), "a" is ``a_id`` and "b" the other passage.
    """

    pair_id: str
    a_id: str
    b_id: str
    relation: str
    confidence: float
    probabilities: dict[str, float]
    reasons: tuple[str, ...]
    specifics: dict[str, Any]
    model: str
    claim_pair: tuple[tuple[int, int], tuple[int, int]] | None = None
    """(start, end) of the sentence of "a" and of "b" the suggestion rests on, offsets in
    each passage (None for suggestions stored before claim pairs were named)."""


def stored_suggestions(
    store: Store, pair_ids: Iterable[str] | None = None
) -> dict[str, StoredSuggestion]:
    """Stored suggestions by pair id, as stored (of every pair when ``pair_ids`` is None)."""
    return store.suggestions(None if pair_ids is None else list(pair_ids))


def suggestion_seen_from(stored: StoredSuggestion, a_id: str) -> Suggestion:
    """A stored suggestion seen from passage ``a_id`` (either passage of the pair)."""
    from_a = a_id == stored.a_id
    return Suggestion(
        pair_id=stored.pair_id,
        a_id=a_id,
        b_id=stored.b_id if from_a else stored.a_id,
        relation=stored.relation,
        confidence=stored.confidence,
        probabilities=stored.probabilities,
        reasons=tuple(reason_text(r, from_a) for r in stored.reasons),
        specifics=_oriented(stored.specifics, from_a),
        model=stored.model,
        claim_pair=claim_pair_spans(stored.reasons, from_a),
    )


def suggestions(
    store: Store, pair_ids: Sequence[str], seen_from: Mapping[str, str] | None = None
) -> dict[str, Suggestion]:
    """Stored suggestions with their reasons, for the few pairs on show.

    ``seen_from`` maps a pair id to the passage it is seen from, so that the reasons' "a"
    is that passage; without it, "a" is the passage with the smaller id.
    """
    return {
        pid: suggestion_seen_from(stored, (seen_from or {}).get(pid, stored.a_id))
        for pid, stored in store.suggestions(list(pair_ids)).items()
    }


def suggested_relations(store: Store, pair_ids: Sequence[str] | None = None) -> dict[str, str]:
    """Just the suggested relation of each pair (of every pair when ``pair_ids`` is None):
    cheap enough to filter and count tens of thousands of pairs."""
    return store.suggested_relations(pair_ids)


def tagging_priority(store: Store, pair_ids: Sequence[str]) -> dict[str, float] | None:
    """How much a tag on each pair would teach the suggestion model, higher first.

    Uncertainty sampling as in ``workbench rank`` (:func:`workbench.suggest.ranking.uncertainty`),
    computed for the pairs asked about only; pairs someone has tagged already are left out
    (they teach the model nothing new). None when this database has no suggestions to rank
    by.
    """
    if not capabilities(store).ranking:
        return None
    tagged = store.tagged_pair_ids()
    return {
        pid: uncertainty(probabilities)
        for pid, probabilities in store.suggestion_probabilities(pair_ids).items()
        if pid not in tagged
    }


# -- reasons in words -------------------------------------------------------------------

_STANCES = ("agree", "disagree", "discuss", "unrelated")
"""The stance model's labels in the order reasons name them (its own output order)."""
_SHOWN = {"cues": 4, "numbers": 6, "dates": 4, "names": 6}
"""At most this many of each kind of fact are named in a reason."""


def reason_text(reason: Mapping[str, Any], seen_from_a: bool = True) -> str:
    """A stored reason in words, seen from its pair's passage "a" (``seen_from_a``) or "b".

    The one place reasons become words: a reason is stored as ``{"kind", "side", "values",
    "weight", "ranked"}`` (see :func:`workbench.suggest.relation.explain`). Seen from the
    other passage, "a" and "b" trade places, and so do the two sides of each conflicting
    figure. Raises StoreError for a kind this workbench does not know.
    """
    kind = reason["kind"]
    values = reason["values"]
    if kind == "stance":
        order = [k for k in _STANCES if k in values] + [k for k in values if k not in _STANCES]
        return "stance model: " + ", ".join(f"{k} {values[k]:.2f}" for k in order)
    if kind == "similarity":
        return (
            f"similarity of the closest sentence: cosine {values['cosine']:.2f}, "
            f"word overlap {values['word_overlap']:.2f}"
        )
    if kind == "framing":
        parts = []
        for side in ("a", "b"):  # in stored order whichever passage is "a" to the reader
            facts = values[side]
            if facts["cues"]:
                shown = ", ".join(
                    f"{c['kind'].replace('_', ' ')} "
                    + (c["text"] if c["kind"] == "scare_quote" else f"“{c['text']}”")
                    for c in facts["cues"][: _SHOWN["cues"]]
                )
                verdict = "disputes framing" if facts["disputes"] else "has cues"
                parts.append(f"{_name(side, seen_from_a)} {verdict}: {shown}")
        return "; ".join(parts) or "no framing cues"
    if kind == "negation":
        if values["a"] != values["b"]:
            return "one side negates where the other does not"
        return "no difference in negation"
    if kind == "one_sided":
        return f"{values['a'] + values['b']} figure(s) on one side only"
    if kind == "shared":
        shown = values["numbers"][: _SHOWN["numbers"]] + values["dates"][: _SHOWN["dates"]]
        return "shared: " + "; ".join(item_label(i) for i in shown)
    if kind == "shared_names":
        return "both name: " + ", ".join(values["names"][: _SHOWN["names"]])
    if kind == "names":
        shown = ", ".join(values["shared"][: _SHOWN["names"]]) or "none"
        return f"names both give: {shown}; {values['one_sided']} name(s) on one side only"
    if kind == "relays":
        return (
            f"{_name(reason['side'], seen_from_a)} attributes this to "
            + ", ".join(values)
            + ": not an independent confirmation"
        )
    if kind == "asserts":
        return f"{_name(reason['side'], seen_from_a)} asserts this itself"
    if kind == "writer":
        first, second = ("a", "b") if seen_from_a else ("b", "a")
        return f"writers: a {values[first]}, b {values[second]}"
    if kind == "conflict":
        first, second = ("a", "b") if seen_from_a else ("b", "a")
        return "differ: " + "; ".join(
            f"{item_label(p[first])} vs {item_label(p[second])}" for p in values["pairs"]
        )
    if kind == "claim_pair":
        return _claim_pair_text(values, seen_from_a)
    raise StoreError(
        f"a stored suggestion has a reason of unknown kind {kind!r}; run `workbench align` "
        "to compute the suggestions again with this workbench"
    )


def _claim_pair_text(values: Mapping[str, Any], seen_from_a: bool) -> str:
    """``rests on a's sentence at 0-98 (asserts) and b's at 120-245 (relays Human Rights
    Watch); in both: 195 (north koreans); differ: ...``, offsets in each passage."""
    first, second = ("a", "b") if seen_from_a else ("b", "a")

    def sentence(side: str) -> str:
        facts = values[side]
        how = facts["writer"] + (f" {facts['source']}" if facts.get("source") else "")
        return f"{facts['start']}-{facts['end']} ({how})"

    text = f"rests on a's sentence at {sentence(first)} and b's at {sentence(second)}"
    if values["shared"]:
        shown = values["shared"][: _SHOWN["numbers"]]
        text += "; in both: " + ", ".join(item_label(i) for i in shown)
    if values["conflicting"]:
        text += "; differ: " + "; ".join(
            f"{item_label(p[first])} vs {item_label(p[second])}" for p in values["conflicting"]
        )
    return text


def claim_pair_spans(
    reasons: Sequence[Mapping[str, Any]], seen_from_a: bool = True
) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """The (start, end) of the claim sentence of "a" and of "b" (offsets in each passage)
    named by a suggestion's stored reasons, seen from "a" or "b"; None when none is named."""
    for reason in reasons:
        if reason["kind"] == "claim_pair":
            a, b = reason["values"]["a"], reason["values"]["b"]
            spans = (a["start"], a["end"]), (b["start"], b["end"])
            return spans if seen_from_a else (spans[1], spans[0])
    return None


def _name(side: str, seen_from_a: bool) -> str:
    """What the reader calls the stored side ``side``."""
    return side if seen_from_a else {"a": "b", "b": "a"}[side]


def item_label(item: Mapping[str, Any]) -> str:
    """A specific (a stored item: ``{"kind", "value", "text", "unit"?}``) in a few words:
    ``195 (north koreans)``, ``1 km``, ``Geneva``."""
    found = compare.Item(
        item["kind"], item["value"], 0, 0, item["text"], item.get("unit", "") or ""
    )
    return found.label()


# -- specifics --------------------------------------------------------------------------


def _shift(item: dict[str, Any], offset: int) -> dict[str, Any]:
    return {**item, "start": item["start"] + offset, "end": item["end"] + offset}


def _shifted(spec: Mapping[str, Any], a_start: int, b_start: int) -> dict[str, Any]:
    """A comparison (``{"shared", "conflicting", "a_only", "b_only"}``) with its offsets moved
    by each passage's start."""

    def both(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {
                "kind": e["kind"],
                "value": e["value"],
                "a": _shift(e["a"], a_start),
                "b": _shift(e["b"], b_start),
            }
            for e in entries
        ]

    return {
        "shared": both(spec.get("shared", [])),
        "conflicting": both(spec.get("conflicting", [])),
        "a_only": [_shift(i, a_start) for i in spec.get("a_only", [])],
        "b_only": [_shift(i, b_start) for i in spec.get("b_only", [])],
    }


def _oriented(spec: Mapping[str, Any], from_a: bool) -> dict[str, Any]:
    """A stored comparison seen from its "a" (``from_a``) or from its "b" passage.

    Each entry keeps its stored ``value`` ("x | y" for two spellings, in stored order).
    """
    if from_a:
        return _shifted(spec, 0, 0)

    def swapped(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{"kind": e["kind"], "value": e["value"], "a": e["b"], "b": e["a"]} for e in entries]

    return _shifted(
        {
            "shared": swapped(spec.get("shared", [])),
            "conflicting": swapped(spec.get("conflicting", [])),
            "a_only": spec.get("b_only", []),
            "b_only": spec.get("a_only", []),
        },
        0,
        0,
    )


def oriented_specifics(
    suggestion: StoredSuggestion, a_id: str, a_start: int = 0, b_start: int = 0
) -> dict[str, Any]:
    """The comparison stored with a suggestion, seen from passage ``a_id``, offsets moved
    by the passages' starts (their offsets in the documents).

    ``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...], "a_only": [...],
    "b_only": [...]}`` where ``a`` is the pair's passage ``a_id``.
    """
    return _shifted(_oriented(suggestion.specifics, a_id == suggestion.a_id), a_start, b_start)


@dataclass
class PairSpecifics:
    """The comparison of specifics of a pair seen from its passage "a": the comparison
    itself, marks to highlight on each side and readable summaries.

    ``comparison`` and the marks have offsets relative to each passage's text;
    :meth:`record` moves them into the documents.
    """

    comparison: dict[str, Any]
    a_marks: list[Mark] = field(default_factory=list)
    b_marks: list[Mark] = field(default_factory=list)
    shared: list[str] = field(default_factory=list)
    conflicting: list[str] = field(default_factory=list)
    a_only: list[str] = field(default_factory=list)
    b_only: list[str] = field(default_factory=list)

    def record(self, a_start: int = 0, b_start: int = 0) -> dict[str, Any]:
        """``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...], "a_only":
        [item], "b_only": [item]}`` with ``item = {"kind", "value", "start", "end", "text",
        "unit"?}``, offsets in the documents given the passages' starts."""
        return _shifted(self.comparison, a_start, b_start)


def compare_specifics(
    a_text: str, b_text: str, suggestion: Suggestion | None = None
) -> PairSpecifics:
    """Numbers (with what they count), dates, names and negations on each side of a pair:
    shared, conflicting (the same quantity with different values) or on one side only.

    The comparison stored with the pair's ``suggestion`` (seen from passage ``a_text``) when
    there is one, the very comparison the suggestion was made from; computed from the texts
    only when no suggestion is stored. The one place either happens.
    """
    if suggestion is not None:
        comparison = suggestion.specifics
    else:
        comparison = compare.compare_pair(a_text, b_text).record()
    out = PairSpecifics(comparison)
    for e in comparison["shared"]:
        a, b = e["a"], e["b"]
        out.a_marks.append(Mark(a["start"], a["end"], "shared", f"shared {a['kind']}"))
        out.b_marks.append(Mark(b["start"], b["end"], "shared", f"shared {b['kind']}"))
        if item_label(a) not in out.shared:
            out.shared.append(item_label(a))
    for e in comparison["conflicting"]:
        a, b = e["a"], e["b"]
        out.a_marks.append(
            Mark(a["start"], a["end"], "conflict", f"the other side says {item_label(b)}")
        )
        out.b_marks.append(
            Mark(b["start"], b["end"], "conflict", f"the other side says {item_label(a)}")
        )
        out.conflicting.append(f"{item_label(a)} against {item_label(b)}")
    for items, marks, only in (
        (comparison["a_only"], out.a_marks, out.a_only),
        (comparison["b_only"], out.b_marks, out.b_only),
    ):
        for item in items:
            if item["kind"] == "negation":
                marks.append(
                    Mark(item["start"], item["end"], "negation", "negation on this side only")
                )
            else:
                marks.append(
                    Mark(item["start"], item["end"], "only", f"{item['kind']} on this side only")
                )
                only.append(item_label(item))
    return out


# -- agreement --------------------------------------------------------------------------


def agreement_figures(tags: Iterable[Tag]) -> dict[str, Any]:
    """How far analysts who tagged the same pairs agree, chance-corrected.

    ``tags`` are the analysts' tags (the latest per analyst and pair counts). Returns
    ``{"method", "analysts": {name: pairs tagged}, "pairs_tagged", "multiply_tagged",
    "observed": share of multiply tagged pairs on which all agree or None, "alpha":
    Krippendorff's alpha or None, "min_shared", "disagreements", "by_pair_of_analysts":
    [{"first", "second", "shared", "agreed", "observed", "kappa", "enough"}]}``; ``enough``
    is False when two analysts share fewer than ``min_shared`` pairs (kappa unstable).
    """
    found = agreement.agreement_report(tags)
    multiple = found.multiply_tagged
    unanimous = multiple - len(found.disagreements)
    return {
        "method": ("Cohen's kappa per pair of analysts, Krippendorff's alpha (nominal) across all"),
        "analysts": found.analysts,
        "pairs_tagged": found.items,
        "multiply_tagged": multiple,
        "observed": round(unanimous / multiple, 4) if multiple else None,
        "alpha": _rounded(found.alpha),
        "min_shared": agreement.MIN_SHARED,
        "disagreements": len(found.disagreements),
        "by_pair_of_analysts": [
            {
                "first": p.first,
                "second": p.second,
                "shared": p.shared,
                "agreed": p.agreed,
                "observed": round(p.agreed / p.shared, 4) if p.shared else None,
                "kappa": _rounded(p.kappa),
                "enough": p.enough,
            }
            for p in found.pairs
        ],
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)
