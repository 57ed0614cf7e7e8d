"""Why profit changed: a bridge from one window of periods to the next.

For each customer, let the *prior* window be the ``window`` periods that end ``window`` periods
before the as-of period and the *recent* window the ``window`` periods that end with it (default
6 and 6: the last half year against the half year before). Over each window sum the P&L lines of
``customer_pnl``: revenue ``R``, gross margin ``GM`` and the seven cost lines ``C_k``. Subscript
0 is the prior window, 1 the recent one, and ``Δx = x1 - x0``.

The change in profit ``ΔP = ΔGM - Σ_k ΔC_k`` is split into parts that add up to it exactly:

``volume``
    ``ΔR × m0``: what the change in revenue would have earned at the old margin rate ``m0``.
``price_mix``
    ``R1 × (m1 - m0)``: the change in margin rate applied to the new revenue (price, discounts,
    product mix, cost of goods). It is computed as ``ΔGM - volume``, which is the same number
    whenever both windows have revenue (``R1·m1 = GM1``, so ``ΔR·m0 + R1·(m1 - m0) = GM1 - GM0``)
    and defines it when they do not, so that ``volume + price_mix = ΔGM`` always holds.
``commission``, ``acquisition``, ``sales``, ``service``, ``fulfilment``, ``credit``, ``referral``
    ``-ΔC_k`` for each cost line of the statement (a cost that grew is a negative part).
    Acquisition cost is its own part: it is one-off, and hiding it inside sales would blame the
    account team for the cost of winning the customer.

so that ``volume + price_mix + Σ_k (-ΔC_k) = ΔGM - Σ_k ΔC_k = ΔP``.

The old margin rate ``m0`` is ``GM0 / R0`` when the prior window has positive revenue, else the
new rate ``GM1 / R1`` when the recent window has positive revenue, else 0; it is clipped to
[-1, 1]. Hence:

- a customer new in the recent window (``R0 = 0``) has ``volume = GM1``: all its margin is volume;
- a customer lost in the recent window (``R1 = 0``) has ``volume = -GM0`` and ``price_mix = 0``;
- a window with cost of goods but no revenue (returns, free replacements) shows up in price/mix;
- clipping only guards against windows with a few cents of revenue against large costs, whose
  margin rate (e.g. -5,000%) would otherwise produce volume and price/mix parts of millions that
  cancel each other. It moves money between the two parts, never out of their sum.

A segment's and the portfolio's bridge is the sum of their customers' bridges, part by part, so
the three levels agree: the portfolio's volume part is the sum of the customers' volume parts
(winning and losing customers is volume; a shift of revenue between customers with different
margins is volume too, not mix). Amounts are float64 in the model's currency; the parts sum to
the change up to floating-point rounding (far below a cent), which the tests check.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir

from profitlens.contract import PNL_COLUMNS
from profitlens.trends.series import period_index

#: part name for each cost line of the statement, in statement order
COST_PARTS: dict[str, str] = {
    "commission": "commission",
    "acquisition_cost": "acquisition",
    "sales_cost": "sales",
    "service_cost": "service",
    "fulfilment_cost": "fulfilment",
    "credit_cost": "credit",
    "referral_cost": "referral",
}
#: the parts of a profit bridge, in the order a bridge chart shows them
PARTS: tuple[str, ...] = ("volume", "price_mix", *COST_PARTS.values())
PART_COLUMNS: tuple[str, ...] = tuple(f"change_{p}" for p in PARTS)
#: the P&L lines :func:`customer_profit_bridge` reads (all of ``PNL_COLUMNS`` but cogs)
BRIDGE_LINES: tuple[str, ...] = ("revenue", "gross_margin", *COST_PARTS, "profit")


def window_bounds(periods: Sequence[str], as_of_period: str, window: int) -> tuple[int, int, int]:
    """Indices ``(prior_start, recent_start, end)`` of the two comparison windows.

    The recent window is ``periods[recent_start:end + 1]``, the prior one
    ``periods[prior_start:recent_start]``; ``prior_start`` may be negative when the history is
    shorter than two windows (the missing periods simply count as zero).
    """
    if window < 1:
        raise ValueError(f"window must be a positive number of periods, got {window}")
    periods = list(periods)
    if as_of_period not in periods:
        raise ValueError(
            f"as-of period {as_of_period!r} is not one of the periods "
            f"{periods[0]!r}..{periods[-1]!r}"
            if periods
            else "no periods given"
        )
    end = periods.index(as_of_period)
    return end - 2 * window + 1, end - window + 1, end


def customer_window_totals(
    customer_pnl: ir.Table,
    periods: Sequence[str],
    as_of_period: str,
    window: int = 6,
    lines: Sequence[str] = PNL_COLUMNS,
) -> ir.Table:
    """Sums of each P&L line over the prior and the recent window.

    Grain: one row per customer with any ``customer_pnl`` row in the periods up to the as-of
    period. Columns: ``customer_id``, then ``<line>_prior`` and ``<line>_recent`` for every
    column of ``lines`` (default ``PNL_COLUMNS``; ``BRIDGE_LINES`` are all the bridge needs),
    zero when the customer had nothing in that window.
    """
    prior_start, recent_start, end = window_bounds(periods, as_of_period, window)
    idx = period_index(periods)
    rows = customer_pnl.join(idx, "period")
    rows = rows.filter(rows.period_idx <= end)
    in_recent = rows.period_idx >= recent_start
    in_prior = (rows.period_idx >= prior_start) & (rows.period_idx < recent_start)
    aggs = {}
    for col in lines:
        aggs[f"{col}_prior"] = ibis.ifelse(in_prior, rows[col], 0.0).sum()
        aggs[f"{col}_recent"] = ibis.ifelse(in_recent, rows[col], 0.0).sum()
    return rows.group_by("customer_id").aggregate(**aggs)


def customer_profit_bridge(window_totals: ir.Table) -> ir.Table:
    """The profit bridge of every customer (see the module docstring for the definitions).

    Grain: one row per customer. Columns: ``customer_id``, ``revenue_prior``, ``revenue_recent``,
    ``profit_prior``, ``profit_recent``, ``profit_change`` (``profit_recent - profit_prior``),
    ``margin_rate_prior`` (the rate ``m0`` used for volume) and one ``change_<part>`` column per
    part of ``PARTS``.
    """
    t = window_totals
    r0, r1 = t.revenue_prior, t.revenue_recent
    gm0, gm1 = t.gross_margin_prior, t.gross_margin_recent
    m0 = ibis.cases((r0 > 0, gm0 / r0), (r1 > 0, gm1 / r1), else_=0.0).clip(lower=-1.0, upper=1.0)
    volume = (r1 - r0) * m0
    parts = {"change_volume": volume, "change_price_mix": (gm1 - gm0) - volume}
    for line, part in COST_PARTS.items():
        parts[f"change_{part}"] = t[f"{line}_prior"] - t[f"{line}_recent"]
    return t.select(
        "customer_id",
        "revenue_prior",
        "revenue_recent",
        profit_prior=t.profit_prior,
        profit_recent=t.profit_recent,
        profit_change=t.profit_recent - t.profit_prior,
        margin_rate_prior=m0,
        **parts,
    )


def segment_profit_bridge(customer_bridge: ir.Table, customers: ir.Table) -> ir.Table:
    """The profit bridge of every segment: the sum of its customers' bridges.

    Grain: one row per segment (customers without a segment form the segment ``"(none)"``).
    Columns: ``segment``, ``customers`` (count), ``profit_prior``, ``profit_recent``,
    ``profit_change`` and the ``change_<part>`` columns.
    """
    seg = customers.select("customer_id", segment=customers.segment.fill_null("(none)"))
    rows = customer_bridge.left_join(seg, "customer_id")
    rows = rows.mutate(segment=rows.segment.fill_null("(none)"))
    return rows.group_by("segment").aggregate(**_bridge_sums(rows)).order_by("segment")


def portfolio_profit_bridge(customer_bridge: ir.Table) -> ir.Table:
    """The profit bridge of the whole portfolio: the sum of all customers' bridges.

    Grain: one row. Columns as :func:`segment_profit_bridge` without ``segment``.
    """
    return customer_bridge.aggregate(**_bridge_sums(customer_bridge))


def _bridge_sums(t: ir.Table) -> dict:
    cols = ("profit_prior", "profit_recent", "profit_change", *PART_COLUMNS)
    return {"customers": t.customer_id.count(), **{c: t[c].sum().fill_null(0.0) for c in cols}}


__all__ = [
    "COST_PARTS",
    "PARTS",
    "PART_COLUMNS",
    "BRIDGE_LINES",
    "window_bounds",
    "customer_window_totals",
    "customer_profit_bridge",
    "segment_profit_bridge",
    "portfolio_profit_bridge",
]
