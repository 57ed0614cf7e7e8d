"""Section on profitability over time, from ``customer_trends`` (and ``customer_pnl``).

Profit per period with the two comparison windows shaded, the bridge of the profit change from
the prior window to the recent one (portfolio chart, table by segment), the count of customers
per trend status and the early-warning list. The figures come from
:mod:`profitlens.trends.sections`; this module only lays them out.
"""

from __future__ import annotations

from html import escape

import numpy as np
import pandas as pd

from ...contract import PNL_COLUMNS
from ...trends.decomposition import PART_COLUMNS, PARTS
from ...trends.sections import PART_LABELS, early_warning_list, over_periods, profit_bridge
from ...trends.status import STATUSES
from .. import charts
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, filled, lead, paragraph, register

TREND_COLUMNS = (
    "customer_id",
    "segment",
    "status",
    "turn_period",
    "profit_prior",
    "profit_recent",
    *PART_COLUMNS,
    "forecast_1",
    "forecast_2",
    "forecast_3",
    "profit_at_risk",
    "main_driver",
    "attention_flag",
)
_REQUIRED = tuple(c for c in TREND_COLUMNS if c != "segment")
WARNING_ROWS = 20
NO_SEGMENT = "(none)"
ALL_CUSTOMERS = "All customers"

#: short names of the bridge's steps, for the chart's axis and the table's header
STEP_NAMES = {
    "prior": "Prior profit",
    "recent": "Recent profit",
    **{p: PART_LABELS[p].removesuffix(" cost") for p in PARTS},
}
STATUS_TEXT = {
    "new": ("New", "too few periods of history to judge"),
    "profitable": ("Profitable", "profitable, no significant decline"),
    "declining": ("Declining", "still profitable, with a significant downward trend"),
    "turned_unprofitable": ("Turned unprofitable", "was profitable; a confirmed turn into losses"),
    "unprofitable": ("Unprofitable", "never reliably profitable"),
    "recovered": ("Recovered", "from losses back to profit"),
}


@register("trends", "Profitability over time", requires=("customer_trends",), order=65)
def trends(ctx: ReportContext) -> str | None:
    """Profit per period, the profit bridge, status counts and the early-warning list."""
    missing = [c for c in _REQUIRED if c not in ctx.folder.columns("customer_trends")]
    if missing:
        return paragraph(
            "customer_trends lacks the columns "
            + ", ".join(missing)
            + "; rerun `profitlens run` with this version of profitlens to show "
            "the trends."
        )
    frame = ctx.folder.table("customer_trends", TREND_COLUMNS)
    if frame.empty:
        return paragraph(
            "customer_trends is empty: no customer has a P&L history up to the as-of period."
        )
    if "segment" not in frame.columns:
        frame = frame.assign(segment=pd.NA)
    frame = frame.assign(segment=filled(frame["segment"], NO_SEGMENT))
    by_period = _by_period(ctx)
    bridge = profit_bridge(frame)
    windows = (
        comparison_windows(by_period, bridge["amount"].iloc[0], bridge["amount"].iloc[-1])
        if by_period is not None
        else None
    )
    parts = [lead(_message(ctx, frame, bridge, windows))]
    if by_period is not None:
        parts.append(_period_chart(ctx, by_period, windows))
    parts.append(_bridge(ctx, frame, bridge, windows))
    parts.append(_statuses(ctx, frame))
    parts.append(_warnings(ctx, frame))
    return "".join(parts)


def _by_period(ctx: ReportContext) -> pd.DataFrame | None:
    """Portfolio P&L per period over the run's periods, or None without ``customer_pnl``."""
    if not {"customer_id", "period", *PNL_COLUMNS} <= set(ctx.folder.columns("customer_pnl")):
        return None
    return over_periods(ctx.profit_by_period, ctx.folder.run_info.get("periods") or None)


def comparison_windows(
    by_period: pd.DataFrame, prior: float, recent: float
) -> tuple[list[str], list[str]] | None:
    """The periods of the prior and the recent window of the profit bridge.

    The bridge's windows are the last ``w`` periods and the ``w`` before them (fewer when the
    history is shorter). ``w`` is not written in the outputs, so it is found as the shortest
    length whose windows' portfolio profit equals the bridge's ``prior`` and ``recent`` totals
    to the cent; None when no length does (the windows are then not drawn).
    """
    profit = by_period["profit"].to_numpy(dtype="float64")
    periods = list(by_period["period"])
    n = len(profit)
    tolerance = max(0.01, 1e-9 * (abs(prior) + abs(recent)))
    for w in range(1, n + 1):
        start = max(n - 2 * w, 0)
        if (
            abs(profit[n - w :].sum() - recent) < tolerance
            and abs(profit[start : n - w].sum() - prior) < tolerance
        ):
            return periods[start : n - w], periods[n - w :]
    return None


def _span(periods: list[str]) -> str:
    if not periods:
        return "no periods"
    return periods[0] if len(periods) == 1 else f"{periods[0]} to {periods[-1]}"


def _message(
    ctx: ReportContext,
    frame: pd.DataFrame,
    bridge: pd.DataFrame,
    windows: tuple[list[str], list[str]] | None,
) -> str:
    fmt = ctx.fmt
    prior, recent = bridge["amount"].iloc[0], bridge["amount"].iloc[-1]
    if windows is not None:
        where = (
            f"the recent window ({_span(windows[1])}) against "
            f"{signed(fmt.money(prior))} in the prior one ({_span(windows[0])})"
        )
    else:
        where = f"the recent window against {signed(fmt.money(prior))} in the prior one"
    parts = bridge[bridge["kind"] == "part"]
    worst = parts.loc[parts["amount"].idxmin()]
    best = parts.loc[parts["amount"].idxmax()]
    text = (
        f"Customers earned {signed(fmt.money(recent))} of profit in {where}, a change of "
        f"{signed(_plus(recent - prior, fmt.money(recent - prior)))}. "
    )
    clauses = []
    if best["amount"] > 0:
        clauses.append(
            f"{escape(STEP_NAMES[best['step']])} added the most "
            f"({signed(_plus(best['amount'], fmt.money(best['amount'])))})"
        )
    if worst["amount"] < 0:
        name = escape(STEP_NAMES[worst["step"]])
        clauses.append(
            f"{name.lower() if clauses else name} took the most away "
            f"({signed(fmt.money(worst['amount']))})"
        )
    if clauses:
        text += "; ".join(clauses) + ". "
    at_risk = frame["profit_at_risk"][frame["profit_at_risk"] > 0]
    turned = int((frame["status"] == "turned_unprofitable").sum())
    has = "has" if len(at_risk) == 1 else "have"
    text += (
        f"{plural(len(at_risk), 'customer')} {has} profit at risk, "
        f"{signed(fmt.money(at_risk.sum()))} over the next three periods; "
        f"{plural(turned, 'customer')} turned unprofitable."
    )
    return text


def _plus(value: float, text: str) -> str:
    """``text`` (``value`` formatted) with a plus sign when it shows an amount above zero."""
    return f"+{text}" if value > 0 and any(c in "123456789" for c in text) else text


def _period_chart(
    ctx: ReportContext, by_period: pd.DataFrame, windows: tuple[list[str], list[str]] | None
) -> str:
    shading = None
    if windows is not None:
        rows = []
        for name, periods in (("prior window", windows[0]), ("recent window", windows[1])):
            middle = periods[(len(periods) - 1) // 2] if periods else None
            rows += [(p, name, name if p == middle else "") for p in periods]
        shading = pd.DataFrame(rows, columns=["period", "window", "label"])
    unprofitable = by_period["unprofitable_customers"].iloc[-1]
    active = by_period["customers"].iloc[-1]
    shaded = (
        "the shaded periods are the two windows the bridge below compares"
        if windows is not None
        else "the bridge's windows do not match these periods' totals, so they are not shaded"
    )
    note = (
        f"Portfolio profit per period, {ctx.fmt.currency}; {shaded}. In the last period "
        f"{ctx.fmt.count(unprofitable)} of {plural(active, 'customer')} with a P&L line "
        "made a loss."
    )
    chart = charts.profit_by_period_chart(
        by_period[["period", "profit"]], ctx.fmt.currency, shading
    )
    return "<h3>Profit per period</h3>" + ctx.chart(chart, "Portfolio profit per period", note)


def bridge_steps(bridge: pd.DataFrame, fmt) -> pd.DataFrame:
    """Waterfall steps (label, amount, start, end, kind, text) of one :func:`profit_bridge`."""
    totals = bridge["kind"] == "total"
    return pd.DataFrame(
        {
            "label": bridge["step"].map(STEP_NAMES),
            "amount": bridge["amount"],
            "start": np.where(totals, 0.0, bridge["running"] - bridge["amount"]),
            "end": bridge["running"],
            "kind": bridge["kind"],
            "text": [
                fmt.compact(a) if t else _plus(a, fmt.compact(a))
                for a, t in zip(bridge["amount"], totals)
            ],
        }
    )


def bridge_table(frame: pd.DataFrame, bridge: pd.DataFrame) -> pd.DataFrame:
    """The bridge by segment, one row per segment and one column per step, then the portfolio.

    Segments are ordered by their prior-window profit, largest first; the last row
    (``All customers``) is the portfolio bridge, the column sums of the rows above.
    """
    wide = []
    if frame["segment"].nunique() > 1 or frame["segment"].iloc[0] != NO_SEGMENT:
        by_segment = profit_bridge(frame, by_segment=True)
        wide.append(
            by_segment.pivot(index="segment", columns="step", values="amount")
            .sort_values("prior", ascending=False)
            .rename_axis(None, axis=1)
            .reset_index()
        )
    total = bridge.set_index("step")["amount"].to_frame().T.assign(segment=ALL_CUSTOMERS)
    wide.append(total.reset_index(drop=True))
    customers = frame["segment"].value_counts()
    table = pd.concat(wide, ignore_index=True)
    table["customers"] = [
        len(frame) if s == ALL_CUSTOMERS else int(customers.get(s, 0)) for s in table["segment"]
    ]
    return table[["segment", "customers", "prior", *PARTS, "recent"]]


def _bridge(
    ctx: ReportContext,
    frame: pd.DataFrame,
    bridge: pd.DataFrame,
    windows: tuple[list[str], list[str]] | None,
) -> str:
    fmt = ctx.fmt
    chart = ctx.chart(
        charts.waterfall_chart(bridge_steps(bridge, fmt), fmt.currency),
        "Bridge of portfolio profit from the prior window to the recent window",
    )
    table = bridge_table(frame, bridge)
    cols = [
        Column("segment", "Segment", str, numeric=False),
        Column("customers", "Customers", fmt.count),
        *(Column(s, STEP_NAMES[s], fmt.number) for s in ("prior", *PARTS, "recent")),
    ]
    where = (
        f"the prior window ({_span(windows[0])}) to the recent window ({_span(windows[1])})"
        if windows is not None
        else "the prior window to the recent window"
    )
    intro = paragraph(
        f"Why profit changed from {where}, in {fmt.currency}. Volume is the change in revenue "
        "at the prior margin rate, price / mix the change in the margin rate (prices, "
        "discounts, product mix, cost of goods); each cost line shows how much more (negative) "
        "or less (positive) it cost. The parts add up to the change exactly; a segment's bridge "
        "is the sum of its customers' bridges."
    )
    return (
        "<h3>Bridge of the profit change</h3>"
        + intro
        + chart
        + html_table(
            table, cols, row_class=lambda r: "total" if r["segment"] == ALL_CUSTOMERS else None
        )
    )


def status_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Customers, share, recent-window profit and profit at risk per trend status.

    Every status of :data:`~profitlens.trends.status.STATUSES` in its order (zero when no
    customer has it), then any other status found.
    """
    status = filled(frame["status"], "(none)")
    grouped = (
        frame.assign(status=status, customers=1)
        .groupby("status")[["customers", "profit_recent", "profit_at_risk"]]
        .sum()
    )
    order = list(STATUSES) + sorted(set(grouped.index) - set(STATUSES))
    table = grouped.reindex(order).fillna(0.0).rename_axis("status").reset_index()
    table["customers"] = table["customers"].astype("int64")
    table["share"] = table["customers"] / len(frame)
    table["label"] = [STATUS_TEXT.get(s, (s, ""))[0] for s in table["status"]]
    table["meaning"] = [STATUS_TEXT.get(s, (s, ""))[1] for s in table["status"]]
    return table


def _statuses(ctx: ReportContext, frame: pd.DataFrame) -> str:
    fmt = ctx.fmt
    table = status_counts(frame)
    cols = [
        Column("label", "Status", str, numeric=False),
        Column("customers", "Customers", fmt.count),
        Column("share", "Share", fmt.percent),
        Column("profit_recent", "Profit, recent window", fmt.number),
        Column("profit_at_risk", "Profit at risk", fmt.number),
        Column("meaning", "Meaning", str, numeric=False),
    ]
    total = {
        "label": "Total",
        "customers": fmt.count(len(frame)),
        "share": fmt.percent(1.0),
        "profit_recent": fmt.number(frame["profit_recent"].sum()),
        "profit_at_risk": fmt.number(frame["profit_at_risk"].sum()),
    }
    return "<h3>Customers by trend status</h3>" + html_table(table, cols, total=total)


def _warnings(ctx: ReportContext, frame: pd.DataFrame) -> str:
    fmt = ctx.fmt
    rows = early_warning_list(frame, top=WARNING_ROWS)
    head = "<h3>Early warning: profit at risk</h3>"
    if rows.empty:
        return head + paragraph(
            "No customer has profit at risk: every forecast is at or "
            "above the customer's profit per period in the prior window."
        )
    count = int((frame["profit_at_risk"] > 0).sum())
    shown = (
        "it"
        if count == 1
        else "all of them"
        if count <= WARNING_ROWS
        else f"the {len(rows)} with the most at risk"
    )
    intro = paragraph(
        f"Profit at risk is how much less a customer is forecast to earn over the next three "
        f"periods than three periods at its prior-window average; the main driver is the part "
        f"of its bridge (acquisition excepted) that took the most profit away. "
        f"{plural(count, 'customer')} {'has' if count == 1 else 'have'} profit at risk; "
        f"{shown} {'is' if len(rows) == 1 else 'are'} listed. "
        "“Service value falling” marks the customers whose revenue per service minute fell "
        "fastest."
    )
    rows = rows.assign(
        status=[STATUS_TEXT.get(s, (s, ""))[0] for s in rows["status"]],
        main_driver=[
            STEP_NAMES.get(d, d) if isinstance(d, str) else "" for d in rows["main_driver"]
        ],
        turn_period=[t if isinstance(t, str) else "" for t in rows["turn_period"]],
        attention_flag=["yes" if f is True or f == 1 else "" for f in rows["attention_flag"]],
        segment=[s if s != NO_SEGMENT else "" for s in rows["segment"]],
    )
    cols = [
        Column("rank", "#", fmt.count),
        Column("customer_id", "Customer", str, numeric=False),
        Column("segment", "Segment", str, numeric=False),
        Column("status", "Status", str, numeric=False),
        Column("turn_period", "Turned in", str, numeric=False),
        Column("profit_prior", "Profit, prior window", fmt.number),
        Column("profit_recent", "Profit, recent window", fmt.number),
        Column("forecast_next", "Forecast, next 3 periods", fmt.number),
        Column("profit_at_risk", "Profit at risk", fmt.number),
        Column("main_driver", "Main driver", str, numeric=False),
        Column("attention_flag", "Service value falling", str, numeric=False),
    ]
    return head + intro + html_table(rows, cols)
