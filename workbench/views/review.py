"""The analyst's review queue: focus passages, each with its counterparts in other sources.

The Compare page walks this queue. It is built from the aligned pairs of a focus document
or outlet, narrowed by filters (tagged or not, suggested relation, framing, score, section,
sources) and put in an order (document order, best match first, or most useful to tag
next). The analyst's place is a passage id, so it survives filter and order changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from workbench.models import Document, Tag
from workbench.store import Store

TAGGED_CHOICES = ("all", "untagged", "tagged")
"""Whether the analyst has tagged a pair: any, not yet, already."""
FRAMING_CHOICES = ("any", "focus", "counterpart", "either", "neither")
"""Which side's framing cues must dispute framing."""
ORDERS = ("document", "score", "useful")
"""Document order, best-scoring counterpart first, most useful to tag next."""


@dataclass(slots=True)
class Counterpart:
    """Passage ``b`` of an aligned pair, seen from the focus passage."""

    pair_id: str
    passage_id: str
    doc: str
    outlet: str
    score: float
    rank: int
    mutual: bool
    section: str = ""
    start: int = 0
    end: int = 0
    text: str = ""
    """Section, offsets and text are filled by :func:`with_texts` for the passage on show."""


@dataclass(slots=True)
class FocusItem:
    """A focus passage and the counterparts that pass the filters, best first."""

    passage_id: str
    doc: str
    outlet: str
    section: str
    opening: str
    position: int
    counterparts: list[Counterpart] = field(default_factory=list)
    start: int = 0
    end: int = 0
    text: str = ""
    """Offsets and text are filled by :func:`with_texts` for the passage on show only."""

    @property
    def pair_ids(self) -> list[str]:
        return [c.pair_id for c in self.counterparts]


@dataclass(frozen=True)
class Filters:
    """What the analyst wants to see. Empty tuples mean "any"."""

    tagged: str = "all"
    relations: tuple[str, ...] = ()
    framing: str = "any"
    min_score: float = 0.0
    sections: tuple[str, ...] = ()
    outlets: tuple[str, ...] = ()
    max_rank: int = 1
    techniques: tuple[str, ...] = ()
    """Persuasion techniques (PTC names): keep pairs where either passage carries one."""

    def __post_init__(self) -> None:
        if self.tagged not in TAGGED_CHOICES:
            raise ValueError(f"tagged must be one of {TAGGED_CHOICES}, not {self.tagged!r}")
        if self.framing not in FRAMING_CHOICES:
            raise ValueError(f"framing must be one of {FRAMING_CHOICES}, not {self.framing!r}")


@dataclass(frozen=True)
class Context:
    """What the filters and the order look at besides the pairs themselves."""

    my_tags: Mapping[str, Tag] = field(default_factory=dict)
    relations: Mapping[str, str] = field(default_factory=dict)
    """Pair id -> suggested relation (absent: no suggestion)."""
    disputes: Mapping[str, bool | None] = field(default_factory=dict)
    """Passage id -> whether its framing cues dispute framing (None or absent: unknown)."""
    techniques: Mapping[str, frozenset[str]] = field(default_factory=dict)
    """Passage id -> the technique names its cues carry (absent: none known)."""
    priority: Mapping[str, float] | None = None


OPENING_CHARS = 160


def load_pairs(
    store: Store,
    *,
    doc: str | None = None,
    outlet: str | None = None,
    max_rank: int = 1,
    min_score: float = 0.0,
    outlets: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Aligned pairs whose passage ``a`` is in the focus document or outlet, in document
    order, with only what filtering and ordering need (and the opening of ``a``): a queue
    of tens of thousands of pairs stays quick to build, and :func:`with_texts` reads the
    rest for the one passage on show. ``outlets`` limits the counterparts to those sources.
    """
    outlet_of = store.document_outlets()
    focus_docs = sorted(
        d
        for d, o in outlet_of.items()
        if (doc is None or d == doc) and (outlet is None or o == outlet)
    )
    others = None
    if outlets is not None:
        wanted = set(outlets)
        others = [d for d, o in outlet_of.items() if o in wanted]
    summaries = store.pair_summaries(
        focus_docs, max_rank=max_rank, min_score=min_score, b_docs=others
    )
    openings = store.passage_openings(focus_docs, OPENING_CHARS)
    return [
        {
            "pair_id": row["pair_id"],
            "rank": row["rank"],
            "score": row["score"],
            "mutual": row["mutual"],
            "a_id": row["a_id"],
            "a_doc": row["a_doc"],
            "a_outlet": outlet_of[row["a_doc"]],
            "a_section": row["a_section"],
            "a_opening": openings.get(row["a_id"], ""),
            "b_id": row["b_id"],
            "b_doc": row["b_doc"],
            "b_outlet": outlet_of[row["b_doc"]],
        }
        for row in summaries
    ]


def with_texts(store: Store, item: FocusItem) -> FocusItem:
    """The item with the texts, sections and offsets of its focus passage and counterparts."""
    ids = [item.passage_id, *(c.passage_id for c in item.counterparts)]
    found = store.passages_by_id(ids)

    def fields(passage_id: str) -> dict[str, Any]:
        passage = found.get(passage_id)
        if passage is None:
            return {}
        return {
            "text": passage.text,
            "section": passage.section,
            "start": passage.start,
            "end": passage.end,
        }

    return replace(
        item,
        **{k: v for k, v in fields(item.passage_id).items() if k != "section"},
        counterparts=[replace(c, **fields(c.passage_id)) for c in item.counterparts],
    )


def document_catalogue(store: Store) -> dict[str, Document]:
    """Every document's metadata (its text left out, which pages listing documents never
    need), by id."""
    return {d.id: d for d in store.documents(with_text=False)}


def _counterpart(row: Mapping[str, Any]) -> Counterpart:
    return Counterpart(
        pair_id=row["pair_id"],
        passage_id=row["b_id"],
        doc=row["b_doc"],
        outlet=row["b_outlet"],
        score=float(row["score"]),
        rank=int(row["rank"]),
        mutual=bool(row["mutual"]),
    )


def _passes(row: Mapping[str, Any], filters: Filters, context: Context) -> bool:
    """Whether a pair passes every filter but ``tagged`` (see :func:`narrow_to_tagged`)."""
    if row["rank"] > filters.max_rank or row["score"] < filters.min_score:
        return False
    if filters.outlets and row["b_outlet"] not in filters.outlets:
        return False
    if filters.sections and row["a_section"] not in filters.sections:
        return False
    if filters.relations and context.relations.get(row["pair_id"]) not in filters.relations:
        return False
    if filters.framing != "any":
        focus = bool(context.disputes.get(row["a_id"]))
        other = bool(context.disputes.get(row["b_id"]))
        wanted = {
            "focus": focus,
            "counterpart": other,
            "either": focus or other,
            "neither": not (focus or other),
        }[filters.framing]
        if not wanted:
            return False
    if filters.techniques:
        found = context.techniques.get(row["a_id"], frozenset()) | context.techniques.get(
            row["b_id"], frozenset()
        )
        if not found.intersection(filters.techniques):
            return False
    return True


def build_queue(
    rows: Iterable[Mapping[str, Any]], filters: Filters, context: Context, order: str = "document"
) -> list[FocusItem]:
    """Focus passages with at least one counterpart passing ``filters``, in ``order``.

    ``rows`` are aligned pairs as :func:`load_pairs` returns them (focus passages in
    document order). Order ``useful`` needs ``context.priority`` and falls back to
    document order without it. The same as :func:`corpus_queue`, then
    :func:`narrow_to_tagged`, then :func:`order_queue`: the Compare page keeps the first,
    which is the same for every analyst, and does the other two on each run.
    """
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    queue = corpus_queue(rows, filters, context)
    return order_queue(narrow_to_tagged(queue, context.my_tags, filters.tagged), order, context)


def corpus_queue(
    rows: Iterable[Mapping[str, Any]], filters: Filters, context: Context
) -> list[FocusItem]:
    """Focus passages in document order, each with its counterparts passing every filter
    but ``tagged``, best first; passages left with no counterpart are dropped.

    It reads nothing of any analyst's (``context.my_tags`` and ``context.priority`` are
    not used), so one result can serve every analyst; callers must not change it.
    """
    items: dict[str, FocusItem] = {}
    for row in rows:
        if not _passes(row, filters, context):
            continue
        item = items.get(row["a_id"])
        if item is None:
            item = items[row["a_id"]] = FocusItem(
                passage_id=row["a_id"],
                doc=row["a_doc"],
                outlet=row["a_outlet"],
                section=row["a_section"],
                opening=row["a_opening"],
                position=len(items),
            )
        item.counterparts.append(_counterpart(row))
    queue = list(items.values())
    for item in queue:
        item.counterparts.sort(key=lambda c: (c.outlet, c.doc, c.rank))
    return queue


def narrow_to_tagged(
    queue: Sequence[FocusItem], my_tags: Mapping[str, Tag], tagged: str = "all"
) -> list[FocusItem]:
    """``queue`` with only the counterparts the analyst has tagged (``tagged="tagged"``)
    or not (``"untagged"``), dropping passages left with none; new items, so a shared
    ``queue`` is left as it was."""
    if tagged not in TAGGED_CHOICES:
        raise ValueError(f"tagged must be one of {TAGGED_CHOICES}, not {tagged!r}")
    if tagged == "all":
        return list(queue)
    want = tagged == "tagged"
    narrowed = []
    for item in queue:
        kept = [c for c in item.counterparts if (c.pair_id in my_tags) == want]
        if len(kept) == len(item.counterparts):
            narrowed.append(item)
        elif kept:
            narrowed.append(replace(item, counterparts=kept))
    return narrowed


def order_queue(queue: Sequence[FocusItem], order: str, context: Context) -> list[FocusItem]:
    """``queue`` (in document order) in ``order``, as a new list: best match first
    (``score``), most useful to tag next (``useful``, by ``context.priority``; document
    order without it) or as it is (``document``)."""
    if order not in ORDERS:
        raise ValueError(f"order must be one of {ORDERS}, not {order!r}")
    if order == "score":
        return sorted(queue, key=lambda i: (-max(c.score for c in i.counterparts), i.position))
    if order == "useful" and context.priority is not None:
        priority = context.priority

        def usefulness(item: FocusItem) -> float:
            return max(priority.get(pid, float("-inf")) for pid in item.pair_ids)

        return sorted(queue, key=lambda i: (-usefulness(i), i.position))
    return list(queue)


def index_of(queue: Sequence[FocusItem], passage_id: str | None, fallback: int = 0) -> int:
    """Where the analyst's passage is in the queue; ``fallback`` (clamped) if it left it."""
    if not queue:
        return 0
    for i, item in enumerate(queue):
        if item.passage_id == passage_id:
            return i
    return min(max(fallback, 0), len(queue) - 1)


def is_done(item: FocusItem, my_tags: Mapping[str, Tag]) -> bool:
    """Whether the analyst has tagged every counterpart of this focus passage."""
    return all(pid in my_tags for pid in item.pair_ids)


def next_untagged(
    queue: Sequence[FocusItem], current: int, my_tags: Mapping[str, Tag]
) -> int | None:
    """The next focus passage after ``current`` with a counterpart the analyst has not
    tagged, wrapping round to the start; None when everything in the queue is tagged."""
    n = len(queue)
    for step in range(1, n + 1):
        i = (current + step) % n
        if not is_done(queue[i], my_tags):
            return i
    return None


def progress_counts(queue: Sequence[FocusItem], my_tags: Mapping[str, Tag]) -> tuple[int, int]:
    """(pairs tagged by the analyst, pairs in the queue)."""
    pairs = {pid for item in queue for pid in item.pair_ids}
    return sum(1 for pid in pairs if pid in my_tags), len(pairs)
