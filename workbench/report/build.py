"""The tables of a comparison report, built with pandas from the store.

:func:`build_report` reads documents, passages, alignments, coverage, tags and
adjudications once and returns a :class:`Report`: small summary tables, a table of the pairs
in scope, and iterators that yield one claim (or one pair row) at a time with its evidence,
so that the writers can stream a report of any size.

Which pairs a report holds: a pair is *in the report* when one passage is the other's best
counterpart in its document (rank 1 in either direction) and scores at least the alignment
threshold, or when an analyst in scope tagged it, or an adjudicator decided it.
The scope options then narrow that set: ``focus`` keeps pairs with a side in the focus
documents (and makes those sides the claims), ``relation`` keeps pairs an analyst, the
adjudicator or the suggester gave that label, ``tagged_only`` keeps tagged or adjudicated
pairs, ``analyst`` shows and counts only that analyst's tags.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from workbench import __version__
from workbench.align.staleness import ALIGNMENT_META_KEY, corpus_key
from workbench.config import Settings
from workbench.errors import InvalidInput, NotFound, NothingToDo
from workbench.models import Document, Relation, Tag, text_hash
from workbench.progress import SILENT, Reporter
from workbench.store import Store
from workbench.store.suggestions import StoredSuggestion
from workbench.views import evidence
from workbench.views.records import (
    report_cues_record,
    report_suggestion_record,
    side_record,
    tag_record,
)

_SIDE_FIELDS = ("doc", "seq", "start", "end", "section", "text")


@dataclass(frozen=True)
class ReportScope:
    """What a report covers; every field None/False means everything."""

    focus: str | None = None
    relation: str | None = None
    analyst: str | None = None
    tagged_only: bool = False

    def checked(self) -> ReportScope:
        """The scope with names tidied; raises InvalidInput for an unknown relation."""
        relation = self.relation
        if relation is not None:
            try:
                relation = Relation(relation.strip().lower()).value
            except ValueError:
                raise InvalidInput(
                    f"unknown relation {self.relation!r}; use one of "
                    f"{', '.join(r.value for r in Relation)}"
                ) from None
        analyst = " ".join(self.analyst.split()) if self.analyst is not None else None
        focus = self.focus.strip() if self.focus is not None else None
        return ReportScope(focus or None, relation, analyst or None, self.tagged_only)

    def record(self) -> dict[str, Any]:
        return asdict(self)

    def describe(self) -> str:
        """One line for the top of a report."""
        parts = [
            f"focus: {self.focus}" if self.focus else "all sources",
            f"relation: {self.relation}" if self.relation else "every relation",
            f"analyst: {self.analyst}" if self.analyst else "all analysts",
        ]
        if self.tagged_only:
            parts.append("tagged pairs only")
        return "; ".join(parts)


@dataclass(frozen=True)
class Provenance:
    """When and by which software a report was made; tests pass fixed values."""

    generated_at: str
    version: str

    @classmethod
    def now(cls) -> Provenance:
        return cls(datetime.now(UTC).isoformat(timespec="seconds"), __version__)


@dataclass
class Report:
    """A comparison report as tables; claims and pair rows are produced on demand."""

    scope: ReportScope
    provenance: Provenance
    focus_docs: list[str]
    sources: pd.DataFrame
    """One row per document: metadata, passages, how many other sources address them."""
    coverage: pd.DataFrame
    """Share of the row document's passages that the column document addresses."""
    relations: pd.DataFrame
    """Per relation: analysts' latest tags, adjudications and suggestions on pairs in scope."""
    agreement: dict[str, Any]
    counterparts: pd.DataFrame
    """Directed rows (claim ``a``, counterpart ``b``), in claim order."""
    unaddressed: pd.DataFrame
    """Passages some other document never addresses (the ``coverage`` table)."""
    methods: dict[str, Any]
    tags_by_pair: dict[str, list[Tag]] = field(default_factory=dict)
    adjudication_by_pair: dict[str, dict[str, Any]] = field(default_factory=dict)
    suggestion_by_pair: dict[str, StoredSuggestion] = field(default_factory=dict)
    doc_texts: dict[str, str] = field(default_factory=dict, repr=False)
    """Document texts by id: what every offset indexes into (quote selectors use them)."""
    stored_cues: dict[str, evidence.Cues] = field(default_factory=dict, repr=False)
    """Cues by passage id as the suggestion stage stored them (rules and the technique
    detector); a passage not in it gets the rules, computed when first asked for."""
    _cues: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def title(self) -> str:
        return f"Comparison report: {self.scope.focus}" if self.scope.focus else "Comparison report"

    @property
    def pairs(self) -> pd.DataFrame:
        """One row per pair, seen from its first claim (the focus side when there is one)."""
        return self.counterparts.drop_duplicates("pair_id", keep="first")

    def counts(self) -> dict[str, int]:
        return {
            "claims": int(self.counterparts["a_id"].nunique()),
            "pairs": int(self.counterparts["pair_id"].nunique()),
            "unaddressed": len(self.unaddressed),
        }

    # -- records ----------------------------------------------------------------------

    def text_name(self, doc: str) -> str:
        """The ``ni:`` name of a document's text, the source its offsets index into."""
        if doc not in self._names:
            self._names[doc] = text_ni(self.doc_texts[doc])
        return self._names[doc]

    def cues(self, passage_id: str, text: str, start: int) -> dict[str, Any]:
        if passage_id not in self._cues:
            cues = self.stored_cues.get(passage_id) or evidence.passage_cues(text)
            self._cues[passage_id] = report_cues_record(cues, start)
        return self._cues[passage_id]

    def _counterpart(self, row: dict[str, Any]) -> dict[str, Any]:
        pair = row["pair_id"]
        score = row["score"]
        stored = self.suggestion_by_pair.get(pair)
        suggestion = evidence.suggestion_seen_from(stored, row["a_id"]) if stored else None
        return {
            "pair_id": pair,
            "passage": side_record(row, "b"),
            "score": None if pd.isna(score) else round(float(score), 4),
            "rank": None if pd.isna(row["rank"]) else int(row["rank"]),
            "mutual": bool(row["mutual"]),
            "tags": [tag_record(t) for t in self.tags_by_pair.get(pair, [])],
            "adjudication": self.adjudication_by_pair.get(pair),
            "suggestion": report_suggestion_record(suggestion),
            "specifics": evidence.compare_specifics(
                row["a_text"], row["b_text"], suggestion
            ).record(int(row["a_start"]), int(row["b_start"])),
            "cues": self.cues(row["b_id"], row["b_text"], int(row["b_start"])),
        }

    def claims(self) -> Iterator[dict[str, Any]]:
        """``{"passage", "cues", "counterparts": [...]}`` per claim, in document order."""
        for _, group in itertools.groupby(_records(self.counterparts), key=lambda r: r["a_id"]):
            rows = list(group)
            first = rows[0]
            yield {
                "passage": side_record(first, "a"),
                "cues": self.cues(first["a_id"], first["a_text"], int(first["a_start"])),
                "counterparts": [self._counterpart(r) for r in rows],
            }

    def pair_records(self, *, tagged_only: bool = False) -> Iterator[dict[str, Any]]:
        """``{"a", "b", ...counterpart fields}`` per pair, in claim order."""
        pairs = self.pairs
        if tagged_only:
            pairs = pairs[pairs["pair_id"].isin(list(self.tags_by_pair))]
        for row in _records(pairs):
            record = self._counterpart(row)
            yield {
                "pair_id": record.pop("pair_id"),
                "a": side_record(row, "a"),
                "b": record.pop("passage"),
                "a_cues": self.cues(row["a_id"], row["a_text"], int(row["a_start"])),
                "b_cues": record.pop("cues"),
                **record,
            }

    def unaddressed_records(self) -> Iterator[dict[str, Any]]:
        """``{"silent_doc", "silent_outlet", "best_score", "passage"}`` per gap."""
        for row in _records(self.unaddressed):
            yield {
                "silent_doc": row["silent_doc"],
                "silent_outlet": row["silent_outlet"],
                "best_score": round(float(row["best_score"]), 4),
                "passage": side_record(row, "a"),
            }

    def summary_record(self) -> dict[str, Any]:
        sources = self.sources.to_dict("records")
        for source in sources:
            source["aligned_share"] = _none_if_nan(source["aligned_share"])
        coverage = {
            doc: {other: _none_if_nan(v) for other, v in row.items() if other != doc}
            for doc, row in self.coverage.to_dict("index").items()
        }
        return {
            "counts": self.counts(),
            "sources": sources,
            "coverage": coverage,
            "relations": self.relations.to_dict("records"),
            "agreement": self.agreement,
        }


def _records(frame: pd.DataFrame, block: int = 20_000) -> Iterator[dict[str, Any]]:
    """The rows of ``frame`` as dicts, converted a block at a time."""
    columns = list(frame.columns)
    for start in range(0, len(frame), block):
        part = frame.iloc[start : start + block]
        for values in zip(*(part[c].tolist() for c in columns), strict=True):
            yield dict(zip(columns, values, strict=True))


def _none_if_nan(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return round(float(value), 4) if isinstance(value, float) else value


# -- building ---------------------------------------------------------------------------


def resolve_focus(documents: list[Document], focus: str | None) -> list[str]:
    """Ids of the documents a focus names: a document id, or an outlet (any case)."""
    if focus is None:
        return [d.id for d in documents]
    by_id = [d.id for d in documents if d.id == focus]
    if by_id:
        return by_id
    wanted = focus.casefold()
    by_outlet = [d.id for d in documents if d.meta.outlet.casefold() == wanted]
    if not by_outlet:
        outlets = sorted({d.meta.outlet for d in documents})
        raise NotFound(
            f"no document or outlet {focus!r}; outlets are {', '.join(outlets)} and "
            "`workbench documents` lists the document ids"
        )
    return by_outlet


def alignment_settings(store: Store, settings: Settings) -> dict[str, Any]:
    """What the stored alignment was made with, and whether passages changed since.

    Alignments made before ``workbench align`` recorded its settings fall back to the
    current settings, marked ``"recorded": False``.
    """
    from workbench.embed.modelref import resolve_model

    raw = store.get_meta(ALIGNMENT_META_KEY)
    if raw:
        record = {**json.loads(raw), "recorded": True}
    else:
        record = {
            "model": resolve_model(settings.model)[1],
            "top_k": settings.top_k,
            "candidates": settings.candidates,
            "threshold": settings.threshold,
            "recorded": False,
        }
    key = corpus_key(
        [p.id for p in store.passages()],
        model=record["model"],
        top_k=record["top_k"],
        candidates=record["candidates"],
        threshold=record["threshold"],
    )
    record["up_to_date"] = store.get_meta("aligned_corpus") == key
    return record


def _passages(store: Store, documents: list[Document]) -> pd.DataFrame:
    frame = store.passage_frame().rename(columns={"doc_id": "doc"}).set_index("id")
    meta = pd.DataFrame(
        {
            "outlet": [d.meta.outlet for d in documents],
            "title": [d.meta.title for d in documents],
            "date": [d.date or d.meta.published for d in documents],
        },
        index=[d.id for d in documents],
    )
    return frame.join(meta, on="doc")


def _with_sides(frame: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with ``a_id``/``b_id``) joined with both passages' fields."""
    fields = [*_SIDE_FIELDS, "outlet", "title", "date"]
    out = frame
    for p in ("a", "b"):
        side = passages[fields].add_prefix(f"{p}_")
        out = out.join(side, on=f"{p}_id")
    return out


def _pair_table(
    store: Store, passages: pd.DataFrame, latest: list[Tag], adjudicated: dict[str, Any]
) -> tuple[pd.DataFrame, int]:
    """Unordered pairs: aligned ones with their best score and rank, plus tagged pairs the
    current alignment no longer holds. Returns the table and how many tagged pairs were
    left out because a passage of theirs is gone."""
    al = store.alignment_frame()
    swap = (al["a_id"] > al["b_id"]).to_numpy()
    al["lo"] = np.where(swap, al["b_id"], al["a_id"])
    al["hi"] = np.where(swap, al["a_id"], al["b_id"])
    pairs = al.groupby("pair_id", sort=False).agg(
        lo=("lo", "first"),
        hi=("hi", "first"),
        score=("score", "max"),
        rank=("rank", "min"),
        mutual=("mutual", "max"),
    )
    known = {t.pair_id: (t.a_id, t.b_id) for t in latest}
    extra = [(pid, *ids) for pid, ids in known.items() if pid not in pairs.index]
    extra += [(pid, *known[pid]) for pid in adjudicated if pid not in pairs.index and pid in known]
    if extra:
        more = pd.DataFrame(extra, columns=["pair_id", "lo", "hi"]).drop_duplicates("pair_id")
        more = more.set_index("pair_id").assign(score=np.nan, rank=np.nan, mutual=0)
        pairs = pd.concat([pairs, more])
    present = pairs["lo"].isin(passages.index) & pairs["hi"].isin(passages.index)
    return pairs[present], int((~present).sum())


def build_report(
    store: Store,
    settings: Settings,
    scope: ReportScope | None = None,
    *,
    provenance: Provenance | None = None,
    progress: Reporter = SILENT,
) -> Report:
    """The report of what the store holds, within ``scope``."""
    scope = (scope or ReportScope()).checked()
    provenance = provenance or Provenance.now()
    documents = [d for d in store.documents()]
    if not documents:
        raise NothingToDo("the database has no documents; run `workbench ingest PATH` first")
    if store.alignment_count() == 0:
        raise NothingToDo("nothing aligned yet; run `workbench align` first")
    with progress.task("building report", 3) as task:
        focus_docs = resolve_focus(documents, scope.focus)
        alignment = alignment_settings(store, settings)
        latest = store.tags(latest=True)
        if scope.analyst is not None and scope.analyst not in {t.analyst for t in latest}:
            names = sorted({t.analyst for t in latest})
            raise NotFound(
                f"no tags by analyst {scope.analyst!r}; "
                + (f"analysts are {', '.join(names)}" if names else "nobody has tagged yet")
            )
        in_scope_tags = [t for t in latest if scope.analyst in (None, t.analyst)]
        adjudicated = {
            pid: {
                "label": found.label.value,
                "adjudicator": found.adjudicator,
                "note": found.note,
                "created_at": found.created_at,
            }
            for pid, found in store.adjudications().items()
        }
        passages = _passages(store, documents)
        pairs, dropped = _pair_table(store, passages, latest, adjudicated)
        task.advance()

        keyed = {t.pair_id for t in in_scope_tags} | set(adjudicated)
        keep = (
            (pairs["rank"] == 1) & (pairs["score"] >= alignment["threshold"])
        ) | pairs.index.isin(keyed)
        pairs = pairs[keep]
        suggested = evidence.stored_suggestions(store, list(pairs.index))
        if scope.tagged_only:
            pairs = pairs[pairs.index.isin(keyed)]
        if scope.relation is not None:
            labelled = {t.pair_id for t in in_scope_tags if t.label.value == scope.relation}
            labelled |= {p for p, a in adjudicated.items() if a["label"] == scope.relation}
            labelled |= {p for p, s in suggested.items() if s.relation == scope.relation}
            pairs = pairs[pairs.index.isin(labelled)]
        focus = set(focus_docs)
        doc_of = passages["doc"]
        lo_in = doc_of.reindex(pairs["lo"]).isin(focus).to_numpy()
        hi_in = doc_of.reindex(pairs["hi"]).isin(focus).to_numpy()
        pairs = pairs[lo_in | hi_in]
        lo_in, hi_in = lo_in[lo_in | hi_in], hi_in[lo_in | hi_in]
        task.advance()

        base = pairs.reset_index()[["pair_id", "lo", "hi", "score", "rank", "mutual"]]
        forward = base[lo_in].rename(columns={"lo": "a_id", "hi": "b_id"})
        backward = base[hi_in].rename(columns={"hi": "a_id", "lo": "b_id"})
        directed = _with_sides(pd.concat([forward, backward], ignore_index=True), passages)
        directed = directed.sort_values(
            ["a_doc", "a_seq", "b_doc", "score", "b_seq"],
            ascending=[True, True, True, False, True],
            na_position="last",
            kind="stable",
        ).reset_index(drop=True)
        pair_ids = set(directed["pair_id"])
        tags_by_pair: dict[str, list[Tag]] = {}
        for t in in_scope_tags:
            if t.pair_id in pair_ids:
                tags_by_pair.setdefault(t.pair_id, []).append(t)

        sources, coverage_matrix = _sources(store, documents, passages, focus)
        relations = _relations(
            [t for t in in_scope_tags if t.pair_id in pair_ids],
            {p: a for p, a in adjudicated.items() if p in pair_ids},
            {p: s for p, s in suggested.items() if p in pair_ids},
        )
        agreement = evidence.agreement_figures(t for t in latest if t.pair_id in pair_ids)
        unaddressed = _unaddressed(store, passages, documents, focus)
        methods = _methods(store, documents, alignment, scope, provenance, dropped, pair_ids)
        task.advance()
    return Report(
        scope=scope,
        provenance=provenance,
        focus_docs=focus_docs,
        sources=sources,
        coverage=coverage_matrix,
        relations=relations,
        agreement=agreement,
        counterparts=directed,
        unaddressed=unaddressed,
        methods=methods,
        tags_by_pair=tags_by_pair,
        adjudication_by_pair={p: a for p, a in adjudicated.items() if p in pair_ids},
        suggestion_by_pair={p: s for p, s in suggested.items() if p in pair_ids},
        doc_texts={d.id: d.text for d in documents},
        stored_cues=evidence.cues_by_id(store, _passage_texts(directed)),
    )


def _passage_texts(directed: pd.DataFrame) -> dict[str, str]:
    """Passage id -> text of both sides of every directed row."""
    texts: dict[str, str] = {}
    for side in "ab":
        if len(directed):
            texts.update(zip(directed[f"{side}_id"], directed[f"{side}_text"], strict=True))
    return texts


def _sources(
    store: Store, documents: list[Document], passages: pd.DataFrame, focus: set[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    cov = store.coverage_frame().rename(columns={"doc_id": "other", "source_doc": "doc"})
    aligned = cov.groupby(["doc", "passage_id"])["addressed"].max().groupby("doc").sum()
    counts = passages.groupby("doc").size()
    ids = [d.id for d in documents]
    sources = pd.DataFrame(
        {
            "doc": ids,
            "outlet": [d.meta.outlet for d in documents],
            "kind": [d.meta.kind for d in documents],
            "title": [d.meta.title for d in documents],
            "author": [d.meta.author for d in documents],
            "published": [d.meta.published for d in documents],
            "date": [d.date for d in documents],
            "url": [d.meta.url for d in documents],
            "language": [d.meta.language for d in documents],
            "format": [d.format for d in documents],
            "focus": [d.id in focus for d in documents],
            "passages": [int(counts.get(i, 0)) for i in ids],
            "aligned": [int(aligned.get(i, 0)) for i in ids],
        }
    )
    sources["aligned_share"] = (
        sources["aligned"] / sources["passages"].where(sources["passages"] > 0)
    ).round(4)
    matrix = (
        cov.pivot_table(index="doc", columns="other", values="addressed", aggfunc="mean")
        .reindex(index=ids, columns=ids)
        .round(4)
    )
    return sources, matrix


def _relations(
    scoped_tags: list[Tag],
    adjudicated: dict[str, dict[str, Any]],
    suggested: dict[str, StoredSuggestion],
) -> pd.DataFrame:
    labels = [r.value for r in Relation]
    tag_counts = pd.Series([t.label.value for t in scoped_tags], dtype="str").value_counts()
    adj_counts = pd.Series([a["label"] for a in adjudicated.values()], dtype="str").value_counts()
    sug_counts = pd.Series([s.relation for s in suggested.values()], dtype="str").value_counts()
    return pd.DataFrame(
        {
            "relation": labels,
            "tags": [int(tag_counts.get(r, 0)) for r in labels],
            "adjudicated": [int(adj_counts.get(r, 0)) for r in labels],
            "suggested": [int(sug_counts.get(r, 0)) for r in labels],
        }
    )


def _unaddressed(
    store: Store, passages: pd.DataFrame, documents: list[Document], focus: set[str]
) -> pd.DataFrame:
    cov = store.coverage_frame()
    gaps = cov.loc[cov["addressed"] == 0, ["passage_id", "doc_id", "best_score"]]
    gaps = gaps.rename(columns={"passage_id": "a_id", "doc_id": "silent_doc"})
    gaps = gaps[gaps["a_id"].isin(passages.index)]
    fields = [*_SIDE_FIELDS, "outlet", "title", "date"]
    gaps = gaps.join(passages[fields].add_prefix("a_"), on="a_id")
    outlets = {d.id: d.meta.outlet for d in documents}
    gaps["silent_outlet"] = gaps["silent_doc"].map(outlets)
    gaps = gaps[gaps["silent_doc"].isin(focus) | gaps["a_doc"].isin(focus)]
    return gaps.sort_values(["silent_doc", "a_doc", "a_seq"], kind="stable").reset_index(drop=True)


def text_ni(text: str) -> str:
    """An RFC 6920 ``ni:`` name of a text (SHA-256 of its UTF-8): what offsets index into."""
    import base64

    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "ni:///sha-256;" + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _methods(
    store: Store,
    documents: list[Document],
    alignment: dict[str, Any],
    scope: ReportScope,
    provenance: Provenance,
    dropped: int,
    pair_ids: set[str],
) -> dict[str, Any]:
    caps = evidence.stage_methods(store)
    return {
        "software": {"name": "workbench", "version": provenance.version},
        "generated_at": provenance.generated_at,
        "scope": scope.record(),
        "alignment": alignment,
        "inclusion": (
            "a pair is in the report when one passage is the other's best counterpart in its "
            "document (rank 1 in either direction) and scores at least the threshold "
            f"({alignment['threshold']}), or when it was tagged or adjudicated; "
            "a passage is unaddressed by a document when none of that document's passages "
            "scores at least the threshold against it"
        ),
        "stages": {
            "specifics": caps.specifics,
            "framing": caps.framing,
            "suggestions": caps.suggestions
            or "not computed: this database has no stored suggestions (run workbench align)",
            "agreement": caps.agreement,
        },
        "tags_left_out": dropped,
        "documents": [
            {
                "doc": d.id,
                "file": Path(d.source_path).name,
                "url": d.meta.url,
                "format": d.format,
                "content_sha256": d.content_hash,
                "text_sha256": text_hash(d.text),
                "text_ni": text_ni(d.text),
                "characters": len(d.text),
            }
            for d in documents
        ],
        "audit": audit_records(store, pair_ids, scope.analyst),
    }


def audit_records(store: Store, pair_ids: set[str], analyst: str | None) -> list[dict[str, Any]]:
    """The audit trail behind a report, oldest first, as plain records.

    Every change to the documents (who ingested, replaced, updated or removed which, and
    when; files by name only, as in the documents table), project settings, and the tags and
    decisions on the report's own pairs. A report
    scoped to one analyst (as a blind analyst's is) keeps only that analyst's tags and the
    account changes made to or by them, so it shows no other analyst's judgement.
    """
    kept = []
    for event in store.audit_trail():
        kind = event.action.partition(".")[0]
        if kind in ("tag", "adjudicate") and event.subject not in pair_ids:
            continue
        if analyst is not None:
            if kind == "tag" and event.actor != analyst:
                continue
            if kind == "user" and analyst not in (event.actor, event.subject):
                continue
        detail = dict(event.detail)
        if "source" in detail:  # the file's name, as in the documents table: no server paths
            detail["source"] = Path(str(detail["source"])).name
        kept.append(
            {
                "at": event.at,
                "actor": event.actor,
                "action": event.action,
                "subject": event.subject,
                "detail": detail,
            }
        )
    return kept
