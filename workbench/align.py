"""Cross-source alignment: candidates by embedding search, then rescored by the pair scorer.

For every passage and every other document, the ``candidates`` nearest passages of that
document (whole-passage cosine, exact blocked search) are rescored with features that look
inside the passages: best sentence-to-sentence similarity, TF-IDF overlap, shared numbers, dates
and names, and the similarity of their neighbourhoods. The best ``top_k`` per document are
kept, mutual best matches are marked, and each passage records, per document, whether any
counterpart scored above the threshold (what that source never addresses).

The ECB+ evaluation (:mod:`workbench.evaluate`) goes through the same :class:`AlignCorpus`
and :func:`pair_features`, so its figures describe this code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from workbench import specifics
from workbench.config import Settings
from workbench.embed import Embedder, embed_store, load_embedder
from workbench.errors import NothingToDo
from workbench.models import Alignment, pair_id
from workbench.progress import SILENT, Reporter
from workbench.scorer import FEATURES, PairScorer
from workbench.search import nearest_per_group
from workbench.staleness import (
    ALIGNED_BACKEND,
    ALIGNED_MODEL,
    corpus_key,
    current_alignment_key,
)
from workbench.store import Store

__all__ = ["AlignCorpus", "align", "align_store", "build_corpus", "corpus_key",
           "current_alignment_key", "pair_features"]

CONTEXT_WINDOW = 2
PAIR_CHUNK = 50_000


@dataclass
class AlignCorpus:
    """What the aligner needs about a set of passages, as arrays.

    ``sentence_ptr`` is in CSR style: the sentences of passage ``i`` are rows
    ``sentence_ptr[i]:sentence_ptr[i + 1]`` of ``sentence_vectors``.
    """

    passage_ids: list[str]
    doc_index: np.ndarray
    doc_ids: list[str]
    texts: list[str]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    sentence_ptr: np.ndarray
    lexical: sparse.csr_matrix
    numbers: sparse.csr_matrix
    names: sparse.csr_matrix
    context: np.ndarray

    def __len__(self) -> int:
        return len(self.passage_ids)


def _tfidf(docs: Sequence[str] | Sequence[list[str]], **kwargs: object) -> sparse.csr_matrix:
    vectorizer = TfidfVectorizer(sublinear_tf=True, dtype=np.float32, **kwargs)
    try:
        return vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # empty vocabulary: no passage has any such token
        return sparse.csr_matrix((len(docs), 1), dtype=np.float32)


def _context_vectors(vectors: np.ndarray, doc_index: np.ndarray) -> np.ndarray:
    """Mean vector of each passage's neighbours in its document, the passage itself left out.

    Leaving the passage out keeps this feature from duplicating the plain cosine; a passage
    with no neighbours gets a zero vector (context similarity 0).
    """
    total = np.zeros_like(vectors, dtype=np.float32)
    for shift in range(1, CONTEXT_WINDOW + 1):
        for direction in (1, -1):
            neighbour = np.roll(vectors, direction * shift, axis=0)
            same = np.roll(doc_index, direction * shift) == doc_index
            if direction == 1:
                same[:shift] = False
            else:
                same[-shift:] = False
            total += neighbour * same[:, None]
    norms = np.linalg.norm(total, axis=1, keepdims=True)
    return total / np.maximum(norms, 1e-9)


def build_corpus(
    passage_ids: Sequence[str],
    doc_ids: Sequence[str],
    texts: Sequence[str],
    vectors: np.ndarray,
    sentence_counts: Sequence[int],
    sentence_vectors: np.ndarray,
) -> AlignCorpus:
    """Arrange passages (in document order) and their vectors for alignment."""
    unique_docs = list(dict.fromkeys(doc_ids))
    position = {doc: i for i, doc in enumerate(unique_docs)}
    doc_index = np.array([position[d] for d in doc_ids], dtype=np.int64)
    ptr = np.zeros(len(passage_ids) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum(sentence_counts)
    number_keys = [specifics.match_keys(t, ("number", "date")) for t in texts]
    name_keys = [specifics.match_keys(t, ("name",)) for t in texts]
    identity = {"analyzer": lambda keys: keys}
    return AlignCorpus(
        passage_ids=list(passage_ids),
        doc_index=doc_index,
        doc_ids=unique_docs,
        texts=list(texts),
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
        sentence_vectors=np.ascontiguousarray(sentence_vectors, dtype=np.float32),
        sentence_ptr=ptr,
        lexical=_tfidf(texts, stop_words="english", ngram_range=(1, 2), min_df=1),
        numbers=_tfidf(number_keys, **identity),
        names=_tfidf(name_keys, **identity),
        context=_context_vectors(vectors, doc_index),
    )


def _rowwise_dot(matrix: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()


def _best_sentence_match(corpus: AlignCorpus, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The best sentence-to-sentence cosine of each pair: one matmul per distinct ``a``."""
    out = np.zeros(len(a), dtype=np.float32)
    ptr = corpus.sentence_ptr
    sv = corpus.sentence_vectors
    order = np.argsort(a, kind="stable")
    bounds = np.flatnonzero(np.r_[True, a[order][1:] != a[order][:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        rows = order[lo:hi]
        i = a[rows[0]]
        mine = sv[ptr[i] : ptr[i + 1]]
        lengths = ptr[b[rows] + 1] - ptr[b[rows]]
        if not len(mine) or not lengths.all():
            continue
        theirs = np.concatenate([np.arange(ptr[j], ptr[j + 1]) for j in b[rows]])
        best = (mine @ sv[theirs].T).max(axis=0)
        out[rows] = np.maximum.reduceat(best, np.r_[0, np.cumsum(lengths)[:-1]])
    return out


def pair_features(corpus: AlignCorpus, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The feature matrix (one row per pair, columns as ``scorer.FEATURES``)."""
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    out = np.zeros((len(a), len(FEATURES)), dtype=np.float32)
    for lo in range(0, len(a), PAIR_CHUNK):
        ca, cb = a[lo : lo + PAIR_CHUNK], b[lo : lo + PAIR_CHUNK]
        block = out[lo : lo + PAIR_CHUNK]
        block[:, 0] = np.einsum("ij,ij->i", corpus.vectors[ca], corpus.vectors[cb])
        block[:, 1] = _best_sentence_match(corpus, ca, cb)
        block[:, 2] = _rowwise_dot(corpus.lexical, ca, cb)
        block[:, 3] = _rowwise_dot(corpus.numbers, ca, cb)
        block[:, 4] = _rowwise_dot(corpus.names, ca, cb)
        shared = np.asarray(
            (corpus.numbers[ca] > 0).multiply(corpus.numbers[cb] > 0).sum(axis=1)
        ).ravel()
        block[:, 5] = np.log1p(shared)
        block[:, 6] = np.einsum("ij,ij->i", corpus.context[ca], corpus.context[cb])
    return out


@dataclass
class AlignmentResult:
    alignments: list[Alignment]
    coverage: list[tuple[str, str, float, bool]]
    candidates: int


def align(
    corpus: AlignCorpus,
    scorer: PairScorer,
    *,
    top_k: int = 3,
    candidates: int = 10,
    threshold: float = 0.5,
    approximate_above: int | None = None,
) -> AlignmentResult:
    """Ranked counterparts of every passage in every other document.

    Candidates come from exact search unless the corpus has more than ``approximate_above``
    passages (see :func:`workbench.search.nearest_per_group`).
    """
    found = nearest_per_group(corpus.vectors, corpus.doc_index, max(candidates, top_k),
                              approximate_above=approximate_above)
    a, b = found.query, found.target
    features = pair_features(corpus, a, b)
    scores = scorer.score_pairs(features)
    b_doc = corpus.doc_index[b]
    order = np.lexsort((-scores, b_doc, a))
    a, b, b_doc, scores, features = a[order], b[order], b_doc[order], scores[order], features[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b_doc[1:] != b_doc[:-1])]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(a)), 0))
    rank = np.arange(len(a)) - run_start + 1
    best = {(int(x), int(d)): int(y) for x, y, d, r in zip(a, b, b_doc, rank, strict=True)
            if r == 1}
    doc_of = corpus.doc_index
    alignments: list[Alignment] = []
    coverage: list[tuple[str, str, float, bool]] = []
    ids = corpus.passage_ids
    for x, y, d, r, s, f in zip(a, b, b_doc, rank, scores, features, strict=True):
        x, y, d, r = int(x), int(y), int(d), int(r)
        if r == 1:
            coverage.append((ids[x], corpus.doc_ids[d], float(s), bool(s >= threshold)))
        if r > top_k:
            continue
        mutual = r == 1 and best.get((y, int(doc_of[x]))) == x
        alignments.append(
            Alignment(
                pair_id=pair_id(ids[x], ids[y]),
                a_id=ids[x],
                b_id=ids[y],
                b_doc=corpus.doc_ids[d],
                rank=r,
                score=round(float(s), 4),
                mutual=mutual,
                features={name: round(float(v), 4) for name, v in zip(FEATURES, f, strict=True)},
            )
        )
    return AlignmentResult(alignments, coverage, candidates=len(scores))


@dataclass(frozen=True)
class AlignStats:
    documents: int
    passages: int
    sentences: int
    embedded: int
    pairs: int
    candidates: int
    unaddressed: int


def align_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    scorer: PairScorer | None = None,
    progress: Reporter = SILENT,
) -> AlignStats:
    """Embed what is missing, align every passage of the store, and save the alignment."""
    doc_count = len(store.passage_counts())
    if doc_count < 2:
        raise NothingToDo(
            f"alignment needs passages from at least two documents; the database has "
            f"{doc_count}. Ingest more with `workbench ingest PATH`"
        )
    embedder = embedder or load_embedder(settings)
    vectors = embed_store(store, settings, embedder=embedder, progress=progress)
    passages, sentences = vectors.passages, vectors.sentences
    counts: dict[str, int] = {}
    for s in sentences:
        counts[s.passage_id] = counts.get(s.passage_id, 0) + 1
    corpus = build_corpus(
        [p.id for p in passages],
        [p.doc_id for p in passages],
        [p.text for p in passages],
        vectors.passage_vectors,
        [counts.get(p.id, 0) for p in passages],
        vectors.sentence_vectors,
    )
    scorer = scorer or PairScorer.load()
    with progress.task("aligning", 1) as task:
        aligned = align(corpus, scorer, top_k=settings.top_k, candidates=settings.candidates,
                        threshold=settings.threshold,
                        approximate_above=settings.approximate_above)
        task.advance()
    key = current_alignment_key(store, settings, embedder.model_id,
                                passages=[p.id for p in passages])
    store.replace_alignments(aligned.alignments, aligned.coverage, key, meta={
        ALIGNED_MODEL: embedder.model_id, ALIGNED_BACKEND: embedder.backend})
    return AlignStats(
        documents=doc_count,
        passages=len(passages),
        sentences=len(sentences),
        embedded=vectors.embedded,
        pairs=len(aligned.alignments),
        candidates=aligned.candidates,
        unaddressed=sum(1 for c in aligned.coverage if not c[3]),
    )

