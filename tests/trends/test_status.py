"""Status rules on series with a known story."""
from __future__ import annotations

import numpy as np
import pytest

from profitlens.trends.status import (
    STATUSES, StatusRules, change_p_values, change_point, profit_status, trailing_slope)


def matrix(*series, length=24):
    """Rows right-aligned on the as-of period, NaN before each series' start."""
    out = np.full((len(series), length), np.nan)
    for i, s in enumerate(series):
        out[i, length - len(s):] = s
    return out


def status_of(*series, **rules):
    res = profit_status(matrix(*series), StatusRules(**rules))
    return list(res.labels), list(res.turn_idx)


def test_change_point_finds_a_clean_step_and_its_statistic():
    y = [10.0] * 8 + [-5.0] * 4                  # n = 12, after = last 4, all below all before
    k, z, mu_a, mu_b, med_b = change_point(matrix(y, length=12))
    assert k[0] == 4
    # all 4 after values below all 8 before: P = 1 / C(12, 4) = 1 / 495
    assert z[0] == pytest.approx(np.log(1 / 495))
    assert (mu_a[0], mu_b[0], med_b[0]) == (10.0, -5.0, -5.0)


def test_change_point_too_short_series():
    k, z, *_ = change_point(matrix([1.0, 2.0, 3.0, 4.0], length=10))
    assert k[0] == 0 and np.isnan(z[0])


def test_exact_mann_whitney_tails():
    from math import comb
    from profitlens.trends.status import _mann_whitney_tails
    tail = _mann_whitney_tails(24)
    assert tail[21, 3, 63] == pytest.approx(1 / comb(24, 3))     # all three lowest
    assert tail[3, 2, 0] == 1.0
    # m = 2, k = 2: U in {0, 1, 2, 2, 3, 4} over the 6 arrangements -> P(U >= 2) = 4/6
    assert tail[2, 2, 2] == pytest.approx(4 / 6)


def test_p_values_are_calibrated_on_noise():
    rng = np.random.default_rng(7)
    Y = rng.standard_t(3, size=(20_000, 24)) * 50 + 100      # heavy-tailed, no change
    k, z, *_ = change_point(Y)
    p_drop, p_rise = change_p_values(z, np.full(len(Y), 24), 3, 2)
    assert np.mean(p_drop <= 0.01) == pytest.approx(0.01, abs=0.004)
    assert np.mean(p_rise <= 0.01) == pytest.approx(0.01, abs=0.004)


def test_turned_unprofitable_with_its_turn_period():
    rng = np.random.default_rng(0)
    y = np.r_[300 + rng.normal(0, 40, 16), -150 + rng.normal(0, 40, 8)]
    labels, turn = status_of(y)
    assert labels == ["turned_unprofitable"]
    assert turn == [16]


def test_one_bad_month_is_not_a_turn():
    base = [300.0, 280, 320, 310, 290, 305, 295, 315, 285, 300, 310, 290]
    last = base + [-5000.0]                         # a write-off in the as-of month
    middle = base[:10] + [-5000.0] + base[10:]      # and one a month earlier
    two_mild = base + [-20.0, 290.0]
    labels, _ = status_of(last, middle, two_mild)
    assert labels == ["profitable", "profitable", "profitable"]


def test_new_profitable_unprofitable():
    labels, turn = status_of([100.0] * 5, [100.0, 120, 90, 110, 95, 105, 100],
                             [-20.0, -35, -10, -25, -30, -15, -20, -40], [0.0] * 10)
    assert labels == ["new", "profitable", "unprofitable", "unprofitable"]
    assert turn == [-1, -1, -1, -1]


def test_recovered():
    y = [-100.0, -80, -120, -90, -110, -95, -105, -100, 200, 220, 180, 210, 190, 205]
    labels, turn = status_of(y)
    assert labels == ["recovered"]
    assert turn == [24 - len(y) + 8]


def test_declining_by_step_and_by_slope():
    step = [500.0, 510, 490, 505, 495, 500, 515, 485, 500, 505, 200, 210, 190, 205, 195]
    slope = list(1000.0 - 40 * np.arange(14) + np.tile([5.0, -5.0], 7))
    flat = list(500.0 + np.tile([30.0, -30.0], 7))
    labels, turn = status_of(step, slope, flat)
    assert labels == ["declining", "declining", "profitable"]
    assert turn == [-1, -1, -1]


def test_a_drop_to_zero_is_not_a_turn():
    # a customer who stopped buying earns nothing but loses nothing: not unprofitable
    y = [300.0, 280, 320, 310, 290, 305, 295, 315, 285, 300, 0, 0, 0, -2, 0]
    labels, _ = status_of(y)
    assert labels == ["declining"]


def test_a_lumpy_buyer_between_orders_is_not_a_turn_but_a_real_turn_is():
    # orders every third month (+900) and account management in between (-60): eight quiet
    # months at the end are a loss far smaller than what an order month earned
    lumpy = [900.0, -60, -60] * 5 + [-70.0, -80, -65, -75, -90, -70, -85, -80]
    # the same buyer whose quiet months turn into losses of half what it used to earn
    turning = [900.0, -60, -60] * 5 + [-300.0, -320, -280, -310, -330, -290, -300, -310]
    # break-even before (mean -5), clearly losing now: turned
    marginal = [60.0, -70, 0] * 5 + [-150.0, -160, -140, -155, -165, -150, -145, -160]
    labels, turn = status_of(lumpy, turning, marginal)
    assert labels == ["declining", "turned_unprofitable", "turned_unprofitable"]
    assert turn[1:] == [24 - 8, 24 - 8]


def test_trailing_slope_exact_line():
    slope, t, start, end = trailing_slope(matrix([5.0, 7, 9, 11, 13], length=8), 4)
    assert slope[0] == pytest.approx(2.0)
    assert t[0] == np.inf
    assert (start[0], end[0]) == pytest.approx((7.0, 13.0))


def test_noise_gives_few_turns():
    rng = np.random.default_rng(3)
    Y = np.where(rng.random((5000, 24)) < 0.3, 900.0, -30.0) + rng.normal(0, 10, (5000, 24))
    res = profit_status(Y)
    assert np.mean(res.labels == "turned_unprofitable") < 0.005


def test_rules_are_checked():
    with pytest.raises(ValueError, match="at least 2"):
        StatusRules(min_after=1)
    with pytest.raises(ValueError, match="min_history"):
        StatusRules(min_history=4)
    assert set(STATUSES) == {"new", "profitable", "declining", "turned_unprofitable",
                             "unprofitable", "recovered"}


def test_trimmed_mean():
    from profitlens.trends.status import trimmed_mean
    y = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, -1000, 100]       # n = 11: drop -1000 and 100
    got = trimmed_mean(matrix(y, [4.0, 6.0], length=12))
    assert got[0] == pytest.approx(45 / 9)
    assert got[1] == 5.0


def test_sign_sums_match_all_pairs_with_ties_and_gaps():
    from profitlens.trends.status import _column_sign_sums
    rng = np.random.default_rng(2)
    Y = np.round(rng.normal(0, 2, (500, 12)))                  # many ties
    Y[:, :3] = np.nan
    Y[7] = np.nan
    brute = np.nansum(np.sign(Y[:, :, None] - Y[:, None, :]), axis=2)
    assert np.array_equal(_column_sign_sums(Y).T, brute)


def random_series(rows: int, seed: int) -> np.ndarray:
    """Rounded profits (many ties) of every length, NaN before each series' start."""
    rng = np.random.default_rng(seed)
    Y = np.round(rng.normal(50, 80, (rows, 24)) / 10) * 10
    Y[np.arange(24)[None, :] < rng.integers(0, 24, rows)[:, None]] = np.nan
    return Y


def best_split_by_definition(y: np.ndarray, min_before: int = 3, min_after: int = 2):
    """(n_after, score) of one series: every allowed split scored from the exact tails."""
    from profitlens.trends.status import _mann_whitney_tails
    tail, v = _mann_whitney_tails(len(y)), y[~np.isnan(y)]
    best = (0, 0.0)
    for k in range(min_after, len(v) - min_before + 1):
        before, after = v[:-k], v[-k:]
        u = int(np.sign(after[:, None] - before[None, :]).sum())
        pairs = len(before) * k
        p_low, p_high = (tail[len(before), k, (pairs - u) // 2],
                         tail[len(before), k, (pairs + u) // 2])
        z = np.log(p_low) if p_low < p_high else -np.log(p_high)
        if abs(z) > abs(best[1]):
            best = (k, z)
    return best


def test_change_point_picks_the_best_split_by_its_definition():
    Y = random_series(300, 3)
    k, z, *_ = change_point(Y)
    for row in range(len(Y)):
        want_k, want_z = best_split_by_definition(Y[row])
        assert k[row] == want_k
        assert (z[row] == want_z) if want_k else np.isnan(z[row])


def test_blocks_and_chunks_do_not_change_the_statuses(monkeypatch):
    import functools
    from profitlens.trends import blocks, status
    Y = random_series(700, 11)
    whole = profit_status(Y)
    monkeypatch.setattr(status, "row_blocks", functools.partial(blocks.row_blocks, size=64))
    blocked = profit_status(Y)
    for name in whole.__dataclass_fields__:
        assert np.array_equal(getattr(whole, name), getattr(blocked, name), equal_nan=True)
    for got, want in zip(change_point(Y, chunk=50), change_point(Y)):
        assert np.array_equal(got, want, equal_nan=True)
