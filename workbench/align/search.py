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
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from workbench.distributed import IN_PROCESS, materialise

if TYPE_CHECKING:
    from workbench.distributed import Runner

BLOCK_BYTES = 64 * 1024 * 1024
"""Size of one block of similarities."""
MAX_GROUPS_EXACT = 50
"""Above this many documents, a passage's candidates come from its nearest passages overall.

Per-document search rescores ``candidates`` passages in every other document, so its work
grows with passages x documents: at 200 FNC-1 documents it took 47.6 s against 5.2 s for
the nearest 64 overall (``benchmarks/bench_scale.py``), which keeps 93.5 % of the
above-threshold best matches per document (the others scored 0.60 on average, just above
the threshold)."""
GLOBAL_CANDIDATES = 64
MAX_APPROXIMATE_CANDIDATES = 256
HNSW_NEIGHBOURS = 32
HNSW_EF_CONSTRUCTION = 80
HNSW_EF_SEARCH = 128
SMALL_GROUP = 32
"""Approximate search: documents up to this size are searched together, then filtered."""
SEARCH_BLOCK_ROWS = 4096
"""Query rows per exact-search partition: the unit a cluster worker searches."""


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


def _spans(lo: int, hi: int, s: int, e: int, exclude_own_group: bool) -> list[tuple[int, int]]:
    """The rows of ``lo:hi`` to search group ``s:e`` for (not the group's own, if asked)."""
    spans = [(lo, min(hi, s)), (max(lo, e), hi)] if exclude_own_group else [(lo, hi)]
    return [(a, b) for a, b in spans if a < b]


def _concatenated(
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not parts[0]:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    q, t, v = (np.concatenate(p) for p in parts)
    return q.astype(np.int64), t.astype(np.int64), v.astype(np.float32)


def exact_per_group_rows(
    bounds: tuple[int, int],
    shared_x: object,
    starts: np.ndarray,
    ends: np.ndarray,
    k: int,
    exclude_own_group: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One search partition: the ``k`` nearest rows inside every group for rows ``bounds``.

    Runs in this process or on a cluster worker (``shared_x`` is the sorted matrix or a
    handle on it, see :func:`workbench.distributed.materialise`). Each row's answer does
    not depend on the other rows of its block, and the partitions are the same wherever
    they run, so the candidates are the same.
    """
    lo, hi = bounds
    x = materialise(shared_x)
    queries: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    sims: list[np.ndarray] = []
    for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
        spans = _spans(lo, hi, s, e, exclude_own_group)
        if not spans:
            continue
        take = min(k, e - s)
        if take == e - s:  # the whole group is the answer: no selection needed
            for a, b in spans:
                block = x[a:b] @ x[s:e].T
                queries.append(np.repeat(np.arange(a, b), e - s))
                targets.append(np.tile(np.arange(s, e), b - a))
                sims.append(block.ravel())
            continue
        top = _TopK(hi - lo, take)
        row_step, column_step = _block_sizes(hi - lo, e - s)
        for a, b in spans:
            for r in range(a, b, row_step):
                r_end = min(b, r + row_step)
                for c in range(s, e, column_step):
                    c_end = min(e, c + column_step)
                    top.add(x[r:r_end] @ x[c:c_end].T, r - lo, c)
        for a, b in spans:
            row, column, value = top.result(slice(a - lo, b - lo))
            queries.append(row + lo)
            targets.append(column)
            sims.append(value)
    return _concatenated((queries, targets, sims))


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


def exact_global_rows(
    bounds: tuple[int, int],
    shared_x: object,
    sorted_groups: np.ndarray,
    take: int,
    k: int,
    exclude_own_group: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One search partition: for rows ``bounds``, their ``take`` nearest rows overall (other
    groups only, if asked), then at most ``k`` per group.

    The partition of the search on a cluster. Rows are searched against the whole matrix:
    in this process :func:`_exact_global` uses the symmetry of similarities to do half the
    products, which ties each block to all the others (candidates are the same, except which
    of exactly equal similarities is kept, and so the same pairs in practice).
    """
    lo, hi = bounds
    x = materialise(shared_x)
    sorted_groups = materialise(sorted_groups)
    n = len(x)
    starts, ends = _group_bounds(sorted_groups)
    top = _TopK(hi - lo, take)
    step = max(16, min(4096, BLOCK_BYTES // (4 * max(1, hi - lo))))
    for c in range(0, n, step):
        c_end = min(n, c + step)
        block = x[lo:hi] @ x[c:c_end].T
        if exclude_own_group:
            _mask_own_groups(block, (lo, hi), (c, c_end), starts, ends)
        top.add(block, 0, c)
    rows, cols, vals = top.result(slice(0, hi - lo))
    return _at_most_k_per_group(rows + lo, cols, vals, sorted_groups, k)


def _approximate_global(
    x: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    take: int,
    exclude_own_group: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Like :func:`exact_global_rows` on all rows, from an HNSW graph: most, not all, true
    neighbours."""
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


def _row_blocks(n: int) -> list[tuple[int, int]]:
    return [(lo, min(n, lo + SEARCH_BLOCK_ROWS)) for lo in range(0, n, SEARCH_BLOCK_ROWS)]


def nearest_per_group(
    vectors: np.ndarray,
    groups: np.ndarray,
    k: int,
    *,
    exclude_own_group: bool = True,
    approximate_above: int | None = None,
    runner: Runner = IN_PROCESS,
    spill_dir: Path | None = None,
) -> Candidates:
    """For each row, its ``k`` most similar rows within every other group.

    ``groups`` gives each row's group (document) number. With more than
    ``MAX_GROUPS_EXACT`` groups the per-group search would loop too often, so candidates
    are instead the ``GLOBAL_CANDIDATES`` nearest rows overall, at most ``k`` per group.
    With more than ``approximate_above`` rows (None: never), those nearest rows overall
    come from an approximate HNSW index, whatever the number of groups; then at least
    ``k`` per other group are asked for when there are few groups.

    Exact search runs by blocks of ``SEARCH_BLOCK_ROWS`` query rows against the whole
    matrix: the partitions ``runner`` runs, here or on cluster workers, with the same
    result. The matrix reaches the workers once (in memory, or as a file in ``spill_dir``
    when it is big). In this process, the nearest-overall mode scans symmetric tiles instead
    (:func:`exact_global_rows` says how its result compares); the approximate search always
    runs in this process.
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
    else:
        shared = runner.share(x, spill_dir)
        if len(starts) <= MAX_GROUPS_EXACT:
            found = runner.map_partitions(
                exact_per_group_rows,
                _row_blocks(n),
                shared,
                starts,
                ends,
                k,
                exclude_own_group,
                name="search",
            )
        elif runner.in_process:  # one machine: the symmetric scan does half the products
            take = min(GLOBAL_CANDIDATES, n - 1) if n > 1 else 1
            rows, cols, vals = _exact_global(x, starts, ends, take, exclude_own_group)
            found = iter([_at_most_k_per_group(rows, cols, vals, sorted_groups, k)])
        else:
            take = min(GLOBAL_CANDIDATES, n - 1) if n > 1 else 1
            found = runner.map_partitions(
                exact_global_rows,
                _row_blocks(n),
                shared,
                runner.share(sorted_groups),  # once per worker, not with every block
                take,
                k,
                exclude_own_group,
                name="search",
            )
        parts = list(found)
        rows, cols, vals = (np.concatenate([p[i] for p in parts]) for i in range(3))
        if not len(rows):
            return _empty()
    return Candidates(order[rows], order[cols], vals.astype(np.float32))


def nearest_in_groups(
    vectors: np.ndarray,
    groups: np.ndarray,
    queries: np.ndarray,
    target_groups: np.ndarray,
    k: int,
) -> Candidates:
    """For each row of ``queries``, its ``k`` most similar rows in each of ``target_groups``
    (its own group left out).

    The part of :func:`nearest_per_group` (per-group mode) that an incremental alignment
    must redo: new passages against every document, every passage against new documents.
    Each answer depends only on the query row and the target group, so it is the full
    search's answer for those rows and groups (to the last bit of float32 products, which
    decides only between exactly tied neighbours).
    """
    x = np.asarray(vectors, dtype=np.float32)
    groups = np.asarray(groups)
    queries = np.asarray(queries, dtype=np.int64)
    parts: tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]] = ([], [], [])
    rows_per_block = max(16, BLOCK_BYTES // (4 * max(1, len(x))))
    for g in np.unique(np.asarray(target_groups)).tolist():
        columns = np.flatnonzero(groups == g)
        mine = queries[groups[queries] != g]
        if not len(columns) or not len(mine):
            continue
        take = min(k, len(columns))
        for lo in range(0, len(mine), rows_per_block):
            rows = mine[lo : lo + rows_per_block]
            sims = x[rows] @ x[columns].T
            if take < len(columns):
                best = np.argpartition(-sims, take - 1, axis=1)[:, :take]
            else:
                best = np.broadcast_to(np.arange(len(columns)), (len(rows), len(columns)))
            parts[0].append(np.repeat(rows, take))
            parts[1].append(columns[best].ravel())
            parts[2].append(np.take_along_axis(sims, best, axis=1).ravel())
    query, target, similarity = _concatenated(parts)
    return Candidates(query, target, similarity)
