"""A data folder as it stood on an earlier day: for trying incremental runs month by month.

Rows dated after the day are left out (invoice lines, payments, activities, commissions,
referrals, resource costs of later periods, customers acquired and prospects created later),
a prospect's conversion to a customer not yet acquired is blanked, and so is an ``ended_on``
after the day. A date that does not parse is kept as it is (it is quarantined either way).
"""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from ..engine import read_csv_text
from ..periods import period_label

#: the column whose date decides whether a row was known on the day
DATED = {
    "customers": "acquired_on",
    "prospects": "created_on",
    "invoice_lines": "invoice_date",
    "payments": "paid_on",
    "activities": "occurred_on",
    "commissions": "paid_on",
    "referrals": "referred_on",
}


def data_as_of(source: Path, target: Path, day: dt.date, period: str = "month") -> Path:
    """Copy data folder ``source`` to ``target`` keeping only what was known on ``day``.

    Parameters
    ----------
    source, target : Path
        Contract data folders (``target`` is created; its files of the same names replaced).
    day : datetime.date
    period : {"month", "quarter"}
        The cost model's period, for ``resource_costs``.

    Returns
    -------
    Path
        ``target``.
    """
    source, target = Path(source), Path(target)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source / "costmodel.yaml", target / "costmodel.yaml")
    files = {f.stem: f for f in source.iterdir() if f.suffix in (".csv", ".parquet")}
    customers = _known(_read(files["customers"]), "customers", day)
    if "ended_on" in customers.column_names:
        customers = _blank(customers, "ended_on", _after(customers, "ended_on", day))
    for name, path in files.items():
        table = customers if name == "customers" else _known(_read(path), name, day)
        if name == "prospects" and "converted_customer_id" in table.column_names:
            won = table["converted_customer_id"]
            table = _blank(
                table,
                "converted_customer_id",
                pc.and_kleene(pc.is_valid(won), pc.invert(pc.is_in(won, customers["customer_id"]))),
            )
        if name == "resource_costs":
            table = table.filter(pc.less_equal(table["period"], period_label(day, period)))
        _write(table, target / path.name)
    return target


def _read(path: Path) -> pa.Table:
    return pq.read_table(path) if path.suffix == ".parquet" else read_csv_text(path)


def _write(table: pa.Table, path: Path) -> None:
    if path.suffix == ".parquet":
        pq.write_table(table, path)
    else:
        pacsv.write_csv(table, path, write_options=pacsv.WriteOptions(quoting_style="needed"))


def _after(table: pa.Table, column: str, day: dt.date) -> pa.ChunkedArray:
    """True where ``column`` holds a date after ``day`` (text dates are parsed; False where
    the date is missing or does not parse)."""
    values = table[column]
    if not pa.types.is_date(values.type):
        values = pc.cast(pc.strptime(values, "%Y-%m-%d", "s", error_is_null=True), pa.date32())
    return pc.fill_null(pc.greater(values, pa.scalar(day, pa.date32())), False)


def _known(table: pa.Table, name: str, day: dt.date) -> pa.Table:
    column = DATED.get(name)
    if column is None or column not in table.column_names:
        return table
    return table.filter(pc.invert(_after(table, column, day)))


def _blank(table: pa.Table, column: str, where: pa.ChunkedArray) -> pa.Table:
    values = table[column]
    blanked = pc.if_else(where, pa.scalar(None, values.type), values)
    return table.set_column(table.column_names.index(column), column, blanked)
