"""Builders for small credit cases: contract-typed tables on DuckDB (memtables) or Spark."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pytest

from profitlens.contract import TABLES

_ARROW = {"string": pa.string(), "date": pa.date32(), "float64": pa.float64()}


def arrow_table(name: str, rows: list[dict]) -> pa.Table:
    """A pyarrow table of contract table ``name`` typed as staging types it."""
    spec = TABLES[name]
    columns = [c for c in spec.columns if any(c in r for r in rows)] or list(spec.required)
    arrays = {}
    for c in columns:
        values = [r.get(c) for r in rows]
        if spec.columns[c] == "date":
            values = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
        arrays[c] = pa.array(values, _ARROW[spec.columns[c]])
    return pa.table(arrays)


@pytest.fixture
def duck_tables():
    """rows-by-table -> ibis memtables (executed on the default DuckDB backend)."""

    def make(data: dict[str, list[dict]]) -> dict[str, ibis.Table]:
        return {name: ibis.memtable(arrow_table(name, rows)) for name, rows in data.items()}

    return make


@pytest.fixture(scope="session")
def spark_session():
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[1]")
        .appName("profitlens-credit-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def spark_con(spark_session):
    return ibis.pyspark.connect(spark_session)


@pytest.fixture
def spark_tables(spark_session, spark_con):
    """rows-by-table -> ibis tables living in the Spark session (temp views)."""

    def make(data: dict[str, list[dict]]) -> dict[str, ibis.Table]:
        out = {}
        for name, rows in data.items():
            arrow = arrow_table(name, rows)
            view = f"credit_test_{name}"
            frame = spark_session.createDataFrame(arrow.to_pylist(), schema=_spark_schema(arrow))
            frame.createOrReplaceTempView(view)
            out[name] = spark_con.table(view)
        return out

    return make


def _spark_schema(arrow: pa.Table):
    from pyspark.sql import types as T

    kinds = {pa.string(): T.StringType(), pa.date32(): T.DateType(), pa.float64(): T.DoubleType()}
    return T.StructType([T.StructField(f.name, kinds[f.type], True) for f in arrow.schema])


# --- the hand-computed case of test_receivables.py / test_customer_credit.py ----------------
# as-of 2026-03-31, payment terms 30 days. Expected figures are worked out in the test modules.
AS_OF = dt.date(2026, 3, 31)
TERMS = 30


def _line(invoice, customer, day, revenue, cost, due=None, line="1"):
    return {
        "invoice_id": invoice,
        "line_id": line,
        "customer_id": customer,
        "invoice_date": day,
        "revenue": revenue,
        "cost": cost,
        "due_date": due,
    }


def _pay(pid, invoice, day, amount, kind="payment"):
    return {
        "payment_id": pid,
        "invoice_id": invoice,
        "paid_on": day,
        "amount": amount,
        "kind": kind,
    }


HAND_CASE = {
    "customers": [
        {"customer_id": "A", "acquired_on": "2025-01-01", "segment": "enterprise"},
        {"customer_id": "B", "acquired_on": "2025-01-01", "segment": "smb"},
        {"customer_id": "C", "acquired_on": "2025-01-01", "segment": "smb"},
        {"customer_id": "D", "acquired_on": "2025-01-01", "segment": "smb"},
        {"customer_id": "E", "acquired_on": "2025-01-01", "segment": "enterprise"},
    ],
    "invoice_lines": [
        _line("I1", "A", "2026-01-01", 600.0, 400.0),
        _line("I1", "A", "2026-01-01", 400.0, 200.0, line="2"),
        _line("I2", "A", "2026-03-20", 500.0, 300.0, due="2026-04-19"),
        _line("I3", "B", "2025-12-01", 300.0, 100.0),
        _line("I4", "B", "2025-11-15", 200.0, 150.0),
        _line("I5", "C", "2026-02-15", 250.0, 200.0),
        _line("I6", "C", "2026-02-01", 100.0, 50.0),
        _line("I7", "C", "2026-02-20", -40.0, -20.0),
        _line("I8", "C", "2026-01-05", 80.0, 40.0),
        _line("I9", "A", "2026-04-05", 999.0, 1.0),  # after the as-of date
        _line("I10", "B", "2025-10-01", 120.0, 60.0),
        _line("E1", "E", "2025-09-01", 100.0, 50.0, due="2025-10-01"),
        _line("E2", "E", "2025-10-01", 100.0, 50.0, due="2025-11-01"),
        _line("E3", "E", "2025-12-16", 100.0, 50.0, due="2026-01-15"),
        _line("E4", "E", "2026-01-16", 100.0, 50.0, due="2026-02-15"),
    ],
    "payments": [
        _pay("P1", "I1", "2026-02-10", 400.0),
        _pay("P2", "I4", "2026-01-10", 50.0),
        _pay("P3", "I5", "2026-03-10", 250.0),
        _pay("P4", "I8", "2026-02-14", 80.0),
        _pay("P5", "I6", "2026-04-02", 100.0),  # after the as-of date
        _pay("P6", "I10", "2025-11-20", 20.0),
        _pay("W1", "I10", "2026-02-28", 100.0, "write_off"),
        _pay("PE1", "E1", "2025-10-01", 100.0),
        _pay("PE2", "E2", "2025-11-05", 100.0),
        _pay("PE3", "E3", "2026-02-14", 100.0),
    ],
}


@pytest.fixture
def hand_case():
    """(rows by table, as-of date, payment terms days) of the hand-computed case."""
    return HAND_CASE, AS_OF, TERMS
