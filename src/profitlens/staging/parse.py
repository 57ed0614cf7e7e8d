"""Raw file -> typed columns: every value parsed leniently, never failing the file.

A value that cannot be parsed becomes null here and is caught by :mod:`.checks`, which compares
the parsed column with the raw text, so the row is quarantined rather than the run stopped.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import ibis.expr.types as ir

from ..contract import DATE, FLOAT, STRING, TableSpec
from ..engine import ROW
from ..errors import ContractError
from ..guard.ragged import RAGGED

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
#: numbers of this size or more cannot be read (:func:`parse_value`)
LARGEST = 1e15
#: the control characters no text may hold (tab, line feed and carriage return may):
#: :mod:`.controls`
CONTROL = r"[\x00-\x08\x0B\x0C\x0E-\x1F]"


def require_columns(raw: ir.Table, spec: TableSpec, path: Path) -> None:
    """Stop the run when a required column is missing, naming the file and the column."""
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        raise ContractError(
            f"{path}: missing required column {missing[0]!r}"
            + (f" (and {', '.join(map(repr, missing[1:]))})" if missing[1:] else "")
            + f"; expected columns {', '.join(spec.required)}"
            + (f" and optionally {', '.join(spec.optional)}" if spec.optional else "")
        )


def raw_text(column: ir.Value) -> ir.StringValue:
    """A raw value as text, null when absent or blank."""
    text = column if column.type().is_string() else column.cast("string")
    return ibis.ifelse(is_given(text), text, ibis.null("string"))


def visible(value: ir.StringValue) -> ir.StringValue:
    """``value`` with each control character of :data:`CONTROL` replaced by U+FFFD, as the
    quarantine lists it (a NUL in a CSV cell breaks the tools that open it)."""
    return value.re_replace(CONTROL, "\ufffd")


def parse_value(column: ir.Value, kind: str, given: ir.BooleanValue | None = None) -> ir.Value:
    """Parse a raw column into the contract's logical type; unparseable values become null.

    ``given`` is :func:`is_given` of the column when the caller has it already (it is reused,
    not recomputed).
    """
    dtype = column.type()
    if kind == STRING:
        if not dtype.is_string():
            return column.cast("string")  # a typed value is never blank
        given = is_given(column) if given is None else given
        return ibis.ifelse(given, column, ibis.null("string"))
    if kind == DATE:
        if dtype.is_date():
            return column
        if dtype.is_timestamp():
            return column.date()
        text = raw_text(column).strip()
        return ibis.ifelse(text.re_search(ISO_DATE), text.try_cast("date"), ibis.null("date"))
    if kind == FLOAT:
        value = (
            column.cast("float64")
            if dtype.is_numeric()
            else raw_text(column).strip().try_cast("float64")
        )
        # NaN and infinities are not amounts (NaN compares above every number in SQL
        # engines), nor is a number of a thousand million million or more: no amount or
        # minute count is that big, and big sums are added in fixed point (profitlens.intermediate.sums)
        return ibis.ifelse(value.abs() < LARGEST, value, ibis.null("float64"))
    raise ValueError(f"unknown logical type {kind!r}")


def is_given(column: ir.Value) -> ir.BooleanValue:
    """Whether a raw value was given: not null and, for text, not blank.

    A typed value (a Parquet date or number) is given when it is not null; only text can be
    blank, and only text starting with a space or control character pays for the trim.
    """
    if not column.type().is_string():
        return column.notnull()
    return ibis.cases(
        (column.isnull(), False), (column.ascii_str() > 32, True), else_=column.strip() != ""
    )


def present(name: str) -> str:
    """Name of the flag column telling whether the raw value of ``name`` was given."""
    return f"_given_{name}"


def extra_columns(raw: ir.Table, spec: TableSpec) -> list[str]:
    """The columns of ``raw`` the contract does not name, kept as read when the table allows
    further columns (``spec.extra_columns``); none otherwise."""
    if not spec.extra_columns:
        return []
    return [c for c in raw.columns if c not in spec.columns and c != ROW and not c.startswith("_")]


def parsed_table(raw: ir.Table, spec: TableSpec) -> ir.Table:
    """One column per contract column (typed, null when absent), ``_row``, for each column
    read from the file a flag :func:`present` telling whether its raw value was given, and the
    :func:`extra_columns` as read."""
    columns, given = {}, {}
    for name, kind in spec.columns.items():
        if name in raw.columns:
            given[present(name)] = is_given(raw[name])
            columns[name] = parse_value(raw[name], kind, given[present(name)])
        else:
            columns[name] = ibis.null(kind if kind != STRING else "string")
    ragged = [RAGGED] if RAGGED in raw.columns else []  # a row of the wrong length
    extras = {c: raw[c] for c in extra_columns(raw, spec)}
    return raw.select(raw[ROW], *ragged, **columns, **extras, **given)
