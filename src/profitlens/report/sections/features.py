"""Sections of the later features' optional tables (trends, credit, lifetime value).

Each appears only when its table exists in the run's folder. Until a feature registers its own
section under the same key (which replaces the one here), the table is shown as an overview
read from whatever columns it has: counts of its categorical columns (e.g. trend status,
recommendation) and totals of its amounts.
"""
from __future__ import annotations

from html import escape

import pandas as pd

from ..formatting import Column, html_table
from . import ReportContext, paragraph, register

_ID_COLUMNS = {"customer_id", "prospect_id", "invoice_id", "period", "rank"}
_MAX_CATEGORIES = 12


@register("trends", "Customer trends", requires=("customer_trends",), order=65)
def trends(ctx: ReportContext) -> str | None:
    """Overview of ``customer_trends``."""
    return table_overview(ctx, "customer_trends")


@register("credit", "Receivables and credit", any_of=("customer_credit", "receivables"),
          order=70)
def credit(ctx: ReportContext) -> str | None:
    """Overview of ``customer_credit`` (or ``receivables`` when that is what was written)."""
    name = "customer_credit" if ctx.folder.has("customer_credit") else "receivables"
    return table_overview(ctx, name)


@register("clv", "Customer lifetime value", requires=("customer_clv",), order=75)
def clv(ctx: ReportContext) -> str | None:
    """Overview of ``customer_clv``."""
    return table_overview(ctx, "customer_clv")


def table_overview(ctx: ReportContext, name: str) -> str | None:
    """Rows, categorical counts and numeric totals of output table ``name``."""
    frame = ctx.folder.table(name)
    if frame.empty:
        return None
    fmt = ctx.fmt
    parts = [paragraph(f"{name}: {fmt.count(len(frame))} rows. Overview of the table as written; "
                       "categorical columns are counted, amounts summed.")]
    for column in frame.columns:
        values = frame[column]
        if column in _ID_COLUMNS or pd.api.types.is_numeric_dtype(values):
            continue
        counts = values.astype("string").fillna("(none)").value_counts()
        if len(counts) > _MAX_CATEGORIES:
            continue
        table = counts.rename_axis("value").reset_index(name="rows")
        table["share"] = table["rows"] / len(frame)
        parts.append(f"<h3>{escape(column)}</h3>" + html_table(table, [
            Column("value", column, str, numeric=False),
            Column("rows", "Rows", fmt.count),
            Column("share", "Share", fmt.percent)]))
    numeric = [c for c in frame.columns if c not in _ID_COLUMNS
               and pd.api.types.is_numeric_dtype(frame[c])
               and not pd.api.types.is_bool_dtype(frame[c])]
    if numeric:
        stats = pd.DataFrame({
            "column": numeric,
            "total": [frame[c].sum() for c in numeric],
            "mean": [frame[c].mean() for c in numeric],
            "median": [frame[c].median() for c in numeric],
            "negative": [int((frame[c] < 0).sum()) for c in numeric]})
        parts.append("<h3>Figures</h3>" + html_table(stats, [
            Column("column", "Column", str, numeric=False),
            Column("total", "Total", fmt.number), Column("mean", "Mean", fmt.number),
            Column("median", "Median", fmt.number),
            Column("negative", "Rows below zero", fmt.count)]))
    return "".join(parts)
