import numpy as np
import pytest

from workbench import search
from workbench.search import nearest_per_group


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
    assert set(zip(found.query.tolist(), found.target.tolist(), strict=True)) == \
        _brute(vectors, groups, 3)
    assert not np.any(groups[found.query] == groups[found.target])
    np.testing.assert_allclose(found.similarity,
                               np.einsum("ij,ij->i", vectors[found.query], vectors[found.target]),
                               atol=1e-6)


def test_many_groups_use_global_candidates_at_most_k_per_group(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(search, "MAX_GROUPS_EXACT", 3)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    groups = np.arange(200) // 4
    found = nearest_per_group(vectors, groups, 2)
    pairs = list(zip(found.query.tolist(), groups[found.target].tolist(), strict=True))
    assert max(pairs.count(p) for p in set(pairs)) <= 2
    sims = vectors @ vectors.T
    for i in range(0, 200, 37):  # the overall nearest other-group row is always found
        other = np.flatnonzero(groups != groups[i])
        best = int(other[np.argmax(sims[i, other])])
        assert best in found.target[found.query == i]
