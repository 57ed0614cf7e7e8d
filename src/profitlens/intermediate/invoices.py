"""Invoices from their lines: the grain of per-invoice activities and of receivables."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir


def invoices(invoice_lines: ir.Table, payment_terms_days: int) -> ir.Table:
    """One row per invoice.

    Columns: invoice_id, customer_id, invoice_date, due_date (the earliest line's due date,
    else invoice date + ``payment_terms_days``), amount (sum of the lines' revenue), cost
    (sum of their cost of goods), n_lines.
    """
    lines = invoice_lines
    grouped = lines.group_by("invoice_id").agg(
        customer_id=lines.customer_id.min(),
        invoice_date=lines.invoice_date.min(),
        line_due=lines.due_date.min(),
        amount=lines.revenue.sum(),
        cost=lines.cost.sum(),
        n_lines=lines.count(),
    )
    terms = grouped.invoice_date + ibis.interval(days=payment_terms_days)
    return grouped.mutate(due_date=grouped.line_due.fill_null(terms)).drop("line_due")
