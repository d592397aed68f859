"""The aligner's scorer: a logistic model over pair features, as a scikit-learn estimator.

Its parameters are plain numbers, saved as JSON beside a model card; nothing is pickled.
The shipped parameters (``workbench/data/aligner.json``) were fitted on the train split of
ECB+: sentence pairs, pseudo-paragraph pairs and mixed-claim passage pairs
(:func:`workbench.evaluation.ecb.passage_pairs`); ``workbench eval align --fit-split train``
refits them and ``--cv-folds`` estimates them on topics left out.
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
    "claim_csls",  # best sentence pair by sentence-level CSLS (claim matching)
    "claim_cover",  # soft alignment: mean best match of every sentence on the other side
    "context_words",  # TF-IDF cosine of the neighbourhoods' content-word stems x sentence_max
    "context_names",  # log(1 + summed IDF of names both neighbourhoods hold) x sentence_max
    "single",  # 1 when both passages are a single sentence
    "claim_focus",  # how far the best sentence match stands out: sentence_max - claim_cover
)
"""The columns of :func:`workbench.align.aligner.pair_features`, in order."""

FEATURES = (
    "csls",
    "claim_csls",
    "lexical",
    "names",
    "shared",
    "context_csls",
    "context_words",
    "context_names",
    "claim_focus",
    "sentence_csls",
    "single",
)
"""The columns the default scorer uses."""

INTERACTIONS = tuple(name for name in FEATURES if name != "single")
"""Columns that get a second weight for pairs of single sentences (see :class:`PairScorer`)."""

FORMAT = "workbench.pair-scorer/2"

SCORE_CHUNK = 1 << 17
"""Pairs scored at a time by :meth:`PairScorer.score_pairs` (about 30 MB of design matrix)."""


def _fit_positive(
    Z: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None, C: float, free: list[bool]
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with non-negative weights (but ``free`` ones).

    The objective is scikit-learn's, ``C * sum(w_i * log-loss_i) + |coef|^2 / 2``, minimised
    by L-BFGS-B with bounds.
    """
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    sign = 2 * y - 1

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        coef, intercept = theta[:-1], theta[-1]
        margin = sign * (Z @ coef + intercept)
        value = -C * float(w @ log_expit(margin)) + 0.5 * float(coef @ coef)
        g = -C * w * sign * expit(-margin)
        return value, np.r_[Z.T @ g + coef, g.sum()]

    bounds = [(None, None) if f else (0.0, None) for f in free] + [(None, None)]
    result = minimize(
        loss,
        np.zeros(Z.shape[1] + 1),
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": 5000},
    )
    return result.x[:-1], float(result.x[-1])


class PairScorer(ClassifierMixin, BaseEstimator):
    """P(two passages report the same claim or event) from their pair features.

    ``X`` everywhere is the full matrix of :data:`COLUMNS`; the scorer uses the columns
    named in ``features``. Each column named in ``interactions`` gets two weights, one for
    pairs of single sentences (``single`` = 1) and one for the other pairs: for two
    sentences passage and claim evidence are the same numbers, while a paragraph that
    retells one claim among others needs claim-level evidence to count for more.

    With ``positive``, every weight but that of ``single`` is kept at zero or above: more of
    any evidence never lowers a score. Without that, correlated features get weights of
    opposite signs that rank well on the data they were fitted on and extrapolate badly
    (a small corpus, where every passage has low hubness, then looks aligned everywhere).

    Args:
        C: inverse regularisation strength of the logistic regression.
        features: names of the columns used, a subset of :data:`COLUMNS`.
        interactions: columns weighted separately for single-sentence pairs.
        positive: keep the evidence weights non-negative.
    """

    def __init__(
        self,
        C: float = 1.0,
        features: tuple[str, ...] = FEATURES,
        interactions: tuple[str, ...] = INTERACTIONS,
        positive: bool = True,
    ) -> None:
        self.C = C
        self.features = features
        self.interactions = interactions
        self.positive = positive

    def _select(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != len(COLUMNS):
            raise ValueError(f"expected {len(COLUMNS)} feature columns, got {X.shape[-1]}")
        single = X[:, COLUMNS.index("single")]
        columns = []
        for name in self.features:
            column = X[:, COLUMNS.index(name)]
            if name in self.interactions:
                columns += [column * (1 - single), column * single]
            else:
                columns.append(column)
        return np.column_stack(columns) if columns else np.zeros((len(X), 0))

    @property
    def design_names(self) -> list[str]:
        """Names of the design columns, in the order of ``coef_``."""
        names = []
        for name in self.features:
            if name in self.interactions:
                names += [f"{name}|passages", f"{name}|sentences"]
            else:
                names.append(name)
        return names

    def fit(
        self, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None = None
    ) -> PairScorer:
        X = self._select(X)
        y = np.asarray(y)
        self.mean_ = X.mean(axis=0)
        self.scale_ = X.std(axis=0) + 1e-9
        Z = (X - self.mean_) / self.scale_
        self.classes_ = np.unique(y)
        if not self.positive:
            model = LogisticRegression(C=self.C, max_iter=5000)
            model.fit(Z, y, sample_weight=sample_weight)
            self.coef_ = model.coef_[0]
            self.intercept_ = float(model.intercept_[0])
            return self
        self.coef_, self.intercept_ = _fit_positive(
            Z,
            (y == self.classes_[-1]).astype(np.float64),
            sample_weight,
            self.C,
            free=[name == "single" for name in self.design_names],
        )
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
        """The probability that each pair is aligned, as float32.

        Scored ``SCORE_CHUNK`` rows at a time: the float64 design matrix of every candidate
        at once took over 3 GB at 100,000 passages (millions of candidates).
        """
        out = np.empty(len(X), dtype=np.float32)
        for lo in range(0, len(X), SCORE_CHUNK):
            out[lo : lo + SCORE_CHUNK] = self.predict_proba(X[lo : lo + SCORE_CHUNK])[:, 1]
        return out

    def to_dict(self, card: dict[str, Any] | None = None) -> dict[str, Any]:
        check_is_fitted(self, "coef_")
        return {
            "format": FORMAT,
            "features": list(self.features),
            "interactions": list(self.interactions),
            "positive": self.positive,
            "C": self.C,
            "mean": self.mean_.tolist(),
            "scale": self.scale_.tolist(),
            "coef": self.coef_.tolist(),
            "intercept": self.intercept_,
            "card": card or {},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairScorer:
        if data.get("format") not in (FORMAT, "workbench.pair-scorer/1"):
            raise ConfigError("not a workbench pair-scorer file (format field missing or unknown)")
        features = tuple(data["features"])
        interactions = tuple(data.get("interactions", ()))
        unknown = [name for name in (*features, *interactions) if name not in COLUMNS]
        if unknown:
            raise ConfigError(
                f"scorer uses features {', '.join(unknown)} that this workbench does not "
                "compute; refit it with `workbench eval align --fit-split train --save-scorer FILE`"
            )
        scorer = cls(
            C=data["C"],
            features=features,
            interactions=interactions,
            positive=bool(data.get("positive", False)),
        )
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
