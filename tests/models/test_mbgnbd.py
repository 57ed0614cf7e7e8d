"""MBG/NBD against BTYDplus's CDNOW estimates and its own simulation."""

import numpy as np
import pytest

from profitlens.models import BGNBD, MBGNBD
from profitlens.models.mbgnbd import mbgnbd_log_likelihood


def test_cdnow_parameters_match_btydplus(cdnow):
    # BTYDplus (Platzer) MBG/NBD on the same 39-week CDNOW summary: 0.525, 6.183, 0.891, 1.614
    m = MBGNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    got = [round(m.params_[k], 3) for k in ("r", "alpha", "a", "b")]
    assert got == [0.525, 6.183, 0.891, 1.614]
    assert m.log_likelihood_ == pytest.approx(-9582.1, abs=0.05)


def test_likelihood_by_hand():
    # Batislam et al. (2007) eq. (6), one customer, computed term by term
    from math import gamma, log

    r, alpha, a, b = 0.5, 6.0, 0.9, 1.6
    x, t_x, T = 2, 10.0, 30.0
    beta_ratio = gamma(a + b) * gamma(b + x + 1) / (gamma(b) * gamma(a + b + x + 1))
    c = gamma(r + x) * alpha**r / gamma(r) * beta_ratio
    like = c * ((alpha + T) ** -(r + x) + a / (b + x) * (alpha + t_x) ** -(r + x))
    got = mbgnbd_log_likelihood((r, alpha, a, b), [x], [t_x], [T])[0][0]
    assert got == pytest.approx(log(like), rel=1e-12)


def test_no_repeat_customer_may_be_gone():
    m = MBGNBD().set_params_(r=0.525, alpha=6.183, a=0.891, b=1.614)
    r, alpha, a, b = 0.525, 6.183, 0.891, 1.614
    hand = 1 / (1 + a / b * ((alpha + 38.86) / alpha) ** r)
    assert float(m.probability_alive(0, 0, 38.86)) == pytest.approx(hand, rel=1e-12)


def test_gradient_is_the_derivative_of_the_likelihood():
    rng = np.random.default_rng(5)
    x = rng.integers(0, 400, 100).astype(float)
    T = rng.uniform(1, 60, 100)
    t_x = np.where(x > 0, T * rng.uniform(size=100), 0.0)
    theta = np.array([0.3, 2.0, 0.2, 0.5])  # a + b < 1
    grad = mbgnbd_log_likelihood(theta, x, t_x, T)[1].sum(0)
    for k in range(4):
        e = np.eye(4)[k] * 1e-6 * theta[k]
        num = (
            mbgnbd_log_likelihood(theta + e, x, t_x, T)[0].sum()
            - mbgnbd_log_likelihood(theta - e, x, t_x, T)[0].sum()
        ) / (2 * e[k])
        assert grad[k] == pytest.approx(num, rel=1e-5)


def test_recovers_planted_parameters_and_expectation_matches_simulation():
    truth = dict(r=0.6, alpha=5.0, a=0.9, b=1.8)
    planted = MBGNBD().set_params_(**truth)
    sim = planted.simulate(np.random.default_rng(1).uniform(20, 60, 30_000), random_state=4)
    fit = MBGNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    for k, v in truth.items():
        assert abs(fit.params_[k] - v) < 4 * fit.standard_errors_[k], k
    many = planted.simulate(np.full(200_000, 40.0), random_state=5)["frequency"]
    assert abs(many.mean() - planted.expected_purchases(40.0)) < 4 * many.std() / np.sqrt(2e5)


def test_differs_from_bgnbd_only_by_the_first_coin_toss():
    # with a tiny dropout probability the two models coincide
    params = dict(r=0.5, alpha=4.0, a=0.01, b=100.0)
    bg, mbg = BGNBD().set_params_(**params), MBGNBD().set_params_(**params)
    assert mbg.expected_purchases(30.0) == pytest.approx(bg.expected_purchases(30.0), rel=2e-3)
