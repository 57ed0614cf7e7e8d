"""Streaming writers: one file per table, written chunk by chunk, byte-identical for a seed.

Parquet goes through :class:`pyarrow.parquet.ParquetWriter` (one row group per chunk, fixed
compression, no timestamps), CSV through :class:`pyarrow.csv.CSVWriter`. When bad rows are
planted (``dirty``), the columns that can hold an unparseable value are written as text in
Parquet too (``FRAGILE``): a typed Parquet column cannot hold ``"12,50"``.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

S, D, F = pa.string(), pa.date32(), pa.float64()
PROFILE = [
    ("segment", S),
    ("industry", S),
    ("region", S),
    ("channel", S),
    ("employees", F),
    ("annual_revenue", F),
]

SCHEMAS: dict[str, pa.Schema] = {
    "customers": pa.schema(
        [
            ("customer_id", S),
            ("name", S),
            *PROFILE[:4],
            *PROFILE[4:],
            ("acquired_on", D),
            ("ended_on", D),
        ]
    ),
    "prospects": pa.schema(
        [
            ("prospect_id", S),
            ("created_on", D),
            *PROFILE,
            ("converted_customer_id", S),
            ("closed_on", D),
        ]
    ),
    "invoice_lines": pa.schema(
        [
            ("invoice_id", S),
            ("line_id", S),
            ("customer_id", S),
            ("invoice_date", D),
            ("due_date", D),
            ("product_id", S),
            ("quantity", F),
            ("revenue", F),
            ("cost", F),
            ("sales_rep_id", S),
            ("currency", S),
        ]
    ),
    "payments": pa.schema(
        [("payment_id", S), ("invoice_id", S), ("paid_on", D), ("amount", F), ("kind", S)]
    ),
    "activities": pa.schema(
        [
            ("activity_id", S),
            ("activity", S),
            ("occurred_on", D),
            ("customer_id", S),
            ("prospect_id", S),
            ("minutes", F),
            ("quantity", F),
            ("employee_id", S),
            ("channel", S),
        ]
    ),
    "referrals": pa.schema(
        [("referrer_id", S), ("referred_id", S), ("referred_on", D), ("reward", F)]
    ),
    "resource_costs": pa.schema(
        [("period", S), ("resource", S), ("cost", F), ("capacity_minutes", F)]
    ),
}
FRAGILE = {
    "customers": ("acquired_on",),
    "prospects": ("created_on",),
    "invoice_lines": ("invoice_date", "revenue"),
    "payments": ("paid_on", "amount"),
    "activities": ("occurred_on", "minutes"),
    "referrals": ("referred_on", "reward"),
    "resource_costs": ("cost", "capacity_minutes"),
}


def schema_for(name: str, dirty: bool) -> pa.Schema:
    """The written schema of a data table; fragile columns become text when ``dirty``."""
    schema = SCHEMAS[name]
    if not dirty:
        return schema
    return pa.schema(
        [pa.field(f.name, S) if f.name in FRAGILE.get(name, ()) else f for f in schema]
    )


class TableSink:
    """Appends Arrow tables to ``<folder>/<name>.<fmt>``; counts the data rows written.

    Parameters
    ----------
    folder : Path
        Output folder (created if absent).
    name : str
        Table name, the file stem.
    schema : pyarrow.Schema
        Every written table is cast to it.
    fmt : {"parquet", "csv"}
    """

    def __init__(self, folder: Path, name: str, schema: pa.Schema, fmt: str):
        self.folder, self.name, self.schema, self.fmt = Path(folder), name, schema, fmt
        self.rows = 0
        self._writer = None

    @property
    def path(self) -> Path:
        return self.folder / f"{self.name}.{self.fmt}"

    def _open(self):
        self.folder.mkdir(parents=True, exist_ok=True)
        if self.fmt == "parquet":
            return pq.ParquetWriter(
                self.path,
                self.schema,
                compression="zstd",
                compression_level=3,
                write_statistics=True,
                version="2.6",
                data_page_version="1.0",
            )
        return pacsv.CSVWriter(
            self.path, self.schema, write_options=pacsv.WriteOptions(quoting_style="none")
        )

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (its columns in schema order, cast to the schema)."""
        if self._writer is None:
            self._writer = self._open()
        table = table.select(self.schema.names).cast(self.schema)
        if table.num_rows:
            self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        """Finish the file (an empty table still gets a file with its header / schema)."""
        if self._writer is None:
            self._writer = self._open()
        self._writer.close()


def write_table(folder: Path, name: str, table: pa.Table, fmt: str) -> Path:
    """Write a small table in one go (truth tables, resource costs)."""
    sink = TableSink(folder, name, table.schema, fmt)
    sink.write(table)
    sink.close()
    return sink.path
