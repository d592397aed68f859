"""A gradient-boosted tree classifier whose fitted trees are plain arrays (no pickle).

Fitting uses scikit-learn's ``HistGradientBoostingClassifier`` (imported only in ``fit``);
the fitted trees are then copied into flat numpy arrays, which is all ``predict_proba``
needs and all that is saved (``to_arrays`` / ``from_arrays``, stored in ``.npz``).

Prediction hands the same arrays back to scikit-learn's compiled tree evaluator (the one
``HistGradientBoostingClassifier.predict_proba`` runs), one call per tree over the whole
batch: the same comparisons (``x <= threshold``, NaN by ``missing_go_to_left``) as
:meth:`TreeEnsemble.decision_function_walk`, the numpy walk kept as the reference, at a
small fraction of its cost. When that evaluator cannot be imported (a scikit-learn that
moved it), prediction falls back to the walk.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_NODE_FIELDS = (
    "feature_idx",
    "num_threshold",
    "missing_go_to_left",
    "left",
    "right",
    "is_leaf",
    "value",
)


class TreeEnsemble:
    """Multi-class gradient boosting, softmax over summed tree outputs.

    Args:
        max_iter: boosting rounds.
        learning_rate: shrinkage.
        max_leaf_nodes: leaves per tree.
        l2_regularization: L2 penalty on leaf values.
        class_weight: ``None``, ``"balanced"`` or a mapping of class to weight.
        max_features: share of the features each split considers (speed, variety).
        random_state: seed of the feature subsampling.
    """

    def __init__(
        self,
        max_iter: int = 300,
        learning_rate: float = 0.08,
        max_leaf_nodes: int = 31,
        l2_regularization: float = 1.0,
        class_weight: Any = None,
        max_features: float = 1.0,
        random_state: int = 0,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.l2_regularization = l2_regularization
        self.class_weight = class_weight
        self.max_features = max_features
        self.random_state = random_state

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> TreeEnsemble:
        from sklearn.ensemble import HistGradientBoostingClassifier

        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            # scikit-learn looks the mapping up by encoded class numbers, not labels: weigh
            # the rows here instead (classes not named weigh 1)
            weights = np.array([float(class_weight.get(c, 1.0)) for c in np.asarray(y)])
            sample_weight = weights if sample_weight is None else sample_weight * weights
            class_weight = None
        model = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            l2_regularization=self.l2_regularization,
            class_weight=class_weight,
            max_features=self.max_features,
            random_state=self.random_state,
            early_stopping=False,
        )
        model.fit(np.asarray(X, dtype=np.float64), y, sample_weight=sample_weight)
        self.classes_ = np.asarray(model.classes_)
        self._import(model)
        return self

    def _import(self, model: Any) -> None:
        trees = [tree for iteration in model._predictors for tree in iteration]
        n_classes = len(self.classes_)
        per_round = len(model._predictors[0])
        nodes = [t.nodes for t in trees]
        sizes = np.array([len(n) for n in nodes], dtype=np.int64)
        offsets = np.r_[0, np.cumsum(sizes)[:-1]]
        flat = np.concatenate(nodes)
        self.feature_ = flat["feature_idx"].astype(np.int64)
        self.threshold_ = flat["num_threshold"].astype(np.float64)
        self.missing_left_ = flat["missing_go_to_left"].astype(bool)
        self.left_ = flat["left"].astype(np.int64)
        self.right_ = flat["right"].astype(np.int64)
        self.leaf_ = flat["is_leaf"].astype(bool)
        self.value_ = flat["value"].astype(np.float64)
        self.tree_offset_ = offsets
        self.tree_class_ = np.tile(np.arange(per_round), len(model._predictors))
        if per_round == 1 and n_classes == 2:
            self.tree_class_[:] = 1
        self.baseline_ = np.asarray(model._baseline_prediction, dtype=np.float64).ravel()
        self.binary_ = per_round == 1

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Summed tree outputs per class, shape (rows, classes), by the compiled evaluator."""
        predictors = self._predictors()
        if predictors is None:
            return self.decision_function_walk(X)
        # column-major: a tree reads the same feature of successive rows at each node
        X = np.asfortranarray(X, dtype=np.float64)
        n = len(X)
        raw = np.zeros((n, len(self.classes_)), dtype=np.float64)
        if self.binary_:
            raw[:, 1] = self.baseline_[0]
        else:
            raw += self.baseline_
        if n == 0:
            return raw
        no_categories = np.zeros((0, 8), dtype=np.uint32)
        f_idx_map = np.zeros(X.shape[1], dtype=np.uint32)
        for predictor, cls in zip(predictors, self.tree_class_, strict=True):
            raw[:, cls] += predictor.predict(X, no_categories, f_idx_map, 1)
        return raw

    def _predictors(self) -> list[Any] | None:
        """scikit-learn ``TreePredictor`` objects over the flat arrays (built once)."""
        cached = getattr(self, "_predictors_", None)
        if cached is not None:
            return cached or None
        try:
            from sklearn.ensemble._hist_gradient_boosting.common import PREDICTOR_RECORD_DTYPE
            from sklearn.ensemble._hist_gradient_boosting.predictor import TreePredictor
        except ImportError:  # pragma: no cover - a scikit-learn without the evaluator
            self._predictors_ = []
            return None
        nodes = np.zeros(len(self.feature_), dtype=PREDICTOR_RECORD_DTYPE)
        nodes["value"] = self.value_
        nodes["feature_idx"] = self.feature_
        nodes["num_threshold"] = self.threshold_
        nodes["missing_go_to_left"] = self.missing_left_
        nodes["left"] = self.left_
        nodes["right"] = self.right_
        nodes["is_leaf"] = self.leaf_
        ends = np.r_[self.tree_offset_[1:], len(nodes)]
        no_bitsets = np.zeros((0, 8), dtype=np.uint32)
        built = [
            TreePredictor(nodes[lo:hi], no_bitsets, no_bitsets)
            for lo, hi in zip(self.tree_offset_, ends, strict=True)
        ]
        self._predictors_ = built
        return built

    def decision_function_walk(self, X: np.ndarray) -> np.ndarray:
        """The reference evaluation: each tree walked level by level in numpy."""
        X = np.asarray(X, dtype=np.float64)
        n = len(X)
        k = len(self.classes_)
        raw = np.zeros((n, k), dtype=np.float64)
        if self.binary_:
            raw[:, 1] = self.baseline_[0]
        else:
            raw += self.baseline_
        rows = np.arange(n)
        for offset, cls in zip(self.tree_offset_, self.tree_class_, strict=True):
            node = np.full(n, offset, dtype=np.int64)
            active = ~self.leaf_[node]
            while active.any():
                idx = node[active]
                x = X[rows[active], self.feature_[idx]]
                nan = np.isnan(x)
                left = np.where(nan, self.missing_left_[idx], x <= self.threshold_[idx])
                node[active] = offset + np.where(left, self.left_[idx], self.right_[idx])
                active = ~self.leaf_[node]
            raw[:, cls] += self.value_[node]
        return raw

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        raw = self.decision_function(X)
        if self.binary_:
            p = 1.0 / (1.0 + np.exp(-raw[:, 1]))
            return np.column_stack([1 - p, p])
        raw -= raw.max(axis=1, keepdims=True)
        e = np.exp(raw)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    _ARRAYS = (
        "feature_",
        "threshold_",
        "missing_left_",
        "left_",
        "right_",
        "leaf_",
        "value_",
        "tree_offset_",
        "tree_class_",
        "baseline_",
    )

    def to_arrays(self, prefix: str = "") -> dict[str, np.ndarray]:
        out = {f"{prefix}{name.rstrip('_')}": getattr(self, name) for name in self._ARRAYS}
        out[f"{prefix}classes"] = np.asarray(self.classes_, dtype=str)
        out[f"{prefix}binary"] = np.array(self.binary_)
        return out

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], prefix: str = "") -> TreeEnsemble:
        model = cls()
        for name in cls._ARRAYS:
            setattr(model, name, np.asarray(arrays[f"{prefix}{name.rstrip('_')}"]))
        model.classes_ = np.asarray(arrays[f"{prefix}classes"]).astype(str)
        model.binary_ = bool(arrays[f"{prefix}binary"])
        return model
