"""Sections on where profit comes from: portfolio P&L, whale curve, distribution, customers,
segments and periods."""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ...contract import COST_LINES, PNL_COLUMNS
from .. import charts, figures
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, lead, paragraph, register

_STATEMENT_ROWS = {"Revenue": None, "Gross margin": "subtotal", "Profit": "total"}


@register("pnl", "Portfolio P&L", requires=("customer_summary",), order=10)
def portfolio_pnl(ctx: ReportContext) -> str:
    """Waterfall from revenue to profit over all customers, and the statement beside it."""
    fmt, steps = ctx.fmt, figures.portfolio_waterfall(ctx.summary)
    steps["text"] = [fmt.compact(a) for a in steps["amount"]]
    totals = figures.portfolio_totals(ctx.summary)
    revenue = totals["revenue"]
    statement = pd.DataFrame(
        {
            "line": [figures.STEP_LABELS[c] for c in PNL_COLUMNS],
            "amount": [
                totals[c] if c in ("revenue", "gross_margin", "profit") else -totals[c]
                for c in PNL_COLUMNS
            ],
        }
    )
    statement["share"] = statement["amount"] / revenue if revenue > 0 else np.nan
    table = html_table(
        statement,
        [
            Column("line", "Line", str, numeric=False),
            Column("amount", f"Amount ({fmt.currency})", fmt.number),
            Column("share", "% of revenue", fmt.percent),
        ],
        row_class=lambda r: _STATEMENT_ROWS.get(r["line"], "cost"),
    )
    h = ctx.headline
    message = (
        f"Customers brought {signed(fmt.money(h.revenue))} of revenue and "
        f"{signed(fmt.money(h.profit))} of profit after every cost of winning and "
        f"serving them, a margin of {signed(fmt.percent(h.margin))}."
    )
    chart = ctx.chart(
        charts.waterfall_chart(steps, fmt.currency),
        "Waterfall from revenue through each cost line to profit",
    )
    return lead(message) + chart + table


@register("whale", "Profit concentration (whale curve)", requires=("customer_summary",), order=20)
def whale(ctx: ReportContext) -> str:
    """Cumulative profit share against share of customers ranked most to least profitable."""
    h, fmt = ctx.headline, ctx.fmt
    curve = figures.whale_curve(ctx.summary)
    if curve is None:
        return lead(
            "Total profit is not positive, so shares of it cannot be read; "
            "see the least profitable customers below."
        )
    peak = curve.loc[curve["profit_share"].idxmax()]
    peak_label = (
        f"Peak {fmt.percent(peak['profit_share'], 0)} with "
        f"{fmt.percent(peak['customer_share'], 0)} of customers"
    )
    rest = h.customers - int(peak["customers"])
    message = (
        f"The top 20% of customers ({plural(h.top_count, 'customer')}) earn "
        f"{signed(fmt.percent(h.top_share))} of total profit. Profit peaks at "
        f"{signed(fmt.percent(peak['profit_share']))} of the total with the most "
        f"profitable {plural(peak['customers'], 'customer')}"
    )
    if rest:
        eroded = h.profit * (peak["profit_share"] - 1)
        message += (
            f"; {signed(fmt.money(eroded))} of it is lost to the remaining "
            f"{plural(rest, 'customer')}."
        )
    else:
        message += "."
    how = paragraph(
        "Customers are ranked from most to least profitable; the curve climbs while "
        "customers add profit and falls where they lose it. The height of the hump "
        "above the dashed 100% line is the profit that loss-making customers "
        "destroy."
    )
    chart = ctx.chart(
        charts.whale_curve_chart(curve, peak_label),
        "Whale curve of cumulative profit share by share of customers",
    )
    return lead(message) + chart + how


@register("distribution", "Profit per customer", requires=("customer_summary",), order=30)
def distribution(ctx: ReportContext) -> str | None:
    """Histogram of lifetime profit per customer, with median and mean."""
    fmt, profit = ctx.fmt, ctx.summary["profit"]
    if profit.empty:
        return None
    hist = figures.profit_histogram(profit)
    notes = []
    if hist.clipped_low or hist.clipped_high:
        notes.append(
            f"The outermost bands also hold the {fmt.count(hist.clipped_low)} customers "
            f"below and {fmt.count(hist.clipped_high)} above the bands shown."
        )
    message = (
        f"Median profit per customer is {signed(fmt.money(profit.median()))}, the mean "
        f"{signed(fmt.money(profit.mean()))}; "
        f"{plural(ctx.headline.loss_makers, 'customer')} (red bands) lose money."
    )
    chart = ctx.chart(
        charts.profit_histogram_chart(hist.bins, fmt.currency),
        "Histogram of profit per customer",
        note=" ".join(notes) or None,
    )
    return lead(message) + chart


def _customer_columns(ctx: ReportContext) -> list[Column]:
    fmt, cols = ctx.fmt, []
    if "rank" in ctx.summary.columns:
        cols.append(Column("rank", "Rank", fmt.count))
    cols.append(Column("customer_id", "Customer", str, numeric=False))
    if "name" in ctx.summary.columns:
        cols.append(Column("name", "Name", lambda v: "" if pd.isna(v) else str(v), numeric=False))
    if "segment" in ctx.summary.columns:
        cols.append(
            Column("segment", "Segment", lambda v: "" if pd.isna(v) else str(v), numeric=False)
        )
    cols += [
        Column(c, figures.STEP_LABELS[c], fmt.number)
        for c in ("revenue", "gross_margin", *COST_LINES, "profit")
    ]
    cols.append(Column("margin", "Margin", fmt.percent))
    return cols


@register(
    "customers", "Most and least profitable customers", requires=("customer_summary",), order=40
)
def customers(ctx: ReportContext) -> str | None:
    """Top and bottom ten customers with their lifetime P&L lines."""
    if ctx.summary.empty:
        return None
    n = 10
    top, bottom = figures.extreme_customers(ctx.summary, n)
    cols = _customer_columns(ctx)
    parts = [
        paragraph(
            f"Lifetime P&L lines in {ctx.fmt.currency}; costs are shown as positive "
            "amounts, margin is profit over revenue."
        )
    ]
    if len(ctx.summary) <= 2 * n:
        everyone, _ = figures.extreme_customers(ctx.summary, len(ctx.summary))
        listed = [("All customers, most profitable first", everyone)]
    else:
        listed = [("Most profitable", top), ("Least profitable, worst first", bottom)]
    for title, frame in listed:
        frame = frame.assign(margin=frame["profit"] / frame["revenue"].where(frame["revenue"] > 0))
        parts.append(f"<h3>{title}</h3>" + html_table(frame, cols))
    return "".join(parts)


@register("segments", "Cost to serve by segment", requires=("customer_summary",), order=50)
def segments(ctx: ReportContext) -> str | None:
    """Revenue, cost to serve and profit per segment; skipped when there is no segment column."""
    table = figures.segment_costs(ctx.summary)
    if table is None:
        return None
    fmt = ctx.fmt
    labels = [figures.STEP_LABELS[c] for c in COST_LINES]
    revenue = table["revenue"].where(table["revenue"] > 0)
    shares = pd.concat(
        [
            pd.DataFrame(
                {
                    "segment": table["segment"],
                    "line": figures.STEP_LABELS[c],
                    "share": (table[c] / revenue).fillna(0.0),
                    "order": i,
                }
            )
            for i, c in enumerate(COST_LINES)
        ],
        ignore_index=True,
    )
    worst = table.loc[table["margin"].fillna(-np.inf).idxmin()]
    message = (
        f"Cost to serve is every cost below gross margin. The lowest margin is in "
        f"segment <b>{_esc(worst['segment'])}</b>: {signed(fmt.percent(worst['margin']))}"
        f" of revenue, {signed(fmt.money(worst['profit_per_customer']))} per customer."
    )
    chart = ctx.chart(
        charts.segment_cost_chart(shares, labels),
        "Cost to serve as share of revenue by segment and cost line",
    )
    cols = [
        Column("segment", "Segment", str, numeric=False),
        Column("customers", "Customers", fmt.count),
        Column("loss_makers", "Loss makers", fmt.count),
        Column("revenue", "Revenue", fmt.number),
        Column("gross_margin", "Gross margin", fmt.number),
        Column("cost_to_serve", "Cost to serve", fmt.number),
        Column("profit", "Profit", fmt.number),
        Column("margin", "Margin", fmt.percent),
        Column("cost_to_serve_per_customer", "Cost to serve / customer", fmt.number),
        Column("profit_per_customer", "Profit / customer", fmt.number),
    ]
    return lead(message) + chart + html_table(table, cols)


@register("periods", "P&L by period", requires=("customer_pnl",), order=60)
def periods(ctx: ReportContext) -> str | None:
    """Revenue, costs and profit per period, aggregated where ``customer_pnl`` lives."""
    frame = ctx.profit_by_period
    if frame is None or frame.empty:
        return None
    fmt = ctx.fmt
    frame = frame.assign(
        margin=frame["profit"] / frame["revenue"].where(frame["revenue"] > 0),
        cost_to_serve=frame["gross_margin"] - frame["profit"],
    )
    chart = ctx.chart(charts.period_pnl_chart(frame, fmt.currency), "Revenue and profit per period")
    cols = [
        Column("period", "Period", str, numeric=False),
        Column("customers", "Active customers", fmt.count),
        Column("revenue", "Revenue", fmt.number),
        Column("cogs", "Cost of goods", fmt.number),
        Column("gross_margin", "Gross margin", fmt.number),
        Column("cost_to_serve", "Cost to serve", fmt.number),
        Column("profit", "Profit", fmt.number),
        Column("margin", "Margin", fmt.percent),
    ]
    intro = paragraph(
        f"Amounts in {fmt.currency} by the period in which each revenue or cost "
        "falls; cost to serve is every cost below gross margin; active customers "
        "are those with any non-zero line in the period."
    )
    return intro + chart + html_table(frame, cols)


def _esc(value: object) -> str:
    return escape(str(value))
