"""Evaluation on public benchmarks, printing the field's standard figures.

``align``: ECB+ sentence retrieval. Each sentence is a passage whose document is its
``doc``; for each query, candidates are ranked by the same pair features and scorer that
``workbench align`` uses; MAP, P@1 and R-precision are computed against the gold ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from workbench.align.aligner import AlignCorpus, build_corpus, pair_features
from workbench.align.scorer import COLUMNS, PairScorer
from workbench.errors import WorkbenchError


def read_jsonl(path: Path, required: tuple[str, ...]) -> Iterator[dict[str, Any]]:
    """Rows of a JSON-lines file, each checked for ``required`` keys."""
    try:
        handle = open(path, encoding="utf-8")  # noqa: SIM115 (closed by the with below)
    except OSError as exc:
        raise WorkbenchError(f"cannot read {path}: {exc.strerror}") from None
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise WorkbenchError(f"{path}:{number}: not JSON ({exc.msg})") from None
            missing = [key for key in required if key not in row]
            if missing:
                raise WorkbenchError(f"{path}:{number}: missing {', '.join(missing)}")
            yield row


@dataclass
class RetrievalData:
    corpus: AlignCorpus
    index: dict[str, int]
    queries: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    encode: Callable[[list[str]], np.ndarray]


def load_ecbplus(
    sentences_file: Path,
    retrieval_file: Path,
    encode: Callable[[list[str]], np.ndarray],
) -> RetrievalData:
    """Sentences as one-sentence passages in their documents, plus the retrieval queries."""
    rows = list(read_jsonl(sentences_file, ("doc", "sent", "text")))
    rows.sort(key=lambda r: (str(r["doc"]), int(r["sent"])))
    ids = [f"{r['doc']}:{r['sent']}" for r in rows]
    texts = [str(r["text"]) for r in rows]
    vectors = encode(texts)
    corpus = build_corpus(
        ids, [str(r["doc"]) for r in rows], texts, vectors, [1] * len(rows), vectors
    )
    queries = list(read_jsonl(retrieval_file, ("query_id", "candidates", "gold")))
    index = {pid: i for i, pid in enumerate(ids)}
    unknown = {q["query_id"] for q in queries if q["query_id"] not in index}
    unknown |= {c for q in queries for c in q["candidates"] if c not in index}
    if unknown:
        example = sorted(unknown)[0]
        raise WorkbenchError(
            f"{len(unknown)} ids in {retrieval_file} are not sentences of {sentences_file} "
            f"(for example {example!r}); pass the two files of the same data set"
        )
    return RetrievalData(corpus, index, queries, rows, encode)


def _pairs(
    data: RetrievalData, split: str | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(query row, candidate row, is gold, query number) for every candidate of the split."""
    a, b, gold, qn = [], [], [], []
    for number, query in enumerate(
        q for q in data.queries if split is None or q.get("split") == split
    ):
        golds = set(query["gold"])
        qi = data.index[query["query_id"]]
        for candidate in query["candidates"]:
            a.append(qi)
            b.append(data.index[candidate])
            gold.append(candidate in golds)
            qn.append(number)
    return (
        np.array(a, dtype=np.int64),
        np.array(b, dtype=np.int64),
        np.array(gold, dtype=bool),
        np.array(qn, dtype=np.int64),
    )


PARAGRAPH_SIZE = 3
MIXED_SEED = 0
CHRONICLE_SIZE = 6
PREVIOUS_FEATURES = ("csls", "sentence_csls", "lexical", "names", "shared", "context_csls")
"""The features of the first pair scorer (format 1), kept as a baseline for evaluation."""


@dataclass
class TrainingPairs:
    """Labelled pairs for fitting the scorer: features, labels, kind and topics of each.

    ``kind`` is 0 for sentence pairs, 1 for paragraph pairs and 2 for mixed-claim pairs;
    ``topics`` holds the one or two topics a pair draws on, so that folds can leave whole
    topics out.
    """

    X: np.ndarray
    y: np.ndarray
    kind: np.ndarray
    topics: np.ndarray

    def within(self, topics: set[int] | np.ndarray) -> TrainingPairs:
        keep = np.isin(self.topics, list(topics)).all(axis=1)
        return TrainingPairs(self.X[keep], self.y[keep], self.kind[keep], self.topics[keep])


def _topic(row: dict[str, Any]) -> int:
    return int(row.get("topic", -1))


def passage_pairs(
    data: RetrievalData, size: int = PARAGRAPH_SIZE, seed: int = MIXED_SEED
) -> TrainingPairs:
    """Paragraph pairs and mixed-claim pairs built from the annotated sentences.

    ECB+ has single sentences only, where passage and claim evidence are the same numbers;
    these pairs teach the scorer how they differ. Paragraphs are runs of up to ``size``
    sentences of a document, paired with the paragraphs of other documents of the topic.
    A mixed passage is one sentence of a document followed or preceded by one or two
    sentences of a document of another topic, as a commentary retells one finding among
    other things; mixed passages are strung into "chronicle" documents of
    ``CHRONICLE_SIZE`` unrelated passages (so their neighbourhoods say little) and paired
    with the paragraphs of both topics, leaving out their own source documents. A pair is
    positive when any sentence of one side shares an annotated event with the other.
    """
    docs: dict[str, list[dict[str, Any]]] = {}
    for row in data.rows:
        if row.get("event_instances") is not None:
            docs.setdefault(str(row["doc"]), []).append(row)
    ids: list[str] = []
    doc_ids: list[str] = []
    texts: list[str] = []
    counts: list[int] = []
    sentence_texts: list[str] = []
    events: list[set[str]] = []
    topics: list[tuple[int, int]] = []
    sources: list[set[str]] = []

    def add(
        pid: str,
        doc: str,
        rows: list[dict[str, Any]],
        pair_topics: tuple[int, int],
        source: set[str],
    ) -> None:
        ids.append(pid)
        doc_ids.append(doc)
        texts.append(" ".join(str(r["text"]) for r in rows))
        counts.append(len(rows))
        sentence_texts.extend(str(r["text"]) for r in rows)
        events.append({e for r in rows for e in r["event_instances"]})
        topics.append(pair_topics)
        sources.append(source)

    for doc, rows in docs.items():
        for start in range(0, len(rows), size):
            t = _topic(rows[0])
            add(f"{doc}:{start}", doc, rows[start : start + size], (t, t), {doc})
    paragraphs = len(ids)
    rng = np.random.default_rng(seed)
    names = sorted(docs)
    anchors = [(doc, i) for doc in names for i in range(len(docs[doc]))]
    for n, j in enumerate(rng.choice(len(anchors), len(anchors) // 2, replace=False)):
        doc, i = anchors[j]
        others = [d for d in names if _topic(docs[d][0]) != _topic(docs[doc][0])]
        if not others:
            break
        other = others[rng.integers(len(others))]
        take = int(rng.integers(1, 3))
        first = int(rng.integers(0, max(1, len(docs[other]) - take + 1)))
        rows = list(docs[other][first : first + take])
        rows.insert(int(rng.integers(0, len(rows) + 1)), docs[doc][i])
        add(
            f"mixed:{n}",
            f"chronicle:{n // CHRONICLE_SIZE}",
            rows,
            (_topic(docs[doc][0]), _topic(docs[other][0])),
            {doc, other},
        )
    if not ids:
        return TrainingPairs(
            np.zeros((0, len(COLUMNS)), np.float32),
            np.zeros(0, int),
            np.zeros(0, int),
            np.zeros((0, 2), int),
        )
    corpus = build_corpus(
        ids, doc_ids, texts, data.encode(texts), counts, data.encode(sentence_texts)
    )
    topic_of = np.array([t[0] for t in topics])
    paragraph_rows = np.arange(paragraphs)
    a_parts, b_parts = [], []
    for i in range(len(ids)):
        if i < paragraphs:
            keep = (topic_of[:paragraphs] == topics[i][0]) & (
                corpus.doc_index[:paragraphs] != corpus.doc_index[i]
            )
        else:
            keep = np.isin(topic_of[:paragraphs], topics[i]) & ~np.isin(
                np.array(doc_ids[:paragraphs]), list(sources[i])
            )
        a_parts.append(np.full(int(keep.sum()), i))
        b_parts.append(paragraph_rows[keep])
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    labels = np.array([bool(events[i] & events[j]) for i, j in zip(a, b, strict=True)], dtype=int)
    kind = np.where(a < paragraphs, 1, 2)
    return TrainingPairs(pair_features(corpus, a, b), labels, kind, np.array(topics)[a])


def sentence_pairs(data: RetrievalData, split: str | None = None) -> TrainingPairs:
    """The retrieval queries' candidate pairs as training pairs."""
    a, b, gold, qn = _pairs(data, split)
    queries = [q for q in data.queries if split is None or q.get("split") == split]
    topic = (
        np.array([int(q.get("topic", -1)) for q in queries], dtype=int)[qn]
        if len(qn)
        else (np.zeros(0, int))
    )
    return TrainingPairs(
        pair_features(data.corpus, a, b),
        gold.astype(int),
        np.zeros(len(a), int),
        np.column_stack([topic, topic]),
    )


def fit_pairs(pairs: TrainingPairs, template: PairScorer, mixed: bool = True) -> PairScorer:
    """Fit a copy of ``template`` with sentence, paragraph and mixed pairs weighing alike.

    Each kind weighs the same in total: the product aligns paragraphs, so paragraph pairs
    must not be outvoted by the more numerous sentence pairs; without ``mixed`` the
    mixed-claim pairs are left out (the recipe of the first scorer).
    """
    kinds = [0, 1, 2] if mixed else [0, 1]
    keep = np.isin(pairs.kind, kinds)
    kind = pairs.kind[keep]
    sizes = np.bincount(kind, minlength=3).astype(float)
    present = [k for k in kinds if sizes[k] > 0]
    if not present:
        raise WorkbenchError("no training pairs in the topics asked for")
    weight = np.array([len(kind) / (len(present) * sizes[k]) for k in kind])
    scorer = PairScorer(
        C=template.C,
        features=template.features,
        interactions=template.interactions,
        positive=template.positive,
    )
    return scorer.fit(pairs.X[keep], pairs.y[keep], sample_weight=weight)


def fit_scorer(
    data: RetrievalData, split: str, C: float = 1.0, template: PairScorer | None = None
) -> PairScorer:
    """Fit the pair scorer on a split: its sentence pairs, and passage pairs of its topics."""
    template = template or PairScorer(C=C)
    sentences = sentence_pairs(data, split)
    if not len(sentences.y):
        raise WorkbenchError(f"no queries in split {split!r}")
    topics = set(sentences.topics[:, 0].tolist())
    passages = passage_pairs(data).within(topics)
    return fit_pairs(_concat(sentences, passages), template)


def _concat(*parts: TrainingPairs) -> TrainingPairs:
    return TrainingPairs(
        *(np.concatenate([getattr(p, f) for p in parts]) for f in ("X", "y", "kind", "topics"))
    )


@dataclass(frozen=True)
class RetrievalScores:
    map: float
    p_at_1: float
    r_precision: float
    queries: int


def retrieval_scores(scores: np.ndarray, gold: np.ndarray, query: np.ndarray) -> RetrievalScores:
    """MAP, P@1 and R-precision of ranking each query's candidates by ``scores``."""
    aps, p1s, rps = [], [], []
    for q in np.unique(query):
        mask = query == q
        relevant = gold[mask]
        if not relevant.any():
            continue
        ranked = relevant[np.argsort(-scores[mask], kind="stable")]
        hits = np.cumsum(ranked)
        positions = np.flatnonzero(ranked) + 1
        aps.append(float(np.mean(hits[ranked] / positions)))
        p1s.append(float(ranked[0]))
        r = int(relevant.sum())
        rps.append(float(ranked[:r].sum() / r))
    if not aps:
        raise WorkbenchError("no query of that split has a gold candidate")
    return RetrievalScores(float(np.mean(aps)), float(np.mean(p1s)), float(np.mean(rps)), len(aps))


@dataclass
class AlignEvaluation:
    split: str
    product: RetrievalScores
    baselines: dict[str, RetrievalScores]
    scorer: PairScorer


def evaluate_alignment(
    data: RetrievalData,
    split: str,
    scorer: PairScorer,
    fit_split: str | None = None,
) -> AlignEvaluation:
    """Rank each query's candidates with ``scorer`` (refitted on ``fit_split`` if given)."""
    if fit_split is not None:
        scorer = fit_scorer(data, fit_split, template=scorer)
    a, b, gold, query = _pairs(data, split)
    if not len(a):
        splits = sorted({str(q.get("split")) for q in data.queries})
        raise WorkbenchError(f"no queries in split {split!r}; the file has {', '.join(splits)}")
    features = pair_features(data.corpus, a, b)
    product = retrieval_scores(scorer.score_pairs(features), gold, query)
    baselines = {
        "embedding cosine": retrieval_scores(features[:, COLUMNS.index("cosine")], gold, query),
        "tf-idf cosine": retrieval_scores(features[:, COLUMNS.index("lexical")], gold, query),
    }
    return AlignEvaluation(split, product, baselines, scorer)


def cross_validate_alignment(
    data: RetrievalData, scorer: PairScorer, folds: int = 11
) -> AlignEvaluation:
    """Leave-topics-out cross-validation over every query of the file, whatever its split.

    Queries are grouped by topic into ``folds`` folds; for each, the scorer's recipe is
    refitted on the other topics (their sentence pairs and passage pairs) and ranks the
    held-out topics' candidates. The figures pool the held-out rankings: an estimate of
    the scorer on topics it has never seen, which a dev split used for choices is not.
    The first scorer's recipe is refitted and scored the same way, as a baseline.
    """
    from sklearn.model_selection import GroupKFold

    sentences = sentence_pairs(data)
    a, _, gold, query = _pairs(data, None)
    topic = sentences.topics[:, 0]
    if len(np.unique(topic)) < folds:
        raise WorkbenchError(
            f"{folds} folds need at least {folds} topics; the file has "
            f"{len(np.unique(topic))}: pass a smaller --cv-folds"
        )
    passages = passage_pairs(data)
    previous = PairScorer(C=scorer.C, features=PREVIOUS_FEATURES, interactions=(), positive=False)
    held_out = np.zeros(len(a))
    held_out_previous = np.zeros(len(a))
    for train, test in GroupKFold(n_splits=folds).split(a, groups=topic):
        topics = set(np.unique(topic[train]).tolist())
        pairs = _concat(sentences.within(topics), passages.within(topics))
        held_out[test] = fit_pairs(pairs, scorer).decision_function(sentences.X[test])
        held_out_previous[test] = fit_pairs(pairs, previous, mixed=False).decision_function(
            sentences.X[test]
        )
    X = sentences.X
    return AlignEvaluation(
        f"leave-topics-out CV ({folds} folds)",
        retrieval_scores(held_out, gold, query),
        {
            "first scorer, refitted": retrieval_scores(held_out_previous, gold, query),
            "embedding cosine": retrieval_scores(X[:, COLUMNS.index("cosine")], gold, query),
            "tf-idf cosine": retrieval_scores(X[:, COLUMNS.index("lexical")], gold, query),
        },
        scorer,
    )
