"""Cross-source alignment: candidates by embedding search, then rescored by the pair scorer.

For every passage and every other document, the ``candidates`` nearest passages of that
document (whole-passage cosine, exact blocked search) are rescored with features that look
inside the passages: the best matching pair of sentences (claims) and how well the
sentences of each side are matched on the other (:mod:`workbench.align.claims`), TF-IDF
overlap, shared numbers, dates and names, and what the passages' neighbourhoods speak about
(their embeddings, content words and names), with embedding similarities corrected for
hubness (a generic passage close to everything should not be everyone's best match). The
best ``top_k`` per document are kept, mutual best matches are marked, and each passage
records, per document, whether any counterpart scored above the threshold (what that source
never addresses).

The ECB+ evaluation (:mod:`workbench.evaluation.ecb`) goes through the same :class:`AlignCorpus`
and :func:`pair_features`, so its figures describe this code.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfTransformer

from workbench.align.claims import claim_features, sentence_hubness, single_sentence
from workbench.align.incremental import SEARCH_META_KEY, load_search, reuse_search, save_search
from workbench.align.scorer import COLUMNS, PairScorer
from workbench.align.search import MAX_GROUPS_EXACT, Candidates, nearest_per_group
from workbench.align.staleness import (
    ALIGNMENT_META_KEY,
    alignment_record,
    corpus_key,
    current_alignment_key,
)
from workbench.config import Settings
from workbench.distributed import IN_PROCESS
from workbench.embed.embedder import Embedder, load_embedder, stored_vectors
from workbench.errors import NothingToDo
from workbench.models import Alignment, pair_id
from workbench.progress import SILENT, Reporter
from workbench.store import Store
from workbench.suggest import specifics

if TYPE_CHECKING:
    from workbench.distributed import Runner

__all__ = [
    "AlignCorpus",
    "align",
    "align_store",
    "build_corpus",
    "corpus_key",
    "current_alignment_key",
    "pair_features",
    "require_alignable",
]

CONTEXT_WINDOW = 2
HUB_K = 10
PAIR_CHUNK = 50_000
ROW_CHUNK = 50_000
"""Alignment rows turned into Python values at a time, as the store writes them."""
GATHER_ROWS = 8192
"""Pairs whose vectors are gathered at once for a row-wise dot product (12 MB a side)."""
"""Alignment rows turned into Python values at a time, as the store writes them."""
HASH_FEATURES = 2**20


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
    number_idf: sparse.csr_matrix
    names: sparse.csr_matrix
    context: np.ndarray
    context_words: sparse.csr_matrix
    context_names: sparse.csr_matrix
    hubness: np.ndarray | None = None
    context_hubness: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.passage_ids)


def _tfidf(docs: Sequence[str] | Sequence[list[str]], **kwargs: object) -> sparse.csr_matrix:
    """L2-normalised TF-IDF rows over hashed features.

    Hashing keeps memory bounded on large corpora: no vocabulary dictionary of every word
    pair is built; with 2**20 buckets collisions are too rare to matter for cosines.
    """
    counts = HashingVectorizer(
        n_features=HASH_FEATURES, alternate_sign=False, norm=None, dtype=np.float32, **kwargs
    ).transform(docs)
    return TfidfTransformer(sublinear_tf=True).fit_transform(counts).astype(np.float32).tocsr()


def _idf_presence(keys: Sequence[list[str]]) -> sparse.csr_matrix:
    """Rows holding the IDF of each key a passage has: a rare figure weighs more than a year."""
    counts = HashingVectorizer(
        n_features=HASH_FEATURES,
        alternate_sign=False,
        norm=None,
        binary=True,
        dtype=np.float32,
        analyzer=lambda k: k,
    ).transform(keys)
    idf = TfidfTransformer().fit(counts).idf_.astype(np.float32)
    return (counts @ sparse.diags(idf)).tocsr()


_WORD = re.compile(r"[a-z][a-z'-]+")
_SUFFIXES = (
    "ations",
    "ation",
    "ings",
    "ing",
    "ments",
    "ment",
    "ness",
    "edly",
    "ies",
    "ied",
    "ers",
    "er",
    "ed",
    "es",
    "s",
    "ly",
)


def content_stems(text: str) -> list[str]:
    """Content words cut to a rough stem, so "executed" and "execution" meet ("execut")."""
    stems = []
    for word in _WORD.findall(text.lower()):
        if word in ENGLISH_STOP_WORDS or len(word) < 3:
            continue
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 4:
                word = word[: -len(suffix)]
                break
        stems.append(word[:6])
    return stems


def _window_keys(keys: Sequence[list[str]], doc_index: np.ndarray) -> list[list[str]]:
    """Each passage's keys joined with those of its ``CONTEXT_WINDOW`` neighbours either side."""
    out = []
    for i in range(len(keys)):
        lo, hi = max(0, i - CONTEXT_WINDOW), min(len(keys), i + CONTEXT_WINDOW + 1)
        out.append([k for j in range(lo, hi) if doc_index[j] == doc_index[i] for k in keys[j]])
    return out


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
    word_keys = [content_stems(t) for t in texts]
    identity = {"analyzer": lambda keys: keys}
    return AlignCorpus(
        passage_ids=list(passage_ids),
        doc_index=doc_index,
        doc_ids=unique_docs,
        texts=list(texts),
        vectors=np.ascontiguousarray(vectors, dtype=np.float32),
        sentence_vectors=np.ascontiguousarray(sentence_vectors, dtype=np.float32),
        sentence_ptr=ptr,
        lexical=_tfidf(texts, stop_words="english", ngram_range=(1, 2)),
        numbers=_tfidf(number_keys, **identity),
        number_idf=_idf_presence(number_keys),
        names=_tfidf(name_keys, **identity),
        context=_context_vectors(vectors, doc_index),
        context_words=_tfidf(_window_keys(word_keys, doc_index), **identity),
        context_names=_idf_presence(_window_keys(name_keys, doc_index)),
    )


def _rowwise_dot(matrix: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()


def _rowwise_cosines(vectors: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``vectors[a[k]] . vectors[b[k]]`` for every k, ``GATHER_ROWS`` pairs at a time: the
    gathered rows of a million pairs would take 1.5 GB per side."""
    out = np.empty(len(a), dtype=np.float32)
    for lo in range(0, len(a), GATHER_ROWS):
        ca, cb = a[lo : lo + GATHER_ROWS], b[lo : lo + GATHER_ROWS]
        out[lo : lo + GATHER_ROWS] = np.einsum("ij,ij->i", vectors[ca], vectors[cb])
    return out


def set_hubness(corpus: AlignCorpus, found: Candidates | None = None) -> np.ndarray:
    """Each passage's hubness: mean cosine of its ``HUB_K`` nearest passages in other documents.

    A passage close to everything (a generic paragraph) is a "hub" that would otherwise be
    everyone's best match; the hubness-corrected cosine (CSLS, Conneau et al. 2018)
    ``2 cos(a, b) - hub(a) - hub(b)`` discounts it. ``found`` reuses a search already made
    (per-document top-k with k >= HUB_K contains the overall top ``HUB_K``).
    """
    if found is None:
        found = nearest_per_group(corpus.vectors, corpus.doc_index, HUB_K)
    order = np.lexsort((-found.similarity, found.query))
    query, target, sims = found.query[order], found.target[order], found.similarity[order]
    first = np.r_[True, query[1:] != query[:-1]]
    position = np.arange(len(query)) - np.maximum.accumulate(
        np.where(first, np.arange(len(query)), 0)
    )
    top = position < HUB_K
    counts = np.maximum(np.bincount(query[top], minlength=len(corpus)), 1)
    corpus.hubness = (
        np.bincount(query[top], weights=sims[top], minlength=len(corpus)) / counts
    ).astype(np.float32)
    # The same for neighbourhoods: how alike a passage's context is to the contexts of its
    # nearest passages elsewhere. In a corpus on one topic every context looks alike; this
    # keeps that from inflating every pair's score.
    context_sims = _rowwise_cosines(corpus.context, query[top], target[top])
    corpus.context_hubness = (
        np.bincount(query[top], weights=context_sims, minlength=len(corpus)) / counts
    ).astype(np.float32)
    return corpus.hubness


VECTOR_COLUMNS = (0, 8)
"""The feature columns that depend only on the two passages' vectors and their documents
(cosine, context): an incremental alignment reuses them for pairs of unchanged documents.
The others use corpus-wide statistics (sentence hubness, IDF) or come with them (the claim
columns, best sentence match included) and are always recomputed."""


def pair_features(
    corpus: AlignCorpus, a: np.ndarray, b: np.ndarray, known: np.ndarray | None = None
) -> np.ndarray:
    """The feature matrix: one row per pair, columns as ``scorer.COLUMNS``.

    ``known`` (one row per pair, the :data:`VECTOR_COLUMNS` in order, NaN where unknown)
    holds those columns from an earlier alignment; they are computed only where NaN.
    Per-passage parts (vectors, TF-IDF rows, hubness) are computed once in
    :func:`build_corpus` and :func:`set_hubness`; here pairs are scored in chunks of
    ``PAIR_CHUNK``. Sentence hubness comes from the sentences of the pairs given, so pass
    all the pairs of a ranking at once.
    """
    if corpus.hubness is None or corpus.context_hubness is None:
        set_hubness(corpus)
    hub, context_hub = corpus.hubness, corpus.context_hubness
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    sentence_hub = sentence_hubness(corpus.sentence_vectors, corpus.sentence_ptr, a, b, hub)
    out = np.zeros((len(a), len(COLUMNS)), dtype=np.float32)
    for lo in range(0, len(a), PAIR_CHUNK):
        ca, cb = a[lo : lo + PAIR_CHUNK], b[lo : lo + PAIR_CHUNK]
        block = out[lo : lo + PAIR_CHUNK]
        if known is None:
            need = np.ones(len(ca), dtype=bool)
        else:
            given = known[lo : lo + PAIR_CHUNK]
            need = np.isnan(given[:, 0])
            block[:, VECTOR_COLUMNS] = given
        if need.any():
            na, nb = ca[need], cb[need]
            block[need, 0] = np.einsum("ij,ij->i", corpus.vectors[na], corpus.vectors[nb])
            block[need, 8] = np.einsum("ij,ij->i", corpus.context[na], corpus.context[nb])
        hubs = hub[ca] + hub[cb]
        claims = claim_features(corpus.sentence_vectors, corpus.sentence_ptr, sentence_hub, ca, cb)
        block[:, 1] = claims[:, 0]
        block[:, 2] = 2 * block[:, 0] - hubs
        block[:, 3] = 2 * block[:, 1] - hubs
        block[:, 4] = _rowwise_dot(corpus.lexical, ca, cb)
        block[:, 5] = _rowwise_dot(corpus.numbers, ca, cb)
        block[:, 6] = _rowwise_dot(corpus.names, ca, cb)
        # IDF of the shared keys: present on both sides, so the square root of the product
        block[:, 7] = np.log1p(np.sqrt(_rowwise_dot(corpus.number_idf, ca, cb)))
        block[:, 9] = 2 * block[:, 8] - context_hub[ca] - context_hub[cb]
        block[:, 10] = claims[:, 1]
        block[:, 11] = claims[:, 2]
        # Neighbourhoods confirm a plausible match but must not make one: their overlap
        # counts in proportion to how alike the passages' best sentences are. (In a short
        # document every neighbourhood is the whole document.)
        plausible = np.clip(block[:, 1], 0, 1)
        block[:, 12] = plausible * _rowwise_dot(corpus.context_words, ca, cb)
        block[:, 13] = plausible * np.log1p(np.sqrt(_rowwise_dot(corpus.context_names, ca, cb)))
        block[:, 14] = single_sentence(corpus.sentence_ptr, ca, cb)
        block[:, 15] = block[:, 1] - block[:, 11]
    return out


@dataclass
class AlignmentResult:
    """An alignment as parallel arrays over the kept pairs, best first per passage and document.

    ``coverage_*`` arrays hold, for every passage and every other document it had candidates
    in, the best score there; ``addressed`` says whether it reached the threshold.
    """

    corpus: AlignCorpus
    a: np.ndarray
    b: np.ndarray
    rank: np.ndarray
    score: np.ndarray
    mutual: np.ndarray
    features: np.ndarray
    coverage_passage: np.ndarray
    coverage_doc: np.ndarray
    coverage_score: np.ndarray
    addressed: np.ndarray
    candidates: int
    found: Candidates | None = None
    """The candidate search the alignment was scored from (kept for incremental runs)."""
    found_features: np.ndarray | None = None
    """The :data:`VECTOR_COLUMNS` of each candidate of ``found`` (NaN if not rescored)."""

    def __len__(self) -> int:
        return len(self.a)

    def rows(self) -> Iterator[tuple[str, str, str, str, int, float, int, str]]:
        """Store rows: (a_id, b_id, pair_id, b_doc, rank, score, mutual, features JSON).

        Converted to Python values ``ROW_CHUNK`` rows at a time: the whole alignment as
        Python lists would take several GB at 100,000 passages (millions of rows).
        """
        ids, docs = self.corpus.passage_ids, self.corpus.doc_ids
        template = "{" + ", ".join(f'"{name}": %.4f' for name in COLUMNS) + "}"
        for lo in range(0, len(self.a), ROW_CHUNK):
            part = slice(lo, lo + ROW_CHUNK)
            yield from self._rows(part, ids, docs, template)

    def _rows(
        self, part: slice, ids: list[str], docs: list[str], template: str
    ) -> Iterator[tuple[str, str, str, str, int, float, int, str]]:
        for x, y, d, r, s, m, f in zip(
            self.a[part].tolist(),
            self.b[part].tolist(),
            self.corpus.doc_index[self.b[part]].tolist(),
            self.rank[part].tolist(),
            self.score[part].tolist(),
            self.mutual[part].tolist(),
            self.features[part].tolist(),
            strict=True,
        ):
            yield (
                ids[x],
                ids[y],
                pair_id(ids[x], ids[y]),
                docs[d],
                r,
                round(s, 4),
                int(m),
                template % tuple(f),
            )

    def alignments(self) -> list[Alignment]:
        """The kept pairs as objects (for small corpora and tests)."""
        return [
            Alignment(
                pair_id=pid,
                a_id=a,
                b_id=b,
                b_doc=doc,
                rank=r,
                score=s,
                mutual=bool(m),
                features=json.loads(f),
            )
            for a, b, pid, doc, r, s, m, f in self.rows()
        ]

    def coverage(self) -> Iterator[tuple[str, str, float, bool]]:
        """(passage id, document id, best score, addressed) for every passage and document."""
        ids, docs = self.corpus.passage_ids, self.corpus.doc_ids
        for lo in range(0, len(self.coverage_passage), ROW_CHUNK):
            part = slice(lo, lo + ROW_CHUNK)
            for p, d, s, ok in zip(
                self.coverage_passage[part].tolist(),
                self.coverage_doc[part].tolist(),
                self.coverage_score[part].tolist(),
                self.addressed[part].tolist(),
                strict=True,
            ):
                yield ids[p], docs[d], round(s, 4), ok


def _per_group_top(found: Candidates, doc_index: np.ndarray, k: int) -> np.ndarray:
    """Mask of the ``k`` most similar candidates per (query, target document)."""
    groups = doc_index[found.target]
    order = np.lexsort((-found.similarity, groups, found.query))
    q, g = found.query[order], groups[order]
    first = np.r_[True, (q[1:] != q[:-1]) | (g[1:] != g[:-1])]
    position = np.arange(len(q)) - np.maximum.accumulate(np.where(first, np.arange(len(q)), 0))
    mask = np.zeros(len(q), dtype=bool)
    mask[order[position < k]] = True
    return mask


def _mutual(
    a: np.ndarray, b: np.ndarray, rank: np.ndarray, doc_of: np.ndarray, n_docs: int
) -> np.ndarray:
    """Whether each rank-1 pair (a, b) has a as b's own rank-1 match in a's document."""
    top = rank == 1
    keys = a[top] * n_docs + doc_of[b[top]]
    order = np.argsort(keys)
    keys, best = keys[order], b[top][order]
    reverse = b * n_docs + doc_of[a]
    at = np.clip(np.searchsorted(keys, reverse), 0, max(len(keys) - 1, 0))
    found = (keys[at] == reverse) if len(keys) else np.zeros(len(a), dtype=bool)
    return top & found & (best[at] == a if len(keys) else found)


def _kept(
    a: np.ndarray,
    b: np.ndarray,
    rank: np.ndarray,
    scores: np.ndarray,
    mutual: np.ndarray,
    *,
    top_k: int,
    max_counterparts: int | None,
    threshold: float,
    tagged: np.ndarray | None,
) -> np.ndarray:
    """Which ranked pairs are stored: see :func:`align`."""
    keep = rank <= top_k
    if max_counterparts is None:
        return keep
    # position of each capped pair among its passage's counterparts over all documents
    order_kept = np.lexsort((-scores[keep], a[keep]))
    a_kept = a[keep][order_kept]
    first_kept = np.r_[True, a_kept[1:] != a_kept[:-1]] if len(a_kept) else a_kept.astype(bool)
    start_kept = np.maximum.accumulate(np.where(first_kept, np.arange(len(a_kept)), 0))
    position_kept = np.empty(len(a_kept), dtype=np.int64)
    position_kept[order_kept] = np.arange(len(a_kept)) - start_kept
    best = np.zeros(len(a), dtype=bool)
    best[np.flatnonzero(keep)] = position_kept < max_counterparts
    extra = mutual & (scores >= threshold)
    if tagged is not None:
        extra = extra | tagged
    return keep & (best | extra)


def align(
    corpus: AlignCorpus,
    scorer: PairScorer,
    *,
    top_k: int = 3,
    candidates: int = 10,
    threshold: float = 0.5,
    approximate_above: int | None = None,
    max_counterparts: int | None = None,
    tagged: set[tuple[str, str]] | None = None,
    runner: Runner = IN_PROCESS,
    spill_dir: Path | None = None,
    found: Candidates | None = None,
    reused_features: np.ndarray | None = None,
) -> AlignmentResult:
    """Ranked counterparts of every passage in every other document.

    Candidates come from exact search unless the corpus has more than ``approximate_above``
    passages (see :func:`workbench.align.search.nearest_per_group`), by blocks of passages
    that ``runner`` runs here or on a cluster (``spill_dir``: a folder the workers reach,
    for a matrix too big to send them).

    What is kept: the best ``top_k`` counterparts of a passage in each other document
    (the per-document cap), and of those, when ``max_counterparts`` is given, only the
    passage's best ``max_counterparts`` over all documents, plus every mutual best match
    scoring at least ``threshold`` and every pair in ``tagged`` (unordered passage id
    pairs) among the ranked candidates. Ranks and the mutual marks are computed before
    anything is dropped, so a kept pair's rank is its rank in its document. The best score
    of each passage in each document (what a source never addresses) is kept for every
    document, whatever is dropped.

    ``found`` is a candidate search already made with ``search_k(candidates, top_k)`` per
    document (an incremental run's, :mod:`workbench.align.incremental`); None searches.
    ``reused_features`` gives, for each of its candidates, the :data:`VECTOR_COLUMNS` an earlier
    alignment computed (NaN where there are none).
    Candidates are put in one canonical order first, so the result does not depend on the
    order a search returned them in (exactly tied scores rank the same either way).
    """
    if found is None:
        found = nearest_per_group(
            corpus.vectors,
            corpus.doc_index,
            search_k(candidates, top_k),
            approximate_above=approximate_above,
            runner=runner,
            spill_dir=spill_dir,
        )
    canonical = np.lexsort((found.target, found.query))
    found = Candidates(found.query[canonical], found.target[canonical], found.similarity[canonical])
    if reused_features is not None:
        reused_features = reused_features[canonical]
    set_hubness(corpus, found)
    keep = _per_group_top(found, corpus.doc_index, max(candidates, top_k))
    a, b = found.query[keep], found.target[keep]
    features = pair_features(
        corpus, a, b, None if reused_features is None else reused_features[keep]
    )
    found_features = np.full((len(found.query), len(VECTOR_COLUMNS)), np.nan, dtype=np.float32)
    found_features[keep] = features[:, VECTOR_COLUMNS]
    scores = scorer.score_pairs(features)
    b_doc = corpus.doc_index[b]
    order = np.lexsort((-scores, b_doc, a))
    a, b, b_doc, scores, features = a[order], b[order], b_doc[order], scores[order], features[order]
    first = np.r_[True, (a[1:] != a[:-1]) | (b_doc[1:] != b_doc[:-1])]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(a)), 0))
    rank = np.arange(len(a)) - run_start + 1
    mutual = _mutual(a, b, rank, corpus.doc_index, len(corpus.doc_ids))
    marked = None
    if tagged:
        index = {pid: i for i, pid in enumerate(corpus.passage_ids)}
        n = len(corpus.passage_ids)
        known = [(index[x], index[y]) for x, y in tagged if x in index and y in index]
        keys = np.array([lo * n + hi for x, y in known for lo, hi in [sorted((x, y))]])
        marked = np.isin(np.minimum(a, b) * n + np.maximum(a, b), keys)
    keep = _kept(
        a,
        b,
        rank,
        scores,
        mutual,
        top_k=top_k,
        max_counterparts=max_counterparts,
        threshold=threshold,
        tagged=marked,
    )
    return AlignmentResult(
        corpus=corpus,
        a=a[keep],
        b=b[keep],
        rank=rank[keep],
        score=scores[keep],
        mutual=mutual[keep],
        features=features[keep],
        coverage_passage=a[first],
        coverage_doc=b_doc[first],
        coverage_score=scores[first],
        addressed=scores[first] >= threshold,
        candidates=len(scores),
        found=found,
        found_features=found_features,
    )


def search_k(candidates: int, top_k: int) -> int:
    """Candidates searched per passage and document: enough to rescore and for hubness."""
    return max(candidates, top_k, HUB_K)


@dataclass(frozen=True)
class AlignStats:
    """What the alignment stage found and kept."""

    documents: int
    passages: int
    sentences: int
    pairs: int
    candidates: int
    unaddressed: int
    warnings: list[str]
    searched: int = 0
    """Passages searched against every document: all of them, or after a change only those
    of new or changed documents (:mod:`workbench.align.incremental`)."""
    incremental: bool = False
    """Whether the last alignment's search was reused for the unchanged documents."""


def require_alignable(store: Store) -> int:
    """The number of documents with passages; raises unless there are at least two.

    The pipeline checks this before embedding, so a run that cannot align fails before it
    loads a model.
    """
    doc_count = len(store.passage_counts())
    if doc_count < 2:
        raise NothingToDo(
            f"alignment needs passages from at least two documents; the database has "
            f"{doc_count}. Ingest more with `workbench ingest PATH`"
        )
    return doc_count


def align_store(
    store: Store,
    settings: Settings,
    *,
    embedder: Embedder | None = None,
    scorer: PairScorer | None = None,
    progress: Reporter = SILENT,
    runner: Runner = IN_PROCESS,
    incremental: bool = True,
) -> AlignStats:
    """The alignment stage: align every text passage of the store and save the alignment.

    It reads the passage and sentence vectors of ``embedder`` (by default the configured
    model) from the vector cache and embeds nothing: run the embedding stage first
    (:func:`workbench.embed.embedder.embed_store`; :mod:`workbench.pipeline` composes the
    two), or :class:`~workbench.errors.NothingToDo` says so. Safe to re-run: the saved
    alignment is replaced as a whole. With a cluster ``runner``, the candidate search runs
    on its workers by blocks of passages; this process scores and writes.

    Incremental (unless ``incremental`` is False): when the stored alignment came from an
    exact per-document search (at most ``MAX_GROUPS_EXACT`` documents) with the same model,
    backend and parameters, only the passages of new or changed documents are searched
    against all, and all others against those documents; the rest of the search is reused
    and everything after it recomputed (:mod:`workbench.align.incremental` says why the
    result equals a full alignment).
    """
    doc_count = require_alignable(store)
    embedder = embedder or load_embedder(settings)
    vectors = stored_vectors(store, settings, embedder)
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
    warnings = []
    fitted_on = scorer.card.get("model")
    if fitted_on and fitted_on != embedder.model_id:
        warnings.append(
            f"the pair scorer was fitted on vectors of {fitted_on}, not {embedder.model_id}: "
            "rankings hold, but scores and the never-addressed threshold may be off; refit it "
            "with `workbench eval align --fit-split train --save-scorer FILE` and pass "
            "`--scorer FILE`"
        )
    k = search_k(settings.candidates, settings.top_k)
    exact_per_document = len(corpus.doc_ids) <= MAX_GROUPS_EXACT and (
        settings.approximate_above is None or len(corpus) <= settings.approximate_above
    )
    reused = None
    if incremental and exact_per_document:
        saved = load_search(
            store, settings, embedder.model_id, embedder.backend, len(VECTOR_COLUMNS)
        )
        reused = reuse_search(corpus, saved, k) if saved is not None else None
    with progress.task("aligning", 1) as task:
        aligned = align(
            corpus,
            scorer,
            top_k=settings.top_k,
            candidates=settings.candidates,
            threshold=settings.threshold,
            approximate_above=settings.approximate_above,
            max_counterparts=settings.max_counterparts,
            tagged=set(store.pair_passages(sorted(store.tagged_pair_ids())).values()),
            runner=runner,
            spill_dir=Path(settings.embeddings_dir) / "shared",
            found=reused.found if reused is not None else None,
            reused_features=reused.known if reused is not None else None,
        )
        task.advance()
    key = current_alignment_key(
        store, settings, embedder.model_id, passages=[p.id for p in passages]
    )
    record = alignment_record(settings, embedder, scorer)
    meta = {ALIGNMENT_META_KEY: json.dumps(record), SEARCH_META_KEY: ""}
    if exact_per_document and aligned.found is not None:
        meta[SEARCH_META_KEY] = save_search(
            settings,
            embedder.model_id,
            embedder.backend,
            corpus,
            aligned.found,
            k,
            features=aligned.found_features,
        )
    store.replace_alignments(aligned.rows(), aligned.coverage(), key, meta=meta)
    return AlignStats(
        documents=doc_count,
        passages=len(passages),
        sentences=len(sentences),
        pairs=len(aligned),
        candidates=aligned.candidates,
        unaddressed=int((~aligned.addressed).sum()),
        warnings=warnings,
        searched=reused.searched_passages if reused is not None else len(passages),
        incremental=reused is not None,
    )
