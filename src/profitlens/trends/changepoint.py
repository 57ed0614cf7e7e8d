"""Changes in the mean level of many short series at once: penalised segmentation.

Each row of a customers × periods matrix is split into segments of constant mean by minimising

    Σ_segments SSE(segment) / σ²  +  β × (number of segments),     every segment ≥ ``min_size``

where ``σ`` is the row's own noise scale (:func:`noise_scale`) and ``β = penalty × log(n)``
(``n`` the row's number of periods). This is the exact penalised-likelihood segmentation of a
Gaussian series with changes in mean that PELT computes (Killick, Fearnhead & Eckley 2012,
*JASA* 107:1590); PELT's pruning saves work on long series, but here every series has at most a
few dozen periods, so the same minimum is found by plain optimal partitioning (Jackson et al.
2005, *IEEE Signal Proc. Letters* 12:105), one period at a time, over all rows at once: the loops
run over periods, never over customers.

Why the noise scale is the row's own: the penalty is in units of the series' own variance, so
the same ``penalty`` means the same evidence for a change on a customer that earns 50 a month
as on one that earns 50,000. ``ruptures`` and R ``changepoint`` leave the penalty (and the
variance behind it) to the user, who must guess one value for all series, and neither says how
sure a change point is; here the penalty comes from each series, and the uncertainty of a change
point's position is reported by :func:`location_range`.
"""
from __future__ import annotations

import numpy as np
from scipy import stats

#: share of the largest squared first differences left out of the noise scale
NOISE_TRIM = 0.1


def noise_scale(Y: np.ndarray, trim: float = NOISE_TRIM, floor: float = 0.01) -> np.ndarray:
    """Period-to-period noise ``σ`` of each row of ``Y`` (NaN cells ignored), robust to changes.

    First differences cancel the level, so a change in level spoils only one of them. Centred
    on their median (which removes a steady trend), the largest ``trim`` share of the squared
    differences (at least one) is dropped and the rest averaged; divided by 2 (a difference of
    two independent values has twice their variance) and by the mean of the kept share of a
    χ²₁ variable (``P(χ²₃ ≤ q) / (1 - p)`` with ``q`` its ``1 - p`` quantile), this estimates
    ``σ²`` without bias for Gaussian noise. Unlike the median absolute difference it does not
    collapse to zero when most differences are zero, as for a lumpy buyer's quiet months
    between orders. ``floor`` plus a thousandth of the row's mean absolute value keeps exact
    (noise-free) series finite. Rows with fewer than two values get the floor.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[10.0, 12, 8, 11, 9, -50, -48, -52, -49, -51]])
    >>> float(noise_scale(Y)[0]).__round__(2)
    2.07
    """
    D = np.diff(Y, axis=1)
    valid = ~np.isnan(D)
    m = valid.sum(axis=1)
    with np.errstate(all="ignore"):
        centre = np.nanmedian(np.where(valid.any(axis=1)[:, None], D, 0.0), axis=1)
        E = np.sort(np.where(valid, (D - centre[:, None]) ** 2, np.inf), axis=1)
        drop = np.where(m > 1, np.maximum(np.ceil(trim * m), 1), 0).astype(np.int64)
        kept = m - drop
        csum = np.concatenate([np.zeros((len(Y), 1)), np.cumsum(np.where(np.isinf(E), 0, E),
                                                                axis=1)], axis=1)
        mean_sq = csum[np.arange(len(Y)), kept] / kept
        p = drop / np.maximum(m, 1)
        share = stats.chi2.cdf(stats.chi2.ppf(1 - p, 1), 3) / (1 - p)
        sigma = np.sqrt(mean_sq / (2 * share))
        base = floor + 1e-3 * np.nanmean(np.abs(Y), axis=1)
    return np.where((kept > 0) & (sigma > base), sigma, np.nan_to_num(base, nan=floor))


def despike(Y: np.ndarray, sigma: np.ndarray, threshold: float = 3.0) -> np.ndarray:
    """``Y`` with each isolated downward spike raised to the lower of its two neighbours.

    A downward spike (a write-off, a credit note) is an interior value more than
    ``threshold × σ`` below both of its neighbours and below the row's lower quartile; it is
    replaced by the median of the three-period window, as a Hampel filter does (Hampel 1974,
    *JASA* 69:383). One bad period between good ones is not a change in level, and in the
    squared-error criterion it would otherwise be cut out as a segment of its own and split
    the run of good periods. The quartile keeps a lumpy buyer's quiet month between two order
    months, a level the series often visits, and upward spikes (its orders) are kept too. Two
    bad periods in a row are kept, and so is the last period, whose next neighbour is not
    known yet.

    Examples
    --------
    >>> import numpy as np
    >>> despike(np.array([[10.0, 11, -500, 9, 500, 10]]), np.array([1.0]))[0].tolist()
    [10.0, 11.0, 9.0, 9.0, 500.0, 10.0]
    """
    prev, mid, nxt = Y[:, :-2], Y[:, 1:-1], Y[:, 2:]
    lo = np.minimum(prev, nxt)                  # NaN without a neighbour: kept
    out = Y.copy()
    with np.errstate(invalid="ignore"):
        q1 = np.nanpercentile(Y, 25, axis=1) if Y.size else np.zeros(len(Y))
    limit = threshold * sigma[:, None]
    spike = (mid < lo - limit) & (mid < q1[:, None] - limit)
    out[:, 1:-1] = np.where(spike, lo, mid)
    return out


def _cumulative(Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prefix sums of the values and their squares, NaN as 0, with a leading 0 column."""
    Z = np.nan_to_num(Y)
    zero = np.zeros((len(Y), 1))
    return (np.concatenate([zero, np.cumsum(Z, axis=1)], axis=1),
            np.concatenate([zero, np.cumsum(Z * Z, axis=1)], axis=1))


def segment_bounds(Y: np.ndarray, penalty: float = 3.0, min_size: int = 2,
                   sigma: np.ndarray | None = None) -> np.ndarray:
    """Segments of constant mean of each row of ``Y``, from the last backwards.

    ``Y`` holds each series right-aligned (NaN before its first period, none after). Returns an
    integer matrix ``B`` with ``B[:, 0]`` = the number of columns and ``B[:, k + 1]`` the first
    column of the ``k``-th segment counted from the last (``k = 0``), so that segment ``k`` is
    columns ``B[:, k + 1]`` to ``B[:, k] - 1``; once a row's first column is reached the rest
    repeat it (empty segments). The segmentation minimises the criterion of the module
    docstring; ``sigma`` defaults to :func:`noise_scale`.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[np.nan, 10, 11, 9, 10, -20, -21, -19]])
    >>> segment_bounds(Y)[0, :3].tolist()
    [8, 5, 1]
    """
    n_rows, n = Y.shape
    sigma = noise_scale(Y) if sigma is None else sigma
    C1, C2 = _cumulative(Y / sigma[:, None])
    first = n - (~np.isnan(Y)).sum(axis=1)
    beta = penalty * np.log(np.maximum(n - first, 2))
    F = np.full((n_rows, n + 1), np.inf)
    F[np.arange(n_rows), first] = -beta
    back = np.zeros((n_rows, n + 1), dtype=np.int16)
    for t in range(min_size, n + 1):
        s = np.arange(t - min_size + 1)
        S1 = C1[:, t, None] - C1[:, s]
        total = F[:, s] + (C2[:, t, None] - C2[:, s]) - S1 * S1 / (t - s) + beta[:, None]
        best = np.argmin(total, axis=1)
        F[:, t] = np.where(t == first, F[:, t], total[np.arange(n_rows), best])
        back[:, t] = best
    depth = n // min_size + 1
    B = np.empty((n_rows, depth + 1), dtype=np.int64)
    B[:, 0] = n
    rows = np.arange(n_rows)
    for k in range(depth):
        here = B[:, k]
        B[:, k + 1] = np.where(here > first, np.maximum(back[rows, here], first), here)
    return B


def segment_sums(Y: np.ndarray, start: np.ndarray, stop: np.ndarray):
    """``(count, sum)`` of each row's columns ``start`` to ``stop - 1`` (NaN cells as 0)."""
    C1, _ = _cumulative(Y)
    rows = np.arange(len(Y))
    return stop - start, C1[rows, stop] - C1[rows, start]


def location_range(Y: np.ndarray, sigma: np.ndarray, lo: np.ndarray, tau: np.ndarray,
                   hi: np.ndarray, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Plausible positions of the change at column ``tau`` between segments ``[lo, tau)`` and
    ``[tau, hi)`` of each row: ``(low, high)``, the first and last column ``c`` whose split
    ``[lo, c) | [c, hi)`` fits worse than the best by at most the ``level`` quantile of χ²₁
    (in units of ``σ²``): the likelihood-ratio confidence set of a change point's position
    (Siegmund 1988, *Ann. Statist.* 16:487), with the other change points held where they are.
    Every split leaves at least one period on each side.
    """
    n = Y.shape[1]
    C1, C2 = _cumulative(Y / sigma[:, None])
    rows = np.arange(len(Y))

    def cost(a, b):
        s1 = C1[rows, b] - C1[rows, a]
        with np.errstate(invalid="ignore", divide="ignore"):
            return C2[rows, b] - C2[rows, a] - np.where(b > a, s1 * s1 / (b - a), 0.0)

    best = cost(lo, tau) + cost(tau, hi)
    crit = stats.chi2.ppf(level, 1)
    low, high = tau.copy(), tau.copy()
    for c in range(1, n):
        c_vec = np.full(len(Y), c)
        inside = (c > lo) & (c < hi)
        ok = inside & (cost(lo, c_vec) + cost(c_vec, hi) - best <= crit)
        low = np.where(ok & (c < low), c, low)
        high = np.where(ok & (c > high), c, high)
    return low, high


__all__ = ["NOISE_TRIM", "noise_scale", "despike", "segment_bounds", "segment_sums", "location_range"]
