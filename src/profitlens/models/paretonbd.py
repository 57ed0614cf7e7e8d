"""Pareto/NBD: Poisson purchasing with an exponential lifetime, both rates Gamma-mixed.

Schmittlein, Morrison & Colombo (1987), "Counting Your Customers: Who Are They and What Will
They Do Next?", Management Science 33(1); likelihood as in Fader, Hardie & Lee (2005), "A Note
on Implementing the Pareto/NBD Model in MATLAB" (brucehardie.com note 008).
While alive a customer buys at rate lambda ~ Gamma(r, alpha); lifetimes are exponential with
rate mu ~ Gamma(s, beta).

The note's likelihood holds the term ``s/(r+s+x) * A0`` with A0 a difference of two Gauss
hypergeometric functions 2F1(r+s+x, s+1; r+s+x+1; z) (or the (r+x) variant when alpha < beta).
That difference cancels badly and 2F1 overflows at high frequency. Here the same quantity is
computed as the integral it stands for,

    s * I,   I = int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau

(the probability of dying at tau, after the last purchase and before T), after the substitution
q = ((c+t_x)/(c+tau))^(r+s+x), c = max(alpha, beta), which turns the integrand into a bounded,
slowly varying function on [q_T, 1]; 64-point Gauss-Legendre then gives ~1e-12 relative
accuracy, entirely in log space. The gradient uses the same nodes (differentiation under the
integral sign), so it is analytic and consistent with the value.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln

from profitlens.models._quadrature import legendre01
from profitlens.models.base import TransactionModel

__all__ = ["ParetoNBD", "paretonbd_log_likelihood"]

_NODES = 64


def _death_integral(theta, x, t_x, T):
    """log I and E_I[d log f / d theta] (n, 4) for the integral in the module docstring."""
    r, alpha, s, beta = theta
    c, d = max(alpha, beta), min(alpha, beta)
    m = r + s + x
    v, w = legendre01(_NODES)
    log_c_tx = np.log(c + t_x)
    log_q_T = -m * (np.log(c + T) - log_c_tx)
    inside = log_q_T < 0
    one_minus_qT = -np.expm1(np.where(inside, log_q_T, -1.0))
    # near tau = t_x the smaller-scale factor varies over 1 - q ~ eps: space the nodes
    # geometrically in (1 - q + eps) so that this near-singularity is resolved
    eps = m * (d + t_x) / (c + t_x)
    lam = np.log1p(one_minus_qT / eps)
    grid = 1.0 - (1.0 - v) ** 2  # also cluster towards q_T, where q^(1/m) is not smooth
    lam_grid = lam[:, None] * grid[None, :]
    one_minus_q = eps[:, None] * np.expm1(lam_grid)
    # log of the Jacobian eps lam exp(lam grid) 2 (1 - v) w
    log_wh = np.log(eps * lam)[:, None] + lam_grid + np.log(2 * (1.0 - v) * w)[None, :]
    log_ctau = log_c_tx[:, None] - np.log1p(-one_minus_q) / m[:, None]
    inv_ctau = np.exp(-log_ctau)
    # log(alpha + tau) and 1 / (alpha + tau), the same for beta: c + tau for the larger scale
    factors = []
    for scale, power in ((alpha, (r + x)[:, None]), (beta, s + 1.0)):
        if scale == c:
            factors.append((log_ctau, inv_ctau))
            continue
        gap = (c - scale) * inv_ctau
        log_shift = np.log1p(-gap)
        log_wh -= power * log_shift
        factors.append((log_ctau + log_shift, inv_ctau / (1.0 - gap)))
    (log_a_tau, inv_a_tau), (log_b_tau, inv_b_tau) = factors
    top = log_wh.max(axis=1)
    top = np.where(np.isfinite(top), top, 0.0)
    share = np.exp(log_wh - top[:, None])  # the nodes' shares of I, times total
    total = share.sum(axis=1)
    log_i = -m * log_c_tx - np.log(m) + top + np.log(total)
    log_i = np.where(inside, log_i, -np.inf)

    def mean(values):  # E_I[values] per row
        return np.einsum("ij,ij->i", share, values) / total

    grad = np.column_stack(
        [-mean(log_a_tau), -(r + x) * mean(inv_a_tau), -mean(log_b_tau), -(s + 1) * mean(inv_b_tau)]
    )
    return log_i, np.where(inside[:, None], grad, 0.0)


def paretonbd_log_likelihood(theta, x, t_x, T):
    """Per-customer Pareto/NBD log-likelihood and its gradient in (r, alpha, s, beta).

    ``L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [(alpha+T)^-(r+x) (beta+T)^-s + s I]``
    (note 008, eq. 3, with A0 written as the integral I; see the module docstring).
    """
    r, alpha, s, beta = theta
    x, t_x, T = (np.atleast_1d(np.asarray(v, dtype=np.float64)) for v in (x, t_x, T))
    log_at, log_bt = np.log(alpha + T), np.log(beta + T)
    u1 = -(r + x) * log_at - s * log_bt
    log_i, d_log_i = _death_integral(theta, x, t_x, T)
    u2 = np.log(s) + log_i
    lse = np.logaddexp(u1, u2)
    w2 = np.exp(u2 - lse)
    w1 = 1.0 - w2
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + lse
    grad = np.column_stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha) - w1 * log_at + w2 * d_log_i[:, 0],
            r / alpha - w1 * (r + x) / (alpha + T) + w2 * d_log_i[:, 1],
            np.log(beta) - w1 * log_bt + w2 * (1.0 / s + d_log_i[:, 2]),
            s / beta - w1 * s / (beta + T) + w2 * d_log_i[:, 3],
        ]
    )
    return ll, grad


def _shrink_growth(kappa, y):
    """(1 - (1+y)^-kappa) / kappa, continuous at kappa = 0 (where it is log(1+y))."""
    kappa = np.asarray(kappa, dtype=np.float64)
    log1p_y = np.log1p(y)
    small = np.abs(kappa) < 1e-8
    safe = np.where(small, 1.0, kappa)
    return np.where(small, log1p_y, -np.expm1(-safe * log1p_y) / safe)


class ParetoNBD(TransactionModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    Fitted attributes: ``params_`` {r, alpha, s, beta}, ``standard_errors_``, ``covariance_``,
    ``log_likelihood_``, ``n_``, ``converged_``.
    """

    param_names = ("r", "alpha", "s", "beta")

    def _loglik(self, theta, x, t_x, T):
        return paretonbd_log_likelihood(theta, x, t_x, T)

    def _p_alive(self, theta, x, t_x, T):
        """P(alive at T) = first likelihood term / likelihood (note 008, eq. 4)."""
        r, alpha, s, beta = theta
        x, t_x, T = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (x, t_x, T)))
        shape = x.shape
        x, t_x, T = (v.reshape(-1) for v in (x, t_x, T))
        u1 = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        u2 = np.log(s) + _death_integral(theta, x, t_x, T)[0]
        return np.exp(u1 - np.logaddexp(u1, u2)).reshape(shape)

    def _alive_forecast(self, theta, x, T, t):
        """Given alive at T: lambda ~ Gamma(r+x, alpha+T), mu ~ Gamma(s, beta+T).

        E[Y(t)] = (r+x)(beta+T) / ((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]
        (Schmittlein et al. 1987 eq. 22 without P(alive)); P(alive at T+t) = ((beta+T)/(beta+T+t))^s.
        """
        r, alpha, s, beta = theta
        y = t / (beta + T)
        mean = (r + x) / (alpha + T) * (beta + T) * _shrink_growth(s - 1.0, y)
        return mean, np.exp(-s * np.log1p(y))

    def _expected_new(self, theta, t):
        """E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)]."""
        r, alpha, s, beta = theta
        return r / alpha * beta * _shrink_growth(s - 1.0, t / beta)

    def simulate(self, T, random_state=None) -> dict[str, np.ndarray]:
        """Draw (frequency, recency, T): exponential lifetime, Poisson purchases while alive."""
        r, alpha, s, beta = self._check_fitted()
        rng = np.random.default_rng(random_state)
        T = np.asarray(T, dtype=np.float64)
        lam = rng.gamma(r, 1.0 / alpha, size=T.shape)
        mu = rng.gamma(s, 1.0 / beta, size=T.shape)
        active = np.minimum(rng.exponential(1.0 / mu), T)
        x = rng.poisson(lam * active)
        t_x = np.where(x > 0, active * rng.beta(np.maximum(x, 1), 1.0), 0.0)
        return {"frequency": x.astype(np.float64), "recency": t_x, "T": T.copy()}
