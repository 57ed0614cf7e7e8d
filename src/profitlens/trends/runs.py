"""Losing and earning runs of a segmented profit series: the turn test of section 5.1.

A series is segmented into runs of constant mean (:func:`profitlens.trends.changepoint.
segment_bounds`). The *losing run* is its trailing segments whose means are negative; the
*earning run* is the segments before that whose means are not. A run's evidence is its
``t = mean × √length / σ`` with ``σ`` the series' own noise.

- **Turned**: the losing run has at least ``min_after`` periods, ``t ≤ -z_loss`` and more than
  half of its periods are losses (its upper median is negative: one write-off, however large,
  is not a run of losses); the earning run has at least ``min_before`` periods and
  ``t ≥ z_gain``. The turn period is the losing run's first period; its plausible range is
  :func:`profitlens.trends.changepoint.location_range` of the change between the last
  earning and the first losing segment.
- **Recovered**: the mirror image (an earning last run after a losing run).
- **Declining** (loss after profit): the customer made money (an earning run as above), its
  level is now zero or a loss, but the loss is not (yet) a turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from profitlens.trends.changepoint import (
    NOISE_TRIM,
    despike,
    location_range,
    noise_scale,
    noise_scales,
    prefix_sums,
    segment_bounds,
)


@dataclass
class Runs:
    """Per-customer outcome of the run tests (arrays of length n_customers)."""

    turned: np.ndarray
    recovered: np.ndarray
    declining: np.ndarray
    start_loss: np.ndarray  # first column of the losing run (-1: none)
    start_gain: np.ndarray  # first column of the trailing earning run (-1: none)
    low: np.ndarray  # plausible range of the turn or recovery (-1: none)
    high: np.ndarray
    mean_before: np.ndarray  # mean of the earning run before the losing run (NaN: none)
    mean_after: np.ndarray  # mean of the losing run (NaN: none)
    t_after: np.ndarray  # its t (NaN: none)
    noise: np.ndarray  # σ (NaN: not tested)
    level: np.ndarray  # current level (NaN: not tested)
    step_down: np.ndarray  # level at least min_decline below the segment before

    @classmethod
    def empty(cls, n_rows: int) -> Runs:
        values = {bool: False, int: -1, float: np.nan}
        kinds = (bool,) * 3 + (int,) * 4 + (float,) * 5 + (bool,)
        return cls(*(np.full(n_rows, values[k], dtype=k) for k in kinds))

    def fill(self, where: np.ndarray, Y: np.ndarray, rules) -> None:
        """Run the tests on the rows ``Y`` (``where`` in the block) and store their outcome;
        ``rules`` is a :class:`profitlens.trends.status.StatusRules`.

        Only rows that could pass a test are segmented (:func:`could_pass`); the others keep
        the outcome "no turn, no recovery" and no level of their own.
        """
        Y, sigma, C = clean(Y, rules)
        self.noise[where] = sigma
        keep = could_pass(C, sigma, rules)
        for name, values in run_tests(Y[keep], sigma[keep], C[:, keep], rules).items():
            getattr(self, name)[where[keep]] = values


def _leading_run(flags: np.ndarray, start: np.ndarray) -> np.ndarray:
    """Index of the first column ``k >= start`` of each row where ``flags`` is False."""
    k = np.arange(flags.shape[1] + 1)[None, :]
    padded = np.concatenate([flags, np.zeros((len(flags), 1), dtype=bool)], axis=1)
    return np.argmin(padded | (k < start[:, None]), axis=1)


def _run_count(flags: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Number of True cells of each row of ``flags`` in columns ``lo`` to ``hi - 1``."""
    C = prefix_sums(flags.astype(float))
    rows = np.arange(len(flags))
    return C[hi, rows] - C[lo, rows]


def clean(Y: np.ndarray, r) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(Y, σ, C)``: the rows with isolated write-offs raised to their neighbours' level,
    their noise and their prefix sums (:func:`profitlens.trends.changepoint.prefix_sums`)."""
    rough, sigma = noise_scales(Y, (0.25, NOISE_TRIM))
    Y, changed = despike(Y, rough, r.spike)
    sigma[changed] = noise_scale(Y[changed])
    return Y, sigma, prefix_sums(Y)


def could_pass(C: np.ndarray, sigma: np.ndarray, r) -> np.ndarray:
    """Rows that could be a turn or a recovery, whatever their segmentation.

    A run of ``k`` periods with ``t = sum / (σ √k) ≤ -z`` has ``sum ≤ -z σ √k ≤ -z σ √m`` for
    any ``m ≤ k``; so a turn needs a trailing stretch of at least ``min_after`` periods with
    ``sum ≤ -z_loss σ √min_after`` and an earlier stretch of at least ``min_before`` periods,
    ending at least ``min_after`` periods before the end, with ``sum ≥ z_gain σ √min_before``;
    a recovery the mirror image. ``C`` is the rows' prefix sums (periods × rows; a stretch
    reaching into the empty periods before a series' start only makes the test looser).
    """
    n = len(C) - 1
    loss_cut = r.z_loss * sigma * np.sqrt(r.min_after)
    gain_cut = r.z_gain * sigma * np.sqrt(r.min_before)
    tail = C[n] - C[: n - r.min_after + 1]  # sums of the trailing stretches
    losing_end = (tail <= -loss_cut).any(axis=0)
    earning_end = (tail >= loss_cut).any(axis=0)
    low, high = np.full(len(sigma), np.inf), np.full(len(sigma), -np.inf)
    earned, lost = np.zeros(len(sigma), dtype=bool), np.zeros(len(sigma), dtype=bool)
    for j in range(r.min_before, n - r.min_after + 1):
        low, high = np.minimum(low, C[j - r.min_before]), np.maximum(high, C[j - r.min_before])
        earned |= C[j] - low >= gain_cut
        lost |= C[j] - high <= -gain_cut
    return (losing_end & earned) | (earning_end & lost)


def run_tests(Y, sigma, C, r) -> dict[str, np.ndarray]:
    """The fields of :class:`Runs` for the rows of ``Y`` (see :meth:`Runs.fill`), cleaned by
    :func:`clean` with noise ``sigma`` and prefix sums ``C``."""
    n_rows, n = Y.shape
    rows = np.arange(n_rows)
    end = np.full(n_rows, n)
    B = segment_bounds(Y, r.penalty, r.min_size, sigma)

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
    k_loss, mu_loss, t_loss = run(start_loss, end)
    k_gain, mu_gain, t_gain = run(start_gain, start_loss)
    made_money = (k_gain >= r.min_before) & (t_gain >= r.z_gain)
    # more than half of the losing run are losses: its upper median is negative
    turned = (
        (n_loss > 0)
        & (k_loss >= r.min_after)
        & (t_loss <= -r.z_loss)
        & made_money
        & (2 * _run_count(Y < 0, start_loss, end) > k_loss)
    )

    # the level: the last segment's trimmed mean, with the one before when it is short (two
    # periods, one of them a write-off in the as-of period, do not set the level alone)
    short = (B[:, 0] - B[:, 1]) < r.min_before
    level = trimmed_mean(
        np.where(np.arange(n)[None, :] >= np.where(short, B[:, 2], B[:, 1])[:, None], Y, np.nan)
    )
    previous = np.where(short, 2, 1)
    before = means[rows, previous]
    step_down = filled[rows, previous] & (before > 0) & (before - level >= r.min_decline * before)

    n_up = _leading_run(filled & (means > 0), zero)
    n_down = _leading_run(filled & (means <= 0), n_up) - n_up
    start_up, start_down = B[rows, n_up], B[rows, n_up + n_down]
    k_up, _, t_up = run(start_up, end)
    k_down, _, t_down = run(start_down, start_up)
    recovered = (
        (n_up > 0)
        & (k_up >= r.min_after)
        & (t_up >= r.z_loss)
        & (2 * _run_count(Y > 0, start_up, end) > k_up)
        & (k_down >= r.min_before)
        & (t_down <= -r.z_gain)
        & ~turned
    )

    low, high = np.full(n_rows, -1), np.full(n_rows, -1)
    for flag, k, tau in ((turned, n_loss, start_loss), (recovered, n_up, start_up)):
        if flag.any():
            lo, hi = B[rows, k + 1][flag], B[rows, np.maximum(k - 1, 0)][flag]
            low[flag], high[flag] = location_range(
                Y[flag], sigma[flag], lo, tau[flag], hi, r.range_level
            )
    nan = np.nan
    return {
        "turned": turned,
        "recovered": recovered,
        "declining": (level <= 0) & (n_loss > 0) & made_money & ~turned & ~recovered,
        "start_loss": np.where(n_loss > 0, start_loss, -1),
        "start_gain": np.where(n_up > 0, start_up, -1),
        "low": low,
        "high": high,
        "mean_before": np.where(n_gain > 0, mu_gain, nan),
        "mean_after": np.where(n_loss > 0, mu_loss, nan),
        "t_after": np.where(n_loss > 0, t_loss, nan),
        "level": level,
        "step_down": step_down,
    }


def trimmed_mean(Y: np.ndarray) -> np.ndarray:
    """Mean of each row's non-NaN cells without its lowest and its highest value (all of them
    when there are fewer than 3).

    One write-off does not decide whether a customer is profitable, nor one exceptional order;
    a lumpy buyer's order months still count.
    """
    T = np.ascontiguousarray(Y.T)  # periods × rows: reductions over contiguous rows
    valid = ~np.isnan(T)
    n = valid.sum(axis=0)
    total = np.where(valid, T, 0.0).sum(axis=0)
    low, high = np.fmin.reduce(T, axis=0), np.fmax.reduce(T, axis=0)  # NaN ignored
    trimmed = n >= 3
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(
            n > 0,
            np.where(trimmed, total - low - high, total) / np.where(trimmed, n - 2, n),
            np.nan,
        )


__all__ = ["Runs", "run_tests", "trimmed_mean"]
