"""Section on customer lifetime value, from ``customer_clv`` (or ``customer_summary``'s
lifetime-value columns).

The distribution of ``clv_profit`` (the discounted profit a customer is expected to bring over
its remaining lifetime), lifetime value against profit to date by segment, the customers worth
most and least, and the share whose lifetime value is negative. When no value could be
estimated the section says why, from ``run_info.json``'s ``notes["clv"]``. When the run checked
the model on a holdout (``clv_tracking``, ``clv_calibration``, ``clv_holdout_errors``) the
section shows the tracking and calibration-by-frequency charts and the error figures, else
the reason from ``notes["clv_holdout"]``.
"""

from __future__ import annotations

from html import escape

import pandas as pd
import pyarrow as pa

from profitlens.output_tables import OUTPUTS

from ...clv.plots import calibration_by_frequency_chart, tracking_chart
from ...lookup import positions
from ...trends.sections import first_rows
from .. import charts, figures
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, filled, lead, paragraph, register

CLV_COLUMNS = tuple(OUTPUTS["customer_clv"].columns)
CUSTOMER_ROWS = 10
NO_SEGMENT = "(none)"
HISTOGRAM_TAIL = 0.025  # lifetime values have a long right tail: bands over 2.5%-97.5%
MEASURES = ["Profit to date", "Lifetime value (profit)"]
TRACKING_COLUMNS = ("t", "date", "actual", "model", "period")
CALIBRATION_COLUMNS = ("frequency", "label", "customers", "actual", "model")
ERROR_COLUMNS = (
    "calibration_end",
    "observation_end",
    "model",
    "time_unit",
    "customers",
    "actual_total",
    "predicted_total",
    "total_error_pct",
    "mae",
    "rmse",
    "correlation",
)


@register("clv", "Customer lifetime value", requires=("customer_summary",), order=75)
def clv(ctx: ReportContext) -> str | None:
    """Distribution, segments and extremes of the customers' profit lifetime value."""
    values = clv_frame(ctx)
    note = (ctx.folder.run_info.get("notes") or {}).get("clv")
    if values is None:
        return (
            lead(f"Lifetime value was not estimated: {_esc(note)}") + _holdout(ctx)
            if note
            else None
        )
    if values.empty:
        why = (
            f"Lifetime value was not estimated: {_esc(note)}"
            if note
            else "Lifetime value was not estimated: customer_clv is empty (no customer has a "
            "purchase on or before the as-of date)."
        )
        return lead(why) + _holdout(ctx)
    fmt = ctx.fmt
    parts = [lead(_message(ctx, values)), _distribution(ctx, values)]
    segments = clv_by_segment(values)
    if segments is not None:
        parts.append(_segments(ctx, segments))
    parts.append(_customers(ctx, values))
    parts.append(_holdout(ctx))
    if note:
        parts.append(paragraph(f"Note from the run: {note}"))
    parts.append(
        paragraph(
            f"Lifetime value (profit) is the discounted margin a customer is expected to bring "
            f"over its remaining lifetime, less its expected cost to serve and commissions, in "
            f"{fmt.currency}; p(alive) is the probability that the customer is still buying. "
            "Profit to date is the lifetime profit of customer_summary over the same customers."
        )
    )
    return "".join(parts)


def clv_frame(ctx: ReportContext) -> pd.DataFrame | None:
    """One row per customer with a lifetime value: the CLV columns, segment and profit to date.

    From ``customer_clv`` when the run wrote it, else from ``customer_summary``'s CLV columns
    (rows with a ``clv_profit``); None when the run computed no lifetime value at all.
    """
    if ctx.folder.has("customer_clv"):
        values = ctx.folder.table("customer_clv", CLV_COLUMNS)
        if "clv_profit" not in values.columns:
            return None
    elif "clv_profit" in ctx.folder.columns("customer_summary"):
        values = ctx.folder.table("customer_summary", CLV_COLUMNS)
        values = values[values["clv_profit"].notna()]
    else:
        return None
    values = values.reindex(columns=list(CLV_COLUMNS))
    merged = left_join_unique(
        values, ctx.summary.reindex(columns=["customer_id", "segment", "profit"]), "customer_id"
    )
    return merged.assign(segment=filled(merged["segment"], NO_SEGMENT))


def _message(ctx: ReportContext, values: pd.DataFrame) -> str:
    fmt = ctx.fmt
    clv_profit = values["clv_profit"]
    negative = values[clv_profit.round(2) < 0]
    share = len(negative) / len(values)
    text = (
        f"The {plural(len(values), 'customer')} with a lifetime value estimate are expected "
        f"to bring {signed(fmt.money(clv_profit.sum()))} of profit over their remaining "
        f"lifetime, against {signed(fmt.money(values['profit'].sum()))} earned to date. "
        f"{plural(len(negative), 'customer')} ({fmt.percent(share)}) "
        f"{'has' if len(negative) == 1 else 'have'} a negative lifetime value: over their "
        f"expected lifetime they cost more to serve than they bring in, "
        f"{signed(fmt.money(negative['clv_profit'].sum()))} in total."
    )
    missing = len(ctx.summary) - count_in(ctx.summary["customer_id"], values["customer_id"])
    if missing > 0:
        text += (
            f" {plural(missing, 'customer')} of customer_summary "
            f"{'has' if missing == 1 else 'have'} no estimate (no purchase on or before "
            "the as-of date)."
        )
    return text


def _distribution(ctx: ReportContext, values: pd.DataFrame) -> str:
    fmt = ctx.fmt
    hist = figures.profit_histogram(values["clv_profit"], tail=HISTOGRAM_TAIL)
    notes = [
        f"Median {fmt.money(values['clv_profit'].median())}, mean "
        f"{fmt.money(values['clv_profit'].mean())}; red bands are below zero."
    ]
    if hist.clipped_low or hist.clipped_high:
        notes.append(
            f"The outermost bands also hold the {fmt.count(hist.clipped_low)} "
            f"customers below and {fmt.count(hist.clipped_high)} above the bands shown."
        )
    chart = charts.profit_histogram_chart(
        hist.bins, fmt.currency, title="Lifetime value (profit) per customer"
    )
    return "<h3>Distribution of lifetime value</h3>" + ctx.chart(
        chart, "Histogram of lifetime value (profit) per customer", note=" ".join(notes)
    )


def clv_by_segment(values: pd.DataFrame) -> pd.DataFrame | None:
    """Lifetime value against profit to date per segment; None when there are no segments.

    Segments by lifetime value, largest first. Columns: segment, customers, profit (to date),
    clv_profit, clv_revenue, negative (customers with clv_profit below zero), negative_share,
    profit_per_customer, clv_per_customer, mean_p_alive.
    """
    if (values["segment"] == NO_SEGMENT).all():
        return None
    frame = values.assign(customers=1, negative=(values["clv_profit"].round(2) < 0).astype(int))
    grouped = frame.groupby("segment").agg(
        customers=("customers", "sum"),
        profit=("profit", "sum"),
        clv_profit=("clv_profit", "sum"),
        clv_revenue=("clv_revenue", "sum"),
        negative=("negative", "sum"),
        mean_p_alive=("p_alive", "mean"),
    )
    grouped = grouped.sort_values("clv_profit", ascending=False).reset_index()
    grouped["negative_share"] = grouped["negative"] / grouped["customers"]
    grouped["profit_per_customer"] = grouped["profit"] / grouped["customers"]
    grouped["clv_per_customer"] = grouped["clv_profit"] / grouped["customers"]
    return grouped


def _segments(ctx: ReportContext, segments: pd.DataFrame) -> str:
    fmt = ctx.fmt
    pairs = pd.concat(
        [
            pd.DataFrame(
                {
                    "segment": segments["segment"],
                    "measure": MEASURES[0],
                    "amount": segments["profit"],
                }
            ),
            pd.DataFrame(
                {
                    "segment": segments["segment"],
                    "measure": MEASURES[1],
                    "amount": segments["clv_profit"],
                }
            ),
        ],
        ignore_index=True,
    )
    chart = ctx.chart(
        charts.segment_pair_chart(pairs, fmt.currency, MEASURES),
        "Profit to date and lifetime value by segment",
    )
    n = segments["customers"].sum()
    total = {
        "segment": "Total",
        "customers": fmt.count(n),
        "profit": fmt.number(segments["profit"].sum()),
        "clv_profit": fmt.number(segments["clv_profit"].sum()),
        "profit_per_customer": fmt.number(segments["profit"].sum() / n),
        "clv_per_customer": fmt.number(segments["clv_profit"].sum() / n),
        "negative": fmt.count(segments["negative"].sum()),
        "negative_share": fmt.percent(segments["negative"].sum() / n),
    }
    table = html_table(
        segments,
        [
            Column("segment", "Segment", str, numeric=False),
            Column("customers", "Customers", fmt.count),
            Column("profit", "Profit to date", fmt.number),
            Column("clv_profit", "Lifetime value", fmt.number),
            Column("profit_per_customer", "Profit to date / customer", fmt.number),
            Column("clv_per_customer", "Lifetime value / customer", fmt.number),
            Column("negative", "Negative lifetime value", fmt.count),
            Column("negative_share", "Share negative", fmt.percent),
        ],
        total=total,
    )
    return "<h3>Lifetime value against profit to date, by segment</h3>" + chart + table


def _customers(ctx: ReportContext, values: pd.DataFrame) -> str:
    fmt = ctx.fmt
    cols = [Column("customer_id", "Customer", str, numeric=False)]
    if not (values["segment"] == NO_SEGMENT).all():
        cols.append(Column("segment", "Segment", str, numeric=False))
    cols += [
        Column("p_alive", "p(alive)", fmt.percent),
        Column("expected_purchases_12m", "Purchases next 12 months", lambda x: fmt.number(x, 1)),
        Column("clv_revenue", "Lifetime value (revenue)", fmt.number),
        Column("clv_profit", "Lifetime value (profit)", fmt.number),
        Column("profit", "Profit to date", fmt.number),
    ]
    by = ["clv_profit", "customer_id"]
    top = first_rows(values, CUSTOMER_ROWS, by, [False, True])
    parts = ["<h3>Customers worth most over their lifetime</h3>" + html_table(top, cols)]
    negative = values[values["clv_profit"].round(2) < 0]
    if not negative.empty:
        worst = first_rows(negative, CUSTOMER_ROWS, by, [True, True])
        parts.append(
            "<h3>Customers destroying most value, worst first</h3>" + html_table(worst, cols)
        )
    return "".join(parts)


def _holdout(ctx: ReportContext) -> str:
    """Tracking and calibration-by-frequency charts and the error figures of the holdout check."""
    if not (ctx.folder.has("clv_tracking") and ctx.folder.has("clv_calibration")):
        why = (ctx.folder.run_info.get("notes") or {}).get("clv_holdout")
        return paragraph(why) if why else ""
    track = ctx.folder.table("clv_tracking", TRACKING_COLUMNS)
    calibration = ctx.folder.table("clv_calibration", CALIBRATION_COLUMNS)
    errors = ctx.folder.table("clv_holdout_errors", ERROR_COLUMNS)
    unit = "week"
    parts = ["<h3>How well the model predicts: holdout check</h3>"]
    if not errors.empty:
        e = errors.iloc[0]
        unit = str(e.get("time_unit", unit))
        cal, obs = (
            pd.Timestamp(e[c]).date().isoformat() for c in ("calibration_end", "observation_end")
        )
        parts.append(
            paragraph(
                f"The {e['model']} model was refitted on the purchases up to {cal} and asked to "
                f"forecast those of its {ctx.fmt.count(e['customers'])} customers from then to "
                f"{obs}. Read the charts by comparing the model's red line with the actual dark "
                "line: after the dotted calibration end, and across purchase frequencies, the closer "
                "they stay, the more the lifetime values' forecasts of future purchases can be "
                "trusted; a model line above the actual one means it expects too many purchases."
            )
        )
    track = track.assign(date=pd.to_datetime(track["date"]))
    parts.append(
        ctx.chart(
            tracking_chart(track, unit=unit),
            "Cumulative repeat purchases, actual and model",
            note="The dotted rule marks the end of the calibration period.",
        )
    )
    parts.append(
        ctx.chart(
            calibration_by_frequency_chart(calibration),
            "Mean holdout purchases by calibration frequency, actual and model",
        )
    )
    if not errors.empty:
        parts.append(_holdout_errors(ctx, errors.iloc[0]))
    return "".join(parts)


def _holdout_errors(ctx: ReportContext, e: pd.Series) -> str:
    fmt = ctx.fmt
    rows = pd.DataFrame(
        [
            ("Holdout purchases, actual", fmt.number(e["actual_total"], 0)),
            ("Holdout purchases, model", fmt.number(e["predicted_total"], 1)),
            ("Total error (model − actual) / actual", fmt.percent(e["total_error_pct"] / 100)),
            ("Mean absolute error per customer", fmt.number(e["mae"], 2)),
            ("Root mean squared error per customer", fmt.number(e["rmse"], 2)),
            ("Correlation of model and actual per customer", fmt.number(e["correlation"], 2)),
        ],
        columns=["figure", "value"],
    )
    return "<h3>Holdout errors</h3>" + html_table(
        rows, [Column("figure", "Figure", str, numeric=False), Column("value", "Value", str)]
    )


def left_join_unique(left: pd.DataFrame, right: pd.DataFrame, key: str) -> pd.DataFrame:
    """``left.merge(right, on=key, how="left")`` for a ``right`` whose keys are unique, its
    rows looked up with :func:`profitlens.lookup.positions` (pandas' merge on a million text
    keys takes a second)."""
    at = positions(left[key], right[key])
    rows = pa.array(at, mask=at < 0)  # a missing row: nulls
    found = pa.Table.from_pandas(right.drop(columns=key), preserve_index=False).take(rows)
    return pd.concat([left.reset_index(drop=True), found.to_pandas()], axis=1)


def count_in(keys: pd.Series, known: pd.Series) -> int:
    """How many of ``keys`` are among ``known`` (``keys.isin(known).sum()``, looked up with
    :func:`profitlens.lookup.positions`)."""
    return int((positions(keys, known) >= 0).sum())


def _esc(value: object) -> str:
    return escape(str(value))
