"""The aligner's scorer: a logistic model over pair features, as a scikit-learn estimator.

Its parameters are plain numbers, saved as JSON beside a model card; nothing is pickled.
The shipped parameters (``workbench/data/aligner.json``) were fitted on the train split of
ECB+ sentence pairs; ``workbench eval align --fit-split`` refits them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from workbench.errors import ConfigError

COLUMNS = (
    "cosine",  # whole-passage embedding cosine (shown to analysts; not scored)
    "sentence_max",  # best sentence-to-sentence cosine (shown; not scored)
    "csls",  # hubness-corrected passage cosine: 2 cos - hub(a) - hub(b)
    "sentence_csls",  # the same correction applied to the best sentence match
    "lexical",  # TF-IDF cosine
    "specifics",  # TF-IDF cosine of numbers and dates (shown)
    "names",  # TF-IDF cosine of names and their words
    "shared",  # log(1 + summed IDF of the numbers and dates both passages hold)
    "context",  # cosine of the two passages' neighbourhoods in their documents (shown)
    "context_csls",  # the same, corrected for how alike neighbourhoods are in this corpus
)
"""The columns of :func:`workbench.align.aligner.pair_features`, in order."""

FEATURES = ("csls", "sentence_csls", "lexical", "names", "shared", "context_csls")
"""The columns the default scorer uses."""


class PairScorer(ClassifierMixin, BaseEstimator):
    """P(two passages report the same claim or event) from their pair features.

    ``X`` everywhere is the full matrix of :data:`COLUMNS`; the scorer uses the columns
    named in ``features``.

    Args:
        C: inverse regularisation strength of the logistic regression.
        features: names of the columns used, a subset of :data:`COLUMNS`.
    """

    def __init__(self, C: float = 1.0, features: tuple[str, ...] = FEATURES) -> None:
        self.C = C
        self.features = features

    def _select(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.shape[1] != len(COLUMNS):
            raise ValueError(f"expected {len(COLUMNS)} feature columns, got {X.shape[1]}")
        return X[:, [COLUMNS.index(name) for name in self.features]]

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> PairScorer:
        X = self._select(X)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-9
        model = LogisticRegression(C=self.C, max_iter=2000)
        model.fit((X - self.mean_) / self.scale_, y, sample_weight=sample_weight)
        self.classes_ = model.classes_
        self.coef_ = model.coef_[0]
        self.intercept_ = float(model.intercept_[0])
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = self._select(X)
        return ((X - self.mean_) / self.scale_) @ self.coef_ + self.intercept_

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - p, p])

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (self.decision_function(X) > 0).astype(int)

    @property
    def card(self) -> dict[str, Any]:
        """The model card saved with the parameters (data, model, figures); empty if unfitted."""
        return getattr(self, "card_", {})

    def score_pairs(self, X: np.ndarray) -> np.ndarray:
        """The probability that each pair is aligned, as float32."""
        return self.predict_proba(X)[:, 1].astype(np.float32)

    def to_dict(self, card: dict[str, Any] | None = None) -> dict[str, Any]:
        check_is_fitted(self, "coef_")
        return {
            "format": "workbench.pair-scorer/1",
            "features": list(self.features),
            "C": self.C,
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "card": card or {},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairScorer:
        if data.get("format") != "workbench.pair-scorer/1":
            raise ConfigError("not a workbench pair-scorer file (format field missing or unknown)")
        features = tuple(data["features"])
        unknown = [name for name in features if name not in COLUMNS]
        if unknown:
            raise ConfigError(
                f"scorer uses features {', '.join(unknown)} that this workbench does not "
                "compute; refit it with `workbench eval align --fit-split train --save-scorer FILE`"
            )
        scorer = cls(C=data["C"], features=features)
        scorer.mean_ = np.asarray(data["mean"], dtype=np.float64)
        scorer.scale_ = np.asarray(data["scale"], dtype=np.float64)
        scorer.coef_ = np.asarray(data["coef"], dtype=np.float64)
        scorer.intercept_ = float(data["intercept"])
        scorer.classes_ = np.array([0, 1])
        scorer.card_ = data.get("card", {})
        return scorer

    def save(self, path: Path, card: dict[str, Any] | None = None) -> None:
        card = {"saved_at": datetime.now(UTC).isoformat(timespec="seconds"), **(card or {})}
        Path(path).write_text(json.dumps(self.to_dict(card), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path | None = None) -> PairScorer:
        """The scorer saved at ``path``, or the shipped one."""
        if path is None:
            text = resources.files("workbench").joinpath("data/aligner.json").read_text()
        else:
            try:
                text = Path(path).read_text()
            except OSError as exc:
                raise ConfigError(f"cannot read scorer file {path}: {exc.strerror}") from None
        try:
            return cls.from_dict(json.loads(text))
        except (json.JSONDecodeError, KeyError) as exc:
            raise ConfigError(f"scorer file {path or 'aligner.json'} is damaged: {exc}") from None
