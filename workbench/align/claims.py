"""Claim-level evidence: how the sentences of two passages match, not only the passages.

A commentary paragraph that retells one finding of a report among other things is, as a
whole, only loosely similar to the report's paragraph; one of its sentences, though, says
the same thing as one of the report's. The features here look at every pair of sentences
of a candidate pair in one matrix product per query passage:

- ``sentence_max``: the best sentence-to-sentence cosine;
- ``claim_csls``: the best sentence pair by hubness-corrected cosine (CSLS), each sentence's
  hubness being the mean cosine of its ``k`` nearest sentences among the query's candidates
  (a generic sentence such as "North Korea remains one of the most repressive countries"
  is close to many, and should not carry a match on its own);
- ``claim_cover``: soft alignment, the mean over both passages' sentences of each one's best
  match on the other side (high when the passages say the same things throughout, lower
  when one claim matches and the rest does not).

Sentence hubness is taken from the candidates already being scored rather than from a
second nearest-neighbour search over all sentences, so it costs no extra search and grows
with the number of pairs, not with the square of the number of sentences.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import numpy as np

SENTENCE_HUB_K = 10
"""How many nearest candidate sentences make a sentence's hubness."""


def concat_ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, lengths)])``, vectorised."""
    offsets = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    return offsets + np.arange(int(lengths.sum()))


def _groups(
    a: np.ndarray, b: np.ndarray, ptr: np.ndarray
) -> Iterator[tuple[np.ndarray, int, np.ndarray, np.ndarray]]:
    """Per distinct query passage: (its pair rows, the passage, their sentences, counts).

    Pairs whose either passage has no sentence are left out (their features stay 0).
    """
    order = np.argsort(a, kind="stable")
    bounds = np.flatnonzero(np.r_[True, a[order][1:] != a[order][:-1], True])
    for lo, hi in itertools.pairwise(bounds):
        rows = order[lo:hi]
        i = int(a[rows[0]])
        lengths = ptr[b[rows] + 1] - ptr[b[rows]]
        if ptr[i + 1] == ptr[i]:
            continue
        rows, lengths = rows[lengths > 0], lengths[lengths > 0]
        if len(rows):
            yield rows, i, concat_ranges(ptr[b[rows]], lengths), lengths


def sentence_hubness(
    sentence_vectors: np.ndarray,
    sentence_ptr: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    fallback: np.ndarray,
    k: int = SENTENCE_HUB_K,
) -> np.ndarray:
    """Each sentence's mean cosine with its ``k`` nearest sentences among its candidates.

    Sentences of passages that are never a query (``a``) get their passage's hubness
    (``fallback``, one value per passage).
    """
    ptr = sentence_ptr
    hub = np.repeat(np.asarray(fallback, dtype=np.float32), np.diff(ptr))
    for _rows, i, theirs, _lengths in _groups(a, b, ptr):
        sims = sentence_vectors[ptr[i] : ptr[i + 1]] @ sentence_vectors[theirs].T
        take = min(k, sims.shape[1])
        top = np.partition(sims, sims.shape[1] - take, axis=1)[:, -take:]
        hub[ptr[i] : ptr[i + 1]] = top.mean(axis=1)
    return hub


def claim_features(
    sentence_vectors: np.ndarray,
    sentence_ptr: np.ndarray,
    hub: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
) -> np.ndarray:
    """Columns ``sentence_max``, ``claim_csls``, ``claim_cover`` for each pair (a, b)."""
    out = np.zeros((len(a), 3), dtype=np.float32)
    ptr = sentence_ptr
    for rows, i, theirs, lengths in _groups(a, b, ptr):
        sims = sentence_vectors[ptr[i] : ptr[i + 1]] @ sentence_vectors[theirs].T
        starts = np.r_[0, np.cumsum(lengths)[:-1]]
        csls = 2 * sims - hub[ptr[i] : ptr[i + 1], None] - hub[theirs][None, :]
        out[rows, 0] = np.maximum.reduceat(sims.max(axis=0), starts)
        out[rows, 1] = np.maximum.reduceat(csls.max(axis=0), starts)
        # my sentences' best match in each candidate, then the candidate's sentences' best
        mine_best = np.maximum.reduceat(sims, starts, axis=1).mean(axis=0)
        theirs_best = np.add.reduceat(sims.max(axis=0), starts) / lengths
        out[rows, 2] = 0.5 * (mine_best + theirs_best)
    return out


def single_sentence(sentence_ptr: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1.0 where both passages are one sentence each (claim and passage evidence coincide)."""
    counts = np.diff(sentence_ptr)
    return ((counts[a] == 1) & (counts[b] == 1)).astype(np.float32)


__all__ = [
    "SENTENCE_HUB_K",
    "claim_features",
    "concat_ranges",
    "sentence_hubness",
    "single_sentence",
]
