"""Quarantine checks: a row that cannot be used is set aside with its reason.

A :class:`Check` is a boolean condition on the parsed table that marks a row unusable, with the
column it concerns and a reason a user can act on. :func:`finalize` evaluates every check once,
keeps the rows that pass them all and lists each failing row once per failing check.
"""
from __future__ import annotations

from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

from ..contract import TableSpec
from ..engine import ROW
from .parse import present, raw_text

QUARANTINE_SCHEMA = ibis.schema({
    "table": "string", "row": "int64", "column": "string", "value": "string", "reason": "string"})


@dataclass(frozen=True)
class Check:
    """A reason to quarantine rows of one table.

    Parameters
    ----------
    column : str
        The column the problem is in; its raw value is reported.
    condition : ibis boolean expression
        True for the rows that cannot be used (null counts as false).
    reason : str
        Why, in words a user can act on; ``{value}`` stands for the raw value.
    """

    column: str
    condition: ir.BooleanValue
    reason: str


def basic_checks(parsed: ir.Table, spec: TableSpec) -> list[Check]:
    """Missing required values, unparseable values and repeated keys."""
    checks = []
    for name, kind in spec.columns.items():
        if present(name) not in parsed.columns:
            continue
        given = parsed[present(name)]
        if name in spec.required:
            checks.append(Check(name, ~given, f"missing required {name}"))
        if kind != "string":
            checks.append(Check(name, given & parsed[name].isnull(),
                                f"cannot read {name} as a {_kind_words(kind)}"))
    if spec.key:
        keyed = ibis.and_(*(parsed[k].notnull() for k in spec.key))
        earlier = ibis.row_number().over(group_by=[parsed[k] for k in spec.key],
                                         order_by=parsed[ROW])
        checks.append(Check(spec.key[0], keyed & (earlier > 0),
                            f"repeats the key ({', '.join(spec.key)}) of an earlier row"))
    return checks


def _reason(template: str, value: ir.StringValue) -> ir.StringValue:
    before, marker, after = template.partition("{value}")
    if not marker:
        return ibis.literal(template)
    return ibis.literal(before) + value.fill_null("") + ibis.literal(after)


def _kind_words(kind: str) -> str:
    return {"date": "date (YYYY-MM-DD)", "float64": "number"}[kind]


def finalize(name: str, parsed: ir.Table, raw: ir.Table, checks: list[Check], columns):
    """Evaluate the checks: the valid rows, and one quarantine row per failing (row, check).

    Returns
    -------
    valid : ibis table
        The rows that pass every check, with ``columns``.
    quarantine : ibis table
        table, row, column, value, reason.
    """
    flags = {f"_bad{i}": check.condition.fill_null(False) for i, check in enumerate(checks)}
    flagged = parsed.mutate(**flags).cache() if flags else parsed
    ok = ibis.and_(*(~flagged[f] for f in flags)) if flags else ibis.literal(True)
    valid = flagged.filter(ok).select(*columns)
    parts = []
    for flag, check in zip(flags, checks):
        bad = flagged.filter(flagged[flag]).select(ROW)
        hit = bad.join(raw, ROW)
        value = (raw_text(hit[check.column]) if check.column in raw.columns
                 else ibis.null("string"))
        parts.append(hit.select(
            table=ibis.literal(name), row=hit[ROW].cast("int64"),
            column=ibis.literal(check.column), value=value,
            reason=_reason(check.reason, value)))
    return valid, parts
