"""Shared machinery: row compression, Beta quadrature, fitting errors."""

import numpy as np
import pytest
from scipy.special import betaln

from profitlens.models import BGNBD, FitError, GammaGamma
from profitlens.models._mle import _newton
from profitlens.models._quadrature import beta_nodes
from profitlens.models.base import compress_rows


def test_compress_rows_round_trips_and_counts():
    (a, b), counts, inverse = compress_rows([3, 1, 3, 1, 2], [0.5, 0.1, 0.5, 0.2, 0.1])
    assert list(zip(a, b, counts)) == [(3, 0.5, 2), (1, 0.1, 1), (1, 0.2, 1), (2, 0.1, 1)]
    np.testing.assert_array_equal(a[inverse], [3, 1, 3, 1, 2])
    np.testing.assert_array_equal(b[inverse], [0.5, 0.1, 0.5, 0.2, 0.1])
    (c,), n, _ = compress_rows(np.ones(4))  # a constant column
    assert list(c) == [1.0] and list(n) == [4.0]


@pytest.mark.parametrize("a,b", [(0.793, 2.426), (0.2, 0.3), (0.5, 2000.0), (3.0, 0.6)])
def test_beta_nodes_integrate_beta_moments_exactly(a, b):
    p, w = beta_nodes(32, a, b)
    assert w.sum() == pytest.approx(1.0)
    for k in range(1, 8):  # E[p^k] = B(a + k, b) / B(a, b)
        assert w @ p**k == pytest.approx(np.exp(betaln(a + k, b) - betaln(a, b)), rel=1e-10)


def test_standard_errors_and_serialisation(cdnow):
    m = BGNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    d = m.to_dict()
    assert d["model"] == "BGNBD" and d["n"] == 2357
    assert set(d["standard_errors"]) == {"r", "alpha", "a", "b"}
    assert np.allclose(np.sqrt(np.diag(m.covariance_)), list(m.standard_errors_.values()))
    assert "r=0.2426" in repr(m)


def test_gamma_gamma_refuses_an_infinite_mean():
    m = GammaGamma().set_params_(p=2.0, q=0.8, gamma=3.0)
    with pytest.raises(FitError, match="q = 0.8 <= 1"):
        m.conditional_expected_value(2, 10.0)


def test_newton_takes_a_step_whose_gain_is_below_the_rounding_noise():
    # near the optimum of a sum over a million customers the objective's rounding noise
    # (~1e-13 on a value near 8) exceeds what a last Newton step gains; the step is taken
    optimum = np.array([0.3, -0.2])

    def objective(z):
        d = z - optimum
        noise = 1.5e-13 if np.abs(d).max() < 1e-9 else 0.0
        return 7.8 + 1e-3 * (d @ d) + noise, 2e-3 * d

    point, _, grad, _, converged = _newton(objective, optimum + 1e-7)
    assert converged
    np.testing.assert_allclose(point, optimum, atol=1e-12)
    assert np.abs(grad).max() < 1e-15


def test_forecast_curves_combined_equal_the_combined_curves(cdnow):
    model = BGNBD().fit(cdnow.x, cdnow.t_x, cdnow["T"])
    times = np.linspace(0.0, 52.0, 14)
    combine = np.random.default_rng(0).normal(size=(times.size, 3))
    cum, alive = model.forecast_curves(times, cdnow.x, cdnow.t_x, cdnow["T"])
    cum_w, alive_w = model.forecast_curves(times, cdnow.x, cdnow.t_x, cdnow["T"], combine=combine)
    np.testing.assert_allclose(cum_w, cum @ combine, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(alive_w, alive @ combine, rtol=1e-12, atol=1e-12)
