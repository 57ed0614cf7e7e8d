"""Parsing help: date formats as people write them, numbers with commas and currency symbols."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from profitlens.importer.mapping import ColumnParse
from profitlens.importer.parsing import date_sql, number_sql, strptime_format


@pytest.mark.parametrize(
    "human, expected",
    [
        ("M/D/YYYY H:MM", "%m/%d/%Y %H:%M"),  # MM after ':' is minutes
        ("dd.mm.yyyy", "%d.%m.%Y"),  # mm without an hour before is the month
        ("YYYY-MM-DD HH:MM:SS", "%Y-%m-%d %H:%M:%S"),
        ("D MMM YY", "%d %b %y"),
        ("M/D/YYYY h:mm AM", "%m/%d/%Y %I:%M %p"),  # a 12-hour clock
        ("%d/%m/%Y", "%d/%m/%Y"),  # strptime already
    ],
)
def test_date_formats_translate_to_strptime(human, expected):
    assert strptime_format(human) == expected


def test_a_format_without_a_day_is_refused():
    with pytest.raises(ValueError, match="has no day"):
        strptime_format("MM/YYYY")


def _value(expression: str, text: str | None):
    return duckdb.sql(
        f"SELECT {expression} FROM (SELECT ?::VARCHAR AS x)", params=[text]
    ).fetchone()[0]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("3/1/2024 0:00", dt.date(2024, 3, 1)),
        ("12/31/2017 23:59", dt.date(2017, 12, 31)),
        ("13/1/2024 0:00", None),  # no 13th month
        ("  ", None),
        (None, None),
    ],
)
def test_dates_parse_or_become_null(text, expected):
    assert _value(date_sql("x", "M/D/YYYY H:MM"), text) == expected


@pytest.mark.parametrize(
    "parse, text, expected",
    [
        (ColumnParse(decimal=","), "1.234,56", 1234.56),
        (ColumnParse(decimal=","), "-0,5", -0.5),
        (ColumnParse(decimal=",", strip=["R$"]), "R$ 1.000,00", 1000.0),
        (ColumnParse(decimal=".", strip=["$"]), "$1,234.50", 1234.5),
        (ColumnParse(decimal=",", strip=["€"]), "(12,50 €)", -12.5),  # accounting negative
        (ColumnParse(thousands="'"), "1'000'000.25", 1000000.25),
        (ColumnParse(decimal=","), "1\u00a0250,00", 1250.0),  # non-breaking space
        (ColumnParse(decimal=","), "n/a", None),
        (ColumnParse(decimal=","), "", None),
    ],
)
def test_numbers_parse_or_become_null(parse, text, expected):
    assert _value(number_sql("x", parse), text) == expected


@pytest.mark.parametrize(
    "parse, text",
    [
        (ColumnParse(decimal="."), "1.250,00"),  # decimal comma read with decimal "."
        (ColumnParse(decimal=","), "1,250.00"),
        (ColumnParse(decimal=","), "12.34,5"),  # thousands not in groups of three
    ],
)
def test_separators_the_wrong_way_round_are_not_read(parse, text):
    assert _value(number_sql("x", parse), text) is None
