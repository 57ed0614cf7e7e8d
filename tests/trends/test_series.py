"""Spans and the zero-filled series with rolling profit."""

from __future__ import annotations

import pytest
from trends_builders import activity_table, customers_table, months, pnl_table

from profitlens.trends.series import customer_period_series, customer_spans, period_index

PERIODS = months(2025, 6)


def test_spans_and_zero_filled_series():
    pnl = pnl_table(
        [
            {"customer_id": "A", "period": "2025-02", "revenue": 100},
            {"customer_id": "A", "period": "2025-05", "revenue": 50, "service_cost": 80},
            {"customer_id": "B", "period": "2025-01", "acquisition_cost": 30},  # pursuit
            {"customer_id": "B", "period": "2025-06", "revenue": 10},
        ]
    )
    customers = customers_table(
        [("A", "2024-06-15", "smb"), ("B", "2025-03-02", "smb"), ("Q", "2025-04-30", None)]
    )  # Q: no P&L at all
    spans = customer_spans(pnl, customers, PERIODS, "2025-06").execute().set_index("customer_id")
    # A acquired before the run: starts with the run; B starts with its pursuit
    assert spans.loc["A"].tolist() == [0, 0, 0]
    assert spans.loc["B"].tolist() == [1, 0, 2]
    assert spans.loc["Q"].tolist() == [2, 3, 3]
    act = activity_table([{"customer_id": "A", "period": "2025-05", "service_minutes": 90}])
    series = customer_period_series(
        pnl, act, customer_spans(pnl, customers, PERIODS, "2025-06"), PERIODS, "2025-06", window=3
    ).execute()
    a = series[series.customer_id == "A"].sort_values("period")
    assert a.period.tolist() == PERIODS  # zero-filled through as-of
    assert a.profit.tolist() == [0, 100, 0, 0, -30, 0]
    assert a.rolling_profit.tolist() == [0, 100, 100, 100, -30, -30]
    assert a.service_minutes.tolist() == [0, 0, 0, 0, 90, 0]
    q = series[series.customer_id == "Q"]
    assert q.period.tolist() == ["2025-04", "2025-05", "2025-06"]
    assert (q.profit == 0).all()
    b = series[series.customer_id == "B"].sort_values("period")
    assert b.rolling_profit.tolist() == [-30, -30, -30, 0, 0, 10]


def test_period_index_must_be_ordered():
    assert period_index(["2025-Q1", "2025-Q2"]).execute().period_idx.tolist() == [0, 1]
    with pytest.raises(ValueError, match="ascending"):
        period_index(["2025-02", "2025-01"])
