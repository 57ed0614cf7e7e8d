"""Rebuild the Parquet files of tests/data/report/tiny from the CSVs beside them.

The CSVs are the tiny worked example's expected outputs (customer_pnl, customer_summary,
resource_usage) with a ``segment`` column added to customer_summary (from the example's
customers.csv), a hand-made quarantine consistent with run_info.json, and the run's
reconciliation (its three parts equal the expected resource_usage's customer, pursuit and unused
cost, which were checked by hand).
Run: .venv/bin/python tests/data/report/build_tiny.py
"""
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

HERE = Path(__file__).parent / "tiny"
STRINGS = {c: pa.string() for c in ("customer_id", "period", "resource", "table", "column",
                                    "value", "reason", "segment")}
SEGMENTS = {"A": "enterprise", "B": "smb", "C": "smb"}

for csv in sorted(HERE.glob("*.csv")):
    types = {**STRINGS, "rank": pa.int64(), "row": pa.int64()}
    table = pacsv.read_csv(csv, convert_options=pacsv.ConvertOptions(column_types=types))
    if csv.stem == "customer_summary" and "segment" not in table.column_names:
        ids = table.column("customer_id").to_pylist()
        table = table.append_column("segment", pa.array([SEGMENTS[i] for i in ids], pa.string()))
    pq.write_table(table, csv.with_suffix(".parquet"))
    print(csv.with_suffix(".parquet").name, table.num_rows, table.schema.names)
