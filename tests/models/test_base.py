"""Shared machinery: row compression, Beta quadrature, fitting errors."""
import numpy as np
import pytest
from scipy.special import betaln

from profitlens.models import BGNBD, FitError, GammaGamma
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
        assert w @ p ** k == pytest.approx(np.exp(betaln(a + k, b) - betaln(a, b)), rel=1e-10)


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
