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

from profitlens.trends.blocks import row_blocks

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
    >>> round(float(noise_scale(Y)[0]), 2)          # noise about 2, a step of -60 ignored
    3.07
    """
    return noise_scales(Y, (trim,), floor)[0]


def noise_scales(Y: np.ndarray, trims: tuple[float, ...], floor: float = 0.01) -> list:
    """:func:`noise_scale` of ``Y`` for each of ``trims``, sorting the differences once.

    Sorted, the differences lie furthest from their median at the two ends, so the largest
    squared deviations are dropped by walking in from both ends.
    """
    n_rows = len(Y)
    rows = np.arange(n_rows)
    D = np.sort(np.diff(Y, axis=1), axis=1)  # NaN sort last
    m = (~np.isnan(D)).sum(axis=1)
    half = np.maximum(m - 1, 0)
    D -= ((D[rows, half // 2] + D[rows, (half + 1) // 2]) / 2)[:, None]
    total = np.nansum(D * D, axis=1) if D.size else np.zeros(n_rows)
    count = m + (m > 0)
    base = floor + 1e-3 * np.abs(_zeroed(Y)).sum(axis=1) / np.maximum(count, 1)
    out = []
    for trim in trims:
        drop = np.where(m > 1, np.maximum(np.ceil(trim * m), 1), 0).astype(np.int64)
        kept_sq = total.copy()
        left, right = np.zeros(n_rows, dtype=np.int64), np.maximum(m - 1, 0)
        for step in range(int(drop.max(initial=0))):
            active = step < drop
            lo, hi = D[rows, left] ** 2, D[rows, right] ** 2
            take_left = lo >= hi
            kept_sq -= np.where(active, np.where(take_left, lo, hi), 0.0)
            left += active & take_left
            right -= active & ~take_left
        kept = m - drop
        with np.errstate(all="ignore"):
            sigma = np.sqrt(np.maximum(kept_sq, 0.0) / kept / (2 * _kept_share(drop, m)))
        out.append(np.where((kept > 0) & (sigma > base), sigma, base))
    return out


def _zeroed(Y: np.ndarray) -> np.ndarray:
    """``Y`` with NaN as 0 (``np.nan_to_num`` also checks for infinities, several times
    slower)."""
    return np.where(np.isnan(Y), 0.0, Y)


def _kept_share(drop: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Mean of a χ²₁ variable below its ``1 - p`` quantile, ``p = drop / m`` (1 when none is
    dropped): ``P(χ²₃ ≤ q) / (1 - p)``. ``drop`` depends on ``m`` only, so this is computed
    once per distinct ``m``."""
    table = np.zeros(int(m.max(initial=0)) + 1)
    table[m] = drop / np.maximum(m, 1)
    with np.errstate(all="ignore"):
        table = np.where(
            table > 0, stats.chi2.cdf(stats.chi2.ppf(1 - table, 1), 3) / (1 - table), 1.0
        )
    return table[m]


def despike(
    Y: np.ndarray, sigma: np.ndarray, threshold: float = 3.0
) -> tuple[np.ndarray, np.ndarray]:
    """``Y`` with each isolated downward spike raised to the lower of its two neighbours.

    A downward spike (a write-off, a credit note) is an interior value more than
    ``threshold × σ`` below both of its neighbours and below the row's lower quartile; it is
    replaced by the median of the three-period window, as a Hampel filter does (Hampel 1974,
    *JASA* 69:383). One bad period between good ones is not a change in level, and in the
    squared-error criterion it would otherwise be cut out as a segment of its own and split
    the run of good periods. The quartile keeps a lumpy buyer's quiet month between two order
    months, a level the series often visits, and upward spikes (its orders) are kept too. Two
    bad periods in a row are kept, and so is the last period, whose next neighbour is not
    known yet. Returns the cleaned ``Y`` and the indices of the rows that changed.

    Examples
    --------
    >>> import numpy as np
    >>> out, changed = despike(np.array([[10.0, 11, -500, 9, 500, 10]]), np.array([1.0]))
    >>> out[0].tolist(), changed.tolist()
    ([10.0, 11.0, 9.0, 9.0, 500.0, 10.0], [0])
    """
    prev, mid, nxt = Y[:, :-2], Y[:, 1:-1], Y[:, 2:]
    lo = np.minimum(prev, nxt)  # NaN without a neighbour: kept
    with np.errstate(invalid="ignore"):
        spike = mid < lo - threshold * sigma[:, None]
    rows = np.flatnonzero(spike.any(axis=1))
    out = Y.copy()
    if len(rows):
        S = np.sort(Y[rows], axis=1)  # NaN sort last
        count = (~np.isnan(S)).sum(axis=1)
        q1 = S[np.arange(len(rows)), np.maximum(count - 1, 0) // 4]  # lower quartile
        spike = spike[rows] & (mid[rows] < (q1 - threshold * sigma[rows])[:, None])
        out[rows, 1:-1] = np.where(spike, lo[rows], mid[rows])
        rows = rows[spike.any(axis=1)]
    return out, rows


def prefix_sums(Y: np.ndarray, squares: bool = False) -> np.ndarray:
    """Prefix sums along the rows of ``Y`` (NaN as 0), transposed: ``C[j, r]`` is the sum of
    row ``r``'s first ``j`` values (of their squares with ``squares``), ``C[0] = 0``.

    Laid out periods × rows, every step adds two contiguous vectors; numpy's ``cumsum`` along
    the short axis of a tall matrix runs row by row and is many times slower.
    """
    T = np.ascontiguousarray(Y.T)
    np.copyto(T, 0.0, where=np.isnan(T))
    C = np.zeros((len(T) + 1, T.shape[1]))
    for j, column in enumerate(T):
        np.add(C[j], column * column if squares else column, out=C[j + 1])
    return C


def segment_bounds(
    Y: np.ndarray, penalty: float = 2.0, min_size: int = 2, sigma: np.ndarray | None = None
) -> np.ndarray:
    """Segments of constant mean of each row of ``Y``, from the last backwards.

    ``Y`` holds each series right-aligned (NaN before its first period, none after). Returns an
    integer matrix ``B`` with ``B[:, 0]`` = the number of columns and ``B[:, k + 1]`` the first
    column of the ``k``-th segment counted from the last (``k = 0``), so that segment ``k`` is
    columns ``B[:, k + 1]`` to ``B[:, k] - 1``; once a row's first column is reached the rest
    repeat it (empty segments). The segmentation minimises the criterion of the module
    docstring; ``sigma`` defaults to :func:`noise_scale`. A row with fewer than ``min_size``
    values is one segment.

    The recursion of optimal partitioning, ``F(t) = min_s F(s) + cost(s, t) + β``, runs over
    the end ``t`` and the start ``s`` of the last segment: ``n² / 2`` steps, each a handful of
    operations on contiguous vectors over all rows.

    Examples
    --------
    >>> import numpy as np
    >>> Y = np.array([[np.nan, 10, 11, 9, 10, -20, -21, -19]])
    >>> segment_bounds(Y)[0, :3].tolist()
    [8, 5, 1]
    """
    sigma = noise_scale(Y) if sigma is None else sigma
    parts = [
        _segment_chunk(Y[rows], sigma[rows], penalty, min_size)
        for rows in row_blocks(len(Y), SEGMENT_ROWS)
    ]
    return np.concatenate(parts)


#: rows segmented at a time: the recursion's periods × rows arrays then stay in the CPU caches
SEGMENT_ROWS = 4096


def _segment_chunk(Y: np.ndarray, sigma: np.ndarray, penalty: float, min_size: int) -> np.ndarray:
    """:func:`segment_bounds` of a few thousand rows."""
    n_rows, n = Y.shape
    C1 = prefix_sums(Y / sigma[:, None])
    first = n - (~np.isnan(Y)).sum(axis=1)
    beta = penalty * np.log(np.maximum(n - first, 2))
    # G(s) = F(s) - C2(s), the part of a segment's cost fixed by its start, with C2 the prefix
    # sums of squares (0 up to a row's first value): F(t) = C2(t) + β + min_s G(s) -
    # (C1(t) - C1(s))² / (t - s); the minimising s does not depend on C2(t)
    G = np.full((n + 1, n_rows), np.inf)
    G[first, np.arange(n_rows)] = -beta
    totals = np.empty((n + 1, n_rows))
    for t in range(min_size, n + 1):
        k = t - min_size + 1  # last segment [s, t) for s < k
        part = totals[:k]
        np.subtract(C1[t], C1[:k], out=part)
        np.multiply(part, part, out=part)
        part *= (-1.0 / (t - np.arange(k)))[:, None]
        part += G[:k]
        G[t] = np.where(first == t, G[t], np.minimum.reduce(part, axis=0) + beta)
    # backwards from the last period: the start of the segment ending at t is the s attaining
    # the minimum, recomputed for the rows not yet back at their first period
    depth = max(n // min_size + 1, 2)  # at least two segments back, possibly empty
    B = np.empty((n_rows, depth + 1), dtype=np.int64)
    B[:, 0] = n
    starts = np.arange(n + 1)[:, None]
    for k in range(depth):
        here = B[:, k].copy()
        rows = np.flatnonzero(here > first)
        if len(rows):
            t = here[rows]
            c1 = C1[:, rows]
            with np.errstate(divide="ignore", invalid="ignore"):
                cost = (c1[t, np.arange(len(rows))] - c1) ** 2 * (-1.0 / (t - starts)) + G[:, rows]
            cost[starts > t - min_size] = np.inf
            here[rows] = np.maximum(np.argmin(cost, axis=0), first[rows])
        B[:, k + 1] = here
    return B


def location_range(
    Y: np.ndarray,
    sigma: np.ndarray,
    lo: np.ndarray,
    tau: np.ndarray,
    hi: np.ndarray,
    level: float = 0.95,
) -> tuple[np.ndarray, np.ndarray]:
    """Plausible positions of the change at column ``tau`` between segments ``[lo, tau)`` and
    ``[tau, hi)`` of each row: ``(low, high)``, the first and last column ``c`` whose split
    ``[lo, c) | [c, hi)`` fits worse than the best by at most the ``level`` quantile of χ²₁
    (in units of ``σ²``): the likelihood-ratio confidence set of a change point's position
    (Siegmund 1988, *International Statistical Review* 56:31), the other change points held
    where they are.
    Every split leaves at least one period on each side.
    """
    n = Y.shape[1]
    scaled = Y / sigma[:, None]
    C1, C2 = prefix_sums(scaled), prefix_sums(scaled, squares=True)
    rows = np.arange(len(Y))
    s_lo, q_lo, s_hi, q_hi = C1[lo, rows], C2[lo, rows], C1[hi, rows], C2[hi, rows]

    def split_cost(c1, c2, c):
        """SSE of [lo, c) plus [c, hi), with the prefix sums c1, c2 at column c."""
        with np.errstate(invalid="ignore", divide="ignore"):
            left = np.where(c > lo, (c1 - s_lo) ** 2 / (c - lo), 0.0)
            right = np.where(hi > c, (s_hi - c1) ** 2 / (hi - c), 0.0)
        return q_hi - q_lo - left - right

    best = split_cost(C1[tau, rows], C2[tau, rows], tau)
    crit = stats.chi2.ppf(level, 1)
    low, high = tau.copy(), tau.copy()
    for c in range(1, n):
        ok = (c > lo) & (c < hi) & (split_cost(C1[c], C2[c], c) - best <= crit)
        low = np.where(ok & (c < low), c, low)
        high = np.where(ok & (c > high), c, high)
    return low, high


__all__ = [
    "NOISE_TRIM",
    "noise_scale",
    "noise_scales",
    "despike",
    "prefix_sums",
    "SEGMENT_ROWS",
    "segment_bounds",
    "location_range",
]
