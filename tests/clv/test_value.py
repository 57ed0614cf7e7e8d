"""Profit lifetime value: cost-to-serve shrinkage, discounting, selection and validation."""

from pathlib import Path

import altair as alt
import ibis
import numpy as np
import pandas as pd
import pytest

from profitlens.clv import InsufficientDataError, customer_clv, fit_lifetime_value
from profitlens.clv.cost_to_serve import cost_to_serve_rates, customer_cost_to_serve
from profitlens.clv.plots import calibration_by_frequency_chart, tracking_chart
from profitlens.clv.selection import holdout_mask, sample_mask, select_transaction_model
from profitlens.clv.summary import calibration_holdout_summary, purchase_counts, purchases
from profitlens.clv.validation import calibration_by_frequency, holdout_errors, tracking_data
from profitlens.models import BGNBD

DATA = Path(__file__).parents[1] / "data" / "cdnow"


@pytest.fixture(scope="module")
def lines():
    df = pd.read_csv(DATA / "invoice_lines.csv", dtype={"customer_id": str, "invoice_id": str})
    df["invoice_date"] = pd.to_datetime(df["invoice_date"]).dt.date
    return ibis.memtable(df[["invoice_id", "customer_id", "invoice_date", "revenue", "cost"]])


@pytest.fixture(scope="module")
def costs():
    ids = [f"{i:04d}" for i in range(1, 2358)]
    return pd.DataFrame(
        {
            "customer_id": ids,
            "segment": ["a", "b"] * 1178 + ["a"],
            "periods_active": np.arange(2357) % 9 + 1.0,
            "cost_to_serve": (np.arange(2357) % 7) * 4.0,
        }
    )


def test_cost_to_serve_shrinks_toward_the_segment_by_hand():
    table = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "segment": ["s", "s", "t", None],
            "periods_active": [2.0, 10.0, 4.0, 0.0],
            "cost_to_serve": [40.0, 50.0, 8.0, 0.0],
            "commission": [10.0, 0.0, 0.0, 0.0],
        }
    )
    rates = cost_to_serve_rates(
        table, shrinkage_periods=6, revenue=pd.Series({"A": 200.0, "B": 0.0})
    )
    seg_s = (30.0 + 50.0) / 12.0  # segment s without commission: 80 over 12 periods
    assert rates.loc["A", "rate"] == pytest.approx((30.0 + 6 * seg_s) / (2 + 6))
    assert rates.loc["B", "rate"] == pytest.approx((50.0 + 6 * seg_s) / (10 + 6))
    assert rates.loc["C", "rate"] == pytest.approx(2.0)  # alone in its segment
    assert rates.loc["A", "commission_share"] == pytest.approx(0.05)
    assert rates.loc["B", "commission_share"] == 0.0
    no_shrink = cost_to_serve_rates(table, shrinkage_periods=0)
    assert no_shrink.loc["B", "rate"] == pytest.approx(5.0)


def test_lifetime_value_is_the_discounted_sum_by_hand(lines, costs):
    result = fit_lifetime_value(
        lines, costs, 0.10, as_of="1997-09-30", model="bgnbd", horizon_months=24
    )
    table = result.table.set_index("customer_id")
    assert len(table) == 2357
    tm, rev, mar = result.transaction_model, result.revenue_model, result.margin_model
    assert round(tm.params_["r"], 3) == 0.243  # the same fit as the paper
    ref = pd.read_csv(DATA / "calibration_summary_39w.csv", dtype={"customer_id": str})
    week = 365.25 / 12 / 7
    for cid in ("0001", "0003", "0006"):
        x, t_x, T, m_x = ref.set_index("customer_id").loc[cid, ["x", "t_x", "T", "m_x"]]
        money = float(rev.conditional_expected_value(x, m_x if x > 0 else np.nan))
        margin = float(mar.conditional_expected_value(x, 0.3 * m_x if x > 0 else np.nan))
        rate = float(cost_to_serve_rates(costs).loc[cid, "rate"])
        purchases_pv = alive_pv = 0.0
        for month in range(1, 25):
            d = 1.1 ** (-month / 12)
            purchases_pv += d * float(
                tm.conditional_expected_purchases(month * week, x, t_x, T)
                - tm.conditional_expected_purchases((month - 1) * week, x, t_x, T)
            )
            alive_pv += (
                d
                * 0.5
                * float(
                    tm.probability_alive(x, t_x, T, t=month * week)
                    + tm.probability_alive(x, t_x, T, t=(month - 1) * week)
                )
            )
        row = table.loc[cid]
        assert row.clv_revenue == pytest.approx(purchases_pv * money, rel=1e-6)
        assert row.clv_profit == pytest.approx(purchases_pv * margin - rate * alive_pv, rel=1e-6)
        assert row.p_alive == pytest.approx(float(tm.probability_alive(x, t_x, T)))
        assert row.expected_purchases_12m == pytest.approx(
            float(tm.conditional_expected_purchases(12 * week, x, t_x, T)), rel=1e-6
        )
    # the spreadsheet customer's P(alive) under the fitted model (eq. 11 by hand: 0.7266)
    assert table.loc["0001", "p_alive"] == pytest.approx(0.7266, abs=2e-3)


def test_cached_purchases_give_the_same_values(lines, costs):
    def value(**kwargs):
        return fit_lifetime_value(
            lines, costs, 0.10, as_of="1997-09-30", model="bgnbd", **kwargs
        ).table

    pd.testing.assert_frame_equal(
        value(purchases=purchases(lines).cache()), value(), check_exact=True
    )


def test_lines_in_another_order_give_exactly_the_same_values(lines, costs):
    # engines group and add in any order; the fits must not follow it, or a rerun changes
    # the written lifetime values (by up to 0.09 at a million customers, before the fix)
    frame = lines.execute()
    frame["invoice_date"] = pd.to_datetime(frame["invoice_date"]).dt.date
    shuffled = ibis.memtable(frame.sample(frac=1.0, random_state=3).reset_index(drop=True))
    reversed_ = ibis.memtable(frame.iloc[::-1].reset_index(drop=True))

    def value(table):
        return fit_lifetime_value(table, costs, 0.10, as_of="1997-09-30").table

    expected = value(lines)
    for table in (shuffled, reversed_):
        pd.testing.assert_frame_equal(value(table), expected, check_exact=True)


def test_customer_clv_columns_and_model_choice(lines):
    out = customer_clv(lines, None, 0.10, as_of="1997-09-30")
    assert list(out.columns) == [
        "customer_id",
        "p_alive",
        "expected_purchases_12m",
        "clv_revenue",
        "clv_profit",
    ]
    # no cost table: profit value is margin only, 30% of revenue value for CDNOW's margins
    assert (out.clv_profit > 0).all()
    result = fit_lifetime_value(lines, None, 0.10, as_of="1997-09-30")
    scores = result.selection.scores
    assert set(scores) == {"bgnbd", "mbgnbd", "pareto"}
    assert result.selection.chosen == max(scores, key=scores.get)
    assert result.selection.n_train + result.selection.n_test == 2357


def test_holdout_split_is_stable_and_about_a_quarter():
    ids = [f"{i:05d}" for i in range(20000)]
    mask = holdout_mask(ids)
    assert abs(mask.mean() - 0.25) < 0.02
    assert np.array_equal(mask, holdout_mask(ids))


def test_selection_sample_is_stable_sized_and_independent_of_the_holdout():
    ids = [f"C{i:07d}" for i in range(200_000)]
    sample = sample_mask(ids, 50_000)
    assert abs(sample.sum() - 50_000) < 1_000
    assert np.array_equal(sample, sample_mask(ids, 50_000))
    assert sample_mask(ids[:1000], 50_000).all()
    held = holdout_mask(ids)
    assert abs(held[sample].mean() - 0.25) < 0.01  # the split within the sample


def test_model_choice_on_a_sample_agrees_with_the_full_comparison():
    model = BGNBD().set_params_(r=0.243, alpha=4.414, a=0.793, b=2.426)  # CDNOW
    sim = model.simulate(np.random.default_rng(3).uniform(10, 39, 40_000), random_state=3)
    ids = [f"C{i:07d}" for i in range(40_000)]
    args = (ids, sim["frequency"], sim["recency"], sim["T"])
    sampled = select_transaction_model(*args, max_customers=10_000)
    full = select_transaction_model(*args, max_customers=40_000)
    assert abs(sampled.n_train + sampled.n_test - 10_000) < 500
    assert full.n_train + full.n_test == 40_000
    assert sampled.chosen == full.chosen


def test_too_few_customers_is_a_clear_error():
    df = pd.DataFrame(
        {
            "invoice_id": ["1", "2"],
            "customer_id": ["A", "A"],
            "invoice_date": pd.to_datetime(["2024-01-01", "2024-02-01"]).date,
            "revenue": [10.0, 12.0],
            "cost": [5.0, 6.0],
        }
    )
    with pytest.raises(InsufficientDataError, match="at least 20 customers"):
        customer_clv(ibis.memtable(df), None, 0.1)


def test_cost_to_serve_from_the_pnl():
    pnl = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "A", "B"],
                "period": ["2024-01", "2024-03", "2024-02"],
                "commission": [1.0, 2.0, 0.0],
                "sales_cost": [3.0, 0.0, 1.0],
                "service_cost": [0.0, 4.0, 0.0],
                "fulfilment_cost": [1.0, 1.0, 1.0],
                "credit_cost": [0.5, 0.0, 0.0],
                "referral_cost": [0.0, 0.0, 2.0],
                "acquisition_cost": [100.0, 0.0, 0.0],
            }
        )
    )
    customers = ibis.memtable(
        pd.DataFrame(
            {
                "customer_id": ["A", "B", "C"],
                "segment": ["s", "t", "s"],
                "acquired_on": pd.to_datetime(["2023-11-15", "2024-02-01", "2024-06-01"]).date,
            }
        )
    )
    got = customer_cost_to_serve(pnl, customers, "2024-02-29").execute().set_index("customer_id")
    assert sorted(got.index) == ["A", "B"]  # C is acquired later
    assert got.loc["A", "periods_active"] == 4  # 2023-11 .. 2024-02
    assert got.loc["A", "cost_to_serve"] == pytest.approx(5.5)  # 2024-03 is after the as-of
    assert got.loc["A", "commission"] == 1.0
    # B's referral reward (2.0) paid for another customer: not a cost of serving B
    assert got.loc["B", "cost_to_serve"] == pytest.approx(2.0)
    quarters = customer_cost_to_serve(pnl, customers, "2024-02-29", "quarter").execute()
    assert quarters.set_index("customer_id").loc["A", "periods_active"] == 2  # 2023-Q4, 2024-Q1


def test_holdout_validation_figures_and_charts(lines):
    summary = calibration_holdout_summary(lines, "1997-09-30", "1998-06-30").execute()
    model = BGNBD().fit(summary.frequency, summary.recency, summary["T"])
    errors = holdout_errors(summary, model)
    pred = model.conditional_expected_purchases(
        summary.duration_holdout, summary.frequency, summary.recency, summary["T"]
    )
    assert errors["actual_total"] == 1882
    assert errors["predicted_total"] == pytest.approx(pred.sum())
    assert errors["mae"] == pytest.approx(np.abs(pred - summary.frequency_holdout).mean())
    by_freq = calibration_by_frequency(summary, model)
    assert by_freq.customers.sum() == 2357 and list(by_freq.label)[-1] == "7+"
    zero = summary[summary.frequency == 0]
    assert by_freq.iloc[0].actual == pytest.approx(zero.frequency_holdout.mean())
    track = tracking_data(purchases(lines).execute(), model, "1998-06-30", "week", "1997-09-30")
    assert track.actual.iloc[-1] == 2457 + 1882
    # at the calibration end the model's cumulative total is the sum of E[X(T_i)]
    end = track[track.period == "calibration"].iloc[-1]
    weeks_since = (
        end.t - (pd.to_datetime(summary.first_purchase) - pd.Timestamp("1997-01-01")).dt.days / 7
    )
    assert end.model == pytest.approx(model.expected_purchases(weeks_since.clip(lower=0)).sum())
    counted = tracking_data(
        purchase_counts(lines).execute(), model, "1998-06-30", "week", "1997-09-30"
    )
    pd.testing.assert_frame_equal(counted, track)
    chart = tracking_chart(track)
    assert isinstance(chart, alt.LayerChart) and chart.to_dict()["layer"]
    assert isinstance(calibration_by_frequency_chart(by_freq), alt.Chart)
