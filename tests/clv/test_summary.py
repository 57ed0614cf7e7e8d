"""RFM summaries from invoice lines, against an independent pandas summary and hand cases."""

import datetime as dt
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest

from profitlens.clv.summary import (
    calibration_holdout_summary,
    purchase_counts,
    purchases,
    rfm_summary,
)

DATA = Path(__file__).parents[1] / "data" / "cdnow"


def lines_table(rows):
    df = pd.DataFrame(
        rows, columns=["invoice_id", "customer_id", "invoice_date", "revenue", "cost"]
    )
    df["invoice_date"] = pd.to_datetime(df["invoice_date"]).dt.date
    return ibis.memtable(
        df,
        schema={
            "invoice_id": "string",
            "customer_id": "string",
            "invoice_date": "date",
            "revenue": "float64",
            "cost": "float64",
        },
    )


@pytest.fixture(scope="module")
def cdnow_lines():
    df = pd.read_csv(DATA / "invoice_lines.csv", dtype={"customer_id": str, "invoice_id": str})
    df["invoice_date"] = pd.to_datetime(df["invoice_date"]).dt.date
    return ibis.memtable(df[["invoice_id", "customer_id", "invoice_date", "revenue", "cost"]])


def test_cdnow_summary_equals_the_independent_reference(cdnow_lines):
    ref = pd.read_csv(DATA / "calibration_summary_39w.csv", dtype={"customer_id": str})
    got = calibration_holdout_summary(cdnow_lines, "1997-09-30", "1998-06-30", "week").execute()
    got = got.sort_values("customer_id").reset_index(drop=True)
    assert len(got) == 2357 and list(got.customer_id) == list(ref.customer_id)
    np.testing.assert_array_equal(got.frequency, ref.x)
    np.testing.assert_allclose(got.recency, ref.t_x, atol=1e-6)
    np.testing.assert_allclose(got["T"], ref["T"], atol=1e-6)
    np.testing.assert_allclose(got.revenue_mean.fillna(-1), ref.m_x.fillna(-1), atol=1e-6)
    np.testing.assert_array_equal(got.frequency_holdout, ref.x_star)
    assert got.frequency.sum() == 2457 and got.frequency_holdout.sum() == 1882
    # the first spreadsheet customer: x = 2, t_x = 30.43, T = 38.86
    first = got.iloc[0]
    assert (first.frequency, round(first.recency, 2), round(first["T"], 2)) == (2, 30.43, 38.86)
    assert got.duration_holdout.iloc[0] == pytest.approx(273 / 7)
    # cost is 0.7 x revenue in the converted data, so margin is 0.3 x revenue
    np.testing.assert_allclose(got.margin_mean.dropna(), 0.3 * got.revenue_mean.dropna(), rtol=1e-4)


def test_hand_case_same_day_returns_and_free_orders():
    t = lines_table(
        [
            ("I1", "A", "2024-01-01", 100.0, 60.0),
            ("I2", "A", "2024-01-01", 50.0, 20.0),  # same day: merged into one purchase of 150
            ("I3", "A", "2024-01-15", -30.0, -10.0),  # returns only: not a purchase
            ("I4", "A", "2024-01-29", 80.0, 50.0),
            ("I5", "A", "2024-02-12", 0.0, 5.0),  # a free order is a purchase
            ("I6", "B", "2024-01-08", 40.0, 10.0),
            ("I7", "C", "2024-03-01", 70.0, 30.0),  # first purchase after the calibration end
            ("I8", "A", "2024-03-04", 10.0, 1.0),  # holdout
        ]
    )
    s = rfm_summary(t, "2024-02-26", "week").execute().set_index("customer_id")
    assert sorted(s.index) == ["A", "B"]
    a = s.loc["A"]
    assert a.frequency == 2
    assert a.recency == pytest.approx(42 / 7) and a["T"] == pytest.approx(56 / 7)
    assert a.revenue_mean == pytest.approx((80 + 0) / 2)
    assert a.margin_mean == pytest.approx((30 - 5) / 2)
    assert a.revenue_first == 150 and a.margin_first == 70
    b = s.loc["B"]
    assert (b.frequency, b.recency) == (0, 0) and np.isnan(b.revenue_mean)
    days = rfm_summary(t, "2024-02-26", "day").execute().set_index("customer_id")
    assert days.loc["A", "T"] == 56
    months = rfm_summary(t, "2024-02-26", "month").execute().set_index("customer_id")
    assert months.loc["A", "recency"] == pytest.approx(42 / (365.25 / 12))
    both = calibration_holdout_summary(t, "2024-02-26", "2024-03-31").execute()
    both = both.set_index("customer_id")
    assert both.loc["A", "frequency_holdout"] == 1 and both.loc["B", "frequency_holdout"] == 0
    assert both.loc["A", "revenue_holdout"] == 10
    p = purchases(t).execute()
    assert len(p) == 6 and p.is_repeat.sum() == 3


def test_summaries_of_cached_purchases_equal_those_of_the_lines(cdnow_lines):
    bought = purchases(cdnow_lines).cache()
    for summary in (
        lambda t: rfm_summary(t, "1997-09-30"),
        lambda t: calibration_holdout_summary(t, "1997-09-30", "1998-06-30"),
    ):
        got, want = (
            summary(t).execute().sort_values("customer_id").reset_index(drop=True)
            for t in (bought, cdnow_lines)
        )
        pd.testing.assert_frame_equal(got, want)
    counts = purchase_counts(bought).execute()
    every = purchases(cdnow_lines).execute()
    want = every.groupby(["purchase_date", "first_purchase", "is_repeat"]).size()
    got = counts.set_index(["purchase_date", "first_purchase", "is_repeat"])["n"]
    pd.testing.assert_series_equal(
        got.sort_index(), want.sort_index(), check_names=False, check_dtype=False
    )


def test_bad_arguments():
    t = lines_table([("I1", "A", "2024-01-01", 1.0, 0.0)])
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(t, "2024-02-01", "fortnight")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        rfm_summary(t, "next tuesday")
    with pytest.raises(ValueError, match="after calibration_end"):
        calibration_holdout_summary(t, dt.date(2024, 2, 1), "2024-01-01")
