"""BG/NBD: the beta-geometric / negative binomial model of repeat purchasing.

Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way: An Alternative to the
Pareto/NBD Model", Marketing Science 24(2), 275-284. While alive a customer buys at Poisson
rate lambda ~ Gamma(r, alpha); after every repeat purchase they drop out with probability
p ~ Beta(a, b).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import digamma, expit, gammaln, log_expit

from profitlens.models._quadrature import beta_expectations
from profitlens.models.base import TransactionModel

__all__ = ["BGNBD", "bgnbd_log_likelihood", "bgnbd_objective"]


def bgnbd_log_likelihood(theta, x, t_x, T):
    """Per-customer BG/NBD log-likelihood and its gradient in (r, alpha, a, b).

    Equation (6) of Fader, Hardie & Lee (2005), written as
    ``C * [(alpha+T)^-(r+x) + [x>0] a/(b+x-1) (alpha+t_x)^-(r+x)]`` with
    ``C = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x) / B(a, b)``; the bracket is summed in log
    space, so nothing overflows however large x is.

    Returns
    -------
    ll : ndarray, shape (n,)
    grad : ndarray, shape (n, 4)
    """
    r, alpha, a, b = theta
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    repeat = x > 0
    log_c = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x)
        - gammaln(b)
        - gammaln(a + b + x)
    )
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    u1 = -(r + x) * log_at
    bx1 = np.where(repeat, b + x - 1, 1.0)
    u2 = np.where(repeat, np.log(a) - np.log(bx1) - (r + x) * log_atx, -np.inf)
    lse = np.logaddexp(u1, u2)
    w2 = np.exp(u2 - lse)
    w1 = 1.0 - w2
    ll = log_c + lse
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_at - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    d_ab = digamma(a + b) - digamma(a + b + x)
    d_a = d_ab + w2 / a
    d_b = d_ab + digamma(b + x) - digamma(b) - w2 / bx1
    return ll, np.column_stack([d_r, d_alpha, d_a, d_b])


def bgnbd_objective(x, t_x, T, counts):
    """Total weighted log-likelihood and gradient as a function of theta, built for speed.

    Same value as ``counts @ bgnbd_log_likelihood(theta, x, t_x, T)[0]`` (and gradient), but the
    terms that depend on x only, T only or t_x only are computed once per distinct value, and the
    sums over rows avoid multithreaded BLAS (which is slow on a busy machine).
    """
    x, t_x, T, counts = (np.ascontiguousarray(v, dtype=np.float64) for v in (x, t_x, T, counts))
    x_code, xv = pd.factorize(x)
    T_code, Tv = pd.factorize(T)
    cx = np.bincount(x_code, weights=counts, minlength=xv.size)
    cT = np.bincount(T_code, weights=counts, minlength=Tv.size)
    cxT = np.bincount(T_code, weights=counts * x, minlength=Tv.size)
    n = counts.sum()
    # rows with repeat purchases carry the second likelihood term; the others need nothing per row
    rep = x > 0
    xi, Ti, cr, xr = x_code[rep], T_code[rep], counts[rep], x[rep]
    ti, tv = pd.factorize(t_x[rep])
    repeat = xv > 0

    def dot(a, b):
        return float(np.einsum("i,i->", a, b))

    def objective(theta):
        r, alpha, a, b = theta
        log_c = (
            gammaln(r + xv)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + xv)
            - gammaln(b)
            - gammaln(a + b + xv)
        )
        bx1 = np.where(repeat, b + xv - 1, 1.0)
        log_odds = np.log(a) - np.log(bx1)
        lT, ltx = np.log(alpha + Tv), np.log(alpha + tv)
        inv_T, inv_tx = 1.0 / (alpha + Tv), 1.0 / (alpha + tv)
        # per repeat row: d = u2 - u1, the log-odds of "dropped out after the last purchase"
        rx = r + xr
        gap = lT[Ti] - ltx[ti]
        d = log_odds[xi] + rx * gap
        w2 = expit(d)
        cw2 = cr * w2
        # sum of u1 = -(r + x) log(alpha + T) over all rows, by T
        sum_u1 = -(r * dot(cT, lT) + dot(cxT, lT))
        ll = dot(cx, log_c) + sum_u1 - dot(cr, log_expit(-d))
        d_ab = digamma(a + b) - digamma(a + b + xv)
        d_r = (
            dot(cx, digamma(r + xv))
            - n * (digamma(r) - np.log(alpha))
            - dot(cT, lT)
            + dot(cw2, gap)
        )
        d_alpha = (
            n * r / alpha
            - r * dot(cT, inv_T)
            - dot(cxT, inv_T)
            - dot(cw2 * rx, inv_tx[ti] - inv_T[Ti])
        )
        d_a = dot(cx, d_ab) + cw2.sum() / a
        d_b = dot(cx, d_ab + digamma(b + xv) - digamma(b)) - dot(cw2, (1.0 / bx1)[xi])
        return ll, np.array([d_r, d_alpha, d_a, d_b])

    return objective


class BGNBD(TransactionModel):
    """BG/NBD model (Fader, Hardie & Lee 2005).

    Fitted attributes: ``params_`` {r, alpha, a, b}, ``standard_errors_``, ``covariance_``,
    ``log_likelihood_``, ``n_``, ``converged_``.

    Examples
    --------
    >>> m = BGNBD().set_params_(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(m.conditional_expected_purchases(39, 2, 30.43, 38.86)), 3)
    1.226
    """

    #: in simulation, may a customer drop out at the first purchase (MBG/NBD) or only after a
    #: repeat purchase (BG/NBD)?
    dropout_at_start = False

    param_names = ("r", "alpha", "a", "b")
    _cheap_alive = True
    #: posterior Beta parameter of p for an alive customer with x repeats is b + x + _b_shift
    _b_shift = 0.0

    def _loglik(self, theta, x, t_x, T):
        return bgnbd_log_likelihood(theta, x, t_x, T)

    def _objective(self, x, t_x, T, counts):
        if type(self)._loglik is not BGNBD._loglik:  # a subclass with another likelihood
            return super()._objective(x, t_x, T, counts)
        return bgnbd_objective(x, t_x, T, counts)

    def _p_alive(self, theta, x, t_x, T):
        """P(alive at T) -- Fader, Hardie & Lee (2005) eq. (11); 1 without repeat purchases."""
        r, alpha, a, b = theta
        repeat = x > 0
        bx1 = np.where(repeat, b + x - 1, 1.0)
        log_odds = np.log(a) - np.log(bx1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return np.where(repeat, expit(-log_odds), 1.0)

    def _alive_forecast(self, theta, x, T, t):
        """Given alive at T: lambda ~ Gamma(r+x, alpha+T), p ~ Beta(a, b+x) a posteriori.

        E[Y(t)] = E_p[(1 - (1 + p t/(alpha+T))^-(r+x)) / p] (eq. 10 of the paper, whose
        hypergeometric form this integral equals) and P(alive at T+t) = E_p[(1+p t/(alpha+T))^-(r+x)].
        """
        r, alpha, a, b = theta
        return beta_expectations(a, b + x + self._b_shift, r + x, t / (alpha + T))

    def _expected_new(self, theta, t):
        """E[X(t)], eq. (7): the alive forecast of a customer with no history."""
        r, alpha, a, b = theta
        return beta_expectations(a, np.full(np.shape(t), b), r, t / alpha)[0]

    def simulate(self, T, random_state=None) -> dict[str, np.ndarray]:
        """Draw (frequency, recency, T) for customers observed for ``T`` since their first purchase.

        Each customer draws lambda and p; the number of purchases before dropping out is
        geometric(p); the repeat purchases seen are the smaller of that and a Poisson(lambda T)
        count, and the last one's time is the matching order statistic of uniform times.
        """
        r, alpha, a, b = self._check_fitted()
        rng = np.random.default_rng(random_state)
        T = np.asarray(T, dtype=np.float64)
        lam = rng.gamma(r, 1.0 / alpha, size=T.shape)
        p = rng.beta(a, b, size=T.shape)
        return _simulate_bg(rng, lam, p, T, dropout_at_start=self.dropout_at_start)


def _simulate_bg(rng, lam, p, T, *, dropout_at_start: bool) -> dict[str, np.ndarray]:
    purchases_until_death = rng.geometric(p) - (1 if dropout_at_start else 0)
    poisson = rng.poisson(lam * T)
    x = np.minimum(purchases_until_death, poisson)
    # time of the x-th of `poisson` uniform events on [0, T]: T * Beta(x, poisson - x + 1)
    safe_x = np.maximum(x, 1)
    t_x = np.where(x > 0, T * rng.beta(safe_x, np.maximum(poisson - x, 0) + 1), 0.0)
    return {"frequency": x.astype(np.float64), "recency": t_x, "T": T.copy()}
