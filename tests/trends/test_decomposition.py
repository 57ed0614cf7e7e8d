"""The profit bridge: hand-computed parts, and parts that sum to the change at every level."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trends_builders import customers_table, months, pnl_rows, pnl_table

from profitlens.contract import COST_LINES
from profitlens.trends.decomposition import (
    PART_COLUMNS,
    customer_profit_bridge,
    customer_window_totals,
    portfolio_profit_bridge,
    segment_profit_bridge,
    window_bounds,
)

PERIODS = months(2025, 4)  # window 2: prior = 2025-01..02, recent = 2025-03..04


def bridge(rows, window=2, periods=PERIODS, as_of=None):
    t = customer_window_totals(pnl_table(rows), periods, as_of or periods[-1], window)
    return customer_profit_bridge(t).execute().set_index("customer_id")


def test_window_bounds():
    assert window_bounds(months(2025, 12), "2025-12", 6) == (0, 6, 11)
    assert window_bounds(months(2025, 12), "2025-10", 3) == (4, 7, 9)
    assert window_bounds(months(2025, 4), "2025-04", 3) == (-2, 1, 3)
    with pytest.raises(ValueError, match="not one of the periods"):
        window_bounds(PERIODS, "2024-12", 2)
    with pytest.raises(ValueError, match="positive"):
        window_bounds(PERIODS, "2025-04", 0)


def test_hand_computed_bridge():
    # prior: R0 = 1000, GM0 = 400 (m0 = 40%), service 50 -> profit 350
    # recent: R1 = 800, GM1 = 240 (m1 = 30%), service 120 -> profit 120
    # volume = -200 x 0.4 = -80; price/mix = 800 x (0.3 - 0.4) = -80; service = -70
    rows = [
        {"customer_id": "A", "period": "2025-01", "revenue": 600, "cogs": 360, "service_cost": 20},
        {"customer_id": "A", "period": "2025-02", "revenue": 400, "cogs": 240, "service_cost": 30},
        {"customer_id": "A", "period": "2025-03", "revenue": 500, "cogs": 350, "service_cost": 120},
        {"customer_id": "A", "period": "2025-04", "revenue": 300, "cogs": 210},
    ]
    b = bridge(rows).loc["A"]
    assert b.profit_prior == pytest.approx(350)
    assert b.profit_recent == pytest.approx(120)
    assert b.profit_change == pytest.approx(-230)
    assert b.margin_rate_prior == pytest.approx(0.4)
    assert b.change_volume == pytest.approx(-80)
    assert b.change_price_mix == pytest.approx(-80)
    assert b.change_service == pytest.approx(-70)
    for part in ("commission", "acquisition", "sales", "fulfilment", "credit", "referral"):
        assert b[f"change_{part}"] == 0


def test_new_and_lost_customers_are_volume():
    rows = [
        {"customer_id": "NEW", "period": "2025-03", "revenue": 100, "cogs": 30},
        {"customer_id": "LOST", "period": "2025-01", "revenue": 200, "cogs": 150, "credit_cost": 5},
    ]
    b = bridge(rows)
    assert b.loc["NEW", "change_volume"] == pytest.approx(70)  # all of GM1
    assert b.loc["NEW", "change_price_mix"] == pytest.approx(0)
    assert b.loc["LOST", "change_volume"] == pytest.approx(-50)  # -GM0
    assert b.loc["LOST", "change_price_mix"] == pytest.approx(0)
    assert b.loc["LOST", "change_credit"] == pytest.approx(5)  # the cost went away
    assert b.loc["LOST", "profit_change"] == pytest.approx(-45)


def test_cost_without_revenue_is_price_mix_and_tiny_revenue_is_clipped():
    rows = [
        {"customer_id": "C", "period": "2025-03", "cogs": 40},  # R = 0 both windows
        {"customer_id": "D", "period": "2025-01", "revenue": 0.01, "cogs": 60},
        {"customer_id": "D", "period": "2025-03", "revenue": 100, "cogs": 70},
    ]
    b = bridge(rows)
    assert b.loc["C", "change_volume"] == 0
    assert b.loc["C", "change_price_mix"] == pytest.approx(-40)
    # m0 = -59.99/0.01 = -5999, clipped to -1: volume = 99.99 x -1
    assert b.loc["D", "margin_rate_prior"] == -1.0
    assert b.loc["D", "change_volume"] == pytest.approx(-99.99)
    assert b.loc["D", "change_volume"] + b.loc["D", "change_price_mix"] == pytest.approx(
        30 - (0.01 - 60)
    )


def test_periods_after_as_of_and_before_prior_window_are_ignored():
    periods = months(2025, 6)
    rows = [
        {"customer_id": "A", "period": p, "revenue": 100 * (i + 1)} for i, p in enumerate(periods)
    ]
    b = bridge(rows, window=2, periods=periods, as_of="2025-05").loc["A"]
    assert b.profit_prior == pytest.approx(200 + 300)  # 2025-02, 2025-03
    assert b.profit_recent == pytest.approx(400 + 500)  # 2025-04, 2025-05


money = st.one_of(st.just(0.0), st.integers(-500_000, 5_000_000).map(lambda c: c / 100))


@st.composite
def pnl_frames(draw):
    n_customers = draw(st.integers(1, 8))
    rows = []
    for c in range(n_customers):
        for p in draw(st.sets(st.sampled_from(PERIODS + ["2025-05"]), max_size=5)):
            row = {"customer_id": f"C{c}", "period": p, "revenue": draw(money), "cogs": draw(money)}
            for line in COST_LINES:
                row[line] = draw(money)
            rows.append(row)
    segments = [draw(st.sampled_from(["a", "b", None])) for _ in range(n_customers)]
    return rows, segments


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pnl_frames())
def test_parts_sum_to_the_change_to_the_cent_at_every_level(case):
    rows, segments = case
    if not rows:
        return
    pnl = pnl_table(rows)
    customers = customers_table([(f"C{i}", "2024-01-01", s) for i, s in enumerate(segments)])
    cust = customer_profit_bridge(customer_window_totals(pnl, PERIODS, "2025-04", 2))
    c = cust.execute()
    frame = pnl_rows(rows)
    frame = frame[frame.period <= "2025-04"]
    expected = (
        frame[frame.period >= "2025-03"]
        .groupby("customer_id")
        .profit.sum()
        .sub(frame[frame.period < "2025-03"].groupby("customer_id").profit.sum(), fill_value=0)
    )
    c = c.set_index("customer_id")
    assert np.allclose(c.profit_change, expected.reindex(c.index), atol=0.005, rtol=0)
    assert np.all(np.abs(c[list(PART_COLUMNS)].sum(axis=1) - c.profit_change) < 0.005)
    gm_change = c.change_volume + c.change_price_mix
    totals = (
        customer_window_totals(pnl, PERIODS, "2025-04", 2)
        .execute()
        .set_index("customer_id")
        .reindex(c.index)
    )
    assert np.all(
        np.abs(gm_change - (totals.gross_margin_recent - totals.gross_margin_prior)) < 0.005
    )

    seg = segment_profit_bridge(cust, customers).execute()
    assert np.all(np.abs(seg[list(PART_COLUMNS)].sum(axis=1) - seg.profit_change) < 0.005)
    assert seg.customers.sum() == len(c)
    port = portfolio_profit_bridge(cust).execute().iloc[0]
    assert abs(sum(port[p] for p in PART_COLUMNS) - port.profit_change) < 0.005
    assert abs(port.profit_change - expected.sum()) < 0.005
    assert abs(seg.profit_change.sum() - port.profit_change) < 0.005


def test_segment_bridge_sums_customers_and_names_missing_segment():
    rows = [
        {"customer_id": "A", "period": "2025-01", "revenue": 100, "cogs": 50},
        {"customer_id": "B", "period": "2025-03", "revenue": 300, "cogs": 100},
        {"customer_id": "X", "period": "2025-03", "revenue": 10},
    ]
    customers = customers_table(
        [("A", "2024-01-01", "smb"), ("B", "2024-01-01", "smb"), ("X", "2024-01-01", None)]
    )
    cust = customer_profit_bridge(customer_window_totals(pnl_table(rows), PERIODS, "2025-04", 2))
    seg = segment_profit_bridge(cust, customers).execute().set_index("segment")
    assert list(seg.index) == ["(none)", "smb"]
    assert seg.loc["smb", "customers"] == 2
    assert seg.loc["smb", "profit_change"] == pytest.approx(200 - 50)
    assert seg.loc["smb", "change_volume"] == pytest.approx(-50 + 200)
    assert seg.loc["(none)", "profit_change"] == pytest.approx(10)
