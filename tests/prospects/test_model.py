"""The estimators: calibrated conversion, rates blended with segment means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profitlens.prospects.model import DEPTHS, ConversionModel, RateModel


def _frame(n, rng):
    return pd.DataFrame(
        {
            "segment": rng.choice(["a", "b"], n),
            "industry": rng.choice(["x", "y", "z"], n),
            "employees": rng.lognormal(3, 1, n),
        }
    )


def test_conversion_trees_are_calibrated_and_score_unseen_values():
    rng = np.random.default_rng(1)
    X = _frame(3000, rng)
    p = np.where(X.segment == "a", 0.2, 0.6)
    y = rng.random(3000) < p
    model = ConversionModel(method="trees").fit(X, y)
    assert model.calibration_ in ("isotonic", "sigmoid")
    assert set(model.cv_brier_) == {"isotonic", "sigmoid"}
    fresh = _frame(4000, np.random.default_rng(2))
    got = model.predict_proba(fresh)
    for segment, truth in (("a", 0.2), ("b", 0.6)):
        assert got[fresh.segment == segment].mean() == pytest.approx(truth, abs=0.04)
    unseen = model.predict_proba(
        pd.DataFrame({"segment": ["mystery"], "industry": ["x"], "employees": [np.nan]})
    )
    assert 0.0 < unseen[0] < 1.0


def test_conversion_shrinkage_pools_thin_segments():
    X = pd.DataFrame({"segment": ["a"] * 3 + ["b"] * 27})
    y = np.array([1, 1, 1] + [1] * 9 + [0] * 18)
    model = ConversionModel(method="shrinkage", shrinkage=20).fit(X, y)
    # overall 12/30 = 0.4; a: (3 + 20 x 0.4) / (3 + 20) = 11/23
    assert model.predict_proba(pd.DataFrame({"segment": ["a"]}))[0] == pytest.approx(11 / 23)
    assert model.calibration_ is None


def test_rate_trees_keep_to_segment_means_when_attributes_say_nothing():
    rng = np.random.default_rng(3)
    X = _frame(1500, rng)
    y = np.where(X.segment == "a", 100.0, 20.0) + rng.normal(0, 80, 1500)
    model = RateModel(method="trees").fit(X, y)
    assert model.blend_ <= 0.3
    got = model.predict(
        pd.DataFrame({"segment": ["a", "b"], "industry": ["x", "y"], "employees": [20.0, 20.0]})
    )
    assert got == pytest.approx([100.0, 20.0], abs=12.0)


def test_rate_trees_find_structure_beyond_the_segment():
    rng = np.random.default_rng(4)
    X = _frame(1500, rng)
    y = 50.0 * np.log(X.employees) + rng.normal(0, 5, 1500)
    model = RateModel(method="trees").fit(X, y)
    assert model.blend_ >= 0.8
    got = model.predict(
        pd.DataFrame(
            {"segment": ["a", "a"], "industry": ["x", "x"], "employees": [np.exp(2.0), np.exp(4.0)]}
        )
    )
    assert got == pytest.approx([100.0, 200.0], abs=15.0)


def test_depth_is_the_one_with_the_least_held_out_error():
    """The depth is chosen on held-out rows: an interaction of three attributes (the rate
    differs only where all three agree) needs deeper trees than a single attribute."""
    rng = np.random.default_rng(5)
    X = _frame(3000, rng)
    corner = (X.segment == "a") & (X.industry == "x") & (X.employees > 20)
    y = np.where(corner, 300.0, 0.0) + rng.normal(0, 20, 3000)
    deep = RateModel(method="trees").fit(X, y)
    assert set(deep.cv_depth_error_) == set(DEPTHS)
    assert deep.max_depth_ == min(deep.cv_depth_error_, key=deep.cv_depth_error_.get)
    assert deep.max_depth_ >= 3
    assert deep.estimator_.max_depth == deep.max_depth_
    conversion = ConversionModel(method="trees").fit(X, rng.random(3000) < 0.3 + 0.4 * corner)
    assert conversion.max_depth_ == min(
        conversion.cv_depth_brier_, key=conversion.cv_depth_brier_.get
    )


def test_unknown_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        RateModel(method="magic").fit(pd.DataFrame({"segment": ["a"]}), [1.0])
