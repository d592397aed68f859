from collections import Counter

import numpy as np
import pytest

from workbench.align import search
from workbench.align.search import nearest_per_group


def _brute(vectors: np.ndarray, groups: np.ndarray, k: int) -> set[tuple[int, int]]:
    sims = vectors @ vectors.T
    out = set()
    for i in range(len(vectors)):
        for g in np.unique(groups):
            if g == groups[i]:
                continue
            cols = np.flatnonzero(groups == g)
            best = cols[np.argsort(-sims[i, cols], kind="stable")[:k]]
            out |= {(i, int(j)) for j in best}
    return out


@pytest.mark.parametrize("block_bytes", [1024, 256 * 1024 * 1024])
def test_per_group_search_matches_brute_force(monkeypatch, block_bytes: int) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "BLOCK_BYTES", block_bytes)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(120, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = rng.integers(0, 7, size=120)
    found = nearest_per_group(vectors, groups, 3)
    assert set(zip(found.query.tolist(), found.target.tolist(), strict=True)) == _brute(
        vectors, groups, 3
    )
    assert not np.any(groups[found.query] == groups[found.target])
    np.testing.assert_allclose(
        found.similarity,
        np.einsum("ij,ij->i", vectors[found.query], vectors[found.target]),
        atol=1e-6,
    )


def test_many_groups_use_global_candidates_at_most_k_per_group(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "MAX_GROUPS_EXACT", 3)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = np.arange(200) // 4
    found = nearest_per_group(vectors, groups, 2)
    per_group = Counter(zip(found.query.tolist(), groups[found.target].tolist(), strict=True))
    assert max(per_group.values()) <= 2
    sims = vectors @ vectors.T
    for i in range(0, 200, 37):  # the overall nearest other-group row is always found
        other = np.flatnonzero(groups != groups[i])
        best = int(other[np.argmax(sims[i, other])])
        assert best in found.target[found.query == i]


def _unit(n: int, dim: int, seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _brute_global(
    vectors: np.ndarray, groups: np.ndarray, k: int, take: int, exclude_own_group: bool = True
) -> set[tuple[int, int]]:
    """Each row's ``take`` nearest rows overall, then at most ``k`` per group."""
    sims = vectors @ vectors.T
    if exclude_own_group:
        sims[groups[:, None] == groups[None, :]] = -np.inf
    out = set()
    for i in range(len(vectors)):
        ranked = [
            int(j) for j in np.argsort(-sims[i], kind="stable")[:take] if np.isfinite(sims[i, j])
        ]
        per_group: dict[int, int] = {}
        for j in ranked:
            per_group[groups[j]] = per_group.get(groups[j], 0) + 1
            if per_group[groups[j]] <= k:
                out.add((i, j))
    return out


def _pairs(found: search.Candidates) -> set[tuple[int, int]]:
    return set(zip(found.query.tolist(), found.target.tolist(), strict=True))


@pytest.mark.parametrize("block_bytes", [4096, 256 * 1024 * 1024])
@pytest.mark.parametrize("exclude", [True, False])
def test_global_candidates_match_brute_force(
    monkeypatch,
    block_bytes: int,  # type: ignore[no-untyped-def]
    exclude: bool,
) -> None:
    monkeypatch.setattr(search, "MAX_GROUPS_EXACT", 3)
    monkeypatch.setattr(search, "GLOBAL_CANDIDATES", 9)
    monkeypatch.setattr(search, "BLOCK_BYTES", block_bytes)
    vectors = _unit(150, 12, 2)
    groups = np.random.default_rng(3).integers(0, 25, size=150)  # unsorted labels
    found = nearest_per_group(vectors, groups, 2, exclude_own_group=exclude)
    assert _pairs(found) == _brute_global(vectors, groups, 2, 9, exclude)
    np.testing.assert_allclose(
        found.similarity,
        np.einsum("ij,ij->i", vectors[found.query], vectors[found.target]),
        atol=1e-6,
    )


def test_own_group_kept_when_asked_and_small_groups_taken_whole() -> None:
    vectors = _unit(40, 8, 4)
    groups = np.r_[np.zeros(30, int), np.ones(8, int), np.full(2, 2)]  # group 2 smaller than k
    found = nearest_per_group(vectors, groups, 3, exclude_own_group=False)
    expected = set()
    sims = vectors @ vectors.T
    for i in range(40):
        for g in range(3):
            cols = np.flatnonzero(groups == g)
            expected |= {(i, int(j)) for j in cols[np.argsort(-sims[i, cols])[:3]]}
    assert _pairs(found) == expected
    own = nearest_per_group(vectors, groups, 3)
    assert _pairs(own) == {p for p in expected if groups[p[0]] != groups[p[1]]}


def test_degenerate_inputs() -> None:
    assert len(nearest_per_group(np.zeros((0, 4), np.float32), np.zeros(0, int), 3).query) == 0
    one = nearest_per_group(_unit(5, 4, 5), np.zeros(5, int), 3)  # one document: no pairs
    assert len(one.query) == 0


def test_approximate_search_keeps_the_contract_and_finds_the_exact_neighbours() -> None:
    # clustered data, as real embeddings are: HNSW should recover (nearly) every pair
    rng = np.random.default_rng(6)
    centres = _unit(30, 24, 7)
    vectors = centres[rng.integers(0, 30, 600)] + rng.normal(scale=0.15, size=(600, 24))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    groups = np.r_[np.repeat(np.arange(250), 2), np.full(100, 250)]  # small docs and a big one
    exact = nearest_per_group(vectors, groups, 2)
    approx = nearest_per_group(vectors, groups, 2, approximate_above=100)
    assert not np.any(groups[approx.query] == groups[approx.target])
    per_group = Counter(zip(approx.query.tolist(), groups[approx.target].tolist(), strict=True))
    assert max(per_group.values()) <= 2
    recall = len(_pairs(approx) & _pairs(exact)) / len(_pairs(exact))
    assert recall >= 0.95
    np.testing.assert_allclose(
        approx.similarity,
        np.einsum("ij,ij->i", vectors[approx.query], vectors[approx.target]),
        atol=1e-5,
    )


class _PicklingRunner:
    """Runs partitions here, as a cluster would: arguments and results go through pickle."""

    in_process = False

    def __init__(self) -> None:
        self.partitions: list[object] = []

    def share(self, array: np.ndarray, spill_dir: object = None) -> np.ndarray:
        return array

    def map_partitions(self, fn, partitions, *args, name="task"):  # type: ignore[no-untyped-def]
        import pickle

        for partition in partitions:
            self.partitions.append(partition)
            call = pickle.loads(pickle.dumps((fn, partition, args)))
            yield pickle.loads(pickle.dumps(call[0](call[1], *call[2])))


@pytest.mark.parametrize("n_groups", [7, 260], ids=["per-document", "nearest-overall"])
def test_search_by_partitions_of_query_rows_finds_the_in_process_candidates(
    monkeypatch: pytest.MonkeyPatch, n_groups: int
) -> None:
    monkeypatch.setattr(search, "SEARCH_BLOCK_ROWS", 64)
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(300, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = rng.integers(0, n_groups, size=300)
    here = nearest_per_group(vectors, groups, 3)
    runner = _PicklingRunner()
    there = nearest_per_group(vectors, groups, 3, runner=runner)  # type: ignore[arg-type]
    assert runner.partitions == [(0, 64), (64, 128), (128, 192), (192, 256), (256, 300)]
    assert sorted(zip(there.query.tolist(), there.target.tolist(), strict=True)) == sorted(
        zip(here.query.tolist(), here.target.tolist(), strict=True)
    )
    order_here = np.lexsort((here.target, here.query))
    order_there = np.lexsort((there.target, there.query))
    np.testing.assert_allclose(
        there.similarity[order_there], here.similarity[order_here], atol=1e-6
    )


@pytest.mark.parametrize("block_bytes", [1024, 256 * 1024 * 1024])
def test_searching_some_rows_against_some_groups_finds_what_the_full_search_finds(
    monkeypatch, block_bytes: int
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "BLOCK_BYTES", block_bytes)
    vectors = _unit(150, 16, 5)
    groups = np.random.default_rng(5).integers(0, 8, size=150)
    full = _pairs(nearest_per_group(vectors, groups, 4))
    queries = np.flatnonzero(groups == 2)
    others = np.flatnonzero(groups != 2)
    # the rows of group 2 against every group, every other row against group 2
    found = search.nearest_in_groups(vectors, groups, queries, np.arange(8), 4)
    into = search.nearest_in_groups(vectors, groups, others, np.array([2]), 4)
    assert _pairs(found) | _pairs(into) == {
        (q, t) for q, t in full if groups[q] == 2 or groups[t] == 2
    }
    assert not _pairs(found) & _pairs(into)
    np.testing.assert_allclose(
        found.similarity,
        np.einsum("ij,ij->i", vectors[found.query], vectors[found.target]),
        atol=1e-6,
    )
