"""The tree ensemble: fitted with scikit-learn, predicted and saved as plain arrays."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from workbench.suggest.trees import TreeEnsemble


def _data(classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(400, 5))
    X[rng.random(X.shape) < 0.05] = np.nan  # missing values take the learned side
    score = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) ** 2
    edges = np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1])
    y = np.array(["abcd"[k] for k in np.searchsorted(edges, score)])
    return X, y


@pytest.mark.parametrize("classes", [2, 4])
def test_array_predictions_equal_scikit_learns(classes: int) -> None:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X, y = _data(classes)
    ours = TreeEnsemble(max_iter=30, max_leaf_nodes=15).fit(X, y)
    theirs = HistGradientBoostingClassifier(
        max_iter=30,
        max_leaf_nodes=15,
        learning_rate=0.08,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=0,
    ).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), atol=1e-9)
    assert list(ours.predict(X)) == list(theirs.predict(X))


def test_saved_arrays_load_without_pickle_and_predict_the_same(tmp_path: Path) -> None:
    X, y = _data(4, seed=1)
    model = TreeEnsemble(max_iter=20).fit(X, y)
    path = tmp_path / "trees.npz"
    np.savez(path, **model.to_arrays("t_"))
    with np.load(path, allow_pickle=False) as arrays:
        loaded = TreeEnsemble.from_arrays(dict(arrays), "t_")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert list(loaded.classes_) == ["a", "b", "c", "d"]


def test_a_class_weight_mapping_by_label_weighs_that_class_up() -> None:
    X, y = _data(4)
    plain = TreeEnsemble(max_iter=20).fit(X, y)
    weighted = TreeEnsemble(max_iter=20, class_weight={"b": 5.0}).fit(X, y)
    assert (weighted.predict(X) == "b").sum() > (plain.predict(X) == "b").sum()
    same = TreeEnsemble(max_iter=20).fit(X, y, sample_weight=np.where(y == "b", 5.0, 1.0))
    np.testing.assert_allclose(weighted.predict_proba(X), same.predict_proba(X), atol=1e-12)
