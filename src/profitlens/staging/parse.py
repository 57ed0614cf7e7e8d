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

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"


def require_columns(raw: ir.Table, spec: TableSpec, path: Path) -> None:
    """Stop the run when a required column is missing, naming the file and the column."""
    missing = [c for c in spec.required if c not in raw.columns]
    if missing:
        raise ContractError(
            f"{path}: missing required column {missing[0]!r}"
            + (f" (and {', '.join(map(repr, missing[1:]))})" if missing[1:] else "")
            + f"; expected columns {', '.join(spec.required)}"
            + (f" and optionally {', '.join(spec.optional)}" if spec.optional else ""))


def raw_text(column: ir.Value) -> ir.StringValue:
    """A raw value as text, null when absent or blank."""
    text = column if column.type().is_string() else column.cast("string")
    return ibis.ifelse(text.strip() == "", ibis.null("string"), text)


def parse_value(column: ir.Value, kind: str) -> ir.Value:
    """Parse a raw column into the contract's logical type; unparseable values become null."""
    dtype = column.type()
    if kind == STRING:
        return raw_text(column)
    if kind == DATE:
        if dtype.is_date():
            return column
        if dtype.is_timestamp():
            return column.date()
        text = raw_text(column).strip()
        return ibis.ifelse(text.re_search(ISO_DATE), text.try_cast("date"), ibis.null("date"))
    if kind == FLOAT:
        value = (column.cast("float64") if dtype.is_numeric()
                 else raw_text(column).strip().try_cast("float64"))
        # NaN and infinities are not amounts: NaN compares above every number in SQL engines
        return ibis.ifelse(value.abs() < 1e300, value, ibis.null("float64"))
    raise ValueError(f"unknown logical type {kind!r}")


def present(name: str) -> str:
    """Name of the flag column telling whether the raw value of ``name`` was given."""
    return f"_given_{name}"


def parsed_table(raw: ir.Table, spec: TableSpec) -> ir.Table:
    """One column per contract column (typed, null when absent), ``_row``, and for each column
    read from the file a flag :func:`present` telling whether its raw value was given."""
    columns, given = {}, {}
    for name, kind in spec.columns.items():
        if name in raw.columns:
            columns[name] = parse_value(raw[name], kind)
            given[present(name)] = raw_text(raw[name]).notnull()
        else:
            columns[name] = ibis.null(kind if kind != STRING else "string")
    return raw.select(raw[ROW], **columns, **given)
