"""Estimators of a prospect's outcomes from its attributes at ``created_on``.

Two ways of learning, chosen by how much history there is (``method``):

- ``"trees"``: scikit-learn's gradient-boosted trees (:class:`~sklearn.ensemble.
  HistGradientBoostingClassifier` / ``Regressor``) on every attribute, categories natively
  (an attribute value never seen in training is read as missing, so it is scored, not
  dropped), with early stopping on a fifth of the rows and the depth (2, 3 or 4) chosen by
  3-fold cross-validation on the training history. Conversion is then calibrated by
  :class:`~sklearn.calibration.CalibratedClassifierCV`, isotonic or Platt (sigmoid),
  whichever has the lower cross-validated Brier score: the trees' out-of-fold scores (3
  folds) are calibrated both ways, each calibration judged on held-out scores (3 folds), so
  the choice costs three fits of the trees rather than a full nested cross-validation. The rates (profit, service cost,
  churn, pursuit cost) are noisy per customer (a few big orders make a year), and trees
  chase that noise: their prediction is blended with the shrunk segment means below, the
  trees' weight chosen by cross-validation (:meth:`RateModel._cross_validated_blend`).
- ``"shrinkage"``: means by segment shrunk toward the overall mean, as if the overall mean
  were ``shrinkage`` rows (weights) of evidence: ``(sum + k * overall) / (n + k)``. A thin
  history cannot support trees; a segment mean is what an analyst would use, and the
  shrinkage keeps a segment of three prospects from swinging the score.

Training rows beyond ``max_rows`` are sampled (fixed seed): 100,000 rows pin these models down
and keep the stage short on a company of a million customers. The trees run on one thread
(:func:`_one_thread`).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_predict
from sklearn.preprocessing import OrdinalEncoder
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

METHODS = ("trees", "shrinkage")
#: the attribute whose means the shrinkage estimators take
GROUP = "segment"
#: the depths of trees tried, each model choosing its own by cross-validation on the
#: training history (``max_depth_``): around scikit-learn's GradientBoosting default of 3,
#: shallow enough for a few thousand outcomes
DEPTHS = (2, 3, 4)
_TREES = {
    "max_iter": 300,
    "learning_rate": 0.05,
    "min_samples_leaf": 40,
    "max_leaf_nodes": 15,
    "l2_regularization": 1.0,
    "early_stopping": True,
    "validation_fraction": 0.2,
    "n_iter_no_change": 20,
}


class _Attributes:
    """Attribute frame -> numeric matrix for the trees: categories as ordinal codes (unknown
    and missing as NaN, at most 250 per column, rarer ones pooled), numbers as they are."""

    def fit(self, frame: pd.DataFrame) -> _Attributes:
        self.columns = list(frame.columns)
        self.categorical = [
            c for c in self.columns if not pd.api.types.is_numeric_dtype(frame[c].dtype)
        ]
        self.encoder = None
        if self.categorical:
            self.encoder = OrdinalEncoder(
                handle_unknown="use_encoded_value",
                unknown_value=np.nan,
                encoded_missing_value=np.nan,
                max_categories=250,
                dtype=float,
            )
            self.encoder.fit(self._text(frame))
        return self

    def _text(self, frame: pd.DataFrame) -> np.ndarray:
        return (
            frame[self.categorical]
            .astype(object)
            .where(frame[self.categorical].notna(), np.nan)
            .to_numpy()
        )

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        frame = frame.reindex(columns=self.columns)
        out = np.empty((len(frame), len(self.columns)))
        for j, column in enumerate(self.columns):
            if column not in self.categorical:
                out[:, j] = pd.to_numeric(frame[column], errors="coerce").to_numpy(float)
        if self.categorical:
            codes = self.encoder.transform(self._text(frame))
            for k, column in enumerate(self.categorical):
                out[:, self.columns.index(column)] = codes[:, k]
        return out

    @property
    def mask(self) -> list[bool]:
        return [c in self.categorical for c in self.columns]


def _one_thread(method):
    """Run an estimator's method with OpenMP on one thread: on a few thousand rows the
    threads cost far more in coordination than they save (fifty times slower on a busy
    two-core machine), and one thread gives the same result run after run."""

    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with threadpool_limits(1):
            return method(*args, **kwargs)

    return wrapper


def _sample(n: int, max_rows: int, seed: int) -> np.ndarray:
    """Positions of at most ``max_rows`` of ``n`` rows (all of them, in order, when fewer)."""
    if n <= max_rows:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_rows, replace=False))


def segment_of(frame: pd.DataFrame) -> np.ndarray:
    """Each row's segment ("" when missing or when there is no segment column)."""
    if GROUP not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return frame[GROUP].astype(object).where(frame[GROUP].notna(), "").to_numpy()


class _ShrunkMeans:
    """Weighted means by segment shrunk toward the overall weighted mean."""

    def fit(self, frame: pd.DataFrame, y: np.ndarray, weight: np.ndarray, k: float):
        self.overall = float(np.sum(weight * y) / max(np.sum(weight), 1e-12))
        sums = (
            pd.DataFrame({"g": segment_of(frame), "wy": weight * y, "w": weight}).groupby("g").sum()
        )
        self.means = ((sums["wy"] + k * self.overall) / (sums["w"] + k)).to_dict()
        return self

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.array([self.means.get(g, self.overall) for g in segment_of(frame)], float)


class _Isotonic(IsotonicRegression):
    """Isotonic regression of the outcome on a score, with ``predict_proba`` as a classifier."""

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return super().fit(np.asarray(X)[:, 0], y)

    def predict_proba(self, X):
        p = np.clip(self.predict(np.asarray(X)[:, 0]), 0.0, 1.0)
        return np.column_stack([1.0 - p, p])


#: the two calibrations of a score, compared by cross-validation on held-out scores: isotonic,
#: and Platt's sigmoid (a logistic regression on the score's log-odds)
_CALIBRATORS = {
    "isotonic": _Isotonic(out_of_bounds="clip", y_min=0.0, y_max=1.0),
    "sigmoid": LogisticRegression(C=1e6),
}


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


class ConversionModel(BaseEstimator):
    """Probability that a prospect is won, from its attributes.

    Parameters
    ----------
    method : {"trees", "shrinkage"}
        See the module docstring.
    shrinkage : float
        Weight of the overall rate in a segment's rate (``"shrinkage"``), in prospects.
    max_rows : int
        Training rows beyond this are sampled.
    random_state : int

    Attributes
    ----------
    calibration_ : str or None
        "isotonic" or "sigmoid" (trees), None (shrinkage).
    cv_brier_ : dict
        Cross-validated Brier score of each calibration (trees).
    max_depth_ : int
        Depth of the trees, the one of :data:`DEPTHS` with the least cross-validated Brier
        score of the uncalibrated trees (``cv_depth_brier_``; trees).
    base_rate_ : float
        Share of the training prospects won.

    Examples
    --------
    >>> X = pd.DataFrame({"segment": ["a"] * 10 + ["b"] * 10})
    >>> y = np.array([1] * 8 + [0] * 2 + [1] * 2 + [0] * 8)
    >>> model = ConversionModel(method="shrinkage", shrinkage=10).fit(X, y)
    >>> model.predict_proba(pd.DataFrame({"segment": ["a", "c"]})).round(3)
    array([0.65, 0.5 ])
    """

    def __init__(
        self,
        method: str = "trees",
        shrinkage: float = 20.0,
        max_rows: int = 100_000,
        random_state: int = 0,
    ):
        self.method = method
        self.shrinkage = shrinkage
        self.max_rows = max_rows
        self.random_state = random_state

    @_one_thread
    def fit(self, X: pd.DataFrame, y) -> ConversionModel:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        y = np.asarray(y, dtype=int)
        keep = _sample(len(y), self.max_rows, self.random_state)
        X, y = X.iloc[keep], y[keep]
        self.base_rate_ = float(y.mean())
        self.calibration_, self.cv_brier_ = None, {}
        if self.method == "shrinkage":
            self.means_ = _ShrunkMeans().fit(X, y.astype(float), np.ones(len(y)), self.shrinkage)
            return self
        self.attributes_ = _Attributes().fit(X)
        matrix = self.attributes_.transform(X)
        folds = StratifiedKFold(3, shuffle=True, random_state=self.random_state)
        raws = {
            depth: cross_val_predict(
                self._calibrated(None, depth), matrix, y, cv=folds, method="predict_proba"
            )[:, 1]
            for depth in DEPTHS
        }
        self.cv_depth_brier_ = {d: float(brier_score_loss(y, r)) for d, r in raws.items()}
        self.max_depth_ = min(self.cv_depth_brier_, key=self.cv_depth_brier_.get)
        raw = raws[self.max_depth_]
        for method, calibrator in _CALIBRATORS.items():
            p = cross_val_predict(
                calibrator, _logit(raw)[:, None], y, cv=folds, method="predict_proba"
            )[:, 1]
            self.cv_brier_[method] = float(brier_score_loss(y, p))
        self.calibration_ = min(self.cv_brier_, key=self.cv_brier_.get)
        self.estimator_ = self._calibrated(self.calibration_, self.max_depth_).fit(matrix, y)
        return self

    def _calibrated(self, method: str | None, depth: int):
        """Trees of ``depth``, calibrated by ``method`` (3-fold ``CalibratedClassifierCV``) or
        not."""
        trees = HistGradientBoostingClassifier(
            **_TREES,
            max_depth=depth,
            categorical_features=self.attributes_.mask,
            random_state=self.random_state,
        )
        return trees if method is None else CalibratedClassifierCV(trees, method=method, cv=3)

    @_one_thread
    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """P(won) of each row of ``X`` (one column, unlike scikit-learn's two)."""
        check_is_fitted(self, "base_rate_")
        if self.method == "shrinkage":
            return self.means_.predict(X)
        return self.estimator_.predict_proba(self.attributes_.transform(X))[:, 1]


def one_standard_error_blend(
    y: np.ndarray, base: np.ndarray, trees: np.ndarray, weight: np.ndarray
) -> float:
    """The least weight ``a`` of ``trees`` against ``base`` (on a grid of tenths) whose
    weighted squared error on held-out rows is within one standard error of the best weight's.

    Breiman's one-standard-error rule: with heavy-tailed targets (a customer's profit a
    month) a few rows decide which weight has the least error, and trees fitted to noise win
    by chance; a weight must beat the simpler model by more than that chance to be taken.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> one_standard_error_blend(y, np.full(4, 2.5), y.copy(), np.ones(4))
    1.0
    >>> one_standard_error_blend(y, np.full(4, 2.5), y[::-1].copy(), np.ones(4))
    0.0
    """
    grid = np.linspace(0.0, 1.0, 11)
    share = weight / max(np.sum(weight), 1e-12)
    losses = np.array([(y - (1 - a) * base - a * trees) ** 2 for a in grid])
    best = int(np.argmin(losses @ share))
    for i in range(best + 1):
        excess = losses[i] - losses[best]
        mean = excess @ share
        error = np.sqrt(
            max((share * (excess - mean) ** 2).sum(), 0.0)
            * np.sum(share**2)
            / max(1.0 - np.sum(share**2), 1e-12)
        )
        if mean <= error:
            return float(grid[i])
    return float(grid[best])


class RateModel(BaseEstimator):
    """An outcome rate of a prospect (profit per month, service cost per month, churn hazard,
    pursuit cost), from its attributes, fitted with weights (months of tenure, say).

    Parameters
    ----------
    method : {"trees", "shrinkage"}
    loss : {"squared_error", "poisson"}
        "poisson" for a rate that cannot be negative (a hazard, a cost).
    shrinkage : float
        Weight of the overall mean in a segment's mean (``"shrinkage"``).
    max_rows, random_state : as :class:`ConversionModel`.

    Attributes
    ----------
    mean_ : float
        Weighted mean of the training rates.
    blend_ : float
        Weight of the trees against the segment means (``"trees"``).
    max_depth_ : int
        Depth of the trees, the one of :data:`DEPTHS` with the least cross-validated weighted
        squared error (``cv_depth_error_``; ``"trees"``).

    Examples
    --------
    >>> X = pd.DataFrame({"segment": ["a", "a", "b", "b"]})
    >>> model = RateModel(method="shrinkage", shrinkage=0).fit(X, [1.0, 3.0, 10.0, 10.0],
    ...                                                        [1.0, 1.0, 1.0, 3.0])
    >>> model.predict(pd.DataFrame({"segment": ["a", "b", "z"]})).round(2)
    array([ 2.  , 10.  ,  7.33])
    """

    def __init__(
        self,
        method: str = "trees",
        loss: str = "squared_error",
        shrinkage: float = 20.0,
        max_rows: int = 100_000,
        random_state: int = 0,
    ):
        self.method = method
        self.loss = loss
        self.shrinkage = shrinkage
        self.max_rows = max_rows
        self.random_state = random_state

    @_one_thread
    def fit(self, X: pd.DataFrame, y, sample_weight=None) -> RateModel:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")
        y = np.asarray(y, dtype=float)
        weight = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
        keep = _sample(len(y), self.max_rows, self.random_state)
        X, y, weight = X.iloc[keep], y[keep], weight[keep]
        self.mean_ = float(np.sum(weight * y) / max(np.sum(weight), 1e-12))
        self.means_ = _ShrunkMeans().fit(X, y, weight, self.shrinkage)
        if self.method == "shrinkage":
            return self
        self.attributes_ = _Attributes().fit(X)
        matrix = self.attributes_.transform(X)
        self.blend_, self.max_depth_, self.cv_depth_error_ = self._cross_validated_blend(
            X, matrix, y, weight
        )
        self.estimator_ = self._trees(self.max_depth_).fit(matrix, y, sample_weight=weight)
        return self

    def _trees(self, depth: int) -> HistGradientBoostingRegressor:
        return HistGradientBoostingRegressor(
            **_TREES,
            max_depth=depth,
            loss=self.loss,
            categorical_features=self.attributes_.mask,
            random_state=self.random_state,
        )

    def _cross_validated_blend(
        self, X: pd.DataFrame, matrix: np.ndarray, y: np.ndarray, weight: np.ndarray
    ) -> tuple[float, int, dict[int, float]]:
        """The weight of the trees against the shrunk segment means, from their predictions
        of held-out rows (3 folds; :func:`one_standard_error_blend`): near 0 when the
        attributes say nothing beyond the segment, near 1 when the trees find real structure;
        the trees' depth, the one of :data:`DEPTHS` whose held-out predictions have the least
        weighted squared error; and that error of each depth."""
        folds = KFold(3, shuffle=True, random_state=self.random_state)
        base = np.empty(len(y))
        trees = {depth: np.empty(len(y)) for depth in DEPTHS}
        for train, test in folds.split(matrix):
            means = _ShrunkMeans().fit(X.iloc[train], y[train], weight[train], self.shrinkage)
            base[test] = means.predict(X.iloc[test])
            for depth, held_out in trees.items():
                held_out[test] = (
                    self._trees(depth)
                    .fit(matrix[train], y[train], sample_weight=weight[train])
                    .predict(matrix[test])
                )
        errors = {d: float(np.sum(weight * (y - t) ** 2)) for d, t in trees.items()}
        depth = min(errors, key=errors.get)
        return one_standard_error_blend(y, base, trees[depth], weight), depth, errors

    @_one_thread
    def predict(self, X: pd.DataFrame) -> np.ndarray:
        check_is_fitted(self, "mean_")
        base = self.means_.predict(X)
        if self.method == "shrinkage":
            return base
        trees = self.estimator_.predict(self.attributes_.transform(X))
        return (1.0 - self.blend_) * base + self.blend_ * trees
