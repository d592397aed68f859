"""Nearest-neighbour search over normalised vectors: exact by default, HNSW for huge corpora.

Alignment needs, for each passage, its nearest passages *in every other document*, not just
its nearest overall. Rows are sorted by document, so each document is a contiguous range of
columns. Exact search multiplies blocks of rows by blocks of columns (BLAS through numpy)
and pushes each block into faiss's top-k heaps, so peak memory is one block of similarities
plus the heaps, whatever the corpus size.

With many documents a per-document search would loop too often, so candidates are then each
passage's ``GLOBAL_CANDIDATES`` nearest passages overall, at most ``k`` per document. Above
``approximate_above`` passages, those candidates come from an HNSW graph instead of an exact
scan; ``benchmarks/bench_speed.py`` measures its recall against exact search on real vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

BLOCK_BYTES = 64 * 1024 * 1024
"""Size of one block of similarities."""
MAX_GROUPS_EXACT = 200
"""Above this many documents, a passage's candidates come from its nearest passages overall."""
GLOBAL_CANDIDATES = 64
MAX_APPROXIMATE_CANDIDATES = 256
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
SMALL_GROUP = 32
"""Approximate search: documents up to this size are searched together, then filtered."""


@dataclass(frozen=True)
class Candidates:
    """Parallel arrays: query row, corpus row and their cosine similarity."""

    query: np.ndarray
    target: np.ndarray
    similarity: np.ndarray


def _empty() -> Candidates:
    empty = np.zeros(0, dtype=np.int64)
    return Candidates(empty, empty, np.zeros(0, dtype=np.float32))


def _block_sizes(n_rows: int, n_columns: int) -> tuple[int, int]:
    """Rows and columns per block so that one block of float32 fits ``BLOCK_BYTES``."""
    columns = max(16, min(n_columns, 4096, BLOCK_BYTES // (4 * 1024)))
    rows = max(16, min(n_rows, 8192, BLOCK_BYTES // (4 * columns)))
    return rows, columns


class _TopK:
    """The ``k`` largest values seen so far for each of ``n`` rows (faiss min-heaps)."""

    def __init__(self, n: int, k: int) -> None:
        import faiss

        self.values = np.empty((n, k), dtype=np.float32)
        self.ids = np.empty((n, k), dtype=np.int64)
        self.heaps = faiss.float_minheap_array_t()
        self.heaps.k = k
        self.heaps.nh = n
        self.heaps.val = faiss.swig_ptr(self.values)
        self.heaps.ids = faiss.swig_ptr(self.ids)
        self.heaps.heapify()
        self._ptr = faiss.swig_ptr

    def add(self, block: np.ndarray, first_row: int, first_column: int) -> None:
        """Offer ``block`` (rows ``first_row...``, columns ``first_column...``)."""
        block = np.ascontiguousarray(block, dtype=np.float32)
        rows, columns = block.shape
        self.heaps.addn(columns, self._ptr(block), first_column, first_row, rows)

    def result(self, rows: slice) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, value) of the kept entries of ``rows``; empty slots dropped."""
        values, ids = self.values[rows], self.ids[rows]
        row = np.broadcast_to(np.arange(rows.start, rows.stop)[:, None], ids.shape)
        keep = (ids >= 0) & np.isfinite(values)
        return row[keep], ids[keep], values[keep]


def _group_bounds(sorted_groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(sorted_groups)
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    return starts, np.r_[starts[1:], n]


def _mask_own_groups(
    block: np.ndarray,
    rows: tuple[int, int],
    columns: tuple[int, int],
    starts: np.ndarray,
    ends: np.ndarray,
) -> None:
    """Set the similarities of rows to columns of their own group to -inf, in place."""
    first = np.searchsorted(ends, rows[0], side="right")
    last = np.searchsorted(starts, rows[1], side="left")
    for s, e in zip(starts[first:last], ends[first:last], strict=True):
        c0, c1 = max(s, columns[0]), min(e, columns[1])
        if c0 < c1:
            r0, r1 = max(s, rows[0]), min(e, rows[1])
            block[r0 - rows[0] : r1 - rows[0], c0 - columns[0] : c1 - columns[0]] = -np.inf


def _exact_per_group(
    x: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    k: int,
    exclude_own_group: bool,
) -> tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]:
    """The ``k`` nearest rows inside every group, for every row (sorted order)."""
    n = len(x)
    queries, targets, sims = [], [], []
    for s, e in zip(starts, ends, strict=True):
        take = min(k, e - s)
        spans = [(0, s), (e, n)] if exclude_own_group else [(0, n)]
        if take == e - s:  # the whole group is the answer: no selection needed
            for lo, hi in spans:
                if lo < hi:
                    block = x[lo:hi] @ x[s:e].T
                    queries.append(np.repeat(np.arange(lo, hi), e - s))
                    targets.append(np.tile(np.arange(s, e), hi - lo))
                    sims.append(block.ravel())
            continue
        top = _TopK(n, take)
        row_step, column_step = _block_sizes(n, e - s)
        for lo, hi in spans:
            for r in range(lo, hi, row_step):
                r_end = min(hi, r + row_step)
                for c in range(s, e, column_step):
                    c_end = min(e, c + column_step)
                    top.add(x[r:r_end] @ x[c:c_end].T, r, c)
        for lo, hi in spans:
            if lo < hi:
                row, column, value = top.result(slice(lo, hi))
                queries.append(row)
                targets.append(column)
                sims.append(value)
    return queries, targets, sims


def _transposed(block: np.ndarray) -> np.ndarray:
    """A C-contiguous transpose of ``block``, copied in strips (several times faster)."""
    out = np.empty((block.shape[1], block.shape[0]), dtype=block.dtype)
    for lo in range(0, block.shape[0], 128):
        out[:, lo : lo + 128] = block[lo : lo + 128].T
    return out


def _exact_global(
    x: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    take: int,
    exclude_own_group: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's ``take`` nearest rows overall (other groups only, if asked).

    Similarity is symmetric, so each pair of square tiles is multiplied once and offered to
    the heaps of both tiles' rows: half the matrix products of a plain scan.
    """
    n = len(x)
    top = _TopK(n, take)
    step = max(16, min(4096, int((BLOCK_BYTES // 4) ** 0.5)))
    for r in range(0, n, step):
        r_end = min(n, r + step)
        for c in range(r, n, step):
            c_end = min(n, c + step)
            block = x[r:r_end] @ x[c:c_end].T
            if exclude_own_group:
                _mask_own_groups(block, (r, r_end), (c, c_end), starts, ends)
            top.add(block, r, c)
            if c != r:
                top.add(_transposed(block), c, r)
    return top.result(slice(0, n))


def _approximate_global(
    x: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    take: int,
    exclude_own_group: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`_exact_global`, from an HNSW graph: most, not all, true neighbours."""
    import faiss

    n, dim = x.shape
    index = faiss.IndexHNSWFlat(dim, HNSW_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(x)
    rows, columns, values = [], [], []

    def search(lo: int, hi: int, k: int, selector: object | None = None) -> None:
        params = faiss.SearchParametersHNSW()
        params.efSearch = max(HNSW_EF_SEARCH, k)
        if selector is not None:
            params.sel = selector
        found_values, found_ids = index.search(x[lo:hi], min(k, n), params=params)
        rows.append(np.repeat(np.arange(lo, hi), found_ids.shape[1]))
        columns.append(found_ids.ravel())
        values.append(found_values.ravel())

    if not exclude_own_group:
        search(0, n, take)
    else:
        sizes = ends - starts
        for s, e in zip(starts[sizes > SMALL_GROUP], ends[sizes > SMALL_GROUP], strict=True):
            own = faiss.IDSelectorRange(int(s), int(e))  # referenced here: faiss keeps no ref
            search(s, e, take, faiss.IDSelectorNot(own))
        small = np.flatnonzero(sizes <= SMALL_GROUP)
        if len(small):
            # consecutive runs of small groups: one search, own-group hits filtered below
            run_starts = small[np.r_[True, np.diff(small) > 1]]
            run_ends = small[np.r_[np.diff(small) > 1, True]]
            for a, b in zip(run_starts, run_ends, strict=True):
                search(int(starts[a]), int(ends[b]), take + SMALL_GROUP)
    row, column, value = np.concatenate(rows), np.concatenate(columns), np.concatenate(values)
    keep = column >= 0
    row, column, value = row[keep], column[keep], value[keep]
    if exclude_own_group:
        group_of = np.repeat(np.arange(len(starts)), ends - starts)
        keep = group_of[row] != group_of[column]
        row, column, value = row[keep], column[keep], value[keep]
    # at most ``take`` per row, best first
    order = np.lexsort((-value, row))
    row, column, value = row[order], column[order], value[order]
    first = np.r_[True, row[1:] != row[:-1]]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(row)), 0))
    keep = (np.arange(len(row)) - run_start) < take
    return row[keep], column[keep], value[keep]


def _at_most_k_per_group(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, sorted_groups: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    key = np.lexsort((-vals, sorted_groups[cols], rows))
    rows, cols, vals = rows[key], cols[key], vals[key]
    grp = sorted_groups[cols]
    first = np.r_[True, (rows[1:] != rows[:-1]) | (grp[1:] != grp[:-1])]
    run_start = np.maximum.accumulate(np.where(first, np.arange(len(rows)), 0))
    keep = (np.arange(len(rows)) - run_start) < k
    return rows[keep], cols[keep], vals[keep]


def nearest_per_group(
    vectors: np.ndarray,
    groups: np.ndarray,
    k: int,
    *,
    exclude_own_group: bool = True,
    approximate_above: int | None = None,
) -> Candidates:
    """For each row, its ``k`` most similar rows within every other group.

    ``groups`` gives each row's group (document) number. With more than
    ``MAX_GROUPS_EXACT`` groups the per-group search would loop too often, so candidates
    are instead the ``GLOBAL_CANDIDATES`` nearest rows overall, at most ``k`` per group.
    With more than ``approximate_above`` rows (None: never), those nearest rows overall
    come from an approximate HNSW index, whatever the number of groups; then at least
    ``k`` per other group are asked for when there are few groups.
    """
    n = len(vectors)
    if n == 0:
        return _empty()
    groups = np.asarray(groups)
    order = np.argsort(groups, kind="stable")
    x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32)[order])
    sorted_groups = groups[order]
    starts, ends = _group_bounds(sorted_groups)
    approximate = approximate_above is not None and n > approximate_above
    if approximate:
        take = max(GLOBAL_CANDIDATES, min(MAX_APPROXIMATE_CANDIDATES, k * (len(starts) - 1)))
        rows, cols, vals = _approximate_global(x, starts, ends, min(take, n), exclude_own_group)
        rows, cols, vals = _at_most_k_per_group(rows, cols, vals, sorted_groups, k)
    elif len(starts) <= MAX_GROUPS_EXACT:
        q, t, s = _exact_per_group(x, starts, ends, k, exclude_own_group)
        if not q:
            return _empty()
        rows, cols, vals = np.concatenate(q), np.concatenate(t), np.concatenate(s)
    else:
        take = min(GLOBAL_CANDIDATES, n - 1) if n > 1 else 1
        rows, cols, vals = _exact_global(x, starts, ends, take, exclude_own_group)
        rows, cols, vals = _at_most_k_per_group(rows, cols, vals, sorted_groups, k)
    return Candidates(order[rows], order[cols], vals.astype(np.float32))
