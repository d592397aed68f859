"""The suggestion stage: framing cues for every passage, a relation for every visible pair.

:func:`suggest_store` computes the framing cues of every text passage and a suggested
relation (with its probabilities, structured reasons and the comparison of specifics) for
every pair an analyst is shown (:meth:`workbench.store.Store.visible_pairs`: best in its
document in either direction above the alignment threshold, a mutual best match, or a
tagged pair), and stores both through the store (tables ``passage_framing`` and
``suggestions``).

The work is cut into partitions, each a pure function of its inputs:
:func:`framing_partition` (passages -> cue rows) and :func:`suggest_partition` (a
:class:`PairBatch` -> suggestion rows). In process, every passage of the visible pairs is
read once (:meth:`workbench.suggest.frame.RelationScorer.passage_features`; a corpus whose
visible pairs name more than :data:`FEATURE_WINDOW` passages is read window by window) and
the pairs are scored in vectorised batches against those features; a cluster's partition
reads the passages of its own batch. The store writes each partition's rows in their own transaction
as they come, so a stopped run keeps what it finished, and the next run skips the pairs
already suggested by the same model, head and frame version (and only the pairs whose
suggestion is missing: after adding a document only the new visible pairs are scored).
A :class:`workbench.distributed.Runner` runs the partitions: in-process by default, or
on a Dask cluster, whose workers get the relation model once, read the passages' sentence
vectors from the vector cache, and return rows that this process writes.

The suggester itself (stance model + relation head) lives in :mod:`workbench.suggest.relation`
and is imported only when the stage runs. Training the head from analysts' tags is
:mod:`workbench.suggest.training`, ordering pairs for tagging :mod:`workbench.suggest.ranking`;
reading what the stage stored is :mod:`workbench.views.evidence`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.distributed import IN_PROCESS
from workbench.models import Passage
from workbench.progress import SILENT, Reporter
from workbench.store import Store, now
from workbench.store.suggestions import StoredFraming, StoredSuggestion, SuggestionRow
from workbench.suggest import frame, framing

if TYPE_CHECKING:
    from workbench.config import Settings
    from workbench.distributed import Runner
    from workbench.embed.embedder import Embedder
    from workbench.models import Passage
    from workbench.suggest.relation import RelationHead, RelationModel

HEAD_META_KEY = "relation_head"
"""Meta key holding the relation head trained from this database's tags (JSON)."""

RUN_META_KEY = "suggest_run"
"""Meta key naming the model, head and frame version of the stored suggestions: a run with
the same key resumes (skips the pairs already suggested), another starts over."""

FRAME_VERSION = "frame/3"
"""Changes whenever the stage's features or reasons change for the same model."""

BATCH_PAIRS = 512
"""Pairs per partition: enough rows for the tree evaluator, small enough to lose little."""

FRAMING_BATCH = 2000
"""Passages per framing partition."""

FEATURE_WINDOW = 120_000
"""Most passages whose features the in-process stage holds at once (about 25 KB each, so
about 3 GB at most): a corpus whose visible pairs touch more is scored window by window,
each window's passages read once (a passage with pairs in several windows is read in
each)."""

FEATURE_CHUNK = 2048
"""Passages read per step within a window (the progress bar moves by these)."""


@dataclass(frozen=True)
class SuggestStats:
    """What a run of the stage did."""

    passages: int
    disputing: int
    pairs: int
    relations: dict[str, int]
    model: str
    skipped: str = ""
    """Why no suggestions were computed (empty when they were)."""
    scored: int = 0
    """Pairs scored by this run (the others were kept from an earlier run)."""
    candidates: int = 0
    """Distinct aligned pairs, visible or not."""


def settings_model_path(settings: Settings) -> Path | None:
    """The relation model file the settings name (None: the shipped one)."""
    name = getattr(settings, "relation_model", "")
    return Path(name).expanduser() if name else None


def load_head(store: Store) -> RelationHead | None:
    """The head trained from this database's tags, if ``workbench train`` has run."""
    from workbench.suggest.relation import RelationHead

    raw = store.get_meta(HEAD_META_KEY)
    return RelationHead.from_dict(json.loads(raw)["head"]) if raw else None


def _encoder(settings: Settings, embedder: Embedder) -> Any:
    return SettingsEncoder(settings, embedder)


class SettingsEncoder:
    """Vectors of texts through the configured embedder and its vector cache.

    Picklable: a copy sent to another process (a Dask worker) carries only the settings and
    loads the embedder there on first use, reading and filling the same vector cache.
    """

    def __init__(self, settings: Settings, embedder: Embedder | None = None) -> None:
        self.settings = settings
        self._embedder = embedder
        self._cache: Any = None

    def __call__(self, texts: list[str]) -> np.ndarray:
        from workbench.embed.embedder import embed_texts, load_embedder, open_cache

        if self._embedder is None:
            self._embedder = load_embedder(self.settings)
        if self._cache is None:
            self._cache = open_cache(self.settings, self._embedder)
        return embed_texts(texts, self._embedder, self._cache).vectors

    def __getstate__(self) -> dict[str, Any]:
        return {"settings": self.settings, "_embedder": None, "_cache": None}


def _framing_rows(framings: dict[str, framing.Framing]) -> list[StoredFraming]:
    return [
        StoredFraming(pid, [c.record() for c in f.cues], f.score, f.disputes, framing.VERSION)
        for pid, f in framings.items()
    ]


# -- partitions: pure functions of their inputs ----------------------------------------


@dataclass(frozen=True)
class PairBatch:
    """One partition of the suggestion stage: pairs and the texts of their passages.

    ``a_ids[k] <= b_ids[k]`` (pair ids are unordered; the stored ``a`` side is the smaller
    id). ``texts`` holds the text of every passage named.
    """

    pair_ids: tuple[str, ...]
    a_ids: tuple[str, ...]
    b_ids: tuple[str, ...]
    texts: dict[str, str]
    model_name: str
    computed_at: str
    owners: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Who writes each passage (its document's outlet and author): see
    :meth:`RelationModel.passage_features`."""


@dataclass
class Scoring:
    """What scores a partition: the relation model, the head and the sentence encoder."""

    model: frame.RelationScorer
    head: Any
    encode: frame.Encode


def framing_partition(
    passages: Sequence[tuple[str, str, str]],
    encode: frame.Encode | None = None,
    embedding_model: str | None = None,
) -> list[StoredFraming]:
    """Cue rows of ``(passage_id, doc_id, text)`` passages: the rules and the learned
    technique detector (:func:`framing.analyse_passages`; ``encode`` gives it sentence
    vectors, None the rules alone). The passages of a document come together and in reading
    order, so the detector reads each sentence within its document. These are the cues
    analysts see; the relation model reads the rule cues it was trained on
    (:func:`frame.passage_framing`)."""
    documents = [len(list(run)) for _, run in itertools.groupby(p[1] for p in passages)]
    found = framing.analyse_passages(
        [text for _, _, text in passages],
        encode,
        embedding_model=embedding_model,
        documents=documents,
    )
    return _framing_rows({pid: f for (pid, _, _), f in zip(passages, found, strict=True)})


def framing_parts(
    passages: Sequence[Passage], framed: set[str], limit: int = FRAMING_BATCH
) -> list[list[tuple[str, str, str]]]:
    """Partitions of the framing stage: every passage of each document that has a passage
    not in ``framed`` (a document is read whole, so one new passage re-reads its
    neighbours), ``(passage_id, doc_id, text)`` in reading order, whole documents packed
    into partitions of about ``limit`` passages (a longer document is one partition).

    ``passages`` must be in document order (as :meth:`Store.passages` returns them)."""
    stale = {p.doc_id for p in passages if p.id not in framed}
    parts: list[list[tuple[str, str, str]]] = []
    for _, run in itertools.groupby((p for p in passages if p.doc_id in stale), key=_doc_of):
        document = [(p.id, p.doc_id, p.text) for p in run]
        if parts and len(parts[-1]) + len(document) <= limit:
            parts[-1].extend(document)
        else:
            parts.append(document)
    return parts


def _doc_of(passage: Passage) -> str:
    return passage.doc_id


def suggest_partition(batch: PairBatch, scoring: Scoring) -> list[SuggestionRow]:
    """Suggestion rows of one batch of pairs: each passage read once, pairs scored together.

    Pure: reads only ``batch`` and ``scoring`` (and the vector cache behind ``encode``),
    writes nothing; the caller stores the rows. This is the partition a cluster runs; in
    process, :func:`_scored_windows` reads a whole window of passages once instead.
    """
    if not batch.pair_ids:
        return []
    ids = sorted(batch.texts)
    features = _read_passages(scoring, ids, batch.texts, batch.owners)
    return score_batch(batch, features, {pid: i for i, pid in enumerate(ids)}, scoring)


def _read_passages(
    scoring: Scoring,
    ids: Sequence[str],
    texts: dict[str, str],
    owners: dict[str, tuple[str, ...]],
) -> Any:
    """The relation model's per-passage features of ``ids``, in that order."""
    found = [texts[pid] for pid in ids]
    return scoring.model.passage_features(
        found,
        scoring.encode,
        frame.passage_framing(found),
        [owners.get(pid, ()) for pid in ids],
    )


def score_batch(
    batch: PairBatch, features: Any, index: dict[str, int], scoring: Scoring
) -> list[SuggestionRow]:
    """Suggestion rows of ``batch``'s pairs, whose passages are rows ``index[pid]`` of
    ``features`` (read by :meth:`~workbench.suggest.frame.RelationScorer.passage_features`)."""
    if not batch.pair_ids:
        return []
    a_idx = np.array([index[a] for a in batch.a_ids], dtype=np.int64)
    b_idx = np.array([index[b] for b in batch.b_ids], dtype=np.int64)
    proba, evidence = scoring.model.score(features, a_idx, b_idx, scoring.head)
    rows = []
    for k, pid in enumerate(batch.pair_ids):
        s = scoring.model.suggestion(proba[k], evidence[k], scoring.head)
        rows.append(
            SuggestionRow(
                StoredSuggestion(
                    pair_id=pid,
                    a_id=batch.a_ids[k],
                    b_id=batch.b_ids[k],
                    relation=s.relation,
                    confidence=s.confidence,
                    probabilities=s.probabilities,
                    reasons=s.reasons,
                    specifics=s.evidence.comparison.record(),
                    model=batch.model_name,
                    computed_at=batch.computed_at,
                ),
                features=[round(float(v), 5) for v in s.evidence.features],
            )
        )
    return rows


def feature_windows(
    todo: Sequence[tuple[str, str, str]], limit: int = FEATURE_WINDOW
) -> Iterator[list[tuple[str, str, str]]]:
    """``todo`` pairs ``(pair_id, a, b)`` cut, in order, into runs that name at most
    ``limit`` distinct passages (a run holds at least one pair)."""
    window: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for pair in todo:
        ends = (pair[1], pair[2])
        new = (ends[0] not in seen) + (ends[1] not in seen and ends[1] != ends[0])
        if window and len(seen) + new > limit:
            yield window
            window, seen = [], set()
        window.append(pair)
        seen.update(ends)
    if window:
        yield window


def _scored_windows(
    todo: Sequence[tuple[str, str, str]],
    scoring: Scoring,
    text_by_id: dict[str, str],
    owners: dict[str, tuple[str, ...]],
    model_name: str,
    stamp: str,
    batch_pairs: int,
    progress: Reporter,
) -> Iterator[list[SuggestionRow]]:
    """The in-process stage: per window (:func:`feature_windows`), every passage is read
    once, in steps of :data:`FEATURE_CHUNK`, then the window's pairs are scored in batches
    of ``batch_pairs``, each batch's rows yielded for storing as soon as they are made."""
    windows = list(feature_windows(todo, FEATURE_WINDOW))
    for number, window in enumerate(windows, start=1):
        label = f" (window {number} of {len(windows)})" if len(windows) > 1 else ""
        ids = sorted({p for _, a, b in window for p in (a, b)})
        parts = []
        with progress.task("reading passages" + label, len(ids)) as task:
            for lo in range(0, len(ids), FEATURE_CHUNK):
                chunk = ids[lo : lo + FEATURE_CHUNK]
                parts.append(_read_passages(scoring, chunk, text_by_id, owners))
                task.advance(len(chunk))
        features = scoring.model.join_features(parts)
        del parts
        index = {pid: i for i, pid in enumerate(ids)}
        # the window's passages are read already: its batches carry no texts
        batches = _batches(window, lambda _ids: {}, model_name, stamp, batch_pairs)
        with progress.task("suggesting relations" + label, len(window)) as task:
            for batch in batches:
                rows = score_batch(batch, features, index, scoring)
                yield rows
                task.advance(len(rows))


def _scoring(settings: Settings, embedder: Embedder, model: Any, head: Any, runner: Runner) -> Any:
    """What scores the partitions where ``runner`` runs them: here, the model and the
    client's encoder; on a cluster, a handle on the same model and head (sent once to each
    worker) with an encoder that reads the vector cache and writes nothing."""
    return runner.share(Scoring(model, head, _partition_encoder(settings, embedder, runner)))


def _partition_encoder(settings: Settings, embedder: Embedder, runner: Runner) -> Any:
    """The sentence encoder partitions use where ``runner`` runs them: here, the client's
    embedder and vector cache; on a cluster, one that reads the cache and writes nothing."""
    from workbench.embed.embedder import CacheReadingEncoder

    if runner.in_process:
        return _encoder(settings, embedder)
    return CacheReadingEncoder.like(embedder, settings)


def _run_key(model_name: str, head: Any) -> str:
    digest = hashlib.sha256(json.dumps(head.to_dict(), sort_keys=True).encode()).hexdigest()
    return json.dumps({"model": model_name, "head": digest[:16], "frame": FRAME_VERSION})


@dataclass
class _Plan:
    todo: list[tuple[str, str, str]] = field(default_factory=list)
    stale: set[str] = field(default_factory=set)


def _plan(store: Store, threshold: float, run_key: str) -> tuple[_Plan, int]:
    """Which visible pairs still need a suggestion, and which stored ones are stale."""
    wanted = store.visible_pairs(threshold)
    if store.get_meta(RUN_META_KEY) != run_key:
        done: set[str] = set()
        stale = store.suggested_pair_ids()
    else:
        done = store.suggested_pair_ids()
        stale = done - {pid for pid, _, _ in wanted}
    return _Plan([w for w in wanted if w[0] not in done], stale), len(wanted)


def _batches(
    todo: Sequence[tuple[str, str, str]],
    text_of: Callable[[Iterable[str]], dict[str, str]],
    model_name: str,
    stamp: str,
    size: int,
    owner_of: Callable[[str], tuple[str, ...]] = lambda pid: (),
) -> Iterator[PairBatch]:
    for lo in range(0, len(todo), size):
        chunk = todo[lo : lo + size]
        ids = {p for _, a, b in chunk for p in (a, b)}
        yield PairBatch(
            tuple(r[0] for r in chunk),
            tuple(r[1] for r in chunk),
            tuple(r[2] for r in chunk),
            text_of(ids),
            model_name,
            stamp,
            {pid: owner_of(pid) for pid in ids},
        )


def _owners(store: Store, passages: Sequence[Passage]) -> dict[str, tuple[str, ...]]:
    """Who writes each passage: its document's ``(outlet, author)``."""
    by_doc = {d.id: (d.meta.outlet, d.meta.author) for d in store.documents(with_text=False)}
    return {p.id: by_doc.get(p.doc_id, ()) for p in passages}


def suggest_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    model: RelationModel | None = None,
    progress: Reporter = SILENT,
    batch_pairs: int = BATCH_PAIRS,
    runner: Runner = IN_PROCESS,
) -> SuggestStats:
    """Store framing for every text passage and a suggestion for every visible pair.

    Resumes: pairs already suggested by the same model, head and frame version are kept
    and skipped; suggestions of pairs no longer visible are removed. The relation head
    trained from this database's tags (``workbench train``) is used when there is one. A
    relation model made for another embedder suggests nothing: the stored suggestions are
    cleared and the stats say why.
    """
    from workbench.embed.embedder import load_embedder
    from workbench.suggest.relation import RelationModel

    passages = store.passages()
    text_by_id = {p.id: p.text for p in passages}
    embedder = embedder or load_embedder(settings)
    encode = _partition_encoder(settings, embedder, runner)
    parts = framing_parts(passages, store.framed_passage_ids(framing.VERSION))
    with progress.task("framing cues", sum(len(part) for part in parts)) as task:
        for rows in runner.map_partitions(
            framing_partition, parts, encode, embedder.model_id, name="framing"
        ):
            store.write_framing(rows)
            task.advance(len(rows))
    disputing = sum(store.framing_verdicts(text_by_id, framing.VERSION).values())
    model = model or RelationModel.load(settings_model_path(settings))
    wanted = model.card.get("embedding_model")
    if wanted and wanted != embedder.model_id:
        with store.write():
            store.replace_suggestions([])
            store.delete_meta(RUN_META_KEY)
        return SuggestStats(
            len(passages),
            disputing,
            0,
            {},
            model.model_id,
            skipped=(
                f"the relation model {model.model_id} reads {wanted} vectors, the embedder is "
                f"{embedder.model_id}; no relations suggested (train a model for this embedder "
                "with `workbench eval stance --save-model FILE`)"
            ),
        )
    head = load_head(store) or model.head
    model_name = model.model_id + ("+tags" if head is not model.head else "")
    run_key = _run_key(model_name, head)
    plan, visible = _plan(store, settings.threshold, run_key)
    if plan.stale:
        store.delete_suggestions(plan.stale)
    store.set_meta(RUN_META_KEY, run_key)
    scoring = _scoring(settings, embedder, model, head, runner)
    owners = _owners(store, passages)
    stamp = now()
    if runner.in_process:
        for rows in _scored_windows(
            plan.todo, scoring, text_by_id, owners, model_name, stamp, batch_pairs, progress
        ):
            store.write_suggestions(rows)
    else:
        batches = _batches(
            plan.todo,
            lambda ids: {pid: text_by_id[pid] for pid in ids},
            model_name,
            stamp,
            batch_pairs,
            owners.__getitem__,
        )
        with progress.task("suggesting relations", len(plan.todo)) as task:
            for rows in runner.map_partitions(suggest_partition, batches, scoring, name="suggest"):
                store.write_suggestions(rows)
                task.advance(len(rows))
    relations: dict[str, int] = {}
    for relation in store.suggested_relations().values():
        relations[relation] = relations.get(relation, 0) + 1
    return SuggestStats(
        len(passages),
        disputing,
        visible,
        relations,
        model_name,
        scored=len(plan.todo),
        candidates=store.pair_count(),
    )
