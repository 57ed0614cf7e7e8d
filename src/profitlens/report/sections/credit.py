"""Section on receivables and credit risk, from ``receivables``, ``provision_matrix`` and
``customer_credit``.

Aging of the open invoices (chart and table), the provision matrix of loss rates per aging
bucket (and segment), expected credit loss by segment and the customers flagged as a
liability. The figures come from :mod:`profitlens.credit.summaries`; this module lays them out.
"""

from __future__ import annotations

import pandas as pd

from profitlens.credit.receivables import CENT_TOLERANCE

from ...credit.summaries import (
    LIABILITY_COLUMNS,
    aging_by_bucket,
    ecl_by_segment,
    liability_list,
)
from .. import charts
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, lead, paragraph, register

_RECEIVABLE_COLUMNS = (
    "invoice_id",
    "customer_id",
    "segment",
    "open_balance",
    "days_past_due",
    "bucket",
    "bucket_order",
    "expected_credit_loss",
)
_REQUIRED_RECEIVABLES = ("invoice_id", "customer_id", "open_balance", "days_past_due", "bucket")
_MATRIX_COLUMNS = ("segment", "bucket", "bucket_order", "historical_loss_rate", "loss_rate")
#: what the liability list reads of customer_credit: its columns and the flag it filters on
_CREDIT_COLUMNS = (*LIABILITY_COLUMNS, "liability")
LIABILITY_ROWS = 25
PORTFOLIO = "All customers"
REASON_SEPARATOR = "; "


@register(
    "credit", "Receivables and credit risk", any_of=("customer_credit", "receivables"), order=70
)
def credit(ctx: ReportContext) -> str | None:
    """Aging, provision matrix, expected credit loss by segment and the liability list."""
    buckets = bucket_order(ctx)
    receivables = open_receivables(ctx)
    parts, message = [], []
    if receivables is not None:
        aging = aging_by_bucket(receivables, buckets)
        segments = ecl_by_segment(receivables)
        message.append(_aging_message(ctx, aging, segments))
        parts += [_aging(ctx, aging), _segments(ctx, segments)]
    parts.append(_matrix(ctx))
    liable = _liabilities(ctx)
    if liable is not None:
        message.append(liable[0])
        parts.append(liable[1])
    body = "".join(p for p in parts if p)
    if not body:
        return None
    return (lead(" ".join(message)) if message else "") + body


def bucket_order(ctx: ReportContext) -> list[str] | None:
    """Aging buckets youngest first, from ``provision_matrix`` when the run wrote it."""
    if not ctx.folder.has("provision_matrix"):
        return None
    matrix = ctx.folder.table("provision_matrix", ["bucket", "bucket_order"])
    if matrix.empty or "bucket_order" not in matrix.columns:
        return None
    return list(matrix.sort_values("bucket_order", kind="stable")["bucket"].drop_duplicates())


def open_receivables(ctx: ReportContext) -> pd.DataFrame | None:
    """The invoices still open at the as-of date (open balance above a cent), or None.

    Filtered in DuckDB straight from the file: most invoices of a run are settled.
    """
    have = ctx.folder.columns("receivables")
    if not set(_REQUIRED_RECEIVABLES) <= set(have):
        return None
    columns = ", ".join(f'"{c}"' for c in _RECEIVABLE_COLUMNS if c in have)
    frame = ctx.folder.query(
        "receivables", f"SELECT {columns} FROM t WHERE open_balance > {CENT_TOLERANCE}"
    )
    if "segment" not in frame.columns:
        frame["segment"] = None
    return frame


def _aging_message(ctx: ReportContext, aging: pd.DataFrame, segments: pd.DataFrame) -> str:
    fmt = ctx.fmt
    total = aging[aging["bucket"] == "total"].iloc[0]
    if total["open_balance"] <= 0:
        return "No invoice is open at the as-of date."
    overdue = segments[segments["segment"] == "total"]["overdue_balance"].iloc[0]
    return (
        f"Customers owe {signed(fmt.money(total['open_balance']))} on "
        f"{plural(total['invoices'], 'open invoice')}; "
        f"{signed(fmt.money(overdue))} ({fmt.percent(overdue / total['open_balance'])}) is "
        f"overdue. The expected credit loss is "
        f"{signed(fmt.money(total['expected_credit_loss']))}, "
        f"{fmt.percent(total['loss_rate'], 2)} of the open balance."
    )


def _aging(ctx: ReportContext, aging: pd.DataFrame) -> str:
    fmt = ctx.fmt
    buckets = aging[aging["bucket"] != "total"]
    data = buckets.assign(
        text=[
            f"{fmt.compact(b)} \u00b7 {fmt.percent(s, 0)}"
            for b, s in zip(buckets["open_balance"], buckets["share"])
        ]
    )
    chart = ctx.chart(
        charts.aging_chart(data[["bucket", "open_balance", "text"]], fmt.currency),
        "Open balance per aging bucket",
        note=f"Open balance of invoices by days past due at the as-of date, "
        f"{fmt.currency}, and its share of the total.",
    )
    table = html_table(
        aging,
        [
            Column("bucket", "Days past due", _total_label, numeric=False),
            Column("invoices", "Open invoices", fmt.count),
            Column("open_balance", "Open balance", fmt.number),
            Column("share", "Share", fmt.percent),
            Column("loss_rate", "Loss rate", lambda x: fmt.percent(x, 2)),
            Column("expected_credit_loss", "Expected credit loss", fmt.number),
        ],
        row_class=lambda r: "total" if r["bucket"] == "total" else None,
    )
    return "<h3>Aging of open invoices</h3>" + chart + table


def _segments(ctx: ReportContext, segments: pd.DataFrame) -> str:
    fmt = ctx.fmt
    if segments["segment"].eq("total").all():
        return ""
    table = html_table(
        segments,
        [
            Column("segment", "Segment", _total_label, numeric=False),
            Column("customers", "Customers with open invoices", fmt.count),
            Column("credit_exposure", "Open balance", fmt.number),
            Column("overdue_balance", "Overdue", fmt.number),
            Column("expected_credit_loss", "Expected credit loss", fmt.number),
            Column("coverage", "Coverage", lambda x: fmt.percent(x, 2)),
        ],
        row_class=lambda r: "total" if r["segment"] == "total" else None,
    )
    return (
        "<h3>Expected credit loss by segment</h3>"
        + paragraph("Coverage is the expected credit loss over the open balance.")
        + table
    )


def _total_label(value: object) -> str:
    """The summaries' ``total`` row, capitalised like the report's other totals."""
    return "Total" if value == "total" else str(value)


def provision_matrix_table(matrix: pd.DataFrame, column: str = "loss_rate") -> pd.DataFrame:
    """The provision matrix as one row per bucket (youngest first), one column per segment.

    The rates estimated over all customers (rows without a segment) come first, as
    ``All customers``; then one column per segment, alphabetically.
    """
    segment = matrix["segment"].astype(object).where(matrix["segment"].notna(), PORTFOLIO)
    wide = (
        matrix.assign(segment=segment)
        .pivot_table(
            index=["bucket_order", "bucket"],
            columns="segment",
            values=column,
            aggfunc="first",
            sort=True,
        )
        .reset_index(level="bucket_order", drop=True)
    )
    order = ([PORTFOLIO] if PORTFOLIO in wide.columns else []) + sorted(
        c for c in wide.columns if c != PORTFOLIO
    )
    return wide[order].rename_axis(None, axis=1).rename_axis("bucket").reset_index()


def _matrix(ctx: ReportContext) -> str:
    if not ctx.folder.has("provision_matrix"):
        return ""
    matrix = ctx.folder.table("provision_matrix", _MATRIX_COLUMNS)
    if matrix.empty or not {"bucket", "bucket_order", "loss_rate"} <= set(matrix.columns):
        return ""
    if "segment" not in matrix.columns:
        matrix = matrix.assign(segment=None)
    fmt = ctx.fmt
    table = provision_matrix_table(matrix)

    def rate(x):
        return fmt.percent(x, 2)

    cols = [
        Column("bucket", "Days past due", str, numeric=False),
        *(Column(c, c, rate) for c in table.columns if c != "bucket"),
    ]
    text = (
        "Lifetime loss rate per aging bucket (IFRS 9 simplified approach): the share of the "
        "balances that once reached the bucket and were finally written off, estimated "
        "from the company's own matured invoices; the expected credit loss of an open "
        "invoice is its balance times the rate of its bucket and segment."
    )
    if (
        "historical_loss_rate" in matrix.columns
        and ((matrix["loss_rate"] - matrix["historical_loss_rate"]).abs() > 1e-12).any()
    ):
        text += " The rates include a forward-looking adjustment of the historical rates."
    return "<h3>Provision matrix</h3>" + paragraph(text) + html_table(table, cols)


def reason_counts(liable: pd.DataFrame) -> pd.DataFrame:
    """Flagged customers per reason, most frequent first (ties by reason); a customer with
    several reasons counts under each."""
    reasons = (
        liable["liability_reasons"]
        .dropna()
        .astype(str)
        .str.split(REASON_SEPARATOR)
        .explode()
        .str.strip()
    )
    reasons = reasons[reasons != ""]
    counts = reasons.value_counts().rename_axis("reason").reset_index(name="customers")
    return counts.sort_values(["customers", "reason"], ascending=[False, True], ignore_index=True)


def _liabilities(ctx: ReportContext) -> tuple[str, str] | None:
    """(sentence for the lead, HTML) of the liability list; None without customer_credit."""
    have = ctx.folder.columns("customer_credit")
    if not set(_CREDIT_COLUMNS) <= set(have):
        return None
    fmt = ctx.fmt
    columns = ", ".join(f'"{c}"' for c in _CREDIT_COLUMNS)
    liable = liability_list(
        ctx.folder.query(  # filtered in DuckDB: most are no liability
            "customer_credit", f"SELECT {columns} FROM t WHERE liability"
        )
    )
    head = "<h3>Customers flagged as a liability</h3>"
    if liable.empty:
        return (
            "No customer is flagged as a liability.",
            head
            + paragraph(
                "No customer is overdue beyond the limit, has an expected "
                "credit loss above its expected margin or a worsening "
                "lateness."
            ),
        )
    reasons = reason_counts(liable)
    message = (
        f"{plural(len(liable), 'customer')} {'is' if len(liable) == 1 else 'are'} "
        f"flagged as a liability, with {signed(fmt.money(liable['credit_exposure'].sum()))}"
        " of credit exposure."
    )
    shown = (
        "all of them"
        if len(liable) <= LIABILITY_ROWS
        else f"the {LIABILITY_ROWS} with the largest exposure"
    )
    intro = paragraph(
        f"A customer is a liability when it is overdue beyond the limit, its "
        f"expected credit loss exceeds its expected margin, or its lateness is "
        f"worsening. Largest credit exposure first; {shown} are listed."
    )
    reason_table = html_table(
        reasons,
        [
            Column("reason", "Reason", str, numeric=False),
            Column("customers", "Customers", fmt.count),
        ],
    )
    rows = liable.head(LIABILITY_ROWS).assign(
        segment=lambda f: f["segment"].astype(object).where(f["segment"].notna(), ""),
        liability_reasons=lambda f: (
            f["liability_reasons"].astype(object).where(f["liability_reasons"].notna(), "")
        ),
    )
    table = html_table(
        rows,
        [
            Column("customer_id", "Customer", str, numeric=False),
            Column("segment", "Segment", str, numeric=False),
            Column("credit_exposure", "Credit exposure", fmt.number),
            Column("overdue_balance", "Overdue", fmt.number),
            Column("max_days_past_due", "Max days past due", fmt.count),
            Column("expected_credit_loss", "Expected credit loss", fmt.number),
            Column("expected_margin", "Expected margin", fmt.number),
            Column("avg_days_late", "Avg days late", lambda x: fmt.number(x, 1)),
            Column("liability_reasons", "Reasons", str, numeric=False),
        ],
    )
    return message, head + intro + reason_table + table
