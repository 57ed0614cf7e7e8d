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
from ..engine import ROW, cache, engine_name
from ..guard.ragged import RAGGED
from .parse import LARGEST, present, raw_text, visible

QUARANTINE_SCHEMA = ibis.schema(
    {"table": "string", "row": "int64", "column": "string", "value": "string", "reason": "string"}
)


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
    if RAGGED in parsed.columns:
        first = next(iter(spec.columns))
        checks.append(
            Check(
                first,
                parsed[RAGGED],
                "the row has more or fewer values than the "
                "header, so they cannot be matched to columns",
            )
        )
    for name, kind in spec.columns.items():
        if present(name) not in parsed.columns:
            continue
        given = parsed[present(name)]
        if name in spec.required:
            checks.append(Check(name, ~given, f"missing required {name}"))
        if kind != "string":
            checks.append(
                Check(
                    name,
                    given & parsed[name].isnull(),
                    f"cannot read {name} as a {_kind_words(kind)}",
                )
            )
    if spec.key and "_first_row" in parsed.columns:
        checks.append(
            Check(
                spec.key[0],
                parsed[ROW] > parsed._first_row,
                f"repeats the key ({', '.join(spec.key)}) of an earlier row",
            )
        )
    return checks


def with_first_rows(
    checked: ir.Table, key: tuple[str, ...], parsed: ir.Table | None = None
) -> ir.Table:
    """Attach ``_first_row`` to ``checked``: the first row holding the same key, for keys held by
    several rows (null otherwise), found by :func:`repeated_keys`.

    The repeated keys are found in ``parsed`` (default ``checked``): the parsed rows before any
    reference join, so the aggregates read only the key columns and ``_row``.
    """
    if not key:
        return checked
    repeated = repeated_keys(checked if parsed is None else parsed, key)
    joined = checked.left_join(repeated, [checked[k] == repeated[f"_k_{k}"] for k in key])
    return joined.drop(*(f"_k_{k}" for k in key))


def repeated_keys(source: ir.Table, key: tuple[str, ...]) -> ir.Table:
    """The keys of ``source`` held by several rows: ``_k_<column>`` per key column and
    ``_first_row``, the first row holding it. Computed at once and cached (a few rows,
    usually none).

    Exact. A file whose one-column key rises from row to row (most exports are in key order)
    holds no repeated key, which one pass over it shows (DuckDB; :func:`_keys_rise`).
    Otherwise, two steps: the rows are first grouped by a hash of their key, an integer, which
    is much faster than grouping a table of millions of rows by its text keys; only the rows
    whose hash several rows share (a repeated key or, rarely, two keys with the same hash) are
    then grouped by the key itself, and only when there are any.
    """
    given = ibis.and_(*(source[k].notnull() for k in key))
    names = {f"_k_{k}": source[k] for k in key}
    none = ibis.memtable(
        source.select(**names, _first_row=source[ROW]).schema().to_pyarrow().empty_table()
    )
    keyed = source.filter(given)
    if _keys_rise(keyed, key):
        return none
    hashes = keyed.select(_hash=_key_hash(keyed, key))
    shared = hashes.group_by("_hash").agg(_n=hashes.count())
    shared = cache(shared.filter(shared._n > 1).select("_hash"))
    if not shared.count().execute():
        return none
    suspects = source.filter(given & _key_hash(source, key).isin(shared._hash))
    repeated = suspects.group_by(**{n: suspects[k] for n, k in zip(names, key)}).agg(
        _n=suspects.count(), _first_row=suspects[ROW].min()
    )
    return cache(repeated.filter(repeated._n > 1).drop("_n"))


#: rows :func:`_keys_rise` looks at first, before the whole file
_PREFIX_ROWS = 100_000


def _keys_rise(t: ir.Table, key: tuple[str, ...]) -> bool:
    """Whether, on DuckDB, every row's one-column key is greater than the row's before it, so
    no two rows share a key.

    The rows are taken in whatever order the engine hands them over (a window with no order,
    which DuckDB fills in file order without sorting): rising in any order of the rows proves
    the keys distinct. A key of several columns says False without looking: invoice lines
    seldom rise as text (line 10 sorts before line 9, credit notes interleave with invoices),
    and the pass would be wasted. Spark needs an ordered window, which would sort the table,
    so there this says False too and the keys are grouped.
    """
    if len(key) > 1 or engine_name(t._find_backend(use_default=True)) != "duckdb":
        return False

    def rises(rows: ir.Table) -> bool:
        column = rows[key[0]]
        steps = rows.select(_not_above=column <= column.lag().over(ibis.window()))
        return not steps.count(where=steps._not_above).execute()

    # the pass runs on one thread: a file whose first rows do not rise is spared it
    return rises(t.limit(_PREFIX_ROWS)) and rises(t)


def _key_hash(t: ir.Table, key: tuple[str, ...]) -> ir.IntegerValue:
    """An integer hash of each row's key (several columns hashed together)."""
    if len(key) == 1:
        return t[key[0]].hash()
    return ibis.struct({k: t[k] for k in key}).hash()


def _reason(template: str, value: ir.StringValue) -> ir.StringValue:
    before, marker, after = template.partition("{value}")
    if not marker:
        return ibis.literal(template)
    return ibis.literal(before) + value.fill_null("") + ibis.literal(after)


def _kind_words(kind: str) -> str:
    largest = f"{LARGEST:.0e}".replace("e+", "e")  # 1e15
    return {"date": "date (YYYY-MM-DD)", "float64": f"number (below {largest})"}[kind]


def finalize(
    name: str,
    checked: ir.Table,
    base: ir.Table,
    raw: ir.Table,
    checks: list[Check],
    columns: list[str],
):
    """Evaluate the checks: the valid rows, and one quarantine row per failing (row, check).

    Only the failing rows are materialised (usually few or none); the valid rows stay a lazy
    expression over the file (``base`` less the failing rows), so no copy of a large table is
    held in memory.

    Parameters
    ----------
    checked : ibis table
        ``base`` with whatever the checks' conditions need (reference flags), one row per row.
    base : ibis table
        The parsed rows, with ``_row``.

    Returns
    -------
    valid : ibis table
        The rows that pass every check, with ``columns``.
    quarantine : list of ibis tables
        table, row, column, value, reason.
    """
    if not checks:
        return base.select(*columns), []
    flags = {f"_bad{i}": check.condition.fill_null(False) for i, check in enumerate(checks)}
    flagged = checked.mutate(**flags)
    bad = cache(flagged.filter(ibis.or_(*(flagged[f] for f in flags))).select(ROW, *flags))
    valid = base.anti_join(bad, ROW).select(*columns)
    parts = []
    for flag, check in zip(flags, checks):
        hit = bad.filter(bad[flag]).select(ROW).join(raw, ROW)
        value = (
            visible(raw_text(hit[check.column]))
            if check.column in raw.columns
            else ibis.null("string")
        )
        parts.append(
            hit.select(
                table=ibis.literal(name),
                row=hit[ROW].cast("int64"),
                column=ibis.literal(check.column),
                value=value,
                reason=_reason(check.reason, value),
            )
        )
    return valid, parts
