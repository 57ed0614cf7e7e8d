"""Staging: read each contract table, type it, quarantine what cannot be used.

:func:`stage_data` is the load+validate stage: it returns the valid rows of every table as Ibis
tables typed as the contract says, the quarantine, the as-of date and the row counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from ..contract import REQUIRED_TABLES, TABLES
from ..costmodel import CostModel
from ..engine import Location, child, data_location, files_in, is_folder, read_raw
from ..errors import ContractError
from .checks import QUARANTINE_SCHEMA, basic_checks, finalize, with_first_rows
from .controls import control_checks
from .parse import extra_columns, parsed_table, require_columns
from .rules import domain_checks, future_checks, prepare, reference_checks, with_references

# parents before children, so references are checked against valid rows
ORDER = (
    "customers",
    "prospects",
    "invoice_lines",
    "payments",
    "activities",
    "commissions",
    "referrals",
    "resource_costs",
)
OPTIONAL_ABSENT_IS_NONE = ("commissions",)


@dataclass
class Staged:
    """The load+validate stage's result.

    Attributes
    ----------
    tables : dict of str to ibis table
        Valid rows of each contract table; an absent optional table is an empty table with the
        contract's columns, except ``commissions`` which is None (its presence changes the rule).
    quarantine : ibis table
        table, row, column, value, reason: one row per unusable row and problem.
    as_of : datetime.date
    model : CostModel
    con : ibis backend
    files : dict of str to Path or str
        The file each table was read from (a URI string for a URI data folder).
    """

    tables: dict[str, ir.Table | None]
    quarantine: ir.Table
    as_of: dt.date
    model: CostModel
    con: object
    files: dict[str, Location] = field(default_factory=dict)
    _raw: dict[str, ir.Table] = field(default_factory=dict, repr=False)

    def row_counts(self) -> dict[str, dict[str, int]]:
        """Rows read, used and quarantined per table (read = used + quarantined), in one query."""
        quarantined = (
            self.quarantine.select("table", "row")
            .distinct()
            .group_by("table")
            .agg(n=ibis._.count())
            .execute()
        )
        q = dict(zip(quarantined["table"], quarantined["n"].astype(int)))
        names = list(self._raw)
        if not names:
            return {}
        counts = ibis.union(
            *(
                t.aggregate(table=ibis.literal(name), kind=ibis.literal(kind), n=t.count())
                for name in names
                for kind, t in (("read", self._raw[name]), ("used", self.tables[name]))
            )
        ).execute()
        n = {(r.table, r.kind): int(r.n) for r in counts.itertuples()}
        return {
            name: {"read": n[name, "read"], "used": n[name, "used"], "quarantined": q.get(name, 0)}
            for name in names
        }


def find_files(data_dir: Location, con=None) -> dict[str, Location]:
    """The file of each contract table in ``data_dir`` (``.csv`` or ``.parquet``).

    Parameters
    ----------
    data_dir : Path or str
        A local folder, or a URI folder (``s3a://bucket/company/``) listed through ``con``.
    con : ibis backend, optional
        Needed for a URI folder: a spark backend from :func:`profitlens.engine.backends`.

    Returns
    -------
    dict of str to Path or str
        The file of each table present, in the form of ``data_dir``.

    Raises
    ------
    ContractError
        When ``data_dir`` is not a folder, a required table is missing, or a table is there
        as both ``.csv`` and ``.parquet``.
    """
    data_dir = data_location(data_dir)
    if not is_folder(data_dir, con):
        raise ContractError(
            f"{data_dir}: not a folder; expected a data folder with "
            "customers, invoice_lines and costmodel.yaml"
        )
    present = files_in(
        data_dir, [f"{name}{ext}" for name in TABLES for ext in (".csv", ".parquet")], con
    )
    files = {}
    for name in TABLES:
        found = [
            child(data_dir, f"{name}{ext}")
            for ext in (".csv", ".parquet")
            if f"{name}{ext}" in present
        ]
        if len(found) > 1:
            raise ContractError(f"{data_dir}: both {name}.csv and {name}.parquet; keep one")
        if found:
            files[name] = found[0]
        elif name in REQUIRED_TABLES:
            raise ContractError(
                f"{data_dir}: missing {name}.csv (or {name}.parquet); "
                f"the required tables are {', '.join(REQUIRED_TABLES)}"
            )
    return files


def extreme_dates(tables: dict[str, ir.Table], columns: dict[str, str], how: str) -> list[dt.date]:
    """The earliest (``how="min"``) or latest (``"max"``) date of ``columns[name]`` in each
    table ``name``, in one query; tables without a date give none."""
    parts = [
        tables[name].aggregate(date=getattr(tables[name][column], how)())
        for name, column in columns.items()
    ]
    values = ibis.union(*parts).execute()["date"]
    return [pd.Timestamp(v).date() for v in values if v is not None and not pd.isna(v)]


def default_as_of(parsed: dict[str, ir.Table]) -> dt.date:
    """The latest invoice, payment, activity, referral or commission date (one query)."""
    dates = extreme_dates(
        parsed,
        {
            name: spec.event_date
            for name, spec in TABLES.items()
            if spec.event_date and name in parsed
        },
        "max",
    )
    if not dates:
        raise ContractError("no dated events in the data: give --as-of YYYY-MM-DD")
    return max(dates)


def _empty(name: str) -> ir.Table:
    """An absent optional table: no rows, the contract's columns and types."""
    spec = TABLES[name]
    schema = ibis.schema({c: kind for c, kind in spec.columns.items()})
    return ibis.memtable(schema.to_pyarrow().empty_table())


def stage_data(data_dir: Location, con, model: CostModel, as_of: dt.date | None = None) -> Staged:
    """Load and validate a data folder.

    Parameters
    ----------
    data_dir : Path or str
        Folder with one file per contract table: a local path, or a URI (spark engine only).
    con : ibis backend
        From :func:`profitlens.engine.backends`.
    model : CostModel
    as_of : datetime.date, optional
        Default: the latest event date in the data.

    Returns
    -------
    Staged
    """
    files = find_files(data_dir, con)
    raw, parsed = {}, {}
    for name, path in files.items():
        raw[name] = read_raw(con, path, name)
        require_columns(raw[name], TABLES[name], path)
        parsed[name] = prepare(name, parsed_table(raw[name], TABLES[name]), raw[name])
    as_of = as_of or default_as_of(parsed)
    valid, parts = {}, []
    for name in ORDER:
        if name not in parsed:
            continue
        spec = TABLES[name]
        p = with_first_rows(with_references(name, parsed[name], valid), spec.key, parsed[name])
        checks = (
            basic_checks(p, spec)
            + control_checks(p, spec, files[name], raw[name])
            + domain_checks(name, p, model)
            + reference_checks(name, p)
            + future_checks(p, spec.event_date, as_of)
        )
        valid[name], table_parts = finalize(
            name,
            p,
            parsed[name],
            raw[name],
            checks,
            [*spec.columns, *extra_columns(raw[name], spec)],
        )
        parts += table_parts
    if "payments" in valid:
        valid["payments"] = valid["payments"].mutate(
            kind=valid["payments"].kind.fill_null("payment")
        )
    if "activities" in valid:
        valid["activities"] = valid["activities"].mutate(
            quantity=valid["activities"].quantity.fill_null(1.0)
        )
    tables = {
        name: valid.get(name, None if name in OPTIONAL_ABSENT_IS_NONE else _empty(name))
        for name in TABLES
    }
    quarantine = (
        ibis.union(*parts)
        if parts
        else ibis.memtable({c: [] for c in QUARANTINE_SCHEMA}, schema=QUARANTINE_SCHEMA)
    )
    return Staged(tables, quarantine, as_of, model, con, files, raw)
