"""Gauss quadrature used where the models' closed forms involve a hypergeometric function.

The BG/NBD family's predictions are expectations over the Beta-distributed dropout
probability ``p`` of smooth functions of ``p``; Gauss-Jacobi quadrature integrates the Beta
weight exactly, whatever ``a`` and ``b`` (including ``a + b < 1``, where the published
closed form's hypergeometric function has a non-positive third argument), and never overflows
at high frequencies (nodes and weights are normalised, unlike ``scipy.special.roots_jacobi``
whose weights overflow for a Beta parameter above ~1000).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.linalg import eigh_tridiagonal


@lru_cache(maxsize=4096)
def beta_nodes(n: int, a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Nodes in (0, 1) and weights summing to 1 that integrate against the Beta(a, b) density.

    Golub-Welsch on the Jacobi matrix of the weight (1-x)^(b-1) (1+x)^(a-1), p = (1 + x) / 2.
    Exact for polynomials of degree < 2n.
    """
    al, be = b - 1.0, a - 1.0
    j = np.arange(n, dtype=np.float64)
    s = 2 * j + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diag = (be * be - al * al) / (s * (s + 2))
    diag[0] = (be - al) / (al + be + 2)
    k = j[1:]
    sk = 2 * k + al + be
    off = np.sqrt(4 * k * (k + al) * (k + be) * (k + al + be) / (sk * sk * (sk + 1) * (sk - 1)))
    x, vec = eigh_tridiagonal(diag, off)
    w = vec[0] ** 2
    p = np.clip((1 + x) / 2, 1e-300, 1.0)
    return p, w / w.sum()


@lru_cache(maxsize=8)
def legendre01(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on [0, 1]."""
    x, w = np.polynomial.legendre.leggauss(n)
    return (x + 1) / 2, w / 2


def nodes_for(z_max: float) -> int:
    """Number of Gauss-Jacobi nodes so that error < ~1e-12 for (1 + p z)^-k integrands.

    The integrand's branch point at p = -1/z sets the convergence rate exp(-4 n / sqrt(z)).
    """
    return int(np.clip(np.ceil(8.0 * np.sqrt(max(z_max, 0.0)) + 16), 24, 512))


def beta_expectations(a: float, b_post: np.ndarray, k: np.ndarray, z: np.ndarray):
    """E[(1 - (1 + p z)^-k) / p] and E[(1 + p z)^-k] for p ~ Beta(a, b_post), row by row.

    These are the building blocks of the BG/NBD and MBG/NBD predictions: given a Gamma(k, .)
    purchase rate scaled so that ``z`` = t / (alpha + T), an alive customer's expected purchases
    in the next t are the first, and the probability of still being alive after t the second.
    """
    b_post, k, z = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (b_post, k, z)))
    mean_inv = np.empty(b_post.shape)
    survive = np.empty(b_post.shape)
    flat_b = b_post.reshape(-1)
    flat_k, flat_z = k.reshape(-1), z.reshape(-1)
    out_inv, out_surv = mean_inv.reshape(-1), survive.reshape(-1)
    order = np.argsort(flat_b, kind="stable")  # rows grouped by b_post, in order within
    sorted_b = flat_b[order]
    first = np.ones(flat_b.size, dtype=bool)
    first[1:] = sorted_b[1:] != sorted_b[:-1]
    starts = np.flatnonzero(first)
    for start, stop in zip(starts, np.append(starts[1:], flat_b.size)):
        rows, bg = order[start:stop], sorted_b[start]
        zz, kk = flat_z[rows], flat_k[rows]
        p, w = beta_nodes(nodes_for(float(zz.max(initial=0.0))), float(a), float(bg))
        log_base = np.log1p(np.multiply.outer(zz, p))  # (rows, nodes)
        s = np.exp(-kk[:, None] * log_base)
        out_surv[rows] = s @ w
        out_inv[rows] = (-np.expm1(-kk[:, None] * log_base) / p) @ w
    return mean_inv, survive
