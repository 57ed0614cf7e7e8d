"""customer_summary: one row per customer, lifetime totals and the whale curve."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..contract import MONEY_DECIMALS, PNL_COLUMNS

SHARE_DECIMALS = 6


def customer_summary(customer_pnl: ir.Table, customers: ir.Table) -> ir.Table:
    """Lifetime totals of the P&L per customer, ranked, with the whale curve.

    Every customer appears, with zeros when it has no P&L row. ``rank`` 1 is the most
    profitable (total profit rounded to the cent; ties by customer_id);
    ``cumulative_profit_share`` is the running profit down to this rank over total profit
    (null when total profit is zero). Profit is summed in whole cents, so totals are exact.

    Columns: customer_id, segment, the P&L columns, rank, cumulative_profit_share.
    """
    pnl = customer_pnl
    totals = pnl.group_by("customer_id").agg(**{c: pnl[c].sum() for c in PNL_COLUMNS})
    base = customers.select("customer_id", "segment")
    joined = base.left_join(totals, base.customer_id == totals.customer_id)
    joined = joined.select(
        base.customer_id,
        base.segment,
        **{c: joined[c].fill_null(0.0).round(MONEY_DECIMALS) for c in PNL_COLUMNS},
    )
    cents = (joined.profit * 100).round().cast("int64")
    ranked = joined.mutate(_cents=cents)
    order = [ibis.desc(ranked._cents), ibis.asc(ranked.customer_id)]
    ranked = ranked.mutate(
        rank=(ibis.row_number().over(order_by=order) + 1).cast("int64"),
        _running=ranked._cents.sum().over(ibis.cumulative_window(order_by=order)),
        _total=ranked._cents.sum().over(ibis.window()),
    )
    share = ibis.ifelse(
        ranked._total == 0,
        ibis.null("float64"),
        ranked._running.cast("float64") / ranked._total.cast("float64"),
    )
    return ranked.mutate(cumulative_profit_share=share.round(SHARE_DECIMALS)).drop(
        "_cents", "_running", "_total"
    )


def with_columns(summary: ir.Table, extra: list[ir.Table]) -> ir.Table:
    """Add per-customer columns (each table: customer_id + columns) to the summary."""
    for table in extra:
        renamed = table.rename(_key="customer_id")
        joined = summary.left_join(renamed, summary.customer_id == renamed._key)
        summary = joined.drop("_key")
    return summary
