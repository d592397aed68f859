"""The whole picture: where sources corroborate, contradict or dispute each other's framing,
and which claims a source never addresses. Tables built with pandas for the Overview page.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from workbench.models import Relation, Tag
from workbench.store import PassageOrigin, Store
from workbench.views.agreement import latest_labels

SHOWN_RELATIONS = (
    Relation.CORROBORATES.value,
    Relation.CONTRADICTS.value,
    Relation.DISPUTES_FRAMING.value,
)
COUNT_COLUMNS = ["outlet", "doc", "section", "relation", "basis", "pairs"]
SOURCE_COLUMNS = ["outlet", "section", "relation", "basis", "pairs"]


def pair_labels(store: Store, tags: Sequence[Tag] | None = None) -> dict[str, str]:
    """The label each tagged pair currently has.

    An adjudicator's final label wins; otherwise the label most analysts gave (their latest
    tags), ties going to the label tagged most recently. ``tags`` (oldest first) are the
    tags the viewer may see, for blind tagging; default every tag.
    """
    final = {pid: found.label.value for pid, found in store.adjudications().items()}
    rows = store.tags() if tags is None else list(tags)
    order: dict[str, dict[str, int]] = {}
    for tag in rows:
        order.setdefault(tag.pair_id, {})[tag.label.value] = tag.tag_id
    labels: dict[str, str] = {}
    for pid, by_analyst in latest_labels(rows).items():
        votes = Counter(by_analyst.values())
        labels[pid] = max(votes, key=lambda label: (votes[label], order[pid][label]))
    labels.update(final)
    return labels


def _sides(store: Store, pair_ids: set[str]) -> dict[str, list[PassageOrigin]]:
    """Both passages of each pair as (outlet, doc, section)."""
    ends = store.pair_passages(sorted(pair_ids))
    origins = store.passage_origins(sorted({p for both in ends.values() for p in both}))
    return {pid: [origins[p] for p in both if p in origins] for pid, both in ends.items()}


def label_counts(store: Store, labels: Mapping[str, str], basis: str) -> pd.DataFrame:
    """Pairs per source, section and relation for one ``basis`` ("tagged" or
    "suggested"): each pair of ``labels`` (pair id to relation) counts once for each of its
    two passages; only corroboration, contradiction and framing dispute are counted."""
    shown = {pid: label for pid, label in labels.items() if label in SHOWN_RELATIONS}
    sides = _sides(store, set(shown))
    counts: Counter[tuple[str, str, str, str, str]] = Counter()
    for pid, label in shown.items():
        for outlet, doc, section in sides.get(pid, []):
            counts[(outlet, doc, section, label, basis)] += 1
    return pd.DataFrame([(*key, n) for key, n in sorted(counts.items())], columns=COUNT_COLUMNS)


def combined_counts(*parts: pd.DataFrame) -> pd.DataFrame:
    """Tables of :func:`label_counts` as one, in the order :func:`relation_counts` gives."""
    frames = [part for part in parts if not part.empty]
    if not frames:
        return pd.DataFrame(columns=COUNT_COLUMNS)
    frame = pd.concat(frames, ignore_index=True)
    return frame.sort_values(COUNT_COLUMNS[:5], ignore_index=True)


def source_counts(*parts: pd.DataFrame) -> pd.DataFrame:
    """Tables of :func:`label_counts` (or of this function) as one, summed over documents:
    pairs per source, section, relation and basis, which is all the Overview shows. At
    20,000 passages that is tens of rows where the documents' table has thousands."""
    frames = [part for part in parts if not part.empty]
    if not frames:
        return pd.DataFrame(columns=SOURCE_COLUMNS)
    frame = pd.concat([f[SOURCE_COLUMNS] for f in frames], ignore_index=True)
    return frame.groupby(SOURCE_COLUMNS[:4], as_index=False, sort=True)["pairs"].sum()


def relation_counts(
    store: Store, suggested: Mapping[str, str], tags: Sequence[Tag] | None = None
) -> pd.DataFrame:
    """Pairs per source, section and relation, tagged and suggested counted apart.

    Each pair counts once for each of its two passages, under that passage's source and
    section. Only corroboration, contradiction and framing dispute are counted. ``tags``
    are the tags the viewer may see (see :func:`pair_labels`).
    """
    return combined_counts(
        label_counts(store, pair_labels(store, tags), "tagged"),
        label_counts(store, suggested, "suggested"),
    )


@dataclass(frozen=True)
class HiddenTags:
    """What a blind analyst may know of other analysts' tags: how many, on how many pairs."""

    tags: int
    pairs: int


def hidden_tags(latest: Sequence[Tag], visible: Sequence[Tag]) -> HiddenTags:
    """Counts of the tags in ``latest`` (each analyst's latest per pair) left out of
    ``visible``: no names, no labels, no pair ids."""
    shown = {t.tag_id for t in visible}
    hidden = [t for t in latest if t.tag_id not in shown]
    return HiddenTags(len(hidden), len({t.pair_id for t in hidden}))


def unaddressed(
    store: Store, *, silent_doc: str | None = None, source_doc: str | None = None
) -> pd.DataFrame:
    """Passages (claims) with no counterpart above the threshold in another document.

    The same rows as ``workbench unaddressed``: the passage, its document, the document
    that is silent about it and the best score found there.
    """
    rows = store.unaddressed_passages(silent_doc=silent_doc, source_doc=source_doc)
    return pd.DataFrame(
        rows,
        columns=[
            "passage_id",
            "doc",
            "outlet",
            "section",
            "silent_doc",
            "silent_outlet",
            "best_score",
            "text",
        ],
    )


def silence_matrix(store: Store, limit: int | None = None) -> pd.DataFrame:
    """How many passages of each document (rows) each other document (columns) never
    addresses; with ``limit``, only the ``limit`` documents with the most such passages
    (as source and as silent document together), so a corpus of thousands of documents
    gives a table a page can show."""
    frame = pd.DataFrame(store.silence_counts(), columns=["doc", "silent_doc", "n"])
    if frame.empty:
        return pd.DataFrame()
    if limit is not None:
        totals = (
            frame.groupby("doc")["n"]
            .sum()
            .add(frame.groupby("silent_doc")["n"].sum(), fill_value=0)
        )
        if len(totals) > limit:
            kept = set(totals.sort_values(ascending=False, kind="stable").index[:limit])
            frame = frame[frame["doc"].isin(kept) & frame["silent_doc"].isin(kept)]
            if frame.empty:
                return pd.DataFrame()
    return frame.pivot(index="doc", columns="silent_doc", values="n").fillna(0).astype(int)
