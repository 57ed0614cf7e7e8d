"""customer_pnl: one row per customer and period in which any P&L line is non-zero."""
from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..contract import COST_LINES, PNL_COLUMNS
from ..periods import period_of

MONEY_DECIMALS = 6


def referral_cost(referrals: ir.Table, period_kind: str) -> ir.Table:
    """Rewards paid to referrers, by ``referred_on``. Columns: customer_id, period, amount."""
    paid = referrals.select(customer_id=referrals.referrer_id,
                            period=period_of(referrals.referred_on, period_kind),
                            amount=referrals.reward.fill_null(0.0))
    return paid.group_by(["customer_id", "period"]).agg(amount=paid.amount.sum())


def sales_lines(invoice_lines: ir.Table, period_kind: str) -> ir.Table:
    """Revenue and cost of goods per customer and period, as two P&L lines.

    Columns: customer_id, period, line, amount.
    """
    lines = invoice_lines.mutate(period=period_of(invoice_lines.invoice_date, period_kind))
    sums = lines.group_by(["customer_id", "period"]).agg(revenue=lines.revenue.sum(),
                                                          cogs=lines.cost.sum())
    return sums.pivot_longer(["revenue", "cogs"], names_to="line", values_to="amount")


def customer_pnl(parts: dict[str, ir.Table]) -> ir.Table:
    """Assemble the P&L from its lines.

    Parameters
    ----------
    parts : dict of str to ibis table
        P&L line -> table (customer_id, period, amount); a table may instead carry a ``line``
        column naming the line of each row (see :func:`sales_lines`).

    Returns
    -------
    ibis table
        customer_id, period and the contract's P&L columns; gross_margin = revenue − cogs and
        profit = gross_margin − every cost line. Only rows where some line is non-zero.
    """
    long = ibis.union(*(
        t.select("customer_id", "period", "line", "amount") if "line" in t.columns
        else t.select("customer_id", "period", line=ibis.literal(name), amount=t.amount)
        for name, t in parts.items()))
    wide = long.group_by(["customer_id", "period"]).agg(**{
        line: long.amount.sum(where=long.line == line).fill_null(0.0)
        for line in ("revenue", "cogs", *COST_LINES)})
    wide = wide.mutate(gross_margin=wide.revenue - wide.cogs)
    wide = wide.mutate(profit=wide.gross_margin - sum(wide[c] for c in COST_LINES))
    rounded = wide.select("customer_id", "period", **{
        c: wide[c].round(MONEY_DECIMALS) for c in PNL_COLUMNS})
    nonzero = ibis.or_(*(rounded[c] != 0 for c in PNL_COLUMNS if c not in ("gross_margin",
                                                                           "profit")))
    return rounded.filter(nonzero)
