"""Figures the report shows, computed from the output tables with pandas/numpy.

Each function takes a frame read from the output folder and returns a small frame or a
dataclass; none draws anything (charts live in :mod:`.charts`). All of them work in vectorised
numpy so a million-customer ``customer_summary`` takes well under a second.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..contract import COST_LINES, PNL_COLUMNS

CENT = 0.005  # two amounts agree "to the cent" when they differ by less than half a cent
TOP_FRACTION = 0.2

STEP_LABELS = {
    "revenue": "Revenue",
    "cogs": "Cost of goods",
    "commission": "Commissions",
    "acquisition_cost": "Acquisition",
    "sales_cost": "Sales",
    "service_cost": "Service",
    "fulfilment_cost": "Fulfilment",
    "credit_cost": "Credit",
    "referral_cost": "Referral",
    "profit": "Profit",
    "gross_margin": "Gross margin",
}
USAGE_KINDS = {
    "customer_cost": "Customers",
    "pursuit_cost": "Pursuits",
    "unused_cost": "Unused capacity",
}


@dataclass(frozen=True)
class Headline:
    """The figures at the top of the report.

    ``top_share`` is the share of total profit earned by the ``top_count`` most profitable
    customers, ``top_count = ceil(20% of customers)``; it is None when total profit is not
    positive (a share of a loss has no useful reading). ``reconciled`` is None when there is no
    ``resource_usage`` to check.
    """

    customers: int
    revenue: float
    profit: float
    margin: float | None
    top_count: int
    top_share: float | None
    loss_makers: int
    loss_total: float
    reconciled: bool | None
    reconciliation_gap: float
    as_of: str | None
    currency: str


def profit_by_rank(summary: pd.DataFrame) -> np.ndarray:
    """Customer profits ordered from most to least profitable.

    Uses ``rank`` when the summary has it (1 = most profitable); otherwise ranks as the data
    contract does: on profit rounded to the cent, descending, ties by ``customer_id``.
    """
    if summary.empty:
        return np.zeros(0)
    if "rank" in summary.columns:
        order = np.argsort(summary["rank"].to_numpy(), kind="stable")
    else:
        keys = pd.DataFrame({"p": -summary["profit"].round(2), "id": summary["customer_id"]})
        order = keys.sort_values(["p", "id"], kind="stable").index.to_numpy()
        order = summary.index.get_indexer(order)
    return summary["profit"].to_numpy(dtype="float64")[order]


def headline_figures(summary: pd.DataFrame, recon: pd.DataFrame | None, run_info: dict) -> Headline:
    """Totals, concentration, loss makers and the reconciliation verdict."""
    profits = profit_by_rank(summary)
    n = len(profits)
    revenue = float(summary["revenue"].sum()) if n else 0.0
    total = float(profits.sum())
    top_count = math.ceil(TOP_FRACTION * n) if n else 0
    top_share = float(profits[:top_count].sum() / total) if total > 0 else None
    losses = profits[np.round(profits, 2) < 0]
    recon = reconciliation(recon) if recon is not None and not recon.empty else None
    has_recon = recon is not None and not recon.empty
    return Headline(
        customers=n,
        revenue=revenue,
        profit=total,
        margin=total / revenue if revenue > 0 else None,
        top_count=top_count,
        top_share=top_share,
        loss_makers=int(losses.size),
        loss_total=float(losses.sum()),
        reconciled=bool(recon["ok"].all()) if has_recon else None,
        reconciliation_gap=float(recon["gap"].abs().max()) if has_recon else 0.0,
        as_of=run_info.get("as_of"),
        currency=run_info.get("currency", ""),
    )


def whale_curve(summary: pd.DataFrame, max_points: int = 1000) -> pd.DataFrame | None:
    """The whale curve: cumulative share of profit against share of customers.

    Customers are taken from most to least profitable. The curve starts at (0, 0), keeps
    its peak and its end point exactly, and has at most ``max_points`` points.
    None when total profit is not positive.

    Returns
    -------
    DataFrame
        ``customer_share``, ``profit_share`` (both fractions), ``customers`` (count so far).
    """
    profits = profit_by_rank(summary)
    total = profits.sum()
    if profits.size == 0 or total <= 0:
        return None
    cumulative = np.cumsum(profits)
    n = profits.size
    keep = np.unique(
        np.concatenate(
            [
                np.rint(np.linspace(0, n - 1, max(min(n, max_points - 2), 2))).astype(np.int64),
                [int(np.argmax(cumulative)), n - 1],
            ]
        )
    )
    return pd.DataFrame(
        {
            "customer_share": np.concatenate([[0.0], (keep + 1) / n]),
            "profit_share": np.concatenate([[0.0], cumulative[keep] / total]),
            "customers": np.concatenate([[0], keep + 1]),
        }
    )


def _nice_width(raw: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at least ``raw``."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)


@dataclass(frozen=True)
class Histogram:
    """Counts of customers per profit band; customers beyond the bands' quantiles (0.5% and
    99.5% by default) are counted in the outermost bands and reported in ``clipped_low`` /
    ``clipped_high``."""

    bins: pd.DataFrame  # start, end, customers, loss (bool: band below zero)
    clipped_low: int
    clipped_high: int


def profit_histogram(profit: pd.Series, bins: int = 40, tail: float = 0.005) -> Histogram:
    """Histogram of customer profit with round band widths and a band edge at zero.

    With more than 200 values the bands span the ``tail`` to ``1 - tail`` quantiles (a long
    tail would squeeze everyone else into a few bands); the rest count in the outer bands.
    """
    values = profit.to_numpy(dtype="float64")
    values = values[np.isfinite(values)]
    if values.size == 0:
        return Histogram(pd.DataFrame(columns=["start", "end", "customers", "loss"]), 0, 0)
    if values.size > 200:
        lo, hi = np.quantile(values, [tail, 1 - tail])
    else:
        lo, hi = values.min(), values.max()
    width = _nice_width((hi - lo) / bins if hi > lo else max(abs(lo), 1.0) / 10)
    first = math.floor(lo / width) * width
    last = max(math.ceil(hi / width) * width, first + width)
    if last <= hi:
        last += width
    edges = np.arange(round((last - first) / width) + 1) * width + first
    clipped = np.clip(values, edges[0], np.nextafter(edges[-1], -np.inf))
    counts, _ = np.histogram(clipped, edges)
    frame = pd.DataFrame({"start": edges[:-1], "end": edges[1:], "customers": counts})
    frame["loss"] = frame["end"] <= 0
    return Histogram(frame, int((values < edges[0]).sum()), int((values >= edges[-1]).sum()))


def portfolio_totals(summary: pd.DataFrame) -> pd.Series:
    """Sum of every P&L line over all customers, in statement order."""
    return summary.reindex(columns=list(PNL_COLUMNS)).sum().astype("float64")


def portfolio_waterfall(summary: pd.DataFrame) -> pd.DataFrame:
    """Steps of the portfolio waterfall from revenue down to profit.

    Returns
    -------
    DataFrame
        One row per step in order: ``line`` (column name), ``label``, ``amount`` (costs as
        negative amounts), ``start``, ``end`` (bar from start to end), ``kind``
        (``total`` for revenue and profit, ``cost`` otherwise).
    """
    totals = portfolio_totals(summary)
    rows, level = [], 0.0
    rows.append(("revenue", totals["revenue"], 0.0, totals["revenue"], "total"))
    level = totals["revenue"]
    for line in ("cogs", *COST_LINES):
        rows.append((line, -totals[line], level, level - totals[line], "cost"))
        level -= totals[line]
    rows.append(("profit", totals["profit"], 0.0, totals["profit"], "total"))
    frame = pd.DataFrame(rows, columns=["line", "amount", "start", "end", "kind"])
    frame.insert(1, "label", frame["line"].map(STEP_LABELS))
    return frame


def extreme_customers(summary: pd.DataFrame, n: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``n`` most profitable customers (best first) and ``n`` least (worst first)."""
    key = summary["rank"] if "rank" in summary.columns else -summary["profit"]
    top = summary.loc[key.nsmallest(n).index]
    bottom = summary.loc[key.nlargest(n).index]
    return top.reset_index(drop=True), bottom.reset_index(drop=True)


def segment_costs(summary: pd.DataFrame, max_segments: int = 12) -> pd.DataFrame | None:
    """Revenue, cost to serve and profit by customer segment; None without a segment column.

    ``cost_to_serve`` is every cost below gross margin (commission, acquisition, sales,
    service, fulfilment, credit, referral), i.e. ``gross_margin - profit``. Segments beyond
    the ``max_segments - 1`` largest by revenue are pooled as ``other``; customers without a
    segment as ``(none)``.
    """
    if "segment" not in summary.columns or summary["segment"].isna().all():
        return None
    segment = summary["segment"].astype("string").fillna("(none)")
    frame = summary.reindex(columns=list(PNL_COLUMNS)).assign(segment=segment)
    frame["customers"] = 1
    frame["loss_makers"] = (frame["profit"].round(2) < 0).astype("int64")
    grouped = frame.groupby("segment", sort=False).sum(numeric_only=True)
    grouped = grouped.sort_values("revenue", ascending=False)
    if len(grouped) > max_segments:
        head, tail = grouped.iloc[: max_segments - 1], grouped.iloc[max_segments - 1 :]
        grouped = pd.concat([head, tail.sum().to_frame("other").T])
    grouped["cost_to_serve"] = grouped["gross_margin"] - grouped["profit"]
    grouped["margin"] = grouped["profit"] / grouped["revenue"].where(grouped["revenue"] > 0)
    grouped["cost_to_serve_per_customer"] = grouped["cost_to_serve"] / grouped["customers"]
    grouped["profit_per_customer"] = grouped["profit"] / grouped["customers"]
    return grouped.rename_axis("segment").reset_index()


def reconciliation(recon: pd.DataFrame) -> pd.DataFrame:
    """Per resource and period: the cost charged to customers (from the P&L's activity
    charges), of pursuits and of unused capacity, each computed apart, against the resource's
    cost (the ``reconciliation`` output, :mod:`profitlens.marts.reconciliation`).

    ``gap`` is the difference, ``ok`` whether it is under half a cent.
    """
    frame = recon[["resource", "period", "cost"]].copy()
    parts = recon[["charged_to_customers", "pursuit_cost", "unused_capacity"]].sum(axis=1)
    frame["gap"] = parts - recon["cost"]
    frame["ok"] = frame["gap"].abs() < CENT
    return frame


def capacity_by_period(resource_usage: pd.DataFrame) -> pd.DataFrame:
    """Long frame for the stacked capacity bars: resource, period, kind, cost."""
    long = resource_usage.melt(
        id_vars=["resource", "period"],
        value_vars=list(USAGE_KINDS),
        var_name="kind",
        value_name="amount",
    )
    long["kind"] = long["kind"].map(USAGE_KINDS)
    return long


def resource_totals(resource_usage: pd.DataFrame) -> pd.DataFrame:
    """One row per resource over all periods, with ``utilisation`` = used / capacity minutes."""
    cols = ["cost", "capacity_minutes", "used_minutes", *USAGE_KINDS]
    totals = resource_usage.groupby("resource", sort=True)[cols].sum().reset_index()
    capacity = totals["capacity_minutes"].where(totals["capacity_minutes"] > 0)
    totals["utilisation"] = totals["used_minutes"] / capacity
    return totals


def reason_kind(reason: object, value: object) -> str:
    """A quarantine reason with the offending value taken out, so reasons group.

    ``"unknown customer CX7"`` with value ``"CX7"`` becomes ``"unknown customer …"``;
    the value is replaced only where it stands as a whole word.
    """
    text = "" if reason is None or pd.isna(reason) else str(reason)
    if value is None or pd.isna(value) or not str(value).strip():
        return text
    return re.sub(rf"(?<![\w-]){re.escape(str(value))}(?![\w-])", "…", text)


def quarantine_counts(quarantine: pd.DataFrame) -> pd.DataFrame:
    """Quarantine entries and distinct source rows per table and kind of reason, largest first.

    Returns
    -------
    DataFrame
        ``table``, ``reason`` (see :func:`reason_kind`), ``entries``, ``rows``, ``example``
        (the first entry's row, column and value).
    """
    columns = ["table", "reason", "entries", "rows", "example"]
    if quarantine.empty:
        return pd.DataFrame(columns=columns)
    records = quarantine.to_dict("records")
    frame = pd.DataFrame(
        {
            "table": quarantine["table"].to_numpy(),
            "row": quarantine["row"].to_numpy(),
            "reason": [reason_kind(r.get("reason"), r.get("value")) for r in records],
            "example": [_example(r) for r in records],
        }
    )
    grouped = (
        frame.groupby(["table", "reason"], sort=False)
        .agg(entries=("row", "size"), rows=("row", "nunique"), example=("example", "first"))
        .reset_index()
    )
    return grouped.sort_values(["table", "rows"], ascending=[True, False], ignore_index=True)[
        columns
    ]


def _example(record: dict) -> str:
    value, column = record.get("value"), record.get("column")
    shown = "" if value is None or pd.isna(value) else f" = {str(value)[:40]!r}"
    column = "" if column is None or pd.isna(column) else f", {column}"
    return f"row {record.get('row')}{column}{shown}"


def row_conservation(run_info: dict, quarantine: pd.DataFrame) -> pd.DataFrame:
    """Rows read = used + quarantined, per input table, from ``run_info.json``.

    ``in_quarantine_file`` counts the distinct (table, row) pairs of the quarantine output, which
    must equal ``quarantined``; ``ok`` holds when both identities hold.
    """
    rows = run_info.get("rows", {})
    listed = (
        quarantine.groupby("table")["row"].nunique()
        if not quarantine.empty
        else pd.Series(dtype="int64")
    )
    frame = pd.DataFrame(
        [(t, c.get("read", 0), c.get("used", 0), c.get("quarantined", 0)) for t, c in rows.items()],
        columns=["table", "read", "used", "quarantined"],
    )
    frame["in_quarantine_file"] = frame["table"].map(listed).fillna(0).astype("int64")
    frame["ok"] = (frame["read"] == frame["used"] + frame["quarantined"]) & (
        frame["quarantined"] == frame["in_quarantine_file"]
    )
    return frame
