"""Status rules on series with a known story (section 5.1 of the data contract)."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from profitlens.trends import blocks, changepoint, status
from profitlens.trends.status import STATUSES, StatusRules, profit_status, trailing_slope

ISSUE_22 = [551.0, 512, 499, 147, 158, 115, 9, -224, -160, -217, -435, -569, -555, -425]


def matrix(*series, length=24):
    """Rows right-aligned on the as-of period, NaN before each series' start."""
    out = np.full((len(series), length), np.nan)
    for i, s in enumerate(series):
        out[i, length - len(s) :] = s
    return out


def status_of(*series, **rules):
    res = profit_status(matrix(*series), StatusRules(**rules))
    return list(res.labels), list(res.turn_idx)


def test_the_series_of_issue_22_turned_in_its_eighth_period():
    res = profit_status(matrix(ISSUE_22, length=14))
    assert list(res.labels) == ["turned_unprofitable"]
    # segments 551 512 499 | 147 158 115 9 | -224 -160 -217 | -435 -569 -555 -425: the losing
    # run is the last two (mean -369.3), the earning run the first two (mean 284.4)
    assert res.turn_idx[0] == 7
    assert res.turn_low[0] <= 7 <= res.turn_high[0]
    assert res.turn_high[0] - res.turn_low[0] <= 2
    assert res.mean_after[0] == pytest.approx(np.mean(ISSUE_22[7:]))
    assert res.mean_before[0] == pytest.approx(np.mean(ISSUE_22[:7]))


def test_turned_unprofitable_with_its_turn_period():
    rng = np.random.default_rng(0)
    y = np.r_[300 + rng.normal(0, 40, 16), -150 + rng.normal(0, 40, 8)]
    labels, turn = status_of(y)
    assert labels == ["turned_unprofitable"]
    assert turn == [16]


def test_the_size_of_the_loss_next_to_the_earlier_profit_does_not_matter():
    # earned 1,000 a month, now steadily loses 200 a month (the contract's example)
    wiggle = np.tile([10.0, -10.0], 9)
    y = np.r_[[1000.0] * 12, [-200.0] * 6] + wiggle
    labels, turn = status_of(y, y * 1000, y / 1000)
    assert labels == ["turned_unprofitable"] * 3
    assert turn == [18] * 3


def test_one_bad_month_is_not_a_turn():
    base = [300.0, 280, 320, 310, 290, 305, 295, 315, 285, 300, 310, 290]
    last = base + [-5000.0]  # a write-off in the as-of month
    middle = base[:10] + [-5000.0] + base[10:]  # and one a month earlier
    two_mild = base + [-20.0, 290.0]
    labels, _ = status_of(last, middle, two_mild)
    assert labels == ["profitable", "profitable", "profitable"]


def test_two_bad_months_at_the_end_beyond_the_noise_are_a_turn():
    base = [300.0, 280, 320, 310, 290, 305, 295, 315, 285, 300, 310, 290]
    labels, turn = status_of(base + [-400.0, -380.0])
    assert labels == ["turned_unprofitable"]
    assert turn == [22]


def test_runs_of_one_or_two_periods():
    for width in (1, 2, 3):
        res = profit_status(np.full((4, width), 50.0))
        assert list(res.labels) == ["new"] * 4
    assert len(profit_status(np.empty((0, 24))).labels) == 0


def test_new_profitable_unprofitable():
    labels, turn = status_of(
        [100.0] * 5,
        [100.0, 120, 90, 110, 95, 105, 100],
        [-20.0, -35, -10, -25, -30, -15, -20, -40],
        [0.0] * 10,
    )
    assert labels == ["new", "profitable", "unprofitable", "unprofitable"]
    assert turn == [-1, -1, -1, -1]


def test_never_made_money_is_unprofitable_not_turned():
    # about break-even before (mean -3.3), clearly losing now: it never made money
    marginal = [60.0, -70, 0] * 5 + [-150.0, -160, -140, -155, -165, -150, -145, -160]
    labels, _ = status_of(marginal)
    assert labels == ["unprofitable"]


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


def test_a_lumpy_buyer_between_orders_is_not_a_turn():
    # orders every third month (+900) and account management in between (-60): eight quiet
    # months at the end are within what its order months swing by
    lumpy = [900.0, -60, -60] * 5 + [-70.0, -80, -65, -75, -90, -70, -85, -80]
    # the same buyer whose orders stopped and whose account costs ten times as much: turned
    turning = [900.0, -60, -60] * 5 + [-600.0, -620, -580, -610, -630, -590, -600, -610]
    labels, turn = status_of(lumpy, turning)
    assert labels[0] in ("profitable", "declining")
    assert labels[1] == "turned_unprofitable"
    assert turn[1] == 24 - 8


def test_trailing_slope_exact_line():
    slope, t, start, end = trailing_slope(matrix([5.0, 7, 9, 11, 13], length=8), 4)
    assert slope[0] == pytest.approx(2.0)
    assert t[0] == np.inf
    assert (start[0], end[0]) == pytest.approx((7.0, 13.0))


def test_noise_gives_few_turns():
    rng = np.random.default_rng(3)
    lumpy = np.where(rng.random((5000, 24)) < 0.3, 900.0, -30.0) + rng.normal(0, 10, (5000, 24))
    gaussian = rng.standard_t(3, size=(5000, 24)) * 50 + 100  # heavy tails, no change
    res = profit_status(np.vstack([lumpy, gaussian]))
    assert np.mean(res.labels == "turned_unprofitable") < 0.005


def test_rules_are_checked():
    with pytest.raises(ValueError, match="at least 2"):
        StatusRules(min_after=1)
    with pytest.raises(ValueError, match="min_history"):
        StatusRules(min_history=4)
    with pytest.raises(ValueError, match="min_size"):
        StatusRules(min_size=3)
    with pytest.raises(ValueError, match="penalty"):
        StatusRules(penalty=0)
    assert set(STATUSES) == {
        "new",
        "profitable",
        "declining",
        "turned_unprofitable",
        "unprofitable",
        "recovered",
    }


def test_trimmed_mean():
    from profitlens.trends.status import trimmed_mean

    y = [1.0, 2, 3, 4, 5, 6, 7, 8, 9, -1000, 100]  # n = 11: drop -1000 and 100
    got = trimmed_mean(matrix(y, [4.0, 6.0], length=12))
    assert got[0] == pytest.approx(45 / 9)
    assert got[1] == 5.0


def random_series(rows: int, seed: int) -> np.ndarray:
    """Rounded profits (many ties) of every length, NaN before each series' start."""
    rng = np.random.default_rng(seed)
    Y = np.round(rng.normal(50, 80, (rows, 24)) / 10) * 10
    Y[:, 12:] -= (rng.random((rows, 1)) < 0.3) * 150
    Y[np.arange(24)[None, :] < rng.integers(0, 24, rows)[:, None]] = np.nan
    return Y


def test_blocks_do_not_change_the_statuses(monkeypatch):
    Y = random_series(700, 11)
    whole = profit_status(Y)
    assert 0 < np.sum(whole.labels == "turned_unprofitable") < 700
    monkeypatch.setattr(status, "row_blocks", functools.partial(blocks.row_blocks, size=64))
    monkeypatch.setattr(status, "SEGMENT_ROWS", 50)
    monkeypatch.setattr(changepoint, "SEGMENT_ROWS", 30)
    blocked = profit_status(Y)
    for name in whole.__dataclass_fields__:
        assert np.array_equal(getattr(whole, name), getattr(blocked, name), equal_nan=True)
