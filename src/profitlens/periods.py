"""Reporting periods: a date's period label and the period calendar.

A period is a calendar month (``YYYY-MM``) or quarter (``YYYY-Qn``), as the cost model says.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

PATTERNS = {"month": r"^\d{4}-(0[1-9]|1[0-2])$", "quarter": r"^\d{4}-Q[1-4]$"}


def period_of(date: ir.DateValue, kind: str) -> ir.StringValue:
    """The period label of a date column."""
    if kind == "month":
        return date.strftime("%Y-%m")
    return date.year().cast("string") + "-Q" + date.quarter().cast("string")


def period_index(date: ir.DateValue, kind: str) -> ir.IntegerValue:
    """Months (or quarters) since year 0 of a date column: consecutive periods differ by 1."""
    if kind == "month":
        return date.year() * 12 + date.month() - 1
    return date.year() * 4 + (date.month() - 1) // 3


def period_label(day: dt.date, kind: str) -> str:
    """The period label of one date (Python side)."""
    if kind == "month":
        return f"{day.year:04d}-{day.month:02d}"
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def period_start(day: dt.date, kind: str) -> dt.date:
    """First day of the period holding ``day``."""
    month = day.month if kind == "month" else 3 * ((day.month - 1) // 3) + 1
    return dt.date(day.year, month, 1)


def _next_start(start: dt.date, kind: str) -> dt.date:
    months = 1 if kind == "month" else 3
    index = start.year * 12 + start.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def period_calendar(first: dt.date, last: dt.date, kind: str) -> pd.DataFrame:
    """Every period from the one holding ``first`` through the one holding ``last``.

    Returns
    -------
    pandas.DataFrame
        One row per period: ``period``, ``period_start``, ``period_end`` (both inclusive),
        in time order.
    """
    rows = []
    start = period_start(first, kind)
    while start <= last:
        following = _next_start(start, kind)
        rows.append((period_label(start, kind), start, following - dt.timedelta(days=1)))
        start = following
    return pd.DataFrame(rows, columns=["period", "period_start", "period_end"])


def calendar_table(calendar: pd.DataFrame) -> ir.Table:
    """The period calendar as an Ibis table (dates typed as dates)."""
    return ibis.memtable(
        calendar, schema={"period": "string", "period_start": "date", "period_end": "date"}
    )
