"""What an open pursuit is still expected to cost: its cost per day times the days it still
has to run.

- **Cost per day** of a pursuit, from its attributes: the past pursuits' TDABC cost over the
  days they ran (a :class:`~.model.RateModel`, Poisson, weighted by the days).
- **Days still to run** of a pursuit that has run ``a`` days: the mean residual duration of
  the past pursuits of its segment that ran longer than ``a``, ``mean(D - a | D > a)`` (won or
  lost: the effort is spent either way), shrunk toward that of all past pursuits as if those
  were 20 pursuits of evidence. No past pursuit ran longer: nothing is left to spend.

A pursuit that has already run longer than most is not taken as finished: the longer ones
among the past show how long such a pursuit still goes on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .model import RateModel, segment_of


class RemainingPursuit(BaseEstimator):
    """Expected cost still to come of open pursuits.

    Parameters
    ----------
    method : {"trees", "shrinkage"}
        For the cost per day (:class:`~.model.RateModel`).
    shrinkage : float
        Weight, in pursuits, of all past pursuits' residual duration in a segment's.

    Attributes
    ----------
    per_day_ : RateModel or None
        None when no past pursuit cost anything.

    Examples
    --------
    >>> X = pd.DataFrame({"segment": ["a"] * 4})
    >>> model = RemainingPursuit(method="shrinkage", shrinkage=0).fit(
    ...     X, cost=[10.0, 20.0, 30.0, 40.0], days=[9.0, 19.0, 29.0, 39.0])
    >>> model.predict(pd.DataFrame({"segment": ["a", "a"]}), days=[25.0, 50.0]).round(6)
    array([9., 0.])
    """

    def __init__(self, method: str = "trees", shrinkage: float = 20.0):
        self.method = method
        self.shrinkage = shrinkage

    def fit(self, X: pd.DataFrame, cost, days) -> RemainingPursuit:
        cost, days = np.asarray(cost, float), np.clip(np.asarray(days, float), 0, None)
        exposure = days + 1.0  # the day it was created is a day of pursuit
        self.per_day_ = None
        if np.any(cost > 0):
            self.per_day_ = RateModel(method=self.method, loss="poisson").fit(
                X, cost / exposure, exposure
            )
        self.groups_ = segment_of(X)
        self.days_ = days
        return self

    def _residual(self, mask: np.ndarray, age: float) -> tuple[float, int]:
        longer = self.days_[mask & (self.days_ > age)]
        return float(np.sum(longer - age)), len(longer)

    def predict(self, X: pd.DataFrame, days) -> np.ndarray:
        """Cost still to come of pursuits with attributes ``X`` that have run ``days``."""
        check_is_fitted(self, "days_")
        days = np.asarray(days, float)
        if self.per_day_ is None:
            return np.zeros(len(days))
        per_day = np.clip(self.per_day_.predict(X), 0, None)
        every = np.ones(len(self.days_), bool)
        left = np.empty(len(days))
        cache = {}
        for i, (group, age) in enumerate(zip(segment_of(X), days)):
            key = (group, age)
            if key not in cache:
                total, n = self._residual(every, age)
                pooled = total / n if n else 0.0
                own, m = self._residual(self.groups_ == group, age)
                k = self.shrinkage
                cache[key] = (own + k * pooled) / (m + k) if m + k > 0 else pooled
            left[i] = cache[key]
        return per_day * left
