"""customer_pnl: one row per customer and period in which any P&L line is non-zero."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from ..contract import COST_LINES, MONEY_DECIMALS, PNL_COLUMNS

LINES = ("revenue", "cogs", *COST_LINES)


def per_customer_period(rows: ir.Table) -> ir.Table:
    """A P&L part's rows summed per customer and period (every column but those two).

    For parts of one row per invoice line or payment: a company's lines shrink about fourfold
    when summed per customer and period, and the assembling aggregate of :func:`customer_pnl`
    then has that many fewer rows to place among its millions of groups.
    """
    amounts = [c for c in rows.columns if c not in ("customer_id", "period")]
    return rows.group_by(["customer_id", "period"]).agg(**{c: rows[c].sum() for c in amounts})


def customer_pnl(parts: dict[str, ir.Table]) -> ir.Table:
    """Assemble the P&L from its lines.

    Parameters
    ----------
    parts : dict of str to ibis table
        Rows of (customer_id, period) and amounts, several rows per key allowed: either an
        ``amount`` column, which is the P&L line named by the key, or columns named after P&L
        lines (``revenue``, ``cogs`` or a cost line; see :func:`sales_lines`). Lines a part does
        not have count 0.

    Returns
    -------
    ibis table
        customer_id, period and the contract's P&L columns; gross_margin = revenue − cogs and
        profit = gross_margin − every cost line. Only rows where some line is non-zero.

    Notes
    -----
    The parts are stacked side by side (one column per line, 0 where a part has none) and
    summed in one aggregate: plain sums, no per-line filters. Parts of one row per invoice line
    or payment are best summed first (:func:`per_customer_period`), which shrinks the invoice
    lines several-fold before the aggregate (figures in ``benchmarks/RESULTS.md``).
    """
    zero = ibis.literal(0.0)

    def widen(name: str, t: ir.Table) -> ir.Table:
        given = (
            {name: t.amount}
            if "amount" in t.columns
            else {c: t[c] for c in LINES if c in t.columns}
        )
        if not given or not set(given) <= set(LINES):
            raise ValueError(f"P&L part {name!r} has no P&L line columns or amount")
        return t.select(
            "customer_id",
            "period",
            **{c: given[c].cast("float64") if c in given else zero for c in LINES},
        )

    stacked = ibis.union(*(widen(name, t) for name, t in parts.items()))
    wide = stacked.group_by(["customer_id", "period"]).agg(**{c: stacked[c].sum() for c in LINES})
    wide = wide.mutate(gross_margin=wide.revenue - wide.cogs)
    wide = wide.mutate(profit=wide.gross_margin - sum(wide[c] for c in COST_LINES))
    rounded = wide.select(
        "customer_id", "period", **{c: wide[c].round(MONEY_DECIMALS) for c in PNL_COLUMNS}
    )
    nonzero = ibis.or_(
        *(rounded[c] != 0 for c in PNL_COLUMNS if c not in ("gross_margin", "profit"))
    )
    return rounded.filter(nonzero)
