"""Sales lines: revenue, cost of goods and commission of each invoice line, by period."""

from __future__ import annotations

import ibis.expr.types as ir

from profitlens.costmodel import CostModel
from profitlens.intermediate.commissions import line_commission, with_segments
from profitlens.periods import period_of


def sales_lines(
    invoice_lines: ir.Table, customers: ir.Table, model: CostModel, commissions_given: bool
) -> ir.Table:
    """Revenue, cost of goods and (unless a ``commissions`` table was given) commission of each
    invoice line, by the period of its invoice date: one scan of the lines for all three.

    Columns: customer_id, period, revenue, cogs[, commission] (summed per customer and period
    by :func:`per_customer_period`).
    """
    if commissions_given:
        lines, earned = invoice_lines, {}
    else:
        lines = with_segments(invoice_lines, customers, model.commission)
        earned = {"commission": line_commission(lines, model.commission)}
    return lines.select(
        "customer_id",
        period=period_of(lines.invoice_date, model.period),
        revenue=lines.revenue,
        cogs=lines.cost,
        **earned,
    )
