"""Revenue per service minute, recent against prior."""

from __future__ import annotations

import numpy as np
import pytest
from trends_builders import activity_table, months

from profitlens.trends.signals import attention_signal, customer_service_window_totals


def test_hand_computed_signal_and_flag():
    # A: 1000/100 -> 900/300: rate 10 -> 3, change -70%      (flag)
    # B: 1000/100 -> 1100/100: +10%                           (no)
    # C: stopped buying, still 50 minutes: -100%              (flag)
    # D: no service before: undefined                         (no)
    # E: falls 60% but only 20 minutes recently               (too few minutes)
    out = attention_signal(
        [1000, 1000, 500, 800, 1000],
        [900, 1100, 0, 800, 100],
        [100, 100, 50, 0, 50],
        [300, 100, 50, 40, 20],
        min_fall=0.3,
        flag_share=0.5,
        min_minutes=30,
    )
    assert out["revenue_per_service_minute_change"].tolist()[:3] == pytest.approx([-0.7, 0.1, -1.0])
    assert np.isnan(out["revenue_per_service_minute_change"][3])
    assert out["revenue_per_service_minute"][0] == pytest.approx(3.0)
    assert out["revenue_growth"][0] == pytest.approx(-0.1)
    assert out["service_minutes_growth"][0] == pytest.approx(2.0)
    assert np.isnan(out["service_minutes_growth"][3])
    assert out["attention_flag"].tolist() == [True, False, True, False, False]


def test_only_the_fastest_falling_share_is_flagged():
    r0 = np.full(10, 1000.0)
    r1 = np.linspace(100, 600, 10)  # every customer falls 40% or more
    out = attention_signal(r0, r1, np.full(10, 100.0), np.full(10, 100.0), flag_share=0.2)
    assert out["attention_flag"].sum() == 2
    assert out["attention_flag"][:2].all()


def test_service_window_totals():
    periods = months(2025, 4)
    act = activity_table(
        [
            {"customer_id": "A", "period": p, "service_minutes": m}
            for p, m in zip(periods, [10.0, 20.0, 30.0, 40.0])
        ]
    )
    t = customer_service_window_totals(act, periods, "2025-04", 2).execute()
    assert t.service_minutes_prior.tolist() == [30.0]
    assert t.service_minutes_recent.tolist() == [70.0]
