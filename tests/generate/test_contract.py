"""The generated folder is a valid contract data folder with a consistent cost model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from profitlens.contract import TABLES
from profitlens.costmodel import load_cost_model
from profitlens.generate.config import ACTIVITIES

AS_OF = pd.Timestamp("2023-12-31")
ARROW_TYPE = {"string": "string", "date": "date32[day]", "float64": "double"}


@pytest.mark.parametrize(
    "name",
    [
        "customers",
        "prospects",
        "invoice_lines",
        "payments",
        "activities",
        "referrals",
        "resource_costs",
    ],
)
def test_columns_and_types_follow_the_contract(medium, name):
    spec = TABLES[name]
    schema = pq.read_schema(medium / f"{name}.parquet")
    assert set(spec.required) <= set(schema.names)
    assert set(schema.names) <= set(spec.columns)
    for column in schema.names:
        assert str(schema.field(column).type) == ARROW_TYPE[spec.columns[column]], column
    if name in ("customers", "invoice_lines", "payments", "activities"):
        assert pq.read_metadata(medium / f"{name}.parquet").num_rows > 100


@pytest.mark.parametrize(
    "name",
    [
        "customers",
        "prospects",
        "invoice_lines",
        "payments",
        "activities",
        "referrals",
        "resource_costs",
    ],
)
def test_keys_unique_and_required_values_present(medium_tables, name):
    spec, df = TABLES[name], medium_tables[name]
    assert not df.duplicated(list(spec.key)).any()
    assert df[list(spec.required)].notna().all().all()


def test_references_point_somewhere(medium_tables):
    t = medium_tables
    customers, invoices = set(t["customers"].customer_id), set(t["invoice_lines"].invoice_id)
    prospects = set(t["prospects"].prospect_id)
    assert set(t["invoice_lines"].customer_id) <= customers
    assert set(t["payments"].invoice_id) <= invoices
    acts = t["activities"]
    assert (acts.customer_id.notna() ^ acts.prospect_id.notna()).all()
    assert set(acts.customer_id.dropna()) <= customers
    assert set(acts.prospect_id.dropna()) <= prospects
    assert set(acts.activity) <= set(ACTIVITIES)
    assert set(t["referrals"].referrer_id) | set(t["referrals"].referred_id) <= customers
    assert set(t["prospects"].converted_customer_id.dropna()) <= customers
    assert (acts.minutes.dropna() >= 0).all()
    assert set(t["invoice_lines"].currency) == {"EUR"}


def test_no_event_after_as_of_and_as_of_is_reached(medium_tables):
    t = medium_tables
    events = [
        t["invoice_lines"].invoice_date,
        t["payments"].paid_on,
        t["activities"].occurred_on,
        t["referrals"].referred_on,
    ]
    latest = max(pd.to_datetime(e).max() for e in events)
    assert latest == AS_OF  # default as-of of profitlens = the window's last day
    first = min(pd.to_datetime(e).min() for e in events)
    assert first >= pd.Timestamp("2023-01-01")


def test_costmodel_loads_and_resource_costs_are_consistent(medium, medium_tables):
    model = load_cost_model(medium / "costmodel.yaml")
    assert set(model.activities) == set(ACTIVITIES)
    assert model.commission.by_segment == {"enterprise": 0.03, "mid_market": 0.05, "smb": 0.07}
    assert model.commission.by_product == {"SW-LIC": 0.10, "SVC-INST": 0.08}
    rc = medium_tables["resource_costs"]
    assert set(rc.resource) <= set(model.resources)
    assert (rc.capacity_minutes > 0).all() and (rc.cost > 0).all()
    periods = {f"2023-{m:02d}" for m in range(1, 13)}
    assert set(rc.period) <= periods


def test_busy_month_runs_over_support_capacity(medium, medium_tables):
    """Recompute support minutes per month from the activity rows (contract's time equation)."""
    model = load_cost_model(medium / "costmodel.yaml")
    acts = medium_tables["activities"]
    spec = pd.DataFrame(
        {
            name: {
                "minutes": a.minutes,
                "per_unit": a.minutes_per_unit,
                "support": "support_team" in a.resources,
            }
            for name, a in model.activities.items()
        }
    ).T
    row = spec.loc[acts.activity]
    minutes = np.where(
        acts.minutes.notna(),
        acts.minutes,
        row.minutes.to_numpy(float)
        + row.per_unit.to_numpy(float) * acts.quantity.fillna(0).to_numpy(),
    )
    support = row.support.to_numpy(bool)
    month = pd.to_datetime(acts.occurred_on).dt.strftime("%Y-%m")
    used = pd.Series(minutes[support]).groupby(month[support].to_numpy()).sum()
    rc = medium_tables["resource_costs"].query("resource == 'support_team'").set_index("period")
    base = model.resources["support_team"].capacity_minutes
    capacity = pd.Series({p: rc.capacity_minutes.get(p, base) for p in used.index})
    over = used[used > capacity]
    assert list(over.index) == [used.idxmax()]  # exactly the busiest month
    assert over.iloc[0] / capacity[over.index[0]] == pytest.approx(1 / 0.95, rel=1e-3)


def test_customers_acquired_before_and_through_the_window(medium_tables):
    c = medium_tables["customers"]
    acquired = pd.to_datetime(c.acquired_on)
    assert 0.15 < (acquired < "2023-01-01").mean() < 0.35
    assert acquired.max() > pd.Timestamp("2023-11-01")
    ended = c.dropna(subset=["ended_on"])
    assert len(ended) > 5
    assert (pd.to_datetime(ended.ended_on) > pd.to_datetime(ended.acquired_on)).all()
    assert (pd.to_datetime(ended.ended_on) <= AS_OF).all()


def test_returns_credit_notes_and_payments_look_real(medium_tables):
    lines, pays = medium_tables["invoice_lines"], medium_tables["payments"]
    negative = lines[lines.revenue < 0]
    assert negative.invoice_id.str.startswith("CN").any()  # credit notes
    returns = negative[negative.invoice_id.str.startswith("INV")]
    assert len(returns) > 10 and (returns.cost < 0).all()
    totals = lines.groupby("invoice_id").revenue.sum()
    assert (totals[totals.index.str.startswith("INV")] > 0).all()
    assert set(pays.kind) == {"payment", "write_off"}
    paid = pays.groupby("invoice_id").amount.sum()
    assert (paid <= totals.loc[paid.index] + 0.005).all()  # never overpaid
    assert (pays.groupby("invoice_id").size() == 2).sum() > 20  # split payments
    seg = lines.merge(medium_tables["customers"][["customer_id", "segment"]])
    value = seg[seg.revenue > 0].groupby(["segment", "invoice_id"]).revenue.sum()
    medians = value.groupby(level=0).median()
    assert medians["enterprise"] > medians["mid_market"] > medians["smb"]


def test_activity_rows_with_and_without_minutes(medium_tables):
    acts = medium_tables["activities"]
    calls = acts[acts.activity == "call_center"]
    assert calls.minutes.notna().any() and calls.minutes.isna().any()
    assert set(calls.channel) == {"phone", "email", "chat"}
    assert calls[calls.channel == "phone"].minutes.notna().all()
    assert calls[calls.channel != "phone"].quantity.notna().all()
    assert acts.prospect_id.notna().sum() > 50  # pursuits
