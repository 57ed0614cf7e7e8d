"""The cost to serve a customer, as a rate per period, and its lifetime totals to date.

Both lifetime-value models (the transaction models of :mod:`profitlens.clv.value` and the
contractual one of :mod:`profitlens.clv.contractual`) value a customer's future net of this rate.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.clv.summary import _as_date, in_customer_order
from profitlens.contract import MONEY_DECIMALS
from profitlens.lookup import positions, values_at
from profitlens.periods import period_index, period_label

#: the P&L lines that make up the cost to serve an existing customer. Acquisition is sunk; a
#: referral reward is what winning *another* customer cost, paid with each referral (Kumar,
#: Petersen & Leone keep a customer's lifetime value and its referral value apart): projected
#: as a running cost it would mark an advocate down for every customer it brought.
COST_TO_SERVE_LINES = (
    "commission",
    "sales_cost",
    "service_cost",
    "fulfilment_cost",
    "credit_cost",
)

_MONTHS_PER_PERIOD = {"month": 1.0, "quarter": 3.0}


def _as_frame(table) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=["customer_id", "segment", "periods_active", "cost_to_serve"])
    return table if isinstance(table, pd.DataFrame) else table.execute()


def cost_to_serve_rates(
    cost_to_serve, *, shrinkage_periods: float = 6.0, revenue: pd.Series | None = None
) -> pd.DataFrame:
    """Per-customer cost-to-serve rate per period, shrunk toward the segment's rate.

    Parameters
    ----------
    cost_to_serve : DataFrame or ibis table
        customer_id, segment, periods_active, cost_to_serve (lifetime totals of commission,
        sales, service, fulfilment, credit and referral costs); optional commission.
    shrinkage_periods : float
        Weight k of the segment rate, in periods.
    revenue : Series, optional
        Lifetime revenue by customer_id; needed to turn a ``commission`` column into a share.

    Returns
    -------
    DataFrame indexed by customer_id with ``rate`` (per period, commission excluded when a
    commission column is given) and ``commission_share`` (0 without a commission column).
    One row per customer of the cost table.
    """
    df = in_customer_order(_as_frame(cost_to_serve))  # the sums below, run after run
    missing = {"customer_id", "periods_active", "cost_to_serve"} - set(df.columns)
    if missing:
        raise ValueError(f"cost-to-serve table lacks columns {sorted(missing)}")
    if "segment" not in df:
        df["segment"] = None
    df["segment"] = df["segment"].fillna("(none)").astype(str)
    df["periods_active"] = df["periods_active"].astype(float).clip(lower=0)
    cost = df["cost_to_serve"].astype(float).fillna(0.0)
    has_commission = "commission" in df.columns
    commission = df["commission"].astype(float).fillna(0.0) if has_commission else 0.0 * cost
    df["time_cost"] = cost - commission
    seg = df.groupby("segment")[["time_cost", "periods_active"]].transform("sum")
    overall = df["time_cost"].sum() / max(df["periods_active"].sum(), 1e-12)
    seg_rate = np.where(
        seg["periods_active"] > 0,
        seg["time_cost"] / seg["periods_active"].where(seg["periods_active"] > 0, 1),
        overall,
    )
    k = float(shrinkage_periods)
    rate = (
        (df["time_cost"] + k * seg_rate) / (df["periods_active"] + k)
        if k > 0
        else np.where(
            df["periods_active"] > 0,
            df["time_cost"] / df["periods_active"].where(df["periods_active"] > 0, 1),
            seg_rate,
        )
    )
    share = np.zeros(len(df))
    if has_commission and revenue is not None:
        rev = values_at(revenue, positions(df["customer_id"], revenue.index), 0.0)
        share = np.where(rev > 0, commission.to_numpy() / np.where(rev > 0, rev, 1.0), 0.0)
    return pd.DataFrame(
        {"rate": np.asarray(rate, dtype=float), "commission_share": share},
        index=df["customer_id"].astype(str),
    )


def customer_cost_to_serve(
    customer_pnl: ir.Table, customers: ir.Table, as_of, period: str = "month"
) -> ir.Table:
    """Cost to serve: one row per customer acquired on or before ``as_of``.

    Columns: customer_id, segment, periods_active (P&L periods from the period of
    ``acquired_on`` through the period of ``as_of``, both included), cost_to_serve (sum of
    :data:`COST_TO_SERVE_LINES` over the customer's P&L rows up to the as-of period),
    commission (its commission part), and acquired_on and ended_on (null without that
    column), which let :func:`fit_lifetime_value` find the contractual cohort.
    """
    if period not in _MONTHS_PER_PERIOD:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    day = _as_date(as_of)
    end_period = period_label(day, period)
    pnl = customer_pnl.filter(customer_pnl.period <= end_period)
    cost = sum(pnl[c] for c in COST_TO_SERVE_LINES)
    totals = pnl.group_by("customer_id").aggregate(
        cost_to_serve=cost.sum().round(MONEY_DECIMALS),
        commission=pnl.commission.sum().round(MONEY_DECIMALS),
    )
    c = customers.filter(customers.acquired_on <= ibis.date(day))
    segment = c.segment if "segment" in c.columns else ibis.null("string")
    active = period_index(ibis.date(day), period) - period_index(c.acquired_on, period) + 1
    ended_on = c.ended_on.cast("date") if "ended_on" in c.columns else ibis.null("date")
    base = c.select(
        "customer_id",
        "acquired_on",
        segment=segment,
        periods_active=active.cast("float64"),
        ended_on=ended_on,
    )
    joined = base.left_join(totals, base.customer_id == totals.customer_id)
    return joined.select(
        "customer_id",
        "segment",
        "periods_active",
        cost_to_serve=joined.cost_to_serve.fill_null(0.0),
        commission=joined.commission.fill_null(0.0),
        acquired_on=joined.acquired_on,
        ended_on=joined.ended_on,
    )


def lifetime_totals(invoice_lines: ir.Table, as_of) -> pd.DataFrame:
    """Each customer's revenue and gross margin (revenue - cost) on its invoice lines dated on
    or before ``as_of``, to the millionth (so reruns agree to the bit).

    Returns
    -------
    DataFrame
        revenue, margin; indexed by customer_id (text).
    """
    seen = invoice_lines.filter(invoice_lines.invoice_date <= ibis.date(_as_date(as_of)))
    totals = (
        seen.group_by("customer_id")
        .aggregate(
            revenue=seen.revenue.sum().round(MONEY_DECIMALS),
            margin=(seen.revenue - seen.cost).sum().round(MONEY_DECIMALS),
        )
        .execute()
    )
    totals["customer_id"] = totals["customer_id"].astype(str)
    return totals.set_index("customer_id")
