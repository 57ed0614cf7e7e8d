"""The planted truth agrees with the data it was planted in."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profitlens.generate import config as cfg


def month(series) -> pd.Series:
    return pd.to_datetime(series).dt.strftime("%Y-%m")


def test_defaulters_are_written_off_in_full_on_their_date(medium_tables, medium_truth):
    d = medium_truth["defaulters"]
    assert len(d) >= 3
    pays, lines = medium_tables["payments"], medium_tables["invoice_lines"]
    inv = lines.groupby("invoice_id").agg(
        customer_id=("customer_id", "first"),
        invoice_date=("invoice_date", "first"),
        total=("revenue", "sum"),
    )
    wo = pays[pays.kind == "write_off"].merge(inv, left_on="invoice_id", right_index=True)
    assert set(wo.customer_id) == set(d.customer_id)  # only defaulters are written off
    for row in d.itertuples():
        mine = wo[wo.customer_id == row.customer_id]
        assert (pd.to_datetime(mine.paid_on) == pd.Timestamp(row.write_off_date)).all()
        assert mine.amount.sum() == pytest.approx(row.written_off, abs=0.01)
        assert pd.to_datetime(mine.invoice_date).min() == pd.Timestamp(
            row.first_missed_invoice_date
        )
        # every invoice from the first missed one on is unpaid except for the write-off
        later = inv[
            (inv.customer_id == row.customer_id)
            & (pd.to_datetime(inv.invoice_date) >= pd.Timestamp(row.first_missed_invoice_date))
            & inv.index.str.startswith("INV")
        ]
        paid = pays[pays.invoice_id.isin(later.index) & (pays.kind == "payment")]
        assert paid.empty
        assert set(later.index) == set(mine.invoice_id)
    assert (pd.to_datetime(d.write_off_date) <= pd.Timestamp("2023-12-31")).all()


def test_converted_prospects_point_to_customers_won_after_the_pursuit(medium_tables, medium_truth):
    pros, cust = medium_tables["prospects"], medium_tables["customers"].set_index("customer_id")
    acts = medium_tables["activities"]
    won = pros.dropna(subset=["converted_customer_id"])
    assert len(won) >= 10
    truth = medium_truth["prospect_value"].set_index("prospect_id")
    assert (truth.loc[won.prospect_id, "status"] == "converted").all()
    assert truth.loc[won.prospect_id, "converts"].all()
    assert won.converted_customer_id.is_unique
    acquired = pd.to_datetime(cust.loc[won.converted_customer_id, "acquired_on"]).to_numpy()
    assert (pd.to_datetime(won.created_on).to_numpy() < acquired).all()
    assert (cust.loc[won.converted_customer_id, "channel"] == "direct_sales").all()
    assert (
        cust.loc[won.converted_customer_id, "segment"].to_numpy() == won.segment.to_numpy()
    ).all()
    pursuit = acts.dropna(subset=["prospect_id"]).merge(won, on="prospect_id")
    assert set(pursuit.prospect_id) == set(won.prospect_id)
    won_on = cust.loc[pursuit.converted_customer_id, "acquired_on"].to_numpy()
    assert (pd.to_datetime(pursuit.occurred_on).to_numpy() < pd.to_datetime(won_on)).all()
    lost = truth[truth.status == "lost"]
    assert len(lost) > 10 and not lost.converts.any()
    assert lost.index.isin(acts.prospect_id).all()  # abandoned after a pursuit
    # the drawn outcomes agree with the planted probabilities (open prospects included)
    p = truth.conversion_probability
    z = (truth.converts.sum() - p.sum()) / np.sqrt((p * (1 - p)).sum())
    assert abs(z) < 4


def test_customer_rates_describe_each_customer(medium_tables, medium_truth):
    rates = medium_truth["customer_rates"].set_index("customer_id")
    cust = medium_tables["customers"].set_index("customer_id")
    assert rates.index.equals(cust.index)
    assert (rates.segment == cust.segment).all()
    assert rates.dropout_period.isna().eq(rates.alive_at_end).all()
    assert rates.dropout_date.isna().eq(rates.alive_at_end).all()
    ended = cust.ended_on.notna()
    assert rates.loc[ended, "contractual"].all()
    assert (~rates.loc[ended, "alive_at_end"]).all()
    lines = medium_tables["invoice_lines"]
    regular = lines[lines.invoice_id.str.startswith("INV")]
    counts = regular.groupby("customer_id").invoice_id.nunique().reindex(rates.index, fill_value=0)
    assert (counts == rates.purchases_in_window).all()
    last = pd.to_datetime(regular.groupby("customer_id").invoice_date.max())
    gone = rates[~rates.alive_at_end & (rates.purchases_in_window > 0)]
    assert (last.loc[gone.index] == pd.to_datetime(gone.dropout_date)).all()
    params = medium_truth["population_parameters"].set_index("parameter").value
    assert params.to_dict() == {
        "r": cfg.POPULATION.r,
        "alpha": cfg.POPULATION.alpha,
        "a": cfg.POPULATION.a,
        "b": cfg.POPULATION.b,
    }
    # the drawn rates follow the population (600 draws: loose moment checks)
    assert rates["lambda"].mean() == pytest.approx(
        cfg.POPULATION.r / cfg.POPULATION.alpha, rel=0.15
    )
    p_mean = cfg.POPULATION.a / (cfg.POPULATION.a + cfg.POPULATION.b)
    assert rates.p_dropout.mean() == pytest.approx(p_mean, rel=0.15)


def test_turning_customers_sell_less_and_need_more_service(medium_tables, medium_truth):
    """Per turning customer: mean invoice value after / before the turn, and service minutes
    per served month after / before (explicit minutes, else 20 per contact)."""
    turning = medium_truth["turning_customers"]
    assert len(turning) >= 10
    lines = medium_tables["invoice_lines"]
    lines = lines[lines.invoice_id.str.startswith("INV")].assign(
        period=lambda d: month(d.invoice_date)
    )
    invoices = lines.groupby(["customer_id", "invoice_id", "period"]).revenue.sum().reset_index()
    acts = medium_tables["activities"].assign(period=lambda d: month(d.occurred_on))
    service = acts[acts.activity.isin(["support_ticket", "complaint", "call_center"])]
    cust = medium_tables["customers"].set_index("customer_id")
    periods = [f"2023-{m:02d}" for m in range(1, 13)]
    value_ratio, service_ratio = [], []
    for row in turning.itertuples():
        inv = invoices[invoices.customer_id == row.customer_id]
        pre, post = inv[inv.period < row.turn_period], inv[inv.period >= row.turn_period]
        if len(pre) and len(post):
            value_ratio.append(post.revenue.mean() / pre.revenue.mean())
        first = max("2023-01", pd.Timestamp(cust.acquired_on[row.customer_id]).strftime("%Y-%m"))
        n_pre = sum(first <= p < row.turn_period for p in periods)
        n_post = sum(p >= row.turn_period for p in periods)
        s = service[service.customer_id == row.customer_id]
        minutes = s.minutes.fillna(20)
        service_ratio.append(
            (minutes[s.period >= row.turn_period].sum() / n_post)
            / max(minutes[s.period < row.turn_period].sum() / n_pre, 20.0)
        )
    assert np.median(value_ratio) < 0.75
    assert np.median(service_ratio) > 3


def test_heavy_referrers_and_high_service_customers(medium_tables, medium_truth):
    refs = medium_tables["referrals"]
    heavy = medium_truth["heavy_referrers"]
    per_customer = refs.groupby("referrer_id").size()
    assert (
        per_customer.reindex(heavy.customer_id, fill_value=0).to_numpy()
        == heavy.referrals.to_numpy()
    ).all()
    others = per_customer.drop(heavy.customer_id, errors="ignore").sum() / (
        len(medium_tables["customers"]) - len(heavy)
    )
    assert heavy.referrals.mean() > 5 * others
    assert (heavy.advocate == (heavy.referrals > 0) & (heavy.referred_value > 0)).all()
    assert (heavy.referred_value[heavy.referrals == 0] == 0).all()
    chains = refs.referrer_id.isin(refs.referred_id).sum()
    assert chains > 0  # referred customers refer too
    acquired = medium_tables["customers"].set_index("customer_id").acquired_on
    assert (
        pd.to_datetime(acquired.loc[refs.referrer_id]).to_numpy()
        < pd.to_datetime(refs.referred_on).to_numpy()
    ).all()
    high = medium_truth["high_service_customers"]
    acts = medium_tables["activities"]
    tickets = acts[acts.activity == "support_ticket"].groupby("customer_id").size()
    per = tickets.reindex(medium_tables["customers"].customer_id, fill_value=0)
    assert per.loc[high.customer_id].mean() > 3 * per.drop(high.customer_id).mean()


def test_dirty_rows_empty_for_clean_data(medium_truth):
    assert len(medium_truth["dirty_rows"]) == 0
    assert list(medium_truth["dirty_rows"].columns) == ["table", "row", "reason"]
