"""Damped-trend forecaster against hand-computed recursions."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from profitlens.errors import NotFittedError
from profitlens.trends.forecast import DampedTrendForecaster


def test_hand_computed_recursion_and_interval():
    # l0 = 10, b0 = 0; e1 = 2 -> l1 = 11, b1 = 0.6; e2 = 14 - 11.6 = 2.4 -> l2 = 12.8, b2 = 1.32
    f = DampedTrendForecaster(alpha=0.5, beta=0.3, phi=1.0, shrinkage=0, coverage=0.8)
    f.fit(np.array([[10.0, 12.0, 14.0]]))
    assert f.level_[0] == pytest.approx(12.8)
    assert f.trend_[0] == pytest.approx(1.32)
    assert f.predict(2)[0] == pytest.approx([14.12, 15.44])
    sigma = np.sqrt((2.0**2 + 2.4**2) / 2)
    assert f.sigma_[0] == pytest.approx(sigma)
    lo, hi = f.predict_interval(2)
    z = norm.ppf(0.9)
    assert hi[0, 0] - 14.12 == pytest.approx(z * sigma)
    assert hi[0, 1] - 15.44 == pytest.approx(z * sigma * np.sqrt(1 + (0.5 + 0.3) ** 2))
    assert lo[0, 1] == pytest.approx(15.44 - z * sigma * np.sqrt(1.64))


def test_damping_and_late_start():
    f = DampedTrendForecaster(alpha=0.5, beta=0.3, phi=0.5, shrinkage=0)
    f.fit(np.array([[np.nan, np.nan, 10.0, 12.0, 14.0]]))
    # same first two steps as above but damped: l1 = 11, b1 = 0.6;
    # pred2 = 11 + 0.3 = 11.3, e2 = 2.7 -> l2 = 12.65, b2 = 0.3 + 0.81 = 1.11
    assert f.level_[0] == pytest.approx(12.65)
    assert f.trend_[0] == pytest.approx(1.11)
    assert f.predict(2)[0] == pytest.approx([12.65 + 0.5 * 1.11, 12.65 + 0.75 * 1.11])
    assert f.n_steps_[0] == 2


def test_shrinkage_toward_the_segment():
    Y = np.array([[10.0, 12.0, 14.0], [10.0, 12.0, 14.0], [5.0, 5.0, 5.0]])
    f = DampedTrendForecaster(alpha=0.5, beta=0.3, phi=1.0, shrinkage=2.0)
    f.fit(Y, groups=np.array(["a", "a", "b"]))
    # a customer that moves like its segment keeps its trend: g |l| = b
    assert f.trend_[0] == pytest.approx(1.32)
    # a flat segment: the trend of the single flat customer stays 0
    assert f.trend_[2] == 0.0
    f2 = DampedTrendForecaster(alpha=0.5, beta=0.3, phi=1.0, shrinkage=2.0)
    f2.fit(Y[[0, 2]], groups=np.array([0, 0]))
    # group total 15, 17, 19: level 17.8, trend 1.32 -> g = 1.32 / 17.8; w = 2 / (2 + 2)
    g = 1.32 / 17.8
    assert f2.trend_[1] == pytest.approx(0.5 * 0.0 + 0.5 * g * 5.0)
    assert f2.trend_[0] == pytest.approx(0.5 * 1.32 + 0.5 * g * 12.8)


def test_short_series_borrow_the_segment_sigma():
    Y = np.array([[np.nan, np.nan, 7.0], [1.0, 3.0, 5.0], [1.0, 2.0, 1.0]])
    f = DampedTrendForecaster(shrinkage=0).fit(Y)
    assert f.sigma_[0] == pytest.approx(np.median(f.sigma_[1:]))


def test_not_fitted_and_bad_parameters():
    with pytest.raises(NotFittedError, match="fit"):
        DampedTrendForecaster().predict(3)
    with pytest.raises(ValueError, match="beta <= alpha"):
        DampedTrendForecaster(alpha=0.1, beta=0.2).fit(np.zeros((1, 3)))


def test_blocks_of_rows_do_not_change_the_fit(monkeypatch):
    import functools

    from profitlens.trends import blocks, forecast

    rng = np.random.default_rng(8)
    Y = rng.normal(100, 30, (500, 12))
    Y[rng.random(Y.shape) < 0.2] = np.nan  # gaps anywhere, not only at the start
    groups = rng.integers(0, 3, len(Y))
    whole = DampedTrendForecaster().fit(Y, groups=groups)
    monkeypatch.setattr(forecast, "row_blocks", functools.partial(blocks.row_blocks, size=37))
    blocked = DampedTrendForecaster().fit(Y, groups=groups)
    for name in ("level_", "trend_", "sigma_", "n_steps_", "group_trend_"):
        assert np.array_equal(getattr(whole, name), getattr(blocked, name), equal_nan=True)
