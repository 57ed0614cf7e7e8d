"""Credit cost: bad debt plus the cost of carrying unpaid invoices (contract section 3).

Carrying cost is counted day by day without making a row per day: each invoice's balance is a
step function that changes only on its invoice and payment dates, so it is cut into intervals of
constant balance, and each interval is intersected with the period calendar to count its days
in every period.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from profitlens.periods import period_of


def balance_moves(invoices: ir.Table, payments: ir.Table) -> ir.Table:
    """What changes each invoice's balance: its amount on its date, and minus every payment or
    write-off (:func:`payment_moves`).

    Columns: invoice_id, customer_id, day, delta (several rows per invoice and day allowed).
    """
    inv = invoices.select(
        "invoice_id", "customer_id", day=invoices.invoice_date, delta=invoices.amount
    )
    return inv.union(payment_moves(invoices, payments))


def payment_moves(invoices: ir.Table, payments: ir.Table) -> ir.Table:
    """Minus every payment or write-off, on its date (a payment made before the invoice date
    counts from the invoice date). Columns: invoice_id, customer_id, day, delta."""
    inv = invoices.select("invoice_id", "customer_id", "invoice_date")
    paid = payments.join(inv, "invoice_id")
    return paid.select(
        "invoice_id",
        "customer_id",
        day=ibis.greatest(paid.paid_on, paid.invoice_date),
        delta=-paid.amount,
    )


def moves_from(moves: ir.Table) -> ir.Table:
    """The moves of the invoices whose balance can be positive on their ``first`` day or later:
    those with a positive balance the day before, or a move on or after it (the others stay
    settled, so they carry no cost from ``first`` on).

    Parameters
    ----------
    moves : ibis table
        :func:`balance_moves` with a date column ``first`` (the same for all of an invoice's
        moves).
    """
    per = moves.group_by("invoice_id").agg(
        before=moves.delta.sum(where=moves.day < moves.first),
        last=moves.day.max(),
        first=moves.first.min(),
    )
    carried = per.filter((per.before.fill_null(0.0) > 0) | (per.last >= per.first))
    return moves.drop("first").semi_join(carried, "invoice_id")


def invoice_balance_intervals(moves: ir.Table, as_of: dt.date) -> ir.Table:
    """Intervals of constant, positive end-of-day balance of each invoice.

    The balance at the end of day d is the sum of the invoice's moves (:func:`balance_moves`)
    on or before d.

    Columns: invoice_id, customer_id, start, end (both inclusive, end <= ``as_of``), balance.
    """
    daily = moves.group_by(["invoice_id", "customer_id", "day"]).agg(delta=moves.delta.sum())
    window = ibis.window(group_by="invoice_id", order_by="day")
    steps = daily.mutate(
        balance=daily.delta.sum().over(
            ibis.cumulative_window(group_by="invoice_id", order_by="day")
        ),
        next_day=daily.day.lead().over(window),
    )
    end = (steps.next_day - ibis.interval(days=1)).fill_null(ibis.literal(as_of))
    intervals = steps.select(
        "invoice_id", "customer_id", start=steps.day, end=end, balance=steps.balance
    )
    return intervals.filter((intervals.balance > 0) & (intervals.start <= intervals.end))


def carrying_cost(intervals: ir.Table, calendar: ir.Table, annual_rate: float) -> ir.Table:
    """Cost of carrying balances per customer and period: balance × rate / 365 per day.

    Columns: customer_id, period, amount.
    """
    cal = calendar
    overlap = intervals.join(
        cal, (intervals.start <= cal.period_end) & (intervals.end >= cal.period_start)
    )
    first = ibis.greatest(overlap.start, overlap.period_start)
    last = ibis.least(overlap.end, overlap.period_end)
    days = last.delta(first, unit="day") + 1
    costed = overlap.select(
        "customer_id", "period", amount=overlap.balance * days * (annual_rate / 365.0)
    )
    return costed.group_by(["customer_id", "period"]).agg(amount=costed.amount.sum())


def bad_debt(payments: ir.Table, invoices: ir.Table, period_kind: str) -> ir.Table:
    """Write-offs, in the period of their date: one row per write-off, summed per customer and
    period by :func:`profitlens.marts.customer_pnl.customer_pnl`.

    Columns: customer_id, period, amount.
    """
    offs = payments.filter(payments.kind == "write_off").join(
        invoices.select("invoice_id", "customer_id"), "invoice_id"
    )
    return offs.select(
        "customer_id", period=period_of(offs.paid_on, period_kind), amount=offs.amount
    )
