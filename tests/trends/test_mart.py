"""The customer_trends mart end to end on a small company with known stories."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from trends_builders import activity_table, customers_table, months, pnl_table

from profitlens.trends.decomposition import PART_COLUMNS
from profitlens.trends.mart import (
    TREND_COLUMNS,
    customer_summary_trend_columns,
    customer_trends,
    main_driver,
    operating_profit_matrix,
)

PERIODS = months(2024, 24)


@pytest.fixture(scope="module")
def company():
    rng = np.random.default_rng(5)
    rows, act, cust = [], [], []
    for i in range(30):
        cid = f"C{i:02d}"
        turn = 16 if i < 5 else None
        cust.append((cid, "2023-06-01", "smb" if i % 2 else "enterprise"))
        for t, p in enumerate(PERIODS):
            revenue = 1000 + rng.normal(0, 50)
            service = 100 + rng.normal(0, 10) + (600 if turn is not None and t >= turn else 0)
            rows.append(
                {
                    "customer_id": cid,
                    "period": p,
                    "revenue": revenue,
                    "cogs": 0.6 * revenue,
                    "service_cost": service,
                }
            )
            act.append({"customer_id": cid, "period": p, "service_minutes": service / 0.5})
    # N: won (with a pursuit cost) three months before the as-of date
    rows += [
        {"customer_id": "N", "period": PERIODS[-4], "acquisition_cost": 500},
        {"customer_id": "N", "period": PERIODS[-2], "revenue": 300, "cogs": 100},
    ]
    cust.append(("N", "2025-10-15", "smb"))
    cust.append(("Z", "2024-03-01", None))  # never bought anything
    pnl, activity, customers = pnl_table(rows), activity_table(act), customers_table(cust)
    return pnl, activity, customers, customer_trends(pnl, activity, customers, PERIODS)


def test_one_row_per_customer_with_the_documented_columns(company):
    trends = company[3]
    assert list(trends.columns) == list(TREND_COLUMNS)
    assert trends.customer_id.tolist() == [f"C{i:02d}" for i in range(30)] + ["N", "Z"]


def test_statuses_and_turn_periods(company):
    t = company[3].set_index("customer_id")
    turned = t.index[t.status == "turned_unprofitable"].tolist()
    assert turned == [f"C{i:02d}" for i in range(5)]
    assert set(t.loc[turned, "turn_period"]) == {PERIODS[16]}
    assert t.loc["N", "status"] == "new"
    assert t.loc["Z", "status"] == "unprofitable"
    assert t.loc["Z", "segment"] == "(none)"
    assert (t.status.iloc[5:30] == "profitable").all()


def test_bridge_and_rolling_profit(company):
    pnl, _, _, trends = company
    t = trends.set_index("customer_id")
    assert np.allclose(t[list(PART_COLUMNS)].sum(axis=1), t.profit_change, atol=0.005)
    frame = pnl.execute()
    a = frame[frame.customer_id == "C00"].set_index("period").profit
    assert t.loc["C00", "rolling_profit"] == pytest.approx(a.iloc[-3:].sum())
    assert t.loc["C00", "profit_recent"] == pytest.approx(a.iloc[-6:].sum())
    assert t.loc["C00", "profit_prior"] == pytest.approx(a.iloc[-12:-6].sum())
    assert t.loc["N", "change_acquisition"] == pytest.approx(-500)
    assert t.loc["N", "rolling_profit"] == pytest.approx(200)  # pursuit was 4 months ago


def test_forecast_profit_at_risk_and_driver(company):
    t = company[3].set_index("customer_id")
    c = t.loc["C00"]
    assert c.forecast_1 < 0 < t.loc["C10", "forecast_1"]
    assert c.forecast_lo_1 < c.forecast_1 < c.forecast_hi_1
    assert c.forecast_hi_3 - c.forecast_lo_3 > c.forecast_hi_1 - c.forecast_lo_1
    # the prior window (periods 12..17) straddles the turn (16); baseline = its mean
    # operating profit per period
    frame = company[0].execute()
    op = frame[frame.customer_id == "C00"].set_index("period").profit
    baseline = op.iloc[-12:-6].mean()
    expected = max(0.0, 3 * baseline - (c.forecast_1 + c.forecast_2 + c.forecast_3))
    assert c.profit_at_risk == pytest.approx(expected)
    assert c.main_driver == "service"
    # service minutes 300 -> 700 a period for flat revenue: a 57% fall in revenue per minute;
    # the fastest-falling tenth (3 of 30 eligible) is flagged, all of them turned customers
    flagged = t.index[t.attention_flag].tolist()
    assert len(flagged) == 3 and set(flagged) <= {f"C{i:02d}" for i in range(5)}
    assert t.loc["C10", "profit_at_risk"] < 0.1 * c.profit_at_risk


def test_operating_profit_matrix_masks_the_pursuit(company):
    pnl, _, customers, _ = company
    ids, Y = operating_profit_matrix(pnl, customers, PERIODS)
    n = list(ids).index("N")
    assert np.isnan(Y[n, :-3]).all()  # acquired in the third-last period
    assert Y[n, -3:].tolist() == [0.0, 200.0, 0.0]


def test_summary_columns_and_main_driver():
    frame = pd.DataFrame(
        {
            "customer_id": ["A"],
            "status": ["declining"],
            "turn_period": [None],
            "profit_at_risk": [12.5],
            "main_driver": ["credit"],
            "x": [1],
        }
    )
    out = customer_summary_trend_columns(frame)
    assert out.columns.tolist() == [
        "customer_id",
        "trend_status",
        "turn_period",
        "profit_at_risk",
        "main_driver",
    ]
    parts = np.array(
        [
            [5, -1, 0, -50, 0, -2, 0, 0, 0],  # acquisition is never the driver
            [0, 1e-9, 0, 0, 0, 0, 0, 0, 0],
        ],
        dtype=float,
    )
    assert main_driver(parts).tolist() == ["service", None]
    # sales and service of -101.97 each, one summed in another order: a tie, the first part wins
    tie = np.array(
        [
            [0, 0, 0, 0, -101.97 + 1e-13, -101.97 - 1e-13, 0, 0, 0],
            [0, 0, 0, 0, -101.97 - 1e-13, -101.97 + 1e-13, 0, 0, 0],
        ]
    )
    assert main_driver(tie).tolist() == ["sales", "sales"]
