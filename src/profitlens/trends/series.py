"""Each customer's period series, zero-filled, with rolling profit; and its dense matrix form.

A customer's series runs from its *first period* through the as-of period: the earlier of the
period of its first ``customer_pnl`` row and the period it was acquired in (but not before the
first period of the run). Periods without a ``customer_pnl`` row are zero: a customer that bought
nothing and cost nothing earned nothing. The series runs on to the as-of period even after a
customer's last purchase, because a rolling window that stopped at the last purchase would hide
exactly the customers who stopped buying.

The Ibis stages here do the table work (spans, zero-filling, rolling windows). The trends mart
builds the same zero-filled series as a dense customers × periods matrix for the per-customer
statistics (see ``profitlens.trends.mart``).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

#: money and minutes carried into the series from customer_pnl and customer_activity
SERIES_VALUES = ("revenue", "gross_margin", "acquisition_cost", "profit", "service_minutes")


def period_index(periods: Sequence[str]) -> ir.Table:
    """The ordered periods of the run. Grain: one row per period (``period``, ``period_idx``)."""
    periods = list(periods)
    if len(set(periods)) != len(periods) or periods != sorted(periods):
        raise ValueError(f"periods must be distinct and in ascending order, got {periods[:3]}...")
    return ibis.memtable(
        {"period": periods, "period_idx": list(range(len(periods)))},
        schema={"period": "string", "period_idx": "int64"},
    )


def period_of(date: ir.DateValue, periods: Sequence[str]) -> ir.StringValue:
    """The period (``YYYY-MM`` or ``YYYY-Qn``, as in ``periods``) of a date expression."""
    if periods and "-Q" in periods[0]:
        return date.year().cast("string") + "-Q" + date.quarter().cast("string")
    return date.strftime("%Y-%m")


def customer_spans(
    customer_pnl: ir.Table,
    customers: ir.Table,
    periods: Sequence[str],
    as_of_period: str,
    carry: Sequence[str] = (),
) -> ir.Table:
    """Where each customer's series starts.

    Grain: one row per customer of ``customers`` or ``customer_pnl``. Columns: ``customer_id``,
    ``customer_idx`` (0-based position in customer_id order, the row of the dense matrices),
    ``first_idx`` (position of the series' first period in ``periods``) and ``acquired_idx``
    (position of the acquisition period, clipped to the periods; the series' first period when
    the customer is not in ``customers``), then the ``carry`` columns of ``customers`` (null
    for a customer not in it).
    """
    periods = list(periods)
    first, end = periods[0], as_of_period
    pnl = customer_pnl.filter(customer_pnl.period <= end)
    first_pnl = pnl.group_by("customer_id").aggregate(first_pnl=pnl.period.min())
    acq = customers.select("customer_id", *carry, acq=period_of(customers.acquired_on, periods))
    both = acq.outer_join(first_pnl, acq.customer_id == first_pnl.customer_id)
    cid = ibis.coalesce(both.customer_id, both.customer_id_right)
    acq_p = ibis.ifelse(both.acq < first, first, both.acq)
    acq_p = ibis.ifelse(acq_p > end, end, acq_p)
    start = ibis.coalesce(ibis.least(both.first_pnl, acq_p), both.first_pnl, acq_p, end)
    start = ibis.ifelse(start > end, end, start)
    spans = both.select(
        *carry, customer_id=cid, first_period=start, acquired_period=ibis.coalesce(acq_p, start)
    )
    spans = spans.mutate(customer_idx=ibis.row_number().over(order_by="customer_id"))
    idx = period_index(periods)
    first_idx = idx.select(first_period="period", first_idx="period_idx")
    acq_idx = idx.select(acquired_period="period", acquired_idx="period_idx")
    spans = spans.join(first_idx, "first_period").join(acq_idx, "acquired_period")
    return spans.select("customer_id", "customer_idx", "first_idx", "acquired_idx", *carry)


def customer_period_series(
    customer_pnl: ir.Table,
    customer_activity: ir.Table,
    spans: ir.Table,
    periods: Sequence[str],
    as_of_period: str,
    window: int = 3,
) -> ir.Table:
    """Zero-filled period series of every customer with its rolling profit.

    Grain: one row per customer and period, from the customer's first period (``spans``)
    through the as-of period, none missing. Columns: ``customer_id``, ``customer_idx``,
    ``period``, ``period_idx``, the ``SERIES_VALUES`` (0.0 where the customer had no row) and
    ``rolling_profit``: profit summed over the ``window`` periods ending with this one (periods
    before the customer's first count as zero).
    """
    if window < 1:
        raise ValueError(f"window must be a positive number of periods, got {window}")
    idx = period_index(periods)
    end = list(periods).index(as_of_period)
    grid = spans.cross_join(idx.filter(idx.period_idx <= end))
    grid = grid.filter(grid.period_idx >= grid.first_idx).drop("first_idx", "acquired_idx")
    pnl = customer_pnl.select("customer_id", "period", *SERIES_VALUES[:-1])
    act = customer_activity.select("customer_id", "period", "service_minutes")
    rows = grid.left_join(pnl, ["customer_id", "period"]).drop("customer_id_right", "period_right")
    rows = rows.left_join(act, ["customer_id", "period"]).drop("customer_id_right", "period_right")
    rows = rows.mutate(**{c: rows[c].fill_null(0.0) for c in SERIES_VALUES})
    w = ibis.window(
        group_by="customer_id", order_by="period_idx", preceding=window - 1, following=0
    )
    return rows.mutate(rolling_profit=rows.profit.sum().over(w))


__all__ = ["SERIES_VALUES", "period_index", "period_of", "customer_spans", "customer_period_series"]
