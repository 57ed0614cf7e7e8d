"""Trend status of each customer at the as-of date, from its period series of profit.

The rules work on a customers × periods matrix ``Y`` of profit per period (the trends mart
passes profit *before acquisition cost*: winning a customer is a one-off, and a first month
dragged down by it says nothing about where the customer is going). Cells before a customer's
first period are NaN; the last column is the as-of period. They follow section 5.1 of the data
contract. For each customer with ``n`` periods:

1. **Level and slope.** The current level is the trimmed mean (:func:`trimmed_mean`) of the
   whole series; the least-squares slope of the last ``slope_periods`` periods, with its
   t-statistic.
2. **Which series are tested.** A turn (or a fall to nothing) needs the last ``window``
   periods to have lost money or earned nothing in total (``rolling <= 0``) and an earlier
   stretch of at least ``min_before`` periods, ending at least ``min_after`` periods before
   the as-of period, that made money in total; a recovery needs the mirror image. Only these
   series are tested (in a healthy company, a small share).
3. **Turn test, one-sided** (:mod:`profitlens.trends.runs`): from the series' own noise
   ``σ``, with isolated write-offs raised to their neighbours' level, the series is segmented
   into runs of constant mean, each at least ``min_size`` long
   (:func:`profitlens.trends.changepoint.segment_bounds`, the PELT criterion with penalty
   ``penalty × log n`` in units of ``σ²``). The customer *turned* when its trailing losing
   run has at least ``min_after`` periods, ``t = mean √length / σ ≤ -z_loss`` and more than
   half of its periods are losses, and the earning run before it has at least
   ``min_before`` periods and ``t ≥ z_gain``. How large the loss is next to the earlier
   profit does not matter. ``turn_period`` is the first period of the losing run;
   ``turn_low`` and ``turn_high`` bound where the change plausibly is. For tested series
   the level is the last segment's trimmed mean (with the segment before when the last is
   shorter than ``min_before``).

Status, first rule that applies:

``new``
    fewer than ``min_history`` periods of history.
``turned_unprofitable``
    step 3.
``recovered``
    the mirror image of step 3: an earning last run (``t ≥ z_loss``, more than half of its
    periods profitable) after a losing run of at least ``min_before`` periods
    (``t ≤ -z_gain``); ``turn_period`` is where the earning run began.
``declining``
    still profitable (level > 0) and falling: the slope's t is at most ``-slope_t_crit`` and
    the fitted line lost at least ``min_decline`` of its level over the window, or (tested
    series) the level is at least ``min_decline`` below the previous segment's positive
    mean; or the customer made money (an earning run as in step 3) and its level is now zero
    or a loss that is not (yet) a turn.
``profitable``
    otherwise, when the level is positive.
``unprofitable``
    otherwise: no evidence that the customer ever reliably made money.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from profitlens.settings import StatusRules
from profitlens.trends.blocks import row_blocks
from profitlens.trends.changepoint import SEGMENT_ROWS, prefix_sums
from profitlens.trends.runs import Runs, trimmed_mean

STATUSES = ("new", "profitable", "declining", "turned_unprofitable", "unprofitable", "recovered")
NEW, PROFITABLE, DECLINING, TURNED, UNPROFITABLE, RECOVERED = range(len(STATUSES))


@dataclass
class StatusResult:
    """Per-customer outcome of :func:`profit_status` (arrays of length n_customers)."""

    status: np.ndarray  # int codes into STATUSES
    turn_idx: np.ndarray  # column of the turn (first of the losing/earning run), -1: none
    turn_low: np.ndarray  # earliest plausible column of the turn, -1 when none
    turn_high: np.ndarray  # latest plausible column of the turn, -1 when none
    history: np.ndarray  # number of periods in the series
    noise: np.ndarray  # σ, the series' noise (NaN where not needed: see step 3)
    mean_before: np.ndarray  # mean of the earning run before the losing run (NaN: none)
    mean_after: np.ndarray  # mean of the losing run (NaN: none)
    t_after: np.ndarray  # its t = mean √length / σ
    level: np.ndarray
    slope: np.ndarray  # profit per period over the slope window
    slope_t: np.ndarray
    rolling: np.ndarray  # sum of the last `window` periods

    @property
    def labels(self) -> np.ndarray:
        return np.asarray(STATUSES, dtype=object)[self.status]


def trailing_slope(Y: np.ndarray, periods: int):
    """Least-squares slope of the last ``periods`` columns of each row (NaN cells ignored).

    Returns ``(slope, t, fitted_start, fitted_end)``; slope and t are NaN for rows with fewer
    than 3 values, t is ±inf for an exact non-flat line.
    """
    W = np.ascontiguousarray(Y[:, -periods:].T)  # periods × rows: sums over contiguous rows
    valid = ~np.isnan(W)
    m = valid.sum(axis=0)
    x = np.arange(len(W), dtype=float)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        xm = np.where(valid, x, 0.0).sum(axis=0) / m
        ym = np.where(valid, W, 0.0).sum(axis=0) / m
        dx = np.where(valid, x - xm, 0.0)
        dy = np.where(valid, W - ym, 0.0)
        sxx, sxy = (dx * dx).sum(axis=0), (dx * dy).sum(axis=0)
        slope = sxy / sxx
        resid = dy - slope * dx
        se = np.sqrt((resid * resid).sum(axis=0) / (m - 2) / sxx)
        t = np.where(se > 0, slope / se, np.where(slope == 0, 0.0, np.sign(slope) * np.inf))
        first_x = (len(W) - m).astype(float)  # NaN only before a series' start
        start = ym + slope * (first_x - xm)
        end = ym + slope * (len(W) - 1 - xm)
    short = m < 3
    return tuple(np.where(short, np.nan, a) for a in (slope, t, start, end))


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
    blocks = [_block_statistics(Y[rows], rules) for rows in row_blocks(len(Y))]
    stats = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    history, level = stats["history"], stats["level"]
    # the run tests only where they can change the status, gathered from all blocks so that
    # their per-period loops run over full blocks
    turn_gate, recovery_gate = stats.pop("turn_gate"), stats.pop("recovery_gate")
    tested = np.flatnonzero((turn_gate | recovery_gate) & (history >= rules.min_history))
    runs = Runs.empty(len(Y))
    for part in row_blocks(len(tested), size=SEGMENT_ROWS) if len(tested) else []:
        runs.fill(tested[part], Y[tested[part]], rules)
    segmented = np.isfinite(runs.level)
    level[segmented] = runs.level[segmented]

    status = np.full(len(Y), UNPROFITABLE, dtype=np.int8)
    status[level > 0] = PROFITABLE
    status[(level > 0) & (stats.pop("sloping") | runs.step_down)] = DECLINING
    status[runs.declining & turn_gate] = DECLINING
    status[runs.recovered & recovery_gate] = RECOVERED
    status[runs.turned & turn_gate] = TURNED
    status[history < rules.min_history] = NEW
    turn_idx = np.where(
        status == TURNED, runs.start_loss, np.where(status == RECOVERED, runs.start_gain, -1)
    )
    keep = (status == TURNED) | (status == RECOVERED)
    return StatusResult(
        status=status,
        turn_idx=turn_idx,
        turn_low=np.where(keep, runs.low, -1),
        turn_high=np.where(keep, runs.high, -1),
        noise=runs.noise,
        mean_before=runs.mean_before,
        mean_after=runs.mean_after,
        t_after=runs.t_after,
        **stats,
    )


def _stretches(Y: np.ndarray, min_length: int, end: int) -> tuple[np.ndarray, np.ndarray]:
    """Whether each row has a stretch of at least ``min_length`` periods ending by column
    ``end`` that made money in total, and one that did not (NaN cells are no periods)."""
    C = prefix_sums(Y)
    C[:-1][np.isnan(Y.T)] = np.nan  # a stretch starts at a row's first period
    low, high = np.full(len(Y), np.inf), np.full(len(Y), -np.inf)
    gained, lost = np.zeros(len(Y), dtype=bool), np.zeros(len(Y), dtype=bool)
    for j in range(min_length, end + 1):
        start = C[j - min_length]
        low, high = np.fmin(low, start), np.fmax(high, start)
        gained |= C[j] - low > 0
        lost |= C[j] - high <= 0
    return gained, lost


def _block_statistics(Y: np.ndarray, r: StatusRules) -> dict[str, np.ndarray]:
    """History, rolling profit, level, slope and the two gates of one block of rows."""
    history = (~np.isnan(Y)).sum(axis=1)
    rolling = np.where(np.isnan(Y[:, -r.window :]), 0.0, Y[:, -r.window :]).sum(axis=1)
    slope, slope_t, fit_start, fit_end = trailing_slope(Y, r.slope_periods)
    with np.errstate(invalid="ignore", divide="ignore"):
        lost = (fit_start - fit_end) / np.abs(fit_start)
    gained, lost_money = _stretches(Y, r.min_before, Y.shape[1] - r.min_after)
    return {
        "history": history,
        "rolling": rolling,
        "level": trimmed_mean(Y),
        "slope": slope,
        "slope_t": slope_t,
        "sloping": (slope_t <= -r.slope_t_crit) & (fit_start > 0) & (lost >= r.min_decline),
        "turn_gate": (rolling <= 0) & gained,
        "recovery_gate": (rolling > 0) & lost_money,
    }


__all__ = [
    "STATUSES",
    "StatusRules",
    "StatusResult",
    "trailing_slope",
    "trimmed_mean",
    "profit_status",
]
