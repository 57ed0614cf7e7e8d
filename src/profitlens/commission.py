"""Commission per customer and period (contract section 3)."""
from __future__ import annotations

import ibis
import ibis.expr.types as ir

from .costmodel import CostModel
from .periods import period_of


def commission(invoice_lines: ir.Table, customers: ir.Table, commissions: ir.Table | None,
               model: CostModel) -> ir.Table:
    """Commission per customer and period. Columns: customer_id, period, amount.

    When the ``commissions`` table was given it is the whole truth (by ``paid_on``); otherwise
    each line's revenue times its rate: ``by_product`` for the line's product, else
    ``by_segment`` for the customer's segment, else ``default_rate``.
    """
    if commissions is not None:
        paid = commissions.select("customer_id", period=period_of(commissions.paid_on,
                                                                  model.period),
                                  amount=commissions.amount)
        return paid.group_by(["customer_id", "period"]).agg(amount=paid.amount.sum())
    rates = model.commission
    lines = invoice_lines.join(customers.select("customer_id", "segment"), "customer_id")
    rate = ibis.coalesce(
        _lookup(lines.product_id, rates.by_product),
        _lookup(lines.segment, rates.by_segment),
        ibis.literal(rates.default_rate, "float64"))
    earned = lines.select("customer_id", period=period_of(lines.invoice_date, model.period),
                          amount=lines.revenue * rate)
    return earned.group_by(["customer_id", "period"]).agg(amount=earned.amount.sum())


def _lookup(key: ir.StringValue, mapping: dict[str, float]) -> ir.FloatingValue:
    if not mapping:
        return ibis.null("float64")
    return key.cases(*((k, ibis.literal(v, "float64")) for k, v in mapping.items()),
                     else_=ibis.null("float64"))
