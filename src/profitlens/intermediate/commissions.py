"""Commission per customer and period (contract section 3).

When the ``commissions`` table was given it is the whole truth (by ``paid_on``); otherwise each
invoice line earns its revenue times its rate: ``by_product`` for the line's product, else
``by_segment`` for the customer's segment, else ``default_rate``.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from profitlens.costmodel import Commission, CostModel
from profitlens.periods import period_of


def paid_commission(commissions: ir.Table, model: CostModel) -> ir.Table:
    """Commissions paid, in the period of ``paid_on``: one row per payment, summed per customer
    and period by :func:`profitlens.marts.customer_pnl.customer_pnl`.

    Columns: customer_id, period, commission.
    """
    return commissions.select(
        "customer_id",
        period=period_of(commissions.paid_on, model.period),
        commission=commissions.amount,
    )


def with_segments(invoice_lines: ir.Table, customers: ir.Table, rates: Commission) -> ir.Table:
    """The lines, with their customer's ``segment`` when the rates depend on it."""
    if not rates.by_segment:
        return invoice_lines
    return invoice_lines.join(customers.select("customer_id", "segment"), "customer_id")


def line_commission(lines: ir.Table, rates: Commission) -> ir.FloatingValue:
    """Commission earned by each line of :func:`with_segments`: its revenue times its rate."""
    lookups = [
        _lookup(lines[key], mapping)
        for key, mapping in (("product_id", rates.by_product), ("segment", rates.by_segment))
        if mapping
    ]
    rate = ibis.coalesce(*lookups, ibis.literal(rates.default_rate, "float64"))
    return lines.revenue * rate


def _lookup(key: ir.StringValue, mapping: dict[str, float]) -> ir.FloatingValue:
    return key.cases(
        *((k, ibis.literal(v, "float64")) for k, v in mapping.items()), else_=ibis.null("float64")
    )
