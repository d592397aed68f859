"""Agreement between analysts: Cohen's kappa per pair of analysts, Krippendorff's alpha.

Each analyst's latest tag per aligned pair is their label for that item; earlier tags are
history. Adjudications (an adjudicator's final label) are kept apart and never count as an
analyst's label here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from workbench.models import Tag

MIN_SHARED = 30
"""Below this many items tagged by both analysts, kappa is too unstable to rely on."""


def cohen_kappa(first: Sequence[Hashable], second: Sequence[Hashable]) -> float | None:
    """Cohen's kappa of two analysts' labels on the same items, in the same order.

    None when there are no items. When both analysts used one and the same label for every
    item, expected agreement is 1 and kappa is undefined; it is reported as 1.0 (perfect
    agreement) as scikit-learn does not, since that is what the analysts did.
    """
    if len(first) != len(second):
        raise ValueError(f"label lists differ in length: {len(first)} and {len(second)}")
    n = len(first)
    if n == 0:
        return None
    observed = sum(a == b for a, b in zip(first, second, strict=True)) / n
    count_a, count_b = Counter(first), Counter(second)
    expected = sum(count_a[label] * count_b[label] for label in count_a) / (n * n)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1.0 - expected)


def krippendorff_alpha(units: Mapping[Hashable, Mapping[str, Hashable]]) -> float | None:
    """Krippendorff's alpha for nominal labels: ``units[item][analyst] = label``.

    Items labelled by fewer than two analysts carry no information and are left out. None
    when no item has two labels; 1.0 when every pairable label is the same (no variation).
    """
    coincidence: Counter[tuple[Hashable, Hashable]] = Counter()
    for labels in units.values():
        values = list(labels.values())
        m = len(values)
        if m < 2:
            continue
        for i, a in enumerate(values):
            for j, b in enumerate(values):
                if i != j:
                    coincidence[(a, b)] += 1.0 / (m - 1)
    total = sum(coincidence.values())
    if total == 0:
        return None
    marginal: Counter[Hashable] = Counter()
    for (a, _), weight in coincidence.items():
        marginal[a] += weight
    disagree_observed = sum(w for (a, b), w in coincidence.items() if a != b)
    disagree_expected = sum(marginal[a] * marginal[b] for a in marginal for b in marginal if a != b)
    if disagree_expected == 0:
        return 1.0
    return 1.0 - (total - 1) * disagree_observed / disagree_expected


@dataclass(frozen=True)
class PairAgreement:
    """Two analysts' agreement on the items both tagged."""

    first: str
    second: str
    shared: int
    agreed: int
    kappa: float | None

    @property
    def enough(self) -> bool:
        return self.shared >= MIN_SHARED


@dataclass(frozen=True)
class Disagreement:
    """An item the analysts labelled differently, with each analyst's latest label."""

    pair_id: str
    labels: dict[str, str]


@dataclass
class AgreementReport:
    """What the Agreement page shows."""

    analysts: dict[str, int]
    pairs: list[PairAgreement]
    alpha: float | None
    items: int
    multiply_tagged: int
    disagreements: list[Disagreement] = field(default_factory=list)


def latest_labels(tags: Iterable[Tag]) -> dict[str, dict[str, str]]:
    """``{pair_id: {analyst: label}}`` from tags oldest first: the last tag wins."""
    units: dict[str, dict[str, str]] = {}
    for tag in tags:
        units.setdefault(tag.pair_id, {})[tag.analyst] = tag.label.value
    return units


def agreement_report(tags: Iterable[Tag]) -> AgreementReport:
    """Kappa for every pair of analysts, alpha across all, and the items they disagree on."""
    units = latest_labels(tags)
    per_analyst: Counter[str] = Counter()
    for labels in units.values():
        per_analyst.update(labels.keys())
    pairs = []
    for first, second in combinations(sorted(per_analyst), 2):
        both = [
            (labels[first], labels[second])
            for labels in units.values()
            if first in labels and second in labels
        ]
        kappa = cohen_kappa([a for a, _ in both], [b for _, b in both])
        pairs.append(PairAgreement(first, second, len(both), sum(a == b for a, b in both), kappa))
    disagreements = [
        Disagreement(pid, dict(sorted(labels.items())))
        for pid, labels in units.items()
        if len(set(labels.values())) > 1
    ]
    return AgreementReport(
        analysts=dict(sorted(per_analyst.items())),
        pairs=pairs,
        alpha=krippendorff_alpha(units),
        items=len(units),
        multiply_tagged=sum(1 for labels in units.values() if len(labels) > 1),
        disagreements=disagreements,
    )
