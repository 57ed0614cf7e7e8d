"""Maximum-likelihood engine shared by the models: row compression, optimiser, Hessian.

Every model's parameters are positive, so the optimiser works on their logarithms: BFGS to get
close, then Newton steps on the Hessian (forward differences of the model's analytic gradient),
whose inverse at the optimum gives the standard errors (delta method back to the natural
parameters). Repeated data rows are fitted once with a count as weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from profitlens.errors import FitError


@dataclass(frozen=True)
class FitResult:
    """Outcome of one maximum-likelihood fit (natural parameters)."""

    params: np.ndarray
    standard_errors: np.ndarray
    covariance: np.ndarray
    log_likelihood: float
    converged: bool
    iterations: int
    scaled_hessian: np.ndarray | None = None  # of -LL / n in log parameters


def compress_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of aligned columns, with their counts and the map back to every row.

    Hash-based (``pandas.factorize``), so linear in the number of rows: a million customers
    compress in well under a second, where ``np.unique(axis=0)`` takes several.

    Returns
    -------
    unique : list of ndarray
        One array per input column, one entry per distinct row (in order of first appearance).
    counts : ndarray of float64
        How many input rows each distinct row stands for.
    inverse : ndarray of intp
        ``unique[k][inverse]`` rebuilds input column ``k``.
    """
    cols = [np.asarray(c, dtype=np.float64).reshape(-1) for c in columns]
    key = np.zeros(cols[0].size, dtype=np.int64)
    radix = 1
    for col in cols:
        if col.size and col[0] == col.min() == col.max():
            continue  # a constant column does not split rows
        codes, values = pd.factorize(col, use_na_sentinel=False)
        if radix * max(values.size, 1) >= 2**62:
            key, dense = pd.factorize(key)
            radix = dense.size
        key = key * values.size + codes
        radix *= max(values.size, 1)
    inverse, distinct = pd.factorize(key)
    first = np.empty(distinct.size, dtype=np.intp)
    first[inverse[::-1]] = np.arange(inverse.size - 1, -1, -1)
    counts = np.bincount(inverse, minlength=distinct.size).astype(np.float64)
    return [c[first] for c in cols], counts, inverse


def maximize_log_likelihood(
    loglik_and_grad,
    n_params: int,
    *,
    x0=None,
    weights_total: float = 1.0,
    tol: float = 1e-8,
    max_iter: int = 2000,
    newton_from_x0: bool = False,
    hessian0: np.ndarray | None = None,
) -> FitResult:
    """Maximise a log-likelihood over positive parameters by optimising their logarithms.

    Parameters
    ----------
    loglik_and_grad : callable
        ``f(theta) -> (total_log_likelihood, gradient_wrt_theta)`` for natural parameters
        ``theta`` (all positive).
    n_params : int
        Number of parameters.
    x0 : array-like, optional
        Starting natural parameters (default all ones).
    weights_total : float
        Number of observations; the objective is scaled by it so tolerances do not depend on
        the data size.
    newton_from_x0 : bool
        ``x0`` is already close to the optimum (a fit on a subsample): go straight to Newton
        steps, falling back to L-BFGS if they do not improve the likelihood.
    hessian0 : ndarray, optional
        With ``newton_from_x0``: the subsample fit's ``scaled_hessian``, used for cheap
        fixed-Hessian steps (one gradient each) before the final Newton step.
    """
    scale = 1.0 / max(weights_total, 1.0)
    start = np.log(np.ones(n_params) if x0 is None else np.asarray(x0, dtype=float))

    def objective(log_theta):
        theta = np.exp(np.clip(log_theta, -30.0, 30.0))
        ll, grad = loglik_and_grad(theta)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(log_theta)
        return -ll * scale, -grad * theta * scale

    log_theta, iterations = start, 0
    if newton_from_x0:
        log_theta = _chord_steps(objective, start, hessian0) if hessian0 is not None else start
        log_theta, f0, g0, hess, ok = _newton(objective, log_theta)
    if not newton_from_x0 or not ok:
        # BFGS: on four parameters its Python overhead is a fraction of L-BFGS-B's
        res = optimize.minimize(
            objective, start, jac=True, method="BFGS", options={"maxiter": max_iter, "gtol": tol}
        )
        log_theta, iterations = res.x, int(res.nit)
        # L-BFGS stops a little short on flat likelihoods; Newton steps on the Hessian
        # (forward differences of the analytic gradient) reach the optimum to ~1e-10, and the
        # last Hessian gives the standard errors
        log_theta, f0, g0, hess, _ = _newton(objective, log_theta)
    theta = np.exp(log_theta)
    if not np.isfinite(f0):
        raise FitError(
            "the likelihood is not finite at the optimum; check the data "
            "(negative recency, recency above age, ...)"
        )
    # objective = -LL * scale in log parameters: covariance of log theta = scale * H^-1
    cov_log = _safe_inverse(hess) * scale
    jac = np.diag(theta)
    cov = jac @ cov_log @ jac
    se = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    converged = bool(np.max(np.abs(g0)) < 1e-5)
    return FitResult(theta, se, cov, float(-f0 / scale), converged, iterations, hess)


def _chord_steps(objective, log_theta, hess, max_steps: int = 30):
    """Newton steps with a fixed, approximate Hessian: one gradient per step, linear convergence.

    Stops when a step is below 1e-7 or stops improving; returns the best point.
    """
    f0, g0 = objective(log_theta)
    for _ in range(max_steps):
        try:
            step = np.linalg.solve(hess, g0)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        trial = log_theta - step
        f1, g1 = objective(trial)
        if not f1 <= f0 + 1e-13:
            break
        log_theta, f0, g0 = trial, f1, g1
        if np.max(np.abs(step)) < 1e-7:
            break
    return log_theta


def _newton(objective, log_theta, max_steps: int = 8):
    """Newton steps from ``log_theta``; returns (point, f, grad, hessian, converged)."""
    f0, g0 = objective(log_theta)
    hess = _hessian(lambda z: objective(z)[1], log_theta, g0)
    for _ in range(max_steps):
        try:
            step = np.linalg.solve(hess, g0)
        except np.linalg.LinAlgError:
            return log_theta, f0, g0, hess, False
        if not np.all(np.isfinite(step)):
            return log_theta, f0, g0, hess, False
        if np.max(np.abs(step)) < 1e-9:
            return log_theta, f0, g0, hess, True
        trial = log_theta - step
        f1, g1 = objective(trial)
        # near the optimum a step gains less than the rounding noise of the objective (a sum
        # over up to millions of customers): take it when it is no worse beyond that noise
        if not f1 <= f0 + 1e-12 * max(1.0, abs(f0)):
            return log_theta, f0, g0, hess, False
        log_theta, f0, g0 = trial, f1, g1
        if np.max(np.abs(step)) < 1e-6:
            return log_theta, f0, g0, hess, True  # the Hessian barely moves over such a step
        hess = _hessian(lambda z: objective(z)[1], log_theta, g0)
    return log_theta, f0, g0, hess, False


def weighted_sum(weights: np.ndarray, values: np.ndarray):
    """``weights @ values`` without BLAS (multithreaded BLAS crawls on a busy machine)."""
    if values.ndim == 1:
        return float(np.einsum("i,i->", weights, values))
    return np.einsum("i,ij->j", weights, values)


def _hessian(grad, x: np.ndarray, g0: np.ndarray) -> np.ndarray:
    """Symmetrised forward-difference Jacobian of an analytic gradient (``g0`` = grad(x))."""
    n = x.size
    hess = np.empty((n, n))
    for j in range(n):
        h = 1e-6 * max(1.0, abs(x[j]))
        e = np.zeros(n)
        e[j] = h
        hess[:, j] = (grad(x + e) - g0) / h
    return 0.5 * (hess + hess.T)


def _safe_inverse(matrix: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(matrix)
    except np.linalg.LinAlgError:
        return np.full_like(matrix, np.nan)
