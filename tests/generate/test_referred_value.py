"""The planted value of referred customers (truth ``heavy_referrers.referred_value``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from profitlens.generate import referrals
from profitlens.generate.config import Window


def test_value_to_date_and_to_come_by_hand(monkeypatch):
    window = Window(dt.date(2024, 1, 1), 12)
    end = window.as_of_day
    # monthly gross margin 91.2 and 45.6, cost to serve 30 and 60; 0.1 and 0.05 orders a day
    # (3.04 and 1.52 a month), so a first order's margin is 30 for both
    monkeypatch.setattr(
        referrals,
        "monthly_margin_and_cost",
        lambda cust, idx, window: (np.array([91.2, 45.6]), np.array([30.0, 60.0])),
    )
    monkeypatch.setattr(
        referrals, "profit_to_come", lambda cust, idx, margin, cost: np.array([500.0, 777.0])
    )
    cust = {
        "lam": np.array([0.1, 0.05]),
        "alive": np.array([True, False]),
        "acquired_day": np.array([end - 300, end - 300]),
        "dropout_day": np.array([-1, end - 100]),
        "active_end": np.array([end, end - 60]),
    }
    refs = {"referrer": np.array([0, 0]), "referred": np.array([0, 1])}
    value = referrals.referred_value(cust, refs, window)
    # alive: 30 + 91.2 x 300 days / 30.4375 - 30 x 301 days / 30.4375 + 500 to come
    #      = 530 + 18330 / 30.4375 = 530 + 602.21766
    # dropped 100 days ago, served 60 more: 30 + 45.6 x 200 / 30.4375 - 60 x 241 / 30.4375
    #      = 30 - 5340 / 30.4375 = 30 - 175.44148; nothing to come
    assert value == pytest.approx([1132.21766, -145.44148], abs=1e-5)
