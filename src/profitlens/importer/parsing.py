"""Parsing help as SQL: dates written like ``M/D/YYYY H:MM``, decimal commas, currency symbols.

Each function returns a DuckDB SQL expression over one column of a mapping's SELECT; a value
that cannot be parsed becomes NULL (the caller counts them and decides, see
:mod:`profitlens.importer.run`).

Examples
--------
>>> strptime_format("M/D/YYYY H:MM")
'%m/%d/%Y %H:%M'
>>> strptime_format("dd.mm.yyyy")
'%d.%m.%Y'
>>> import duckdb
>>> duckdb.sql("SELECT " + date_sql('x', "D.M.YYYY") + " AS d FROM (SELECT '3.11.2024' AS x)"
...            ).fetchone()[0]
datetime.date(2024, 11, 3)
>>> parse = ColumnParse(decimal=",", strip=["R$"])
>>> duckdb.sql("SELECT " + number_sql('x', parse) + " FROM (SELECT 'R$ (1.234,50)' AS x)"
...            ).fetchone()[0]
-1234.5
"""

from __future__ import annotations

import re

from ..errors import MappingError
from .mapping import ColumnParse

_TOKEN = re.compile(r"Y{4}|Y{2}|M{3,4}|M{1,2}|D{1,2}|H{1,2}|S{1,2}|AM|PM|.", re.IGNORECASE)
_FIXED = {
    "YYYY": "%Y",
    "YY": "%y",
    "MMMM": "%B",
    "MMM": "%b",
    "DD": "%d",
    "D": "%d",
    "SS": "%S",
    "S": "%S",
}


def strptime_format(human: str) -> str:
    """A date format as people write it (``M/D/YYYY H:MM``, ``dd.mm.yyyy``) in strptime terms.

    Letters are read without regard to case: ``Y`` year, ``M`` month, ``D`` day, ``H`` hour,
    ``M`` right after ``:`` or an hour is minutes, ``S`` seconds, ``AM``/``PM`` a 12-hour
    clock; one or two letters accept one or two digits. A format with ``%`` is taken as a
    strptime format already (``%d/%m/%Y``).

    Raises
    ------
    ValueError
        When the format lacks a year, a month or a day.
    """
    if "%" in human:
        return human
    tokens = _TOKEN.findall(human)
    twelve = any(t.upper() in ("AM", "PM") for t in tokens)
    out, before = [], ""
    for token in tokens:
        up = token.upper()
        if up in _FIXED:
            code = _FIXED[up]
        elif up in ("M", "MM"):
            code = "%M" if before == ":" or before.startswith("H") else "%m"
        elif up in ("H", "HH"):
            code = "%I" if twelve else "%H"
        elif up in ("AM", "PM"):
            code = "%p"
        else:
            code = token
        out.append(code)
        before = up if code.startswith("%") or token == ":" else before
    result = "".join(out)
    missing = [
        name
        for name, codes in (("year", ("%Y", "%y")), ("month", ("%m", "%b", "%B")), ("day", ("%d",)))
        if not any(c in result for c in codes)
    ]
    if missing:
        raise ValueError(
            f"date_format {human!r} has no {' or '.join(missing)}; write it like "
            "M/D/YYYY, DD.MM.YYYY or YYYY-MM-DD HH:MM"
        )
    return result


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def text_sql(column: str) -> str:
    """The column as trimmed text, NULL when blank."""
    return f"NULLIF(TRIM(CAST({column} AS VARCHAR)), '')"


def date_sql(column: str, human_format: str) -> str:
    """A DATE from text in ``human_format`` (see :func:`strptime_format`), NULL if unparseable."""
    fmt = strptime_format(human_format)
    return f"CAST(TRY_STRPTIME({text_sql(column)}, {_literal(fmt)}) AS DATE)"


def number_sql(column: str, parse: ColumnParse) -> str:
    """A DOUBLE from text written with a decimal comma, thousands separators, currency symbols,
    spaces or accounting parentheses for negatives; NULL if unparseable.

    Thousands separators must group three digits before the decimal separator, so a value
    written the other way round (``1.250,00`` read with ``decimal: "."``) is refused rather
    than read as 1.25.
    """
    text = text_sql(column)
    for symbol in parse.strip:
        text = f"REPLACE({text}, {_literal(symbol)}, '')"
    text = f"REGEXP_REPLACE({text}, '[\\s\u00a0]', '', 'g')"
    decimal = parse.decimal or "."
    thousands = parse.thousands
    if thousands is None and parse.decimal is not None:
        thousands = "," if decimal == "." else "."
    grouped = rf"\d{{1,3}}({re.escape(thousands)}\d{{3}})+|" if thousands else ""
    shape = rf"^\(?[-+]?({grouped}\d+)?({re.escape(decimal)}\d*)?\)?$"
    plain = text
    if thousands:
        plain = f"REPLACE({plain}, {_literal(thousands)}, '')"
    if decimal != ".":
        plain = f"REPLACE({plain}, {_literal(decimal)}, '.')"
    number = f"TRY_CAST(REGEXP_REPLACE({plain}, '^\\((.*)\\)$', '\\1') AS DOUBLE)"
    return (
        f"CASE WHEN NOT REGEXP_FULL_MATCH({text}, {_literal(shape)}) THEN NULL "
        f"WHEN {text} LIKE '(%)' THEN -{number} ELSE {number} END"
    )


def parse_sql(column: str, parse: ColumnParse, where: str) -> str:
    """The SQL parsing ``column`` as ``parse`` says; ``where`` names it in a bad format error."""
    if parse.date_format is None:
        return number_sql(column, parse)
    try:
        return date_sql(column, parse.date_format)
    except ValueError as exc:
        raise MappingError(f"{where}: {exc}") from None
