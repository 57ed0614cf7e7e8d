"""MBG/NBD: the modified BG/NBD, in which a customer may also drop out at the first purchase.

Batislam, Denizel & Filiztekin (2007), "Empirical validation and comparison of models for
customer base analysis", International Journal of Research in Marketing 24(3), 201-209.
Same story as BG/NBD, except that the dropout coin p ~ Beta(a, b) is also tossed right after
the first purchase, so a customer without repeat purchases is not certainly alive.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, expit, gammaln

from profitlens.models._quadrature import beta_expectations
from profitlens.models.bgnbd import BGNBD

__all__ = ["MBGNBD", "mbgnbd_log_likelihood"]


def mbgnbd_log_likelihood(theta, x, t_x, T):
    """Per-customer MBG/NBD log-likelihood and its gradient in (r, alpha, a, b).

    Batislam et al. (2007) eq. (6):
    ``C * [(alpha+T)^-(r+x) + a/(b+x) (alpha+t_x)^-(r+x)]`` with
    ``C = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x+1) / B(a, b)`` (the second term is present
    for x = 0 too); the bracket is summed in log space.
    """
    r, alpha, a, b = theta
    x, t_x, T = (np.asarray(v, dtype=np.float64) for v in (x, t_x, T))
    log_c = (
        gammaln(r + x)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + x + 1)
        - gammaln(b)
        - gammaln(a + b + x + 1)
    )
    log_at, log_atx = np.log(alpha + T), np.log(alpha + t_x)
    u1 = -(r + x) * log_at
    u2 = np.log(a) - np.log(b + x) - (r + x) * log_atx
    lse = np.logaddexp(u1, u2)
    w2 = np.exp(u2 - lse)
    w1 = 1.0 - w2
    d_r = digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_at - w2 * log_atx
    d_alpha = r / alpha - (r + x) * (w1 / (alpha + T) + w2 / (alpha + t_x))
    d_ab = digamma(a + b) - digamma(a + b + x + 1)
    d_a = d_ab + w2 / a
    d_b = d_ab + digamma(b + x + 1) - digamma(b) - w2 / (b + x)
    return log_c + lse, np.column_stack([d_r, d_alpha, d_a, d_b])


class MBGNBD(BGNBD):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007).

    Fitted attributes as :class:`~profitlens.models.bgnbd.BGNBD`.
    """

    _b_shift = 1.0  # alive after x repeats means x + 1 survived coin tosses
    dropout_at_start = True

    def _loglik(self, theta, x, t_x, T):
        return mbgnbd_log_likelihood(theta, x, t_x, T)

    def _p_alive(self, theta, x, t_x, T):
        """P(alive at T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+t_x))^(r+x))."""
        r, alpha, a, b = theta
        log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        return expit(-log_odds)

    def _expected_new(self, theta, t):
        """E[X(t)] = b/(a+b) E_{p~Beta(a, b+1)}[(1 - (1 + p t/alpha)^-r) / p]."""
        r, alpha, a, b = theta
        mean = beta_expectations(a, np.full(np.shape(t), b + 1.0), r, t / alpha)[0]
        return b / (a + b) * mean
