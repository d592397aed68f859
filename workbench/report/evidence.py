"""What a report says about a pair beyond its alignment, behind small functions.

Framing cues (:mod:`workbench.suggest.framing`), the comparison of specifics
(:mod:`workbench.suggest.compare`), the relation suggestions stored by the alignment stage
(:mod:`workbench.suggest.stage`) and agreement between analysts (:mod:`workbench.views.agreement`) reach
the report only through this module, so its tables and writers do not depend on how those
stages compute or store their results. A database aligned before suggestions existed shows
them as "not computed" instead of as an empty finding.

Shapes (offsets are in the document text, like every offset in a report):

- cues: ``{"available", "cues": [{"kind", "start", "end", "text"}], "disputes_framing",
  "framing_score"}``
- specifics: ``{"shared": [{"kind", "value", "a", "b"}], "conflicting": [...],
  "a_only": [item], "b_only": [item]}`` with ``item = {"kind", "value", "start", "end",
  "text", "unit"?}``
- suggestion: ``{"relation", "confidence", "reasons": [str], "model"}``, its reasons seen
  from the claim (``a``) of the counterpart row it is shown in
- agreement: see :func:`agreement_figures`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from workbench.views import agreement
from workbench.suggest import compare
from workbench.suggest import framing
from workbench.models import Tag
from workbench.store import Store


@dataclass(frozen=True)
class Capabilities:
    """The stages behind cues, suggestions, specifics and agreement; the methods section
    cites them. ``suggestions`` is None when the database has no stored suggestions."""

    framing: str
    suggestions: str | None
    specifics: str
    agreement: str


def capabilities(store: Store) -> Capabilities:
    """The stages behind cues, suggestions, specifics and agreement, by name and version."""
    models = [
        row[0]
        for row in store.conn.execute("SELECT DISTINCT model FROM suggestions ORDER BY model")
    ]
    return Capabilities(
        framing=(
            f"workbench.framing rules ({framing.VERSION}): hedges, dismissals, sarcasm, "
            "scare quotes and attacks on a source are cues; neutral attribution is shown but "
            f"disputes nothing; a passage disputes framing at score {framing.DISPUTE_THRESHOLD}"
            " or more"
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


def passage_cues(text: str, start: int) -> dict[str, Any]:
    """Framing cues (hedges, dismissals, sarcasm, scare quotes, attacks on a source, and
    neutral attribution) of one passage, with its verdict, offsets in the document."""
    return {"available": True, **framing.analyse(text).record(start)}


# -- specifics --------------------------------------------------------------------------


def compare_specifics(a_text: str, a_start: int, b_text: str, b_start: int) -> dict[str, Any]:
    """Specifics both passages give (shared), figures for the same quantity that differ
    (conflicting), and the rest on one side only, offsets in the documents."""
    return compare.compare_pair(a_text, b_text).record(a_start, b_start)


# -- suggestions ------------------------------------------------------------------------


def suggestions(store: Store, pair_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The stored suggestion of each pair that has one, by pair id, as stored (``a_id`` is
    the passage its reasons call "a"); :func:`seen_from` turns one toward a claim."""
    from workbench.suggest.stage import suggestions_for

    return {
        pid: {
            "relation": s.relation,
            "confidence": s.confidence,
            "model": s.model,
            "a_id": s.a_id,
            "reasons": s.reasons,
        }
        for pid, s in suggestions_for(store, pair_ids).items()
    }


def seen_from(suggestion: dict[str, Any] | None, claim_id: str) -> dict[str, Any] | None:
    """A stored suggestion as shown beside claim ``claim_id``: its reasons call that
    passage "a" (a framing dispute by "b" is the counterpart's, not the claim's)."""
    if suggestion is None:
        return None
    from workbench.suggest.stage import oriented_reasons

    flip = claim_id != suggestion["a_id"]
    return {
        "relation": suggestion["relation"],
        "confidence": suggestion["confidence"],
        "reasons": [r["text"] for r in oriented_reasons(suggestion["reasons"], flip)],
        "model": suggestion["model"],
    }


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
