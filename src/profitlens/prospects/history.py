"""The prospects' history as training rows, without leakage, and the open prospects.

A prospect is **won** when it names the customer it became (``converted_customer_id``),
**lost** when its pursuit was given up (``closed_on`` on or before the as-of date or, when no
prospect has a ``closed_on``, no activity in the last ``stale_after_days``), **open** otherwise
(DATA_CONTRACT.md section 5.2).

A training row has two halves that are built apart on purpose:

- its **inputs** (:func:`attribute_frame`) come from the prospect's own row only: the
  attributes it had when it was created (segment, industry, region, channel, employees,
  annual_revenue and any further column of the file). Nothing dated after ``created_on``
  (activities, invoices, payments) can reach them.
- its **outcomes** (:func:`prospect_outcomes`) are what happened afterwards: won or not, the
  pursuit's cost (its activities priced the TDABC way, as in the P&L), and for a won
  prospect its customer's operating profit and service cost per month of tenure and how long
  it stayed.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.intermediate.activity_costs import activity_rates, resource_rates, row_occurrences

from ..contract import PROSPECTS
from ..costmodel import CostModel
from ..periods import calendar_table, period_of

#: the contract's prospect columns that are outcomes or keys, never a model's inputs
NOT_ATTRIBUTES = ("prospect_id", "created_on", "converted_customer_id", "closed_on")
#: days in a month, as the lifetime-value models count them
DAYS_PER_MONTH = 365.25 / 12
STATUSES = ("won", "lost", "open")


def attribute_frame(prospects: pd.DataFrame) -> pd.DataFrame:
    """The inputs of a prospect's score: its attributes as known at its ``created_on``.

    Every column of the prospects table except its key, dates and outcome
    (:data:`NOT_ATTRIBUTES`). A column whose values all read as numbers is numeric (the
    contract's ``employees`` and ``annual_revenue``, a user's ``locations``); any other is a
    category, as text. A column with no value at all is left out.

    Parameters
    ----------
    prospects : DataFrame
        Rows of the staged ``prospects`` table.

    Returns
    -------
    DataFrame
        Indexed by prospect_id; float columns and text (object) columns.

    Examples
    --------
    >>> frame = pd.DataFrame({"prospect_id": ["P1", "P2"], "created_on": [None, None],
    ...                       "segment": ["smb", None], "employees": ["12", "40"]})
    >>> attribute_frame(frame).to_dict("list")
    {'segment': ['smb', nan], 'employees': [12.0, 40.0]}
    """
    frame = prospects.set_index(prospects["prospect_id"].astype(str))
    out = {}
    for column in frame.columns:
        if column in NOT_ATTRIBUTES or frame[column].isna().all():
            continue
        values = frame[column]
        numbers = pd.to_numeric(values, errors="coerce")
        if PROSPECTS.columns.get(column) == "float64" or (
            numbers.notna().sum() == values.notna().sum() and not pd.api.types.is_bool_dtype(values)
        ):
            out[column] = numbers.astype(float)
        else:
            out[column] = (
                values.astype(object)
                .where(values.notna(), None)
                .map(lambda v: v if v is None else str(v))
            )
    return pd.DataFrame(out, index=frame.index.rename("prospect_id"))


def pursuit_costs(
    activities: ir.Table, model: CostModel, resource_costs: ir.Table, calendar: pd.DataFrame
) -> ir.Table:
    """What each prospect's pursuit cost: its activities priced the TDABC way.

    Each activity row of a prospect costs its minutes (:func:`~profitlens.intermediate.activity_costs.
    row_occurrences`) times the cost per minute of its resources in its period
    (:func:`~profitlens.intermediate.activity_costs.activity_rates`), exactly as the P&L prices a customer's.

    Returns
    -------
    ibis table
        prospect_id, pursuit_cost, last_activity_on: one row per prospect with an activity.
    """
    rows = row_occurrences(activities.filter(activities.prospect_id.notnull()), model)
    rows = rows.mutate(period=period_of(rows.occurred_on, model.period))
    rates = activity_rates(model, resource_rates(model, resource_costs, calendar_table(calendar)))
    priced = rows.join(rates, ["activity", "period"])
    return priced.group_by("prospect_id").agg(
        pursuit_cost=(priced.minutes * priced.rate).sum(), last_activity_on=priced.occurred_on.max()
    )


def prospect_status(
    prospects: ir.Table,
    pursuits: ir.Table,
    customers: ir.Table,
    as_of: dt.date,
    stale_after_days: int,
) -> ir.Table:
    """Each prospect's status at ``as_of``: ``won``, ``lost`` or ``open``.

    Won means its ``converted_customer_id`` names a customer acquired on or before ``as_of``
    (a customer acquired later was not yet won on that date). Without any ``closed_on`` in
    the table, a prospect that is not won and has had no activity in the
    ``stale_after_days`` before ``as_of`` (counted from ``created_on`` when it has none) is
    lost.

    Parameters
    ----------
    pursuits : ibis table
        From :func:`pursuit_costs`.
    customers : ibis table
        customer_id, acquired_on.

    Returns
    -------
    ibis table
        The prospects' columns, pursuit_cost (0 without activity), last_activity_on, status
        and pursuit_days: how long the pursuit has run (open: to ``as_of``) or ran (lost: to
        its ``closed_on``, else to its last activity; won: to its last activity).
    """
    joined = prospects.left_join(
        pursuits.rename(p_id="prospect_id"), prospects.prospect_id == pursuits.prospect_id
    ).drop("p_id")
    day = ibis.literal(as_of)
    acquired = customers.filter(customers.acquired_on <= day).select(w_id="customer_id")
    joined = joined.left_join(acquired, joined.converted_customer_id == acquired.w_id)
    has_closed = bool(prospects.closed_on.notnull().any().execute())
    if has_closed:
        given_up = joined.closed_on.notnull() & (joined.closed_on <= day)
    else:
        seen = joined.last_activity_on.fill_null(joined.created_on)
        given_up = seen < day - ibis.interval(days=stale_after_days)
    status = ibis.cases((joined.w_id.notnull(), "won"), (given_up, "lost"), else_="open")
    ended = ibis.cases(
        (status == "open", day),
        (joined.closed_on.notnull() & (status == "lost"), joined.closed_on),
        else_=joined.last_activity_on.fill_null(joined.created_on),
    )
    days = ibis.greatest(ended.delta(joined.created_on, unit="day"), 0).cast("float64")
    return joined.mutate(
        pursuit_cost=joined.pursuit_cost.fill_null(0.0), status=status, pursuit_days=days
    ).drop("w_id")


def customer_outcomes(
    customer_pnl: ir.Table,
    customers: ir.Table,
    invoice_lines: ir.Table,
    clv: ir.Table,
    as_of: dt.date,
) -> ir.Table:
    """What each customer brought and how long it stayed, for the won prospects' outcomes.

    ``operating_profit`` is its profit before acquisition cost (the pursuit is counted apart)
    and before referral rewards (what it was paid for bringing others is not a cost of serving
    it, as in ``clv_profit``: :data:`profitlens.clv.cost_to_serve.COST_TO_SERVE_LINES`) and
    ``service_cost`` its service cost, both over its whole P&L; ``first_margin`` the
    gross margin of its first purchase (the lines of its first invoice date), a one-off that
    comes with the win and must not be spread over the months of a short tenure. ``tenure_months`` is how
    long it was a customer: to its ``ended_on`` where given; otherwise to its last purchase,
    plus ``p_alive`` (of the lifetime-value model, ``customer_clv``) of the time since, since
    a customer still alive stayed to the as-of date; ``churned`` is the chance it has gone
    (1 with an ``ended_on``, else 1 - p_alive).

    Returns
    -------
    ibis table
        customer_id, operating_profit, first_margin, service_cost, tenure_months, churned.
    """
    pnl = customer_pnl.group_by("customer_id").agg(
        operating_profit=(
            customer_pnl.profit + customer_pnl.acquisition_cost + customer_pnl.referral_cost
        ).sum(),
        service_cost=customer_pnl.service_cost.sum(),
    )
    seen = invoice_lines.filter(invoice_lines.invoice_date <= ibis.literal(as_of))
    last = seen.group_by(l_id=seen.customer_id).agg(
        last_purchase=seen.invoice_date.max(), first_purchase=seen.invoice_date.min()
    )
    on_first = seen.join(
        last, (seen.customer_id == last.l_id) & (seen.invoice_date == last.first_purchase)
    )
    first = on_first.group_by(f_id=on_first.customer_id).agg(
        first_margin=(on_first.revenue - on_first.cost).sum()
    )
    alive = clv.select(a_id=clv.customer_id, p_alive=clv.p_alive)
    c = customers.filter(customers.acquired_on <= ibis.literal(as_of))
    c = c.left_join(last, c.customer_id == last.l_id).drop("l_id", "first_purchase")
    c = c.left_join(first, c.customer_id == first.f_id).drop("f_id")
    c = c.left_join(alive, c.customer_id == alive.a_id).drop("a_id")
    c = c.left_join(pnl.rename(n_id="customer_id"), c.customer_id == pnl.customer_id)
    day = ibis.literal(as_of)
    ended = c.ended_on.notnull() & (c.ended_on <= day)
    last_seen = ibis.greatest(c.last_purchase.fill_null(c.acquired_on), c.acquired_on)
    p_alive = c.p_alive.fill_null(1.0)
    days = ibis.ifelse(
        ended,
        c.ended_on.delta(c.acquired_on, unit="day").cast("float64"),
        last_seen.delta(c.acquired_on, unit="day").cast("float64")
        + p_alive * day.delta(last_seen, unit="day").cast("float64"),
    )
    return c.select(
        "customer_id",
        operating_profit=c.operating_profit.fill_null(0.0),
        first_margin=c.first_margin.fill_null(0.0),
        service_cost=c.service_cost.fill_null(0.0),
        tenure_months=days / DAYS_PER_MONTH,
        churned=ibis.ifelse(ended, 1.0, 1.0 - p_alive),
    )


def prospect_outcomes(status: ir.Table, outcomes: ir.Table) -> pd.DataFrame:
    """The prospects with their status and, for the won ones, their customer's outcomes.

    Parameters
    ----------
    status : ibis table
        From :func:`prospect_status`.
    outcomes : ibis table
        From :func:`customer_outcomes`.

    Returns
    -------
    DataFrame
        One row per prospect: the prospects' columns, pursuit_cost, last_activity_on, status,
        pursuit_days and operating_profit, first_margin, service_cost, tenure_months,
        churned (null unless won).
    """
    joined = status.left_join(
        outcomes.rename(o_id="customer_id"), status.converted_customer_id == outcomes.customer_id
    ).drop("o_id")
    frame = joined.execute()
    frame["prospect_id"] = frame["prospect_id"].astype(str)
    frame = frame.sort_values("prospect_id", kind="stable").reset_index(drop=True)
    for column in ("operating_profit", "first_margin", "service_cost", "tenure_months", "churned"):
        frame[column] = np.where(frame["status"] == "won", frame[column].astype(float), np.nan)
    return frame
