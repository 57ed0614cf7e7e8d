"""Pareto/NBD against Fader, Hardie & Lee's note on implementing the model."""

import numpy as np
import pytest
from scipy import integrate
from scipy.special import hyp2f1

from profitlens.models import ParetoNBD
from profitlens.models.paretonbd import _death_integral, paretonbd_log_likelihood

PUBLISHED = dict(r=0.553, alpha=10.578, s=0.606, beta=11.669)


def test_cdnow_parameters_match_the_note(cdnow):
    # FHL (2005) note 008: r = 0.553, alpha = 10.578, s = 0.606, beta = 11.669, LL = -9595.0
    m = ParetoNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    for name, value in PUBLISHED.items():
        assert round(m.params_[name], 3) == value, name
    assert round(m.log_likelihood_, 1) == -9595.0


def _note_likelihood(r, alpha, s, beta, x, t_x, T):
    """Note 008 eq. (3) with scipy's hyp2f1 (fine at these moderate values)."""
    if alpha >= beta:
        big, hyp_b = alpha, s + 1
    else:
        big, hyp_b = beta, r + x
    z = lambda t: abs(alpha - beta) / (big + t)  # noqa: E731
    m = r + s + x
    a0 = (
        hyp2f1(m, hyp_b, m + 1, z(t_x)) / (big + t_x) ** m
        - hyp2f1(m, hyp_b, m + 1, z(T)) / (big + T) ** m
    )
    from math import gamma

    lead = gamma(r + x) * alpha**r * beta**s / gamma(r)
    return lead * (1 / ((alpha + T) ** (r + x) * (beta + T) ** s) + s / m * a0)


@pytest.mark.parametrize(
    "theta", [tuple(PUBLISHED.values()), (0.553, 15.0, 0.606, 11.669), (2.0, 1.0, 3.0, 5.0)]
)
@pytest.mark.parametrize("x,t_x,T", [(0, 0.0, 38.86), (2, 30.43, 38.86), (12, 20.0, 35.0)])
def test_likelihood_equals_the_hypergeometric_form(theta, x, t_x, T):
    got = paretonbd_log_likelihood(theta, [x], [t_x], [T])[0][0]
    assert got == pytest.approx(np.log(_note_likelihood(*theta, x, t_x, T)), rel=1e-10)


@pytest.mark.parametrize(
    "theta,x,t_x,T",
    [
        ((0.5, 0.01, 2.0, 50.0), 0, 0.0, 38.86),  # alpha << beta, no repeats
        ((3.0, 100.0, 0.2, 0.001), 0, 0.0, 38.86),  # beta << alpha
        ((0.8, 0.16, 0.02, 3.2), 1000, 26.19, 27.65),  # frequency far above 300
        ((0.55, 10.6, 0.6, 11.7), 400, 1.0, 38.0),
    ],
)
def test_death_integral_is_accurate_where_the_hypergeometric_form_is_not(theta, x, t_x, T):
    r, a, s, b = theta
    d = min(a, b)

    # reference: adaptive quadrature of the integral in log(d + tau)
    def f(y):
        return np.exp(
            -(r + x) * (np.log(a + np.exp(y) - d) - np.log(a + t_x))  # noqa: E731
            - (s + 1) * (np.log(b + np.exp(y) - d) - np.log(b + t_x))
            + y
        )

    q, _ = integrate.quad(f, np.log(d + t_x), np.log(d + T), epsrel=1e-12, limit=2000)
    ref = np.log(q) - (r + x) * np.log(a + t_x) - (s + 1) * np.log(b + t_x)
    got = _death_integral(theta, np.array([x], float), np.array([t_x]), np.array([T]))[0][0]
    assert got == pytest.approx(ref, abs=1e-8)
    assert np.isfinite(paretonbd_log_likelihood(theta, [x], [t_x], [T])[0][0])


def test_gradient_is_the_derivative_of_the_likelihood(cdnow):
    theta = np.array(list(PUBLISHED.values()))
    data = (cdnow.x.to_numpy(float), cdnow.t_x.to_numpy(), cdnow["T"].to_numpy())
    grad = paretonbd_log_likelihood(theta, *data)[1].sum(0)
    for k in range(4):
        e = np.eye(4)[k] * 1e-6 * theta[k]
        num = (
            paretonbd_log_likelihood(theta + e, *data)[0].sum()
            - paretonbd_log_likelihood(theta - e, *data)[0].sum()
        ) / (2 * e[k])
        assert grad[k] == pytest.approx(num, rel=1e-4, abs=1e-5)


def test_probability_alive_and_conditional_expectation_by_hand():
    m = ParetoNBD().set_params_(**PUBLISHED)
    r, alpha, s, beta = PUBLISHED.values()
    x, t_x, T, t = 2, 30.43, 38.86, 39.0
    first = 1 / ((alpha + T) ** (r + x) * (beta + T) ** s)
    from math import gamma

    lead = gamma(r + x) * alpha**r * beta**s / gamma(r)
    p_alive = lead * first / _note_likelihood(r, alpha, s, beta, x, t_x, T)
    assert float(m.probability_alive(x, t_x, T)) == pytest.approx(p_alive, rel=1e-10)
    # Schmittlein et al. (1987) eq. (22)
    hand = (
        (r + x)
        * (beta + T)
        / ((alpha + T) * (s - 1))
        * (1 - ((beta + T) / (beta + T + t)) ** (s - 1))
        * p_alive
    )
    assert float(m.conditional_expected_purchases(t, x, t_x, T)) == pytest.approx(hand, rel=1e-10)
    new = r * beta / (alpha * (s - 1)) * (1 - (beta / (beta + 52)) ** (s - 1))
    assert float(m.expected_purchases(52.0)) == pytest.approx(new, rel=1e-12)


def test_recovers_planted_parameters_from_its_own_simulation():
    truth = dict(r=0.8, alpha=8.0, s=0.9, beta=12.0)
    T = np.random.default_rng(1).uniform(30, 80, 12_000)
    planted = ParetoNBD().set_params_(**truth)
    sim = planted.simulate(T, random_state=7)
    fit = ParetoNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    for k, v in truth.items():
        assert abs(fit.params_[k] - v) < 4 * fit.standard_errors_[k], k
    many = planted.simulate(np.full(200_000, 52.0), random_state=8)["frequency"]
    assert abs(many.mean() - planted.expected_purchases(52.0)) < 4 * many.std() / np.sqrt(2e5)
