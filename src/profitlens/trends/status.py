"""Trend status of each customer at the as-of date, from its period series of profit.

The rules work on a customers × periods matrix ``Y`` of profit per period (the trends mart
passes profit *before acquisition cost*: winning a customer is a one-off, and a first month
dragged down by it says nothing about where the customer is going). Cells before a customer's
first period are NaN; the last column is the as-of period. For each customer with ``n`` periods:

1. **Change point.** The series is split in two, *before* and *after*, where the ranks of the
   values change most (the exact Mann-Whitney score of :func:`change_point`; before has at
   least ``min_before`` periods, after at least ``min_after``). The change is *significant*
   when its one-sided p-value is at most ``alpha``. The p-value accounts for the best of all
   splits having been chosen: under "no change" the ranks are a random permutation whatever
   the distribution of profit, so the null distribution of the chosen score depends only on
   ``n`` and is simulated once per ``n`` (fixed seed).
   Ranks make one outlier (a write-off, a credit note) count as one low month however large,
   and a lumpy buyer's quiet months look like its quiet months before.
2. **Confirmation.** A turn into losses also needs the median of the after segment to be a loss
   of at least ``min_loss`` × the before mean, the before mean to be no worse than a small loss
   (at least ``-break_even`` × that after loss: a customer that was about break-even and is now
   clearly losing money turned, one that lost about as much before did not), and the profit of
   the last ``window`` periods to be negative. One bad month is never a turn: it gives neither a
   significant rank change nor a negative median over at least two periods. The size
   condition keeps out a lumpy buyer that is merely between orders while still costing account
   management: its quiet months are a small loss next to the profit of its order months.
3. **Slope.** The least-squares slope of profit over the last ``slope_periods`` periods, with
   its t-statistic.

Status, first rule that applies:

``new``
    fewer than ``min_history`` periods of history.
``turned_unprofitable``
    significant drop into losses, confirmed (step 2); ``turn_period`` is the first period of
    the after segment.
``declining``
    still profitable, with a significant downward trend: either a significant drop of at least
    ``min_decline`` of the before mean from a profitable before that is not (or not yet) a
    confirmed turn, or, without a significant step, a positive long-run mean with a slope whose
    t is at most ``-slope_t_crit`` and which lost at least ``min_decline`` of the fitted level
    over the slope window.
``recovered``
    significant rise from a loss-making before (mean < 0) to a profitable after (positive mean
    and median, positive profit over the last ``window`` periods); ``turn_period`` is where the
    after began.
``profitable``
    otherwise, when the current level is positive: the after mean after a significant step,
    else the trimmed mean of the whole series (:func:`trimmed_mean`, so one bad month does not
    change the status).
``unprofitable``
    otherwise: no evidence that the customer was ever reliably profitable.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

STATUSES = ("new", "profitable", "declining", "turned_unprofitable", "unprofitable",
            "recovered")
NEW, PROFITABLE, DECLINING, TURNED, UNPROFITABLE, RECOVERED = range(len(STATUSES))


@dataclass(frozen=True)
class StatusRules:
    """Parameters of the status rules (see the module docstring)."""

    min_history: int = 6
    window: int = 3
    min_before: int = 3
    min_after: int = 2
    alpha: float = 0.005
    min_loss: float = 0.5
    break_even: float = 0.25
    slope_periods: int = 12
    slope_t_crit: float = 2.5
    min_decline: float = 0.25

    def __post_init__(self):
        if self.min_before < 2 or self.min_after < 2:
            raise ValueError("min_before and min_after must be at least 2 periods")
        if self.min_history < self.min_before + self.min_after:
            raise ValueError("min_history must be at least min_before + min_after")


@dataclass
class StatusResult:
    """Per-customer outcome of :func:`profit_status` (arrays of length n_customers)."""

    status: np.ndarray          # int codes into STATUSES
    turn_idx: np.ndarray        # column of the turn (after segment start), -1 when none
    history: np.ndarray         # number of periods in the series
    change_z: np.ndarray        # signed log tail probability of the best step (NaN: too short)
    mean_before: np.ndarray
    mean_after: np.ndarray
    median_after: np.ndarray
    slope: np.ndarray           # profit per period over the slope window
    slope_t: np.ndarray
    rolling: np.ndarray         # sum of the last `window` periods

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(STATUSES, dtype=object)[self.status]


def change_point(Y: np.ndarray, min_before: int = 3, min_after: int = 2,
                 chunk: int = 200_000):
    """Best single change in level of each row of ``Y`` (NaN before each series' start), by ranks.

    For each split into *before* (``m`` values) and *after* (the last ``k``), the Mann-Whitney
    count ``U`` of (after, before) pairs in which the after value is lower (ties count 1/2,
    rounded down) has, under "no change", the exact distribution of :func:`_mann_whitney_tails`
    (every arrangement of ranks equally likely). The split's score is ``log P(U >= u)`` for a
    drop (negative) or ``-log P(U' >= u')`` for a rise, whichever tail is smaller; the split
    with the largest ``|score|`` (before has at least ``min_before`` periods, after at least
    ``min_after``) is the change point. Exact tails, unlike the normal approximation of
    Pettitt's statistic (Pettitt 1979, *Appl. Statist.* 28), do not understate how unusual a
    short after segment lying wholly below the before values is. Ranks make the test
    indifferent to the size of a single outlier (a write-off) and to lumpy series (months
    without an order), which a t-test on means is not.

    Returns ``(n_after, score, mean_before, mean_after, median_after)``: ``n_after`` is 0 and
    the rest NaN where the series is shorter than ``min_before + min_after``.
    """
    n_rows, n_cols = Y.shape
    n = (~np.isnan(Y)).sum(axis=1)
    best_z = np.zeros(n_rows)
    best_k = np.zeros(n_rows, dtype=np.int64)
    tail = _mann_whitney_tails(n_cols)
    for lo in range(0, n_rows, chunk):
        v = _sign_sums(Y[lo:lo + chunk])                            # Σ_j sign(y_i - y_j)
        u_after = np.cumsum(v[:, ::-1], axis=1)                     # [:, k-1]: after = last k
        nc = n[lo:lo + chunk]
        bz, bk = np.zeros(len(v)), np.zeros(len(v), dtype=np.int64)
        with np.errstate(invalid="ignore", divide="ignore"):
            for k in range(min_after, n_cols - min_before + 1):
                n_a = np.maximum(nc - k, 0)
                ok = n_a >= min_before
                pairs = n_a * k
                below = np.floor((pairs - u_after[:, k - 1]) / 2).astype(np.int64)
                above = np.floor((pairs + u_after[:, k - 1]) / 2).astype(np.int64)
                p_low = tail[n_a, k, np.clip(below, 0, tail.shape[2] - 1)]
                p_high = tail[n_a, k, np.clip(above, 0, tail.shape[2] - 1)]
                z = np.where(p_low < p_high, np.log(p_low), -np.log(p_high))
                better = ok & (np.abs(z) > np.abs(bz))
                bz = np.where(better, z, bz)
                bk = np.where(better, k, bk)
        best_z[lo:lo + chunk], best_k[lo:lo + chunk] = bz, bk
    found = best_k > 0
    after = np.arange(n_cols)[None, :] >= (n_cols - best_k)[:, None]
    valid = ~np.isnan(Y)
    Z = np.where(valid, Y, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_after = np.where(after, Z, 0.0).sum(axis=1) / best_k
        mean_before = np.where(~after, Z, 0.0).sum(axis=1) / (n - best_k)
    median_after = _row_median(np.where(after, Y, np.nan), best_k)
    nan = np.nan
    return (best_k, np.where(found, best_z, nan), np.where(found, mean_before, nan),
            np.where(found, mean_after, nan), np.where(found, median_after, nan))


def _sign_sums(Y: np.ndarray) -> np.ndarray:
    """``V[r, i] = Σ_j sign(y_ri - y_rj)`` over the non-NaN cells of each row (0 for NaN cells).

    Equal to ``2 R - (n + 1)`` with ``R`` the average (mid) rank of the value in its row, which
    a row-wise sort gives in O(n log n) instead of comparing all pairs.
    """
    order = np.argsort(Y, axis=1, kind="stable")                    # NaN last
    S = np.take_along_axis(Y, order, axis=1)
    n_rows, n_cols = Y.shape
    pos = np.broadcast_to(np.arange(n_cols), Y.shape)
    new_group = np.ones(Y.shape, dtype=bool)
    new_group[:, 1:] = S[:, 1:] != S[:, :-1]
    start = np.maximum.accumulate(np.where(new_group, pos, 0), axis=1)
    last = np.ones(Y.shape, dtype=bool)
    last[:, :-1] = new_group[:, 1:]
    end = np.minimum.accumulate(np.where(last, pos, n_cols)[:, ::-1], axis=1)[:, ::-1]
    mid_rank = (start + end) / 2 + 1
    n = (~np.isnan(Y)).sum(axis=1, keepdims=True)
    v_sorted = np.where(np.isnan(S), 0.0, 2 * mid_rank - (n + 1))
    V = np.empty_like(v_sorted)
    np.put_along_axis(V, order, v_sorted, axis=1)
    return V


@functools.lru_cache(maxsize=8)
def _mann_whitney_tails(n_max: int) -> np.ndarray:
    """``tail[m, k, u]``: P(U >= u) for the Mann-Whitney count U of (after, before) pairs in
    which the after value is lower, with m before and k after values, under exchangeability.

    The counts of arrangements with ``u`` such pairs are the coefficients of the Gaussian
    binomial coefficient, built with ``f(m, k) = f(m, k-1) + x^k f(m-1, k)`` (Mann & Whitney
    1947, eq. 1).
    """
    size = n_max * n_max // 4 + 2
    f = [[None] * (n_max + 1) for _ in range(n_max + 1)]
    tail = np.zeros((n_max + 1, n_max + 1, size))
    for m in range(n_max + 1):
        for k in range(n_max + 1 - m):
            if m == 0 or k == 0:
                poly = np.ones(1)
            else:
                poly = np.zeros(m * k + 1)
                prev = f[m][k - 1]
                poly[:len(prev)] += prev
                shifted = f[m - 1][k]
                poly[k:k + len(shifted)] += shifted
            f[m][k] = poly
            if m * k + 1 <= size:
                t = np.cumsum(poly[::-1])[::-1] / poly.sum()
                tail[m, k, :len(t)] = t
    return tail


def _row_median(M: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Median of the non-NaN cells of each row (NaN for an empty row); sorting puts NaN last."""
    S = np.sort(M, axis=1)
    c = np.maximum(counts, 1)
    lo = np.take_along_axis(S, ((c - 1) // 2)[:, None], axis=1)[:, 0]
    hi = np.take_along_axis(S, (c // 2)[:, None], axis=1)[:, 0]
    return np.where(counts > 0, (lo + hi) / 2, np.nan)


def trailing_slope(Y: np.ndarray, periods: int):
    """Least-squares slope of the last ``periods`` columns of each row (NaN cells ignored).

    Returns ``(slope, t, fitted_start, fitted_end)``; slope and t are NaN for rows with fewer
    than 3 values, t is ±inf for an exact non-flat line.
    """
    W = Y[:, -periods:]
    valid = ~np.isnan(W)
    m = valid.sum(axis=1)
    x = np.broadcast_to(np.arange(W.shape[1], dtype=float), W.shape)
    Z = np.where(valid, W, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        xm = np.where(valid, x, 0.0).sum(axis=1) / m
        ym = Z.sum(axis=1) / m
        dx = np.where(valid, x - xm[:, None], 0.0)
        dy = np.where(valid, W - ym[:, None], 0.0)
        sxx, sxy = (dx * dx).sum(axis=1), (dx * dy).sum(axis=1)
        slope = sxy / sxx
        resid = np.where(valid, dy - slope[:, None] * dx, 0.0)
        se = np.sqrt((resid * resid).sum(axis=1) / (m - 2) / sxx)
        t = np.where(se > 0, slope / se, np.where(slope == 0, 0.0, np.sign(slope) * np.inf))
        first_x = np.argmax(valid, axis=1).astype(float)
        start = ym + slope * (first_x - xm)
        end = ym + slope * (W.shape[1] - 1 - xm)
    short = m < 3
    return tuple(np.where(short, np.nan, a) for a in (slope, t, start, end))


@functools.lru_cache(maxsize=256)
def _null_z(n: int, min_before: int, min_after: int, sims: int = 20_000) -> np.ndarray:
    """Sorted null sample of the chosen ``z`` of :func:`change_point` for series of length n.

    Under "no change" the ranks of a series are a random permutation whatever the distribution
    of profit, so the null distribution depends only on ``n`` and the segment limits; it is
    simulated once per ``n`` (fixed seed, so results are reproducible).
    """
    rng = np.random.default_rng(n)
    k, z, *_ = change_point(rng.random((sims, n)), min_before, min_after)
    return np.sort(np.where(k > 0, z, 0.0))


def change_p_values(z: np.ndarray, n: np.ndarray, min_before: int, min_after: int):
    """One-sided p-values ``(p_drop, p_rise)`` of each row's chosen ``z`` given its length n.

    ``p_drop`` is the chance, under no change, that the best split of a series as long shows a
    drop at least as strong (``z`` at most as low); rows too short to split get 1.
    """
    p_drop, p_rise = np.ones(len(z)), np.ones(len(z))
    for length in np.unique(n[n >= min_before + min_after]):
        rows = (n == length) & ~np.isnan(z)
        null = _null_z(int(length), min_before, min_after)
        p_drop[rows] = np.searchsorted(null, z[rows], side="right") / len(null)
        p_rise[rows] = np.searchsorted(null, -z[rows], side="right") / len(null)
    return p_drop, p_rise


def trimmed_mean(Y: np.ndarray) -> np.ndarray:
    """Mean of each row's non-NaN cells without its ``n // 10`` lowest and highest values.

    One write-off in a year of monthly profit does not decide whether a customer is profitable;
    a lumpy buyer's order months (a quarter of its months) still count.
    """
    n = (~np.isnan(Y)).sum(axis=1)
    trim = n // 10
    S = np.cumsum(np.nan_to_num(np.sort(Y, axis=1)), axis=1)     # NaN sorts last
    S = np.concatenate([np.zeros((len(Y), 1)), S], axis=1)
    rows = np.arange(len(Y))
    kept = n - 2 * trim
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(kept > 0, (S[rows, n - trim] - S[rows, trim]) / kept, np.nan)


def profit_status(Y: np.ndarray, rules: StatusRules = StatusRules()) -> StatusResult:
    """Apply the status rules of the module docstring to every row of ``Y``."""
    Y = np.asarray(Y, dtype=float)
    r = rules
    valid = ~np.isnan(Y)
    n = valid.sum(axis=1)
    Z = np.where(valid, Y, 0.0)
    rolling = Z[:, -r.window:].sum(axis=1)
    level_all = trimmed_mean(Y)
    k, z, mu_a, mu_b, med_b = change_point(Y, r.min_before, r.min_after)
    p_drop, p_rise = change_p_values(z, n, r.min_before, r.min_after)
    slope, slope_t, fit_start, fit_end = trailing_slope(Y, r.slope_periods)

    with np.errstate(invalid="ignore", divide="ignore"):
        material = (mu_a - mu_b) >= r.min_decline * mu_a
        lost = (fit_start - fit_end) / np.abs(fit_start)
    drop = (p_drop <= r.alpha) & (mu_a > 0) & material
    loss = -med_b
    turned = ((p_drop <= r.alpha) & (loss > 0) & (rolling < 0)
              & (mu_a >= -r.break_even * loss) & (loss > r.min_loss * mu_a))
    rise = (p_rise <= r.alpha) & (mu_b > 0)
    recovered = rise & (mu_a < 0) & (med_b > 0) & (rolling > 0)
    sloping = (slope_t <= -r.slope_t_crit) & (fit_start > 0) & (lost >= r.min_decline)
    step = (p_drop <= r.alpha) | rise
    level = np.where(step, mu_b, level_all)

    status = np.full(len(Y), UNPROFITABLE, dtype=np.int8)
    status[level > 0] = PROFITABLE
    status[(level > 0) & ~step & sloping] = DECLINING
    status[drop & ~turned] = DECLINING
    status[recovered] = RECOVERED
    status[turned] = TURNED
    status[n < r.min_history] = NEW

    has_turn = (status == TURNED) | (status == RECOVERED)
    turn_idx = np.where(has_turn, Y.shape[1] - k, -1)
    return StatusResult(status=status, turn_idx=turn_idx, history=n, change_z=z,
                        mean_before=mu_a, mean_after=mu_b, median_after=med_b, slope=slope,
                        slope_t=slope_t, rolling=rolling)


__all__ = ["STATUSES", "StatusRules", "StatusResult", "change_point", "change_p_values",
           "trailing_slope", "trimmed_mean", "profit_status"]
