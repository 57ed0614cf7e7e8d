"""Receivables at the as-of date: one row per invoice with its open balance, age and lateness.

Stages (Ibis expressions, run on DuckDB and Spark alike):

- :func:`invoices` -- invoice lines rolled up to invoices, with their due date;
- :func:`invoice_settlements` -- what was paid and written off, and when the invoice was settled;
- :func:`receivables` -- the two joined at the as-of date, aged into buckets.

Conventions (what a credit controller would expect; written down in ``docs``):

- An invoice's amount is the sum of its lines' revenue; its due date is the earliest of its
  lines' ``due_date``, or, when no line has one, the invoice date + ``payment_terms_days``
  (the rule of :func:`profitlens.intermediate.invoices.invoices`).
- The open balance is the amount less every payment and write-off dated on or before the as-of
  date. Balances within half a cent of zero count as settled.
- Days past due = as-of date - due date. Only invoices with a positive open balance are aged;
  credit notes and overpayments (negative balances) are reported as ``unapplied_credit`` per
  customer, never netted into the aging.
- An invoice is *settled* on the first date its payments and write-offs reach its amount.
  Days late = settlement date (or the as-of date while still open) - due date, at least 0;
  it is unknown (null) while an open invoice is not yet due.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from profitlens.intermediate.invoices import invoices as all_invoices
from profitlens.settings import CreditPolicy, bucket_labels

#: balances closer to zero than this are settled (half a cent)
CENT_TOLERANCE = 0.005
_EPOCH = dt.date(1970, 1, 1)


def epoch_day(day: dt.date) -> int:
    """Days from 1970-01-01 to ``day``: the integer day numbers the stages compare."""
    return (day - _EPOCH).days


def invoices(
    invoice_lines: ir.Table,
    payment_terms_days: int,
    as_of: dt.date,
    rolled_up: ir.Table | None = None,
) -> ir.Table:
    """Invoices issued on or before ``as_of``.

    Grain: one row per invoice. Columns: invoice_id, customer_id, invoice_date, amount (sum of
    revenue), cost (sum of cost), due_date, invoice_day, due_day (epoch day numbers).
    The due date follows :func:`profitlens.intermediate.invoices.invoices`: the earliest due date of the
    invoice's lines, else invoice date + ``payment_terms_days``.

    Parameters
    ----------
    rolled_up : ibis Table, optional
        ``invoice_lines`` already rolled up by :func:`profitlens.intermediate.invoices.invoices` (the
        pipeline caches that table): its invoices dated on or before ``as_of`` are used
        instead of rolling up the lines again. The same invoices as long as none has lines on
        both sides of ``as_of``, which staging ensures (it quarantines lines dated after it).
    """
    if rolled_up is None:
        lines = invoice_lines.filter(invoice_lines.invoice_date <= ibis.date(as_of))
        if "due_date" not in lines.columns:  # lines not staged: due_date is optional
            lines = lines.mutate(due_date=ibis.null("date"))
        rolled_up = all_invoices(lines, payment_terms_days)
    else:
        rolled_up = rolled_up.filter(rolled_up.invoice_date <= ibis.date(as_of))
    out = rolled_up.select(
        "invoice_id", "customer_id", "invoice_date", "amount", "cost", "due_date"
    )
    return out.mutate(invoice_day=out.invoice_date.epoch_days(), due_day=out.due_date.epoch_days())


def payments_until(payments: ir.Table, as_of: dt.date) -> ir.Table:
    """Payments and write-offs dated on or before ``as_of``.

    Grain: one row per payment. Columns: those of ``payments`` and ``is_write_off`` (kind
    ``write_off``; a payment without a kind is a payment).
    """
    pays = payments.filter(payments.paid_on <= ibis.date(as_of))
    kind = pays.kind.fill_null("payment") if "kind" in pays.columns else ibis.literal("payment")
    return pays.mutate(is_write_off=kind == "write_off")


def invoice_settlements(invoices: ir.Table, payments: ir.Table, as_of: dt.date) -> ir.Table:
    """Payments and write-offs of each invoice up to ``as_of``.

    Grain: one row per invoice that has any payment or write-off on or before ``as_of``.
    Columns: invoice_id, paid, written_off, settled_on (first date the cumulative payments
    and write-offs reach the invoice amount; null while they have not).
    """
    pays = payments_until(payments, as_of)
    pays = pays.inner_join(
        invoices.select("invoice_id", _invoice_amount=invoices.amount), "invoice_id"
    )
    cumulative = pays.amount.cumsum(
        group_by=pays.invoice_id, order_by=[pays.paid_on, pays.payment_id]
    )
    pays = pays.mutate(_cumulative=cumulative)
    reached = pays._cumulative >= pays._invoice_amount - CENT_TOLERANCE
    return pays.group_by("invoice_id").aggregate(
        paid=pays.is_write_off.ifelse(0.0, pays.amount).sum(),
        written_off=pays.is_write_off.ifelse(pays.amount, 0.0).sum(),
        settled_on=reached.ifelse(pays.paid_on, ibis.null("date")).min(),
    )


def receivables(
    invoice_lines: ir.Table,
    payments: ir.Table,
    customers: ir.Table,
    as_of: dt.date,
    payment_terms_days: int,
    policy: CreditPolicy | None = None,
    rolled_up: ir.Table | None = None,
) -> ir.Table:
    """Every invoice at the as-of date, with its open balance, aging bucket and lateness.

    Grain: one row per invoice issued on or before ``as_of``. ``rolled_up``: see
    :func:`invoices`.

    Columns: invoice_id, customer_id, segment, invoice_date, due_date, amount, cost, paid,
    written_off, open_balance, days_past_due (int, negative before the due date),
    bucket / bucket_order (aging bucket of a positive open balance, else null),
    settled_on, days_late (see module docstring), paid_late (days_late > 0), and the epoch day
    numbers invoice_day, due_day.

    Invariant: amount = paid + written_off + open_balance.
    """
    policy = policy or CreditPolicy()
    inv = invoices(invoice_lines, payment_terms_days, as_of, rolled_up)
    settled = invoice_settlements(inv, payments, as_of)
    segment = customers.segment if "segment" in customers.columns else ibis.null("string")
    seg = customers.select("customer_id", segment=segment.cast("string"))
    t = inv.left_join(settled, "invoice_id").select(
        inv, settled.paid, settled.written_off, settled.settled_on
    )
    t = t.left_join(seg, "customer_id").select(t, seg.segment)
    t = t.mutate(paid=t.paid.fill_null(0.0), written_off=t.written_off.fill_null(0.0))
    as_of_day = epoch_day(as_of)
    t = t.mutate(
        open_balance=t.amount - t.paid - t.written_off,
        days_past_due=(ibis.literal(as_of_day) - t.due_day).cast("int64"),
    )
    is_open = t.open_balance > CENT_TOLERANCE
    end_day = t.settled_on.epoch_days().fill_null(as_of_day)
    lateness = ibis.greatest(end_day - t.due_day, 0)
    known = (t.amount > CENT_TOLERANCE) & (t.settled_on.notnull() | (t.days_past_due > 0))
    t = t.mutate(
        bucket=is_open.ifelse(
            aging_bucket(t.days_past_due, policy.bucket_edges), ibis.null("string")
        ),
        bucket_order=is_open.ifelse(
            aging_bucket_order(t.days_past_due, policy.bucket_edges), ibis.null("int64")
        ),
        days_late=known.ifelse(lateness.cast("int64"), ibis.null("int64")),
    )
    t = t.mutate(paid_late=t.days_late > 0)
    return t.select(
        "invoice_id",
        "customer_id",
        "segment",
        "invoice_date",
        "due_date",
        "amount",
        "cost",
        "paid",
        "written_off",
        "open_balance",
        "days_past_due",
        "bucket",
        "bucket_order",
        "settled_on",
        "days_late",
        "paid_late",
        "invoice_day",
        "due_day",
    )


def aging_bucket(days_past_due: ir.IntegerValue, edges: tuple[int, ...]) -> ir.StringValue:
    """Name of the aging bucket of ``days_past_due`` (see :class:`CreditPolicy`)."""
    labels = bucket_labels(edges)
    branches = [(days_past_due <= edge, label) for edge, label in zip(edges, labels)]
    return ibis.cases(*branches, else_=labels[-1])


def aging_bucket_order(days_past_due: ir.IntegerValue, edges: tuple[int, ...]) -> ir.IntegerValue:
    """Position of the aging bucket of ``days_past_due``: 0 for ``current``, 1, 2, ..."""
    branches = [(days_past_due <= edge, i) for i, edge in enumerate(edges)]
    return ibis.cases(*branches, else_=len(edges)).cast("int64")
