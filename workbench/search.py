"""Exact nearest-neighbour search over normalised vectors, blocked to bound memory.

Alignment needs, for each passage, its nearest passages *in every other document*, not just
its nearest overall; so the search works a block of query rows at a time against the whole
matrix (sorted by document) and takes the top candidates inside each document's columns.
Peak memory is one block of similarities, whatever the corpus size.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_BYTES = 256 * 1024 * 1024
MAX_GROUPS_EXACT = 200
"""Above this many documents, a passage's candidates come from its nearest passages overall."""
GLOBAL_CANDIDATES = 64


@dataclass(frozen=True)
class Candidates:
    """Parallel arrays: query row, corpus row and their cosine similarity."""

    query: np.ndarray
    target: np.ndarray
    similarity: np.ndarray


def _block_rows(n_columns: int) -> int:
    return max(16, min(4096, BLOCK_BYTES // max(1, 4 * n_columns)))


def nearest_per_group(
    vectors: np.ndarray, groups: np.ndarray, k: int, *, exclude_own_group: bool = True
) -> Candidates:
    """For each row, its ``k`` most similar rows within every other group.

    ``groups`` gives each row's group (document) number. With more than
    ``MAX_GROUPS_EXACT`` groups the per-group search would loop too often, so candidates
    are instead the ``GLOBAL_CANDIDATES`` nearest rows overall, at most ``k`` per group.
    """
    n = len(vectors)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Candidates(empty, empty, np.zeros(0, dtype=np.float32))
    order = np.argsort(groups, kind="stable")
    sorted_vectors = np.ascontiguousarray(vectors[order], dtype=np.float32)
    sorted_groups = groups[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    ends = np.r_[starts[1:], n]
    exact = len(starts) <= MAX_GROUPS_EXACT
    queries, targets, sims = [], [], []
    step = _block_rows(n)
    for lo in range(0, n, step):
        hi = min(n, lo + step)
        block = sorted_vectors[lo:hi] @ sorted_vectors.T
        block_groups = sorted_groups[lo:hi]
        if exact:
            for s, e in zip(starts, ends, strict=True):
                own = block_groups == sorted_groups[s]
                rows = np.flatnonzero(~own) if exclude_own_group else np.arange(hi - lo)
                if not len(rows):
                    continue
                sub = block[rows, s:e]
                take = min(k, e - s)
                if take < e - s:
                    cols = np.argpartition(-sub, take - 1, axis=1)[:, :take]
                else:
                    cols = np.broadcast_to(np.arange(e - s), (len(rows), e - s))
                queries.append(np.repeat(rows + lo, take))
                targets.append((cols + s).ravel())
                sims.append(np.take_along_axis(sub, cols, axis=1).ravel())
        else:
            if exclude_own_group:
                same = block_groups[:, None] == sorted_groups[None, :]
                block[same] = -np.inf
            take = min(GLOBAL_CANDIDATES, n - 1)
            cols = np.argpartition(-block, take - 1, axis=1)[:, :take]
            vals = np.take_along_axis(block, cols, axis=1)
            rows = np.repeat(np.arange(lo, hi), take)
            cols = cols.ravel()
            vals = vals.ravel()
            keep = np.isfinite(vals)
            rows, cols, vals = rows[keep], cols[keep], vals[keep]
            # at most k per (row, group): rank inside each (row, group) by similarity
            key = np.lexsort((-vals, sorted_groups[cols], rows))
            rows, cols, vals = rows[key], cols[key], vals[key]
            grp = sorted_groups[cols]
            first = np.r_[True, (rows[1:] != rows[:-1]) | (grp[1:] != grp[:-1])]
            run_start = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
            keep = (np.arange(len(rows)) - run_start) < k
            queries.append(rows[keep])
            targets.append(cols[keep])
            sims.append(vals[keep])
    query = order[np.concatenate(queries)] if queries else np.zeros(0, dtype=np.int64)
    target = order[np.concatenate(targets)] if targets else np.zeros(0, dtype=np.int64)
    similarity = np.concatenate(sims).astype(np.float32) if sims else np.zeros(0, np.float32)
    return Candidates(query, target, similarity)
