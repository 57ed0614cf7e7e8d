"""Short-horizon profit forecast: damped trend, with each customer's trend shrunk toward its segment.

Each row of a customers × periods matrix is smoothed with the additive damped trend method
(Gardner & McKenzie 1985), in the error-correction form of the ETS(A,Ad,N) model of Hyndman,
Koehler, Ord & Snyder, *Forecasting with Exponential Smoothing* (2008), eq. 2.13:

    e_t = y_t - (l_{t-1} + φ b_{t-1})
    l_t = l_{t-1} + φ b_{t-1} + α e_t
    b_t = φ b_{t-1} + β e_t

started at the first observed value with zero trend. Smoothing parameters are fixed rather
than fitted per customer: with 24 noisy points a per-customer fit overfits, and fixed values
keep a million customers to a few vector operations per period.

A single customer's trend is noisy, so it is shrunk toward its segment's: the segment's summed
series is smoothed the same way, its trend taken relative to its level (``g = B / |L|``), and the
customer's trend becomes ``w b + (1 - w) g |l|`` with ``w = m / (m + shrinkage)``, ``m`` the
customer's number of smoothing steps. The forecast ``h`` periods ahead is
``l + (φ + φ² + … + φ^h) b``. Its interval uses the one-step error variance ``σ²`` (mean of the
squared one-step errors) and the ETS(A,Ad,N) forecast variance (Hyndman et al. 2008, Table 6.1):

    σ_h² = σ² (1 + Σ_{j=1}^{h-1} (α + β φ_j)²),   φ_j = φ + φ² + … + φ^j.

A customer with fewer than two one-step errors borrows the median σ of its segment.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

from profitlens.errors import NotFittedError
from profitlens.trends.blocks import row_blocks


class DampedTrendForecaster:
    """Damped-trend forecaster for many short series at once.

    Parameters
    ----------
    alpha, beta, phi : float
        Level and trend smoothing and trend damping (0 < beta <= alpha < 1, 0 < phi <= 1).
    shrinkage : float
        Periods of evidence the segment's trend is worth (0: no shrinkage).
    coverage : float
        Coverage of the forecast interval (0.8: 10th to 90th percentile).

    Attributes
    ----------
    level_, trend_ : ndarray
        Final smoothed level and the (shrunk) trend of each row.
    sigma_ : ndarray
        One-step error standard deviation of each row.
    n_steps_ : ndarray
        Number of one-step errors each row contributed.
    group_trend_ : ndarray
        Relative trend ``B / |L|`` of each group.

    Examples
    --------
    >>> y = np.array([[10., 12., 14., 16., 18., 20.]])
    >>> f = DampedTrendForecaster(alpha=0.5, beta=0.3, phi=1.0, shrinkage=0).fit(y)
    >>> bool(f.predict(2)[0, 1] > 20)
    True
    """

    def __init__(
        self,
        alpha: float = 0.3,
        beta: float = 0.05,
        phi: float = 0.8,
        shrinkage: float = 6.0,
        coverage: float = 0.8,
    ):
        self.alpha = alpha
        self.beta = beta
        self.phi = phi
        self.shrinkage = shrinkage
        self.coverage = coverage

    def _check_params(self):
        if not (0 < self.alpha < 1 and 0 < self.beta <= self.alpha and 0 < self.phi <= 1):
            raise ValueError(
                "need 0 < beta <= alpha < 1 and 0 < phi <= 1, got "
                f"alpha={self.alpha}, beta={self.beta}, phi={self.phi}"
            )
        if self.shrinkage < 0 or not 0 < self.coverage < 1:
            raise ValueError("shrinkage must be >= 0 and coverage within (0, 1)")

    def _smooth(self, Y: np.ndarray):
        """Final level and trend, sum of squared one-step errors and their count, per row.

        Rows are independent and smoothed in blocks (:mod:`profitlens.trends.blocks`).
        """
        parts = [self._smooth_block(Y[rows]) for rows in row_blocks(len(Y))]
        return tuple(np.concatenate(columns) for columns in zip(*parts))

    def _smooth_block(self, Y: np.ndarray):
        a, b_, phi = self.alpha, self.beta, self.phi
        n = len(Y)
        level, trend = np.zeros(n), np.zeros(n)
        started = np.zeros(n, dtype=bool)
        sse, steps = np.zeros(n), np.zeros(n, dtype=np.int64)
        for y in Y.T:
            obs = ~np.isnan(y)
            first = obs & ~started
            upd = obs & started
            damped = phi * trend
            err = np.where(upd, y - level - damped, 0.0)
            level = np.where(upd, level + damped + a * err, level)
            trend = np.where(upd, damped + b_ * err, trend)
            level = np.where(first, y, level)
            sse += err * err
            steps += upd
            started |= obs
        return level, trend, sse, steps

    def fit(self, Y, groups=None) -> DampedTrendForecaster:
        """Smooth every row of ``Y`` (NaN before a row's start) and shrink toward ``groups``.

        Parameters
        ----------
        Y : array of shape (n_rows, n_periods)
        groups : array of int of shape (n_rows,), optional
            Group code of each row (e.g. segment); one group when omitted.
        """
        self._check_params()
        Y = np.asarray(Y, dtype=float)
        groups = np.zeros(len(Y), dtype=np.int64) if groups is None else np.asarray(groups)
        codes, groups = np.unique(groups, return_inverse=True)
        level, trend, sse, steps = self._smooth(Y)

        totals = np.zeros((len(codes), Y.shape[1]))
        for rows in row_blocks(len(Y)):
            np.add.at(totals, groups[rows], np.nan_to_num(Y[rows]))
        g_level, g_trend, _, _ = self._smooth(totals)
        with np.errstate(invalid="ignore", divide="ignore"):
            g_rel = np.where(g_level != 0, g_trend / np.abs(g_level), 0.0)
            sigma = np.sqrt(sse / steps)
        sigma[steps < 2] = np.nan
        for g in range(len(codes)):
            rows = groups == g
            fallback = np.nanmedian(sigma[rows]) if np.any(~np.isnan(sigma[rows])) else 0.0
            sigma[rows & np.isnan(sigma)] = fallback
        self.level_ = level
        w = steps / (steps + self.shrinkage) if self.shrinkage else np.ones(len(Y))
        self.trend_ = w * trend + (1 - w) * g_rel[groups] * np.abs(level)
        self.sigma_ = sigma
        self.n_steps_ = steps
        self.group_trend_ = g_rel
        return self

    def _check_fitted(self):
        if not hasattr(self, "level_"):
            raise NotFittedError("DampedTrendForecaster is not fitted yet: call fit(Y) first")

    def _damping_sums(self, horizon: int) -> np.ndarray:
        return np.cumsum(self.phi ** np.arange(1, horizon + 1))

    def predict(self, horizon: int = 3) -> np.ndarray:
        """Point forecasts, shape (n_rows, horizon)."""
        self._check_fitted()
        return self.level_[:, None] + self._damping_sums(horizon)[None, :] * self.trend_[:, None]

    def predict_interval(self, horizon: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of the forecast interval, each of shape (n_rows, horizon)."""
        point = self.predict(horizon)
        phi_j = self._damping_sums(horizon)
        c2 = (self.alpha + self.beta * phi_j[:-1]) ** 2
        factor = np.sqrt(1.0 + np.concatenate([[0.0], np.cumsum(c2)]))
        half = ndtri(0.5 + self.coverage / 2) * self.sigma_[:, None] * factor[None, :]
        return point - half, point + half


__all__ = ["DampedTrendForecaster", "NotFittedError"]
