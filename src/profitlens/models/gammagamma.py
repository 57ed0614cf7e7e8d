"""Gamma-Gamma model of the value of a customer's repeat transactions.

Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value" (brucehardie.com note 025),
after Colombo & Jiang (1999). A customer's transaction values are Gamma(p, nu); nu varies across
customers as Gamma(q, gamma). Fitted to each repeat buyer's number of repeat transactions x and
their mean value m_x; the same model serves for spend (revenue) and for margin.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln

from profitlens.errors import FitError
from profitlens.models.base import (
    BaseModel,
    as_float_arrays,
    compress_rows,
    maximize_log_likelihood,
)

__all__ = ["GammaGamma", "gammagamma_log_likelihood", "gammagamma_objective"]


def gammagamma_log_likelihood(theta, x, m):
    """Per-customer log-density of the mean value m_x of x transactions, and its gradient.

    Note 025, eq. (3): ``f(m_x | p, q, gamma; x) = Gamma(px+q) / (Gamma(px) Gamma(q))
    * gamma^q x^(px) m_x^(px-1) / (gamma + x m_x)^(px+q)``. Gradient in (p, q, gamma).
    """
    p, q, gamma = theta
    x, m = (np.asarray(v, dtype=np.float64) for v in (x, m))
    px = p * x
    log_gxm = np.log(gamma + x * m)
    ll = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * log_gxm
    )
    d_p = x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - log_gxm)
    d_q = digamma(px + q) - digamma(q) + np.log(gamma) - log_gxm
    d_gamma = q / gamma - (px + q) / (gamma + x * m)
    return ll, np.column_stack([d_p, d_q, d_gamma])


def gammagamma_objective(x, m, counts):
    """Total weighted log-likelihood and gradient as a function of theta, built for speed.

    Same value as ``counts @ gammagamma_log_likelihood(theta, x, m)[0]``; Gamma functions are
    evaluated once per distinct x and the data-only sums are computed once.
    """
    x, m, counts = (np.ascontiguousarray(v, dtype=np.float64) for v in (x, m, counts))
    xi, xv = pd.factorize(x)
    cx = np.bincount(xi, weights=counts, minlength=xv.size)
    n = counts.sum()
    xm = x * m
    log_m = np.log(m)
    s_x_logm = float(np.einsum("i,i->", counts * x, log_m))
    s_logm = float(np.einsum("i,i->", counts, log_m))
    s_x_logx = float(np.einsum("i,i->", cx * xv, np.log(xv)))
    cxr = counts * x

    def objective(theta):
        p, q, gamma = theta
        pxv = p * xv
        log_g = np.log(gamma + xm)
        inv_g = 1.0 / (gamma + xm)
        ll = (
            float(np.einsum("i,i->", cx, gammaln(pxv + q) - gammaln(pxv)))
            - n * gammaln(q)
            + n * q * np.log(gamma)
            + p * s_x_logm
            - s_logm
            + p * s_x_logx
            - p * float(np.einsum("i,i->", cxr, log_g))
            - q * float(np.einsum("i,i->", counts, log_g))
        )
        d_p = (
            float(np.einsum("i,i->", cx * xv, digamma(pxv + q) - digamma(pxv)))
            + s_x_logm
            + s_x_logx
            - float(np.einsum("i,i->", cxr, log_g))
        )
        d_q = (
            float(np.einsum("i,i->", cx, digamma(pxv + q)))
            - n * digamma(q)
            + n * np.log(gamma)
            - float(np.einsum("i,i->", counts, log_g))
        )
        d_gamma = n * q / gamma - float(np.einsum("i,i->", p * cxr + q * counts, inv_g))
        return ll, np.array([d_p, d_q, d_gamma])

    return objective


class GammaGamma(BaseModel):
    """Gamma-Gamma spend (or margin) model.

    Fitted attributes: ``params_`` {p, q, gamma}, ``standard_errors_``, ``covariance_``,
    ``log_likelihood_``, ``n_`` (customers used: x > 0 and m_x > 0), ``converged_``.

    Examples
    --------
    >>> m = GammaGamma().set_params_(p=6.25, q=3.74, gamma=15.44)
    >>> round(m.population_mean(), 2)
    35.22
    """

    param_names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value, weights=None):
        """Fit on customers with at least one repeat transaction and a positive mean value.

        Parameters
        ----------
        frequency : array-like
            Number of repeat transactions x.
        monetary_value : array-like
            Mean value of those repeat transactions, m_x. Customers with x = 0 or m_x <= 0 are
            left out of the fit (the model is for positive values); they are still predicted.
        weights : array-like, optional
            How many customers each row stands for.
        """
        x, m = as_float_arrays(frequency, monetary_value)
        w = (
            np.ones_like(x)
            if weights is None
            else np.broadcast_to(np.asarray(weights, dtype=np.float64), x.shape)
        )
        keep = (x > 0) & (m > 0) & np.isfinite(m)
        if not keep.any():
            raise FitError("Gamma-Gamma needs customers with repeat purchases of positive value")
        (ux, um, uw), counts, _ = compress_rows(x[keep], m[keep], w[keep])
        counts = counts * uw
        # method-of-moments start: mean value ~ p gamma / (q - 1)
        start = np.array([1.0, 2.0, max(float(np.average(um, weights=counts)), 1e-3)])

        result = maximize_log_likelihood(
            gammagamma_objective(ux, um, counts), 3, x0=start, weights_total=float(counts.sum())
        )
        self._store(result, int(round(float(w[keep].sum()))))
        return self

    def log_likelihood(self, frequency, monetary_value) -> np.ndarray:
        """Log-density of each customer's mean value (x > 0, m_x > 0) at the fitted parameters."""
        theta = self._check_fitted()
        x, m = as_float_arrays(frequency, monetary_value)
        return gammagamma_log_likelihood(theta, x, m)[0]

    def population_mean(self) -> float:
        """Mean transaction value of a randomly chosen customer, p gamma / (q - 1) (inf if q <= 1)."""
        p, q, gamma = self._check_fitted()
        return p * gamma / (q - 1) if q > 1 else float("inf")

    def conditional_expected_value(self, frequency, monetary_value) -> np.ndarray:
        """Expected value of a customer's future transactions given x and m_x (note 025 eq. 5).

        ``p (gamma + x m_x) / (p x + q - 1)``: a weighted average of the population mean and the
        customer's own mean, with weight ``p x / (p x + q - 1)`` on the latter. For x = 0 it is the
        population mean; a customer whose mean is negative (possible for margin) is shrunk the
        same way. Requires q > 1.
        """
        p, q, gamma = self._check_fitted()
        if q <= 1:
            raise FitError(
                f"q = {q:.3g} <= 1: the Gamma-Gamma mean value is infinite "
                "(too few or too dispersed repeat purchases)"
            )
        x, m = as_float_arrays(frequency, monetary_value)
        m = np.where(x > 0, np.nan_to_num(m), 0.0)
        return p * (gamma + x * m) / (p * x + q - 1)

    def simulate(self, frequency, random_state=None) -> np.ndarray:
        """Draw each customer's mean value of ``frequency`` transactions (nan where x = 0)."""
        p, q, gamma = self._check_fitted()
        rng = np.random.default_rng(random_state)
        x = np.asarray(frequency, dtype=np.float64)
        nu = rng.gamma(q, 1.0 / gamma, size=x.shape)
        safe = np.maximum(x, 1)
        total = rng.gamma(p * safe, 1.0 / nu)
        return np.where(x > 0, total / safe, np.nan)
