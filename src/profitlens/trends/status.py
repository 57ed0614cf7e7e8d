"""Trend status of each customer at the as-of date, from its period series of profit.

The rules work on a customers × periods matrix ``Y`` of profit per period (the trends mart
passes profit *before acquisition cost*: winning a customer is a one-off, and a first month
dragged down by it says nothing about where the customer is going). Cells before a customer's
first period are NaN; the last column is the as-of period. They follow section 5.1 of the data
contract. For each customer with ``n`` periods:

1. **Noise and segments.** The series' own period-to-period noise ``σ``
   (:func:`profitlens.trends.changepoint.noise_scale`) sets the penalty of a segmentation into
   runs of constant mean, each at least ``min_size`` periods long
   (:func:`profitlens.trends.changepoint.segment_bounds`, the PELT criterion with
   ``β = penalty × log n``).
2. **The losing run and the run before it.** The *losing run* is the trailing segments whose
   means are negative; the *earning run* is the segments before it whose means are not. A
   run's evidence is its ``t = mean × √length / σ``.
3. **Turn test, one-sided.** The customer *turned* when the losing run has at least
   ``min_after`` periods, ``t ≤ -z_loss`` and more than half of its periods are losses (so one
   write-off is never a turn, however large), and the earning run has at least ``min_before``
   periods and ``t ≥ z_gain``. How large the loss is next to the earlier profit does not
   matter. ``turn_period`` is the first period of the losing run; ``turn_low`` and
   ``turn_high`` bound where the change could plausibly be
   (:func:`profitlens.trends.changepoint.location_range`).
4. **Level and slope.** The current level is the trimmed mean (:func:`trimmed_mean`) of the
   last segment (with the one before when the last is shorter than ``min_before``: a segment
   of two periods, one of them a write-off, does not set the level alone); the least-squares
   slope of the last ``slope_periods`` periods, with its t-statistic.

Status, first rule that applies:

``new``
    fewer than ``min_history`` periods of history.
``turned_unprofitable``
    step 3.
``recovered``
    the mirror image: an earning last run (``t ≥ z_loss``, more than half of its periods
    profitable) after a losing run of at least ``min_before`` periods (``t ≤ -z_gain``);
    ``turn_period`` is where the earning run began.
``declining``
    still profitable (level > 0) and falling: the level is at least ``min_decline`` of the
    previous segment's (positive) mean below it, or the slope's t is at most
    ``-slope_t_crit`` and the fitted line lost at least ``min_decline`` of its level over the
    window; or the customer made money (an earning run as in step 3) and its level is now
    zero or a loss that is not (yet) a turn.
``profitable``
    otherwise, when the level is positive.
``unprofitable``
    otherwise: no evidence that the customer ever reliably made money.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from profitlens.trends.blocks import row_blocks
from profitlens.trends.changepoint import (
    despike, location_range, noise_scale, prefix_sums, segment_bounds)

STATUSES = ("new", "profitable", "declining", "turned_unprofitable", "unprofitable",
            "recovered")
NEW, PROFITABLE, DECLINING, TURNED, UNPROFITABLE, RECOVERED = range(len(STATUSES))


@dataclass(frozen=True)
class StatusRules:
    """Parameters of the status rules (see the module docstring; defaults chosen on the bench
    of ``benchmarks/turn_bench.py``, see ``docs/trends.md``)."""

    min_history: int = 6
    window: int = 3
    min_before: int = 3
    min_after: int = 2
    min_size: int = 2
    penalty: float = 2.0
    spike: float = 3.0
    z_loss: float = 2.0
    z_gain: float = 0.5
    range_level: float = 0.95
    slope_periods: int = 12
    slope_t_crit: float = 2.5
    min_decline: float = 0.25

    def __post_init__(self):
        if self.min_before < 2 or self.min_after < 2:
            raise ValueError("min_before and min_after must be at least 2 periods")
        if not 1 <= self.min_size <= self.min_after:
            raise ValueError("min_size must be between 1 and min_after")
        if self.min_history < self.min_before + self.min_after:
            raise ValueError("min_history must be at least min_before + min_after")
        if self.penalty <= 0:
            raise ValueError(f"penalty must be positive, got {self.penalty}")


@dataclass
class StatusResult:
    """Per-customer outcome of :func:`profit_status` (arrays of length n_customers)."""

    status: np.ndarray          # int codes into STATUSES
    turn_idx: np.ndarray        # column of the turn (first of the losing/earning run), -1: none
    turn_low: np.ndarray        # earliest plausible column of the turn, -1 when none
    turn_high: np.ndarray       # latest plausible column of the turn, -1 when none
    history: np.ndarray         # number of periods in the series
    noise: np.ndarray           # σ, the series' period-to-period noise
    segments: np.ndarray        # number of segments of constant mean
    mean_before: np.ndarray     # mean of the earning run before the losing run (NaN: none)
    mean_after: np.ndarray      # mean of the losing run (NaN: none)
    t_after: np.ndarray         # its t = mean √length / σ
    level: np.ndarray
    slope: np.ndarray           # profit per period over the slope window
    slope_t: np.ndarray
    rolling: np.ndarray         # sum of the last `window` periods

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(STATUSES, dtype=object)[self.status]


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

    Examples
    --------
    >>> import numpy as np
    >>> y = [551., 512, 499, 147, 158, 115, 9, -224, -160, -217, -435, -569, -555, -425]
    >>> res = profit_status(np.array([y]))
    >>> res.labels[0], int(res.turn_idx[0])
    ('turned_unprofitable', 7)
    """
    Y = np.asarray(Y, dtype=float)
    results = [_block_status(Y[rows], rules) for rows in row_blocks(len(Y))]
    return StatusResult(**{name: np.concatenate([getattr(r, name) for r in results])
                           for name in StatusResult.__dataclass_fields__})


def _leading_run(flags: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of the first column ``k >= start`` of each row where ``flags`` is False."""
    k = np.arange(flags.shape[1] + 1)[None, :]
    padded = np.concatenate([flags, np.zeros((len(flags), 1), dtype=bool)], axis=1)
    return np.argmin(padded | (k < start[:, None]), axis=1)


def _run_median(Y: np.ndarray, lo: np.ndarray, hi: np.ndarray, upper: bool) -> np.ndarray:
    """Upper (or lower) median of each row's columns ``lo`` to ``hi - 1`` (NaN when empty)."""
    cols = np.arange(Y.shape[1])[None, :]
    S = np.sort(np.where((cols >= lo[:, None]) & (cols < hi[:, None]), Y, np.nan), axis=1)
    count = hi - lo
    pick = np.clip(count // 2 if upper else (count - 1) // 2, 0, Y.shape[1] - 1)
    return np.where(count > 0, S[np.arange(len(Y)), pick], np.nan)


def _block_status(Y: np.ndarray, r: StatusRules) -> StatusResult:
    """:func:`profit_status` of the rows of one block."""
    n_rows, n = Y.shape
    rows = np.arange(n_rows)
    history = (~np.isnan(Y)).sum(axis=1)
    rolling = np.where(np.isnan(Y[:, -r.window:]), 0.0, Y[:, -r.window:]).sum(axis=1)
    Y = despike(Y, noise_scale(Y, trim=0.25), r.spike)
    sigma = noise_scale(Y)
    B = segment_bounds(Y, r.penalty, r.min_size, sigma)
    C = prefix_sums(Y)

    def run(lo, hi):
        """(count, mean, t) of columns lo to hi - 1."""
        count = hi - lo
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (C[hi, rows] - C[lo, rows]) / count
        return count, mean, mean * np.sqrt(count) / sigma

    with np.errstate(invalid="ignore", divide="ignore"):
        means = (C[B[:, :-1], rows[:, None]] - C[B[:, 1:], rows[:, None]]) / (B[:, :-1] - B[:, 1:])
    filled = B[:, :-1] > B[:, 1:]
    zero = np.zeros(n_rows, dtype=np.int64)
    n_loss = _leading_run(filled & (means < 0), zero)
    n_gain = _leading_run(filled & (means >= 0), n_loss) - n_loss
    start_loss, start_gain = B[rows, n_loss], B[rows, n_loss + n_gain]
    k_loss, mu_loss, t_loss = run(start_loss, np.full(n_rows, n))
    k_gain, mu_gain, t_gain = run(start_gain, start_loss)
    made_money = (k_gain >= r.min_before) & (t_gain >= r.z_gain)
    turned = ((n_loss > 0) & (k_loss >= r.min_after) & (t_loss <= -r.z_loss) & made_money
              & (_run_median(Y, start_loss, np.full(n_rows, n), upper=True) < 0))

    n_up = _leading_run(filled & (means > 0), zero)
    n_down = _leading_run(filled & (means <= 0), n_up) - n_up
    start_up, start_down = B[rows, n_up], B[rows, n_up + n_down]
    k_up, _, t_up = run(start_up, np.full(n_rows, n))
    k_down, _, t_down = run(start_down, start_up)
    recovered = ((n_up > 0) & (k_up >= r.min_after) & (t_up >= r.z_loss)
                 & (_run_median(Y, start_up, np.full(n_rows, n), upper=False) > 0)
                 & (k_down >= r.min_before) & (t_down <= -r.z_gain))

    short = (B[:, 0] - B[:, 1]) < r.min_before
    cols = np.arange(n)[None, :]
    level_from = np.where(short, B[:, 2], B[:, 1])
    level = trimmed_mean(np.where(cols >= level_from[:, None], Y, np.nan))
    slope, slope_t, fit_start, fit_end = trailing_slope(Y, r.slope_periods)
    with np.errstate(invalid="ignore", divide="ignore"):
        lost = (fit_start - fit_end) / np.abs(fit_start)
        previous = np.where(short, 2, 1)             # the segment before the level's
        before = means[rows, previous]
        step_down = filled[rows, previous] & (before > 0) & (
            before - level >= r.min_decline * before)
    sloping = (slope_t <= -r.slope_t_crit) & (fit_start > 0) & (lost >= r.min_decline)

    status = np.full(n_rows, UNPROFITABLE, dtype=np.int8)
    status[level > 0] = PROFITABLE
    status[((level > 0) & (step_down | sloping))
           | ((level <= 0) & (n_loss > 0) & made_money)] = DECLINING
    status[recovered] = RECOVERED
    status[turned] = TURNED
    status[history < r.min_history] = NEW

    is_turned, is_recovered = status == TURNED, status == RECOVERED
    turn_idx = np.where(is_turned, start_loss, np.where(is_recovered, start_up, -1))
    low, high = np.full(n_rows, -1), np.full(n_rows, -1)
    for flag, k in ((is_turned, n_loss), (is_recovered, n_up)):
        if flag.any():
            lo, hi = B[rows, k + 1][flag], B[rows, np.maximum(k - 1, 0)][flag]
            low[flag], high[flag] = location_range(Y[flag], sigma[flag], lo, turn_idx[flag],
                                                   hi, r.range_level)
    nan = np.nan
    return StatusResult(
        status=status, turn_idx=turn_idx, turn_low=low, turn_high=high, history=history,
        noise=sigma, segments=filled.sum(axis=1), mean_before=np.where(n_gain > 0, mu_gain, nan),
        mean_after=np.where(n_loss > 0, mu_loss, nan), t_after=np.where(n_loss > 0, t_loss, nan),
        level=level, slope=slope, slope_t=slope_t, rolling=rolling)


__all__ = ["STATUSES", "StatusRules", "StatusResult", "trailing_slope", "trimmed_mean",
           "profit_status"]
