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

from profitlens.trends.blocks import row_blocks

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
    best_k, best_z = _best_split(Y, n, min_before, min_after, chunk)
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


#: how far beyond ``m k`` (its largest value without gaps in the series) a sign sum is looked up
#: in :func:`_split_scores`: from two steps beyond, the tail is empty and the score infinite,
#: as for any sum further out
_REACH = 2


def _best_split(Y: np.ndarray, n: np.ndarray, min_before: int, min_after: int,
                chunk: int = 200_000):
    """``(n_after, score)`` of the best split of each row of :func:`change_point` (0 and 0
    where no split is allowed or none scores); ``n`` counts each row's non-NaN cells.

    The after segment's sign sum against the before segment is the sum of the sign sums of its
    cells (pairs within it cancel), so it is a cumulative sum from the last column; each
    split's score is then looked up in :func:`_split_scores` (sums beyond its reach have the
    same score as at its end).
    """
    n_cols = Y.shape[1]
    splits = np.arange(min_after, n_cols - min_before + 1)[:, None]   # candidate lengths of after
    scores, start = _split_scores(n_cols, min_before, min_after)
    best_z = np.zeros(len(Y))
    best_k = np.zeros(len(Y), dtype=np.int64)
    for lo in range(0, len(Y) if len(splits) else 0, chunk):
        rows = slice(lo, lo + chunk)
        u_after = _suffix_sums(_column_sign_sums(Y[rows]))[splits[:, 0] - 1]  # [split, row]
        m = np.maximum(n[rows] - splits, 0)
        reach = m * splits + _REACH
        z = scores[start[m, splits] + np.clip(u_after, -reach, reach)]
        pick = np.argmax(np.abs(z), axis=0)            # the first of the best splits
        best_z[rows] = z[pick, np.arange(z.shape[1])]
        best_k[rows] = np.where(best_z[rows] != 0, splits[pick, 0], 0)
    return best_k, best_z


def _suffix_sums(V: np.ndarray) -> np.ndarray:
    """``S[k - 1] = V[-k:].sum(axis=0)``, one vector addition per row of ``V`` (numpy's cumsum
    along the first axis of a wide array goes column by column, many times slower)."""
    S = np.empty(V.shape, dtype=np.int32)
    total = np.zeros(V.shape[1], dtype=np.int32)
    for k, row in enumerate(V[::-1]):
        total += row
        S[k] = total
    return S


def _column_sign_sums(Y: np.ndarray) -> np.ndarray:
    """``V[i, r] = Σ_j sign(y_ri - y_rj)`` over the non-NaN cells of each row ``r`` of ``Y``
    (0 for NaN cells): one row per column of ``Y``, small integers.

    Summed over the pairs of columns, each pair compared in two vector operations over all rows
    at once. The rows are short, so the ``n (n - 1) / 2`` comparisons of a block of rows (which
    stays in the CPU caches) are several times faster than sorting every row.
    """
    T = np.ascontiguousarray(Y.T)
    V = np.zeros(T.shape, dtype=np.int16)
    for i in range(len(T)):
        for j in range(i):
            s = (T[i] > T[j]).view(np.int8) - (T[i] < T[j]).view(np.int8)   # 0 with a NaN
            V[i] += s
            V[j] -= s
    return V


@functools.lru_cache(maxsize=8)
def _split_scores(n_cols: int, min_before: int, min_after: int) -> tuple[np.ndarray, np.ndarray]:
    """Scores of :func:`change_point` for every split a series of at most ``n_cols`` can have.

    Returns ``(scores, start)``: a split with ``m`` before and ``k`` after values whose after
    values have sign sum ``u`` against the before values (Σ over after i, before j of
    ``sign(y_i - y_j)``) scores ``scores[start[m, k] + u]``, for ``|u| <= m k + _REACH``.
    Splits that are never chosen (``m < min_before``) point into zeros. Each ``(m, k)`` keeps
    only its own sums, so the table is smaller than the tails it is made of.
    """
    tail = _mann_whitney_tails(n_cols)
    last = tail.shape[2] - 1
    offset = n_cols * n_cols // 4 + _REACH                          # the largest |u| looked up
    start = np.full((n_cols + 1, n_cols + 1), offset)              # zeros: scores[:2 offset + 1]
    parts = [np.zeros(2 * offset + 1)]
    size = len(parts[0])
    with np.errstate(divide="ignore"):
        for m in range(min_before, n_cols - min_after + 1):
            for k in range(min_after, n_cols - m + 1):
                pairs = m * k
                u = np.arange(-pairs - _REACH, pairs + _REACH + 1)
                p_low = tail[m, k, np.clip((pairs - u) // 2, 0, last)]
                p_high = tail[m, k, np.clip((pairs + u) // 2, 0, last)]
                parts.append(np.where(p_low < p_high, np.log(p_low), -np.log(p_high)))
                start[m, k] = size + pairs + _REACH
                size += len(u)
    return np.concatenate(parts), start


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
    Y = np.random.default_rng(n).random((sims, n))
    return np.sort(_best_split(Y, np.full(sims, n), min_before, min_after)[1])


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
    """Apply the status rules of the module docstring to every row of ``Y``.

    Rows are independent and processed in blocks (:mod:`profitlens.trends.blocks`).
    """
    Y = np.asarray(Y, dtype=float)
    results = [_block_status(Y[rows], rules) for rows in row_blocks(len(Y))]
    return StatusResult(**{name: np.concatenate([getattr(r, name) for r in results])
                           for name in StatusResult.__dataclass_fields__})


def _block_status(Y: np.ndarray, r: StatusRules) -> StatusResult:
    """:func:`profit_status` of the rows of one block."""
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
