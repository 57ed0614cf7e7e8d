"""Gamma-Gamma against Fader & Hardie's note 025 on CDNOW."""

import numpy as np
import pytest

from profitlens.models import FitError, GammaGamma
from profitlens.models.gammagamma import gammagamma_log_likelihood


def test_cdnow_parameters_match_the_note(cdnow):
    # note 025: p = 6.25, q = 3.74, gamma = 15.44 on the 946 repeat buyers
    m = GammaGamma().fit(cdnow.x, cdnow.m_x)
    assert m.n_ == 946
    assert [round(m.params_[k], 2) for k in ("p", "q", "gamma")] == [6.25, 3.74, 15.44]


def test_mean_and_conditional_expectation_by_hand():
    m = GammaGamma().set_params_(p=6.25, q=3.74, gamma=15.44)
    # population mean p gamma / (q - 1) = 35.22 (FHL 2005 "RFM and CLV")
    assert round(m.population_mean(), 2) == 35.22
    # customer with x = 2, m_x = 22.345: weighted average of 35.22 and 22.345
    w = 6.25 * 2 / (6.25 * 2 + 3.74 - 1)
    hand = (1 - w) * 6.25 * 15.44 / 2.74 + w * 22.345
    assert float(m.conditional_expected_value(2, 22.345)) == pytest.approx(hand, rel=1e-12)
    assert float(m.conditional_expected_value(0, np.nan)) == pytest.approx(m.population_mean())


def test_margin_is_the_same_model_rescaled(cdnow):
    # values scaled by c: p, q unchanged, gamma scaled by c (gamma is a scale parameter)
    rev = GammaGamma().fit(cdnow.x, cdnow.m_x)
    margin = GammaGamma().fit(cdnow.x, 0.3 * cdnow.m_x)
    assert margin.params_["p"] == pytest.approx(rev.params_["p"], rel=1e-6)
    assert margin.params_["q"] == pytest.approx(rev.params_["q"], rel=1e-6)
    assert margin.params_["gamma"] == pytest.approx(0.3 * rev.params_["gamma"], rel=1e-6)


def test_gradient_is_the_derivative_of_the_likelihood(cdnow):
    rep = cdnow[cdnow.x > 0]
    theta = np.array([6.0, 3.5, 15.0])
    grad = gammagamma_log_likelihood(theta, rep.x, rep.m_x)[1].sum(0)
    for k in range(3):
        e = np.eye(3)[k] * 1e-6 * theta[k]
        num = (
            gammagamma_log_likelihood(theta + e, rep.x, rep.m_x)[0].sum()
            - gammagamma_log_likelihood(theta - e, rep.x, rep.m_x)[0].sum()
        ) / (2 * e[k])
        assert grad[k] == pytest.approx(num, rel=1e-5)


def test_recovers_planted_parameters():
    planted = GammaGamma().set_params_(p=4.0, q=5.0, gamma=20.0)
    x = np.random.default_rng(0).integers(1, 15, 20_000).astype(float)
    m_x = planted.simulate(x, random_state=1)
    fit = GammaGamma().fit(x, m_x)
    for k, v in planted.params_.items():
        assert abs(fit.params_[k] - v) < 4 * fit.standard_errors_[k], k


def test_needs_positive_values():
    with pytest.raises(FitError, match="positive value"):
        GammaGamma().fit([0, 1], [np.nan, -3.0])
