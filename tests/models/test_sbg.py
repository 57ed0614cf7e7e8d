"""Shifted-beta-geometric against Fader & Hardie (2007), "How to project customer retention"."""

import numpy as np
import pytest

from profitlens.models import ShiftedBetaGeometric, durations_from_survivors
from profitlens.models.sbg import sbg_log_likelihood

HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491]
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241]


@pytest.mark.parametrize(
    "survivors,a,b,ll", [(HIGH_END, 0.668, 3.806, -1611.2), (REGULAR, 0.704, 1.182, -1680.3)]
)
def test_published_cohorts(survivors, a, b, ll):
    m = ShiftedBetaGeometric().fit(*durations_from_survivors(survivors))
    assert round(m.params_["a"], 3) == a and round(m.params_["b"], 3) == b
    assert round(m.log_likelihood_, 1) == ll
    assert m.n_ == 1000


def test_survival_and_retention_by_hand():
    m = ShiftedBetaGeometric().set_params_(a=0.704, b=1.182)
    a, b = 0.704, 1.182
    # S(t) = prod over i <= t of retention r(i) = (b + i - 1) / (a + b + i - 1)
    s3 = np.prod([(b + i - 1) / (a + b + i - 1) for i in (1, 2, 3)])
    assert float(m.survival(3)) == pytest.approx(s3, rel=1e-12)
    assert float(m.retention_rate(2)) == pytest.approx((b + 1) / (a + b + 1))
    # a customer active after 4 periods renews next period with probability r(5)
    assert float(m.probability_alive(4, False, t=1)) == pytest.approx(m.retention_rate(5))
    assert float(m.probability_alive(4, True)) == 0.0
    renewals = m.conditional_expected_purchases(2, 4, False)
    assert float(renewals) == pytest.approx(float(m.retention_rate(5) * (1 + m.retention_rate(6))))
    assert float(m.expected_purchases(3)) == pytest.approx(
        float(sum(m.survival(i) for i in (1, 2, 3)))
    )


def test_gradient_is_the_derivative_of_the_likelihood():
    t, churned, _ = durations_from_survivors(REGULAR)
    theta = np.array([0.7, 1.2])
    grad = sbg_log_likelihood(theta, t, churned)[1]
    for k in range(2):
        e = np.eye(2)[k] * 1e-7
        num = (
            sbg_log_likelihood(theta + e, t, churned)[0]
            - sbg_log_likelihood(theta - e, t, churned)[0]
        ) / 2e-7
        np.testing.assert_allclose(grad[:, k], num, rtol=1e-6)


def test_recovers_planted_parameters():
    planted = ShiftedBetaGeometric().set_params_(a=0.8, b=2.5)
    duration, churned = planted.simulate(20_000, 10, random_state=3)
    fit = ShiftedBetaGeometric().fit(duration, churned)
    for k, v in planted.params_.items():
        assert abs(fit.params_[k] - v) < 4 * fit.standard_errors_[k], k
