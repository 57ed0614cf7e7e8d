"""BG/NBD against Fader, Hardie & Lee (2005) and their spreadsheet notes."""

import numpy as np
import pytest
from scipy.special import hyp2f1

from profitlens.models import BGNBD, NotFittedError
from profitlens.models.bgnbd import bgnbd_log_likelihood

PUBLISHED = dict(r=0.243, alpha=4.414, a=0.793, b=2.426)


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BGNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])


def test_cdnow_parameters_match_the_paper(fitted):
    # FHL (2005) section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    got = fitted.params_
    for name, value in PUBLISHED.items():
        assert round(got[name], 3) == value, name
    assert round(fitted.log_likelihood_, 1) == -9582.4
    assert fitted.n_ == 2357 and fitted.converged_


def test_standard_errors_are_those_of_the_observed_information(fitted, cdnow):
    # independent check: finite-difference Hessian of the total log-likelihood (no gradient)
    theta = np.array(list(fitted.params_.values()))
    data = (cdnow.x.to_numpy(float), cdnow.t_x.to_numpy(), cdnow["T"].to_numpy())

    def total(th):
        return bgnbd_log_likelihood(th, *data)[0].sum()

    h = 1e-4 * theta
    hess = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * h[i], np.eye(4)[j] * h[j]
            hess[i, j] = (
                total(theta + ei + ej)
                - total(theta + ei - ej)
                - total(theta - ei + ej)
                + total(theta - ei - ej)
            ) / (4 * h[i] * h[j])
    se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose(list(fitted.standard_errors_.values()), se, rtol=1e-3)


def test_conditional_expectation_of_the_spreadsheet_customer():
    # FHL note "Implementing the BG/NBD model in Excel": x=2, t_x=30.43, T=38.86 -> 1.226 in 39 weeks
    m = BGNBD().set_params_(**PUBLISHED)
    assert round(float(m.conditional_expected_purchases(39, 2, 30.43, 38.86)), 3) == 1.226


def test_expected_purchases_match_the_spreadsheet(fitted):
    # Hardie's spreadsheet E[X(t)] (cumulative repeat purchases per customer of the cohort)
    t = np.array([0.1429, 1.0, 3.0, 31.8571, 32.0, 78.0])
    expected = [0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576]
    np.testing.assert_allclose(fitted.expected_purchases(t), expected, atol=5e-4)


def _closed_form(r, alpha, a, b, t, x=0, t_x=0.0, T=0.0):
    """FHL (2005) eq. (10) with scipy's hyp2f1 (regular region: a + b + x - 1 > 0)."""
    z = t / (alpha + T + t)
    num = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    den = 1 + (x > 0) * a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    return num / den


@pytest.mark.parametrize(
    "x,t_x,T,t",
    [
        (0, 0, 38.86, 39),
        (2, 30.43, 38.86, 39),
        (7, 35.0, 38.0, 52),
        (29, 38.43, 38.86, 10),
        (1, 0.5, 30.0, 200),
    ],
)
def test_quadrature_matches_the_hypergeometric_closed_form(x, t_x, T, t):
    m = BGNBD().set_params_(**PUBLISHED)
    got = float(m.conditional_expected_purchases(t, x, t_x, T))
    assert got == pytest.approx(_closed_form(*PUBLISHED.values(), t, x, t_x, T), rel=1e-9)


def test_probability_alive():
    m = BGNBD().set_params_(**PUBLISHED)
    # no repeat purchase: certainly alive (BG/NBD drops out only after a purchase)
    assert m.probability_alive(0, 0, 38.86) == 1.0
    # eq. (11) by hand for the spreadsheet customer
    r, alpha, a, b = PUBLISHED.values()
    hand = 1 / (1 + a / (b + 2 - 1) * ((alpha + 38.86) / (alpha + 30.43)) ** (r + 2))
    assert float(m.probability_alive(2, 30.43, 38.86)) == pytest.approx(hand, rel=1e-12)
    # P(alive later) is P(alive now) times the chance of surviving the purchases in between
    later = m.probability_alive(2, 30.43, 38.86, t=52)
    assert 0 < later < m.probability_alive(2, 30.43, 38.86)


def test_gradient_is_the_derivative_of_the_likelihood():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 40, 200).astype(float)
    T = rng.uniform(1, 60, 200)
    t_x = np.where(x > 0, T * rng.uniform(size=200), 0.0)
    for theta in ([0.243, 4.414, 0.793, 2.426], [2.0, 0.3, 0.1, 0.2], [0.05, 30.0, 5.0, 0.4]):
        theta = np.array(theta)
        grad = bgnbd_log_likelihood(theta, x, t_x, T)[1].sum(0)
        for k in range(4):
            e = np.eye(4)[k] * 1e-6 * theta[k]
            num = (
                bgnbd_log_likelihood(theta + e, x, t_x, T)[0].sum()
                - bgnbd_log_likelihood(theta - e, x, t_x, T)[0].sum()
            ) / (2 * e[k])
            assert grad[k] == pytest.approx(num, rel=1e-5, abs=1e-6)


def test_stable_at_high_frequency_and_small_a_plus_b():
    m = BGNBD().set_params_(r=0.4, alpha=2.0, a=0.3, b=0.4)  # a + b < 1
    x = np.array([0.0, 1, 350, 5000])
    t_x = np.array([0.0, 3.0, 80.0, 99.99])
    T = np.full(4, 100.0)
    ll = m.log_likelihood(x, t_x, T)
    assert np.all(np.isfinite(ll))
    pred = m.conditional_expected_purchases(52, x, t_x, T)
    assert np.all(np.isfinite(pred)) and np.all(pred >= 0)
    # a very active, recent customer buys at most at the posterior rate (r + x)/(alpha + T),
    # a little less as they may drop out (posterior mean of p is a / (a + b + x) ~ 6e-5)
    ceiling = 52 * (0.4 + 5000) / 102.0
    assert 0.8 * ceiling < pred[3] < ceiling
    assert np.all(np.isfinite(m.expected_purchases(np.array([1.0, 52, 1000]))))


def test_weights_equal_repeated_rows(cdnow):
    sub = cdnow.iloc[:300]
    reps = np.arange(300) % 3 + 1
    weighted = BGNBD().fit(sub.x, sub.t_x, sub["T"], weights=reps)
    expanded = BGNBD().fit(
        np.repeat(sub.x, reps), np.repeat(sub.t_x, reps), np.repeat(sub["T"], reps)
    )
    for k in weighted.params_:
        assert weighted.params_[k] == pytest.approx(expanded.params_[k], rel=1e-6)
    assert weighted.n_ == expanded.n_ == reps.sum()


def test_recovers_planted_parameters_from_its_own_simulation():
    truth = dict(r=0.5, alpha=3.0, a=0.7, b=2.5)
    T = np.random.default_rng(1).uniform(20, 60, 30_000)
    sim = BGNBD().set_params_(**truth).simulate(T, random_state=2)
    fit = BGNBD().fit(sim["frequency"], sim["recency"], sim["T"])
    for k, v in truth.items():
        assert abs(fit.params_[k] - v) < 4 * fit.standard_errors_[k], k
        assert fit.params_[k] == pytest.approx(v, rel=0.2), k


def test_simulation_mean_matches_expected_purchases():
    m = BGNBD().set_params_(**PUBLISHED)
    sim = m.simulate(np.full(200_000, 52.0), random_state=3)
    se = sim["frequency"].std() / np.sqrt(200_000)
    assert abs(sim["frequency"].mean() - m.expected_purchases(52.0)) < 4 * se


def test_input_errors():
    with pytest.raises(NotFittedError, match="fit"):
        BGNBD().expected_purchases(1.0)
    with pytest.raises(ValueError, match="recency must lie between 0 and T"):
        BGNBD().fit([1, 2], [5.0, 1.0], [4.0, 4.0])
    with pytest.raises(ValueError, match="whole number"):
        BGNBD().fit([1.5], [1.0], [4.0])
