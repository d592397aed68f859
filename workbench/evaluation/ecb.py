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


def paragraph_pairs(
    data: RetrievalData, split: str, size: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Features and labels for pseudo-paragraphs: runs of up to ``size`` sentences of a document.

    ECB+ has single sentences only, where sentence-level and passage-level similarity are the
    same number; paragraphs teach the scorer how they differ. Two paragraphs of the same topic
    from different documents are a positive pair when any of their sentences share an
    annotated event.
    """
    docs: dict[str, list[dict[str, Any]]] = {}
    for row in data.rows:
        if row.get("split") == split and row.get("event_instances") is not None:
            docs.setdefault(str(row["doc"]), []).append(row)
    ids, doc_ids, texts, counts, sentence_texts, events, topics = [], [], [], [], [], [], []
    for doc, rows in docs.items():
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            ids.append(f"{doc}:{start}")
            doc_ids.append(doc)
            texts.append(" ".join(str(r["text"]) for r in chunk))
            counts.append(len(chunk))
            sentence_texts.extend(str(r["text"]) for r in chunk)
            events.append({e for r in chunk for e in r["event_instances"]})
            topics.append(chunk[0].get("topic"))
    if not ids:
        return np.zeros((0, len(COLUMNS)), np.float32), np.zeros(0, int)
    corpus = build_corpus(
        ids, doc_ids, texts, data.encode(texts), counts, data.encode(sentence_texts)
    )
    a, b = [], []
    for i in range(len(ids)):
        for j in range(len(ids)):
            if topics[i] == topics[j] and doc_ids[i] != doc_ids[j]:
                a.append(i)
                b.append(j)
    labels = np.array([bool(events[i] & events[j]) for i, j in zip(a, b, strict=True)], dtype=int)
    return pair_features(corpus, np.array(a), np.array(b)), labels


def fit_scorer(data: RetrievalData, split: str, C: float = 1.0) -> PairScorer:
    """Fit the pair scorer on a split's sentence pairs and pseudo-paragraph pairs.

    The two sets weigh the same in total: the product aligns paragraphs, so paragraph pairs
    must not be outvoted by the more numerous sentence pairs.
    """
    a, b, gold, _ = _pairs(data, split)
    if not len(a):
        raise WorkbenchError(f"no queries in split {split!r}")
    para_x, para_y = paragraph_pairs(data, split)
    X = np.vstack([pair_features(data.corpus, a, b), para_x])
    y = np.concatenate([gold.astype(int), para_y])
    weight = np.concatenate(
        [np.full(len(a), len(para_y) / len(a) if len(para_y) else 1.0), np.ones(len(para_y))]
    )
    return PairScorer(C=C).fit(X, y, sample_weight=weight)


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
        scorer = fit_scorer(data, fit_split, C=scorer.C)
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
