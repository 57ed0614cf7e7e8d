"""Penalised segmentation, noise scale, spikes and change-point ranges, against definitions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy import stats

from profitlens.trends.changepoint import (
    despike,
    location_range,
    noise_scale,
    prefix_sums,
    segment_bounds,
)


def sse(v):
    return float(((v - v.mean()) ** 2).sum())


def best_segmentation(y, sigma, penalty, min_size):
    """Starts of the segments minimising Σ SSE/σ² + penalty log(n) per segment, by trying all."""
    n = len(y)
    beta = penalty * np.log(n)
    best = (np.inf, None)
    for k in range(n):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = (0, *cuts, n)
            if min(b - a for a, b in zip(bounds, bounds[1:])) < min_size:
                continue
            cost = sum(sse(y[a:b]) for a, b in zip(bounds, bounds[1:])) / sigma**2
            cost += beta * (k + 1)
            if cost < best[0] - 1e-9:
                best = (cost, bounds[:-1])
    return best[1]


def starts_of(B, row, first):
    """Segment starts of one row of segment_bounds, in order, relative to its first column."""
    return sorted({int(b) - first for b in B[row, 1:]})


@pytest.mark.parametrize("min_size", [1, 2, 3])
def test_segmentation_is_the_minimum_over_all_segmentations(min_size):
    rng = np.random.default_rng(min_size)
    width = 10
    Y = np.full((60, width), np.nan)
    lengths = rng.integers(4, width + 1, 60)
    for i, n in enumerate(lengths):
        level = np.repeat(rng.normal(0, 3, 3), [n // 3, n // 3, n - 2 * (n // 3)])
        Y[i, width - n :] = level + rng.normal(0, 1, n)
    sigma = rng.uniform(0.5, 2.0, 60)
    B = segment_bounds(Y, penalty=2.0, min_size=min_size, sigma=sigma)
    for i, n in enumerate(lengths):
        y = Y[i, width - n :]
        if n < min_size:
            continue
        want = best_segmentation(y, sigma[i], 2.0, min_size)
        assert starts_of(B, i, width - n) == list(want)


def test_segments_of_a_clean_step_and_a_too_short_row():
    Y = np.array([[np.nan, 10, 11, 9, 10, -20, -21, -19], [np.nan] * 7 + [5.0]])
    B = segment_bounds(Y)
    assert B[0, :3].tolist() == [8, 5, 1] and set(B[0, 3:]) == {1}
    assert set(B[1, 1:]) == {7}  # one segment: its only value


def test_noise_scale_is_unbiased_for_gaussian_noise_and_ignores_a_step():
    rng = np.random.default_rng(0)
    Z = rng.normal(0, 1, (20_000, 24))
    assert noise_scale(Z).mean() == pytest.approx(1.0, abs=0.02)
    # a step of 50 σ takes the place of one trimmed difference: a few percent more, not 50 σ
    stepped = Z + np.where(np.arange(24) >= 16, -50.0, 0.0)
    assert noise_scale(stepped).mean() == pytest.approx(1.0, abs=0.1)
    trend = Z + 5.0 * np.arange(24)  # a steady trend is not noise
    assert noise_scale(trend).mean() == pytest.approx(1.0, abs=0.02)


def test_noise_scale_by_hand():
    # differences 2, -4, 3, -2, -59, 2, -4, 3, -2: centred on their median (-2), squared:
    # 16, 4, 25, 0, 3249, 16, 4, 25, 0; the largest ceil(0.1 × 9) = 1 dropped; mean 90 / 8
    y = np.array([[10.0, 12, 8, 11, 9, -50, -48, -52, -49, -51]])
    p = 1 / 9
    share = stats.chi2.cdf(stats.chi2.ppf(1 - p, 1), 3) / (1 - p)
    assert noise_scale(y)[0] == pytest.approx(np.sqrt(90 / 8 / (2 * share)))


def test_noise_scale_of_a_lumpy_buyer_does_not_collapse():
    # most months differ by nothing (no order either side); the median absolute difference
    # would call this series noise-free
    y = np.array([[-50.0, -50, -50, 900, -50, -50, -50, -50, 900, -50, -50, -50, 900, -50]])
    assert noise_scale(y)[0] > 200


def test_noise_scale_floor_for_exact_and_short_series():
    Y = np.array([[100.0] * 6, [np.nan] * 5 + [7.0]])
    assert noise_scale(Y).tolist() == pytest.approx([0.01 + 0.1, 0.01 + 0.007])


def test_despike_raises_a_write_off_but_keeps_orders_quiet_months_and_the_last_period():
    sigma = np.array([10.0, 10.0, 10.0, 10.0])
    Y = np.array(
        [
            [100.0, 110, -900, 105, 95, 100],  # a write-off between good months
            [-50.0, 900, -50, 900, -50, 900],  # quiet months between orders
            [100.0, 110, -900, -880, 95, 100],  # two bad months: kept
            [100.0, 110, 105, 95, 100, -900],
        ]
    )  # the as-of month: kept
    out, changed = despike(Y, sigma)
    assert out[0].tolist() == [100.0, 110, 105, 105, 95, 100]
    assert changed.tolist() == [0]
    assert np.array_equal(out[1:], Y[1:])


def test_location_range_by_hand():
    # segments [0, 4) and [4, 8) of 10, 10, 10, 10, 4, -10, -10, -10 with σ = 2: moving the
    # change to column 5 puts 4 with the 10s: cost 36 × 4/5 / 4 = 7.2 (in σ² units) against
    # 196 × 3/4 / 4 = 36.75 at column 4 ... so the best split is at 5, and 4 is within
    # χ²₁(0.95) = 3.84 of it only if 36.75 - 7.2 <= 3.84 (it is not)
    y = np.array([[10.0, 10, 10, 10, 4, -10, -10, -10]])
    low, high = location_range(y, np.array([2.0]), np.array([0]), np.array([5]), np.array([8]))
    assert (low[0], high[0]) == (5, 5)

    # with σ = 10 the same moves cost 100 times less: columns 4 and 5 both plausible, 3 not
    # (cost of splitting at 3: SSE of [10 10 10] + [10 4 -10 -10 -10] = 0 + 288 → 2.88 σ²
    # against 0.072 + ... at 5: difference above 3.84? 2.88 - 0.072 < 3.84, so 3 is in too)
    def cost(c):
        return (sum(((v - v.mean()) ** 2).sum() for v in (y[0, :c], y[0, c:8]))) / 100

    best = cost(5)
    want = [c for c in range(1, 8) if cost(c) - best <= stats.chi2.ppf(0.95, 1)]
    low, high = location_range(y, np.array([10.0]), np.array([0]), np.array([5]), np.array([8]))
    assert (low[0], high[0]) == (min(want), max(want))


def test_prefix_sums():
    Y = np.array([[np.nan, 1.0, 2, 3, 4], [1.0, 1, 1, 1, 1]])
    assert prefix_sums(Y)[:, 0].tolist() == [0, 0, 1, 3, 6, 10]
    assert prefix_sums(Y, squares=True)[:, 0].tolist() == [0, 0, 1, 5, 14, 30]
    assert prefix_sums(Y)[:, 1].tolist() == [0, 1, 2, 3, 4, 5]
