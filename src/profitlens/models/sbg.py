"""Shifted-beta-geometric (sBG) model of contract duration.

Fader & Hardie (2007), "How to Project Customer Retention", Journal of Interactive Marketing
21(1), 76-90. At the end of every period an active customer cancels with probability theta,
theta ~ Beta(a, b) across customers. A customer's ``duration`` is the number of periods they
have been a customer: either the period in which they cancelled (``churned``) or the number of
periods observed while still active (censored).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, digamma

from profitlens.models.base import (
    BaseModel,
    as_float_arrays,
    compress_rows,
    maximize_log_likelihood,
    weighted_sum,
)

__all__ = ["ShiftedBetaGeometric", "sbg_log_likelihood", "durations_from_survivors"]


def sbg_log_likelihood(theta, duration, churned):
    """Per-customer sBG log-likelihood and gradient in (a, b).

    Eq. (5) and (6) of Fader & Hardie (2007): ``P(T = t) = B(a+1, b+t-1) / B(a, b)`` for a
    customer who cancelled in period t, ``S(t) = B(a, b+t) / B(a, b)`` for one still active
    after t periods.
    """
    a, b = theta
    t, churned = (np.asarray(v, dtype=np.float64) for v in (duration, churned))
    gone = churned > 0
    ll = np.where(gone, betaln(a + 1, b + t - 1), betaln(a, b + t)) - betaln(a, b)
    d_common = digamma(a + b) - digamma(a + b + t)
    d_a = d_common + np.where(gone, 1.0 / a, 0.0)
    d_b = d_common - digamma(b) + np.where(gone, digamma(b + t - 1), digamma(b + t))
    return ll, np.column_stack([d_a, d_b])


def durations_from_survivors(survivors) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn a cohort's survivor counts (period 0 first) into (duration, churned, weights).

    ``[1000, 869, 743]`` means 131 customers cancelled in period 1, 126 in period 2 and 743
    are still active after 2 periods.
    """
    alive = np.asarray(survivors, dtype=np.float64)
    if alive.ndim != 1 or alive.size < 2 or np.any(np.diff(alive) > 0):
        raise ValueError("survivors must be a non-increasing sequence of at least two counts")
    n = alive.size - 1
    lost = -np.diff(alive)
    duration = np.concatenate([np.arange(1, n + 1), [n]]).astype(np.float64)
    churned = np.concatenate([np.ones(n), [0.0]])
    return duration, churned, np.concatenate([lost, [alive[-1]]])


class ShiftedBetaGeometric(BaseModel):
    """sBG model of contractual retention (Fader & Hardie 2007).

    "Purchases" here are renewals: a customer active in period n renews into period n + 1.
    Fitted attributes: ``params_`` {a, b}, ``standard_errors_``, ``covariance_``,
    ``log_likelihood_``, ``n_``, ``converged_``.
    """

    param_names = ("a", "b")

    def fit(self, duration, churned, weights=None):
        """Fit by maximum likelihood; returns ``self``.

        Parameters
        ----------
        duration : array-like of int >= 1
            Periods as a customer (the cancellation period if churned, else periods observed).
        churned : array-like of bool
        weights : array-like, optional
            How many customers each row stands for.
        """
        t, gone = as_float_arrays(duration, churned)
        if t.size == 0:
            raise ValueError("no customers to fit")
        if np.any(t < 1) or np.any(t != np.round(t)):
            raise ValueError("duration must be a whole number of periods >= 1")
        w = (
            np.ones_like(t)
            if weights is None
            else np.broadcast_to(np.asarray(weights, dtype=np.float64), t.shape)
        )
        (ut, ug, uw), counts, _ = compress_rows(t, gone, w)
        counts = counts * uw

        def loglik_and_grad(theta):
            ll, grad = sbg_log_likelihood(theta, ut, ug)
            return weighted_sum(counts, ll), weighted_sum(counts, grad)

        result = maximize_log_likelihood(loglik_and_grad, 2, weights_total=float(counts.sum()))
        self._store(result, int(round(float(w.sum()))))
        return self

    def log_likelihood(self, duration, churned) -> np.ndarray:
        """Log-likelihood of each customer at the fitted parameters."""
        return sbg_log_likelihood(self._check_fitted(), duration, churned)[0]

    def survival(self, t) -> np.ndarray:
        """S(t) = B(a, b + t) / B(a, b): share of a new cohort still active after t periods."""
        a, b = self._check_fitted()
        return np.exp(betaln(a, b + np.asarray(t, dtype=np.float64)) - betaln(a, b))

    def retention_rate(self, t) -> np.ndarray:
        """r(t) = (b + t - 1) / (a + b + t - 1): share of period t-1 survivors renewing in t."""
        a, b = self._check_fitted()
        t = np.asarray(t, dtype=np.float64)
        return (b + t - 1) / (a + b + t - 1)

    def expected_purchases(self, t) -> np.ndarray:
        """Expected renewals of a new customer in the next t periods: S(1) + ... + S(t)."""
        return self.conditional_expected_purchases(t, 0.0, 0.0)

    def probability_alive(self, duration, churned, t=0) -> np.ndarray:
        """P(active after ``duration + t`` periods): 0 if churned, else S(n + t) / S(n)."""
        a, b = self._check_fitted()
        n, gone, tt = as_float_arrays(duration, churned, t)
        alive = np.exp(betaln(a, b + n + tt) - betaln(a, b + n))
        return np.where(gone > 0, 0.0, alive)

    def conditional_expected_purchases(self, t, duration, churned, discount_rate=0.0):
        """Expected (optionally discounted) renewals in the next ``t`` whole periods.

        Sum over i = 1..t of S(n + i) / S(n) / (1 + discount_rate)^i; 0 for churned customers.
        """
        a, b = self._check_fitted()
        n, gone = as_float_arrays(duration, churned)
        steps = np.arange(1, int(np.max(t)) + 1, dtype=np.float64)
        surv = np.exp(betaln(a, b + n[..., None] + steps) - betaln(a, b + n)[..., None])
        disc = (1.0 + discount_rate) ** -steps
        cum = np.cumsum(surv * disc, axis=-1)
        idx = np.broadcast_to(np.asarray(t, dtype=int), n.shape) - 1
        out = np.where(
            idx >= 0, np.take_along_axis(cum, np.maximum(idx, 0)[..., None], axis=-1)[..., 0], 0.0
        )
        return np.where(gone > 0, 0.0, out)

    def simulate(self, n_customers: int, periods: int, random_state=None):
        """Draw a cohort observed for ``periods`` periods: (duration, churned) arrays."""
        a, b = self._check_fitted()
        rng = np.random.default_rng(random_state)
        theta = rng.beta(a, b, size=n_customers)
        lifetime = rng.geometric(theta)
        churned = lifetime <= periods
        return np.minimum(lifetime, periods).astype(np.float64), churned
