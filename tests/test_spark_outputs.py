"""On Spark, an output table reaches the driver once, as Arrow, not by way of pandas."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from profitlens.engine import connect
from profitlens.io.outputs import write_table

pytestmark = pytest.mark.spark


def test_spark_writes_an_output_without_pandas(tmp_path, monkeypatch):
    pytest.importorskip("pyspark")
    con = connect("spark")
    n = 3_000
    rows = pa.table(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)][::-1],
            "period": ["2026-01"] * n,
            "day": [dt.date(2026, 1, 1 + i % 28) for i in range(n)],
            "tickets": list(range(n)),
            "flag": [i % 2 == 0 for i in range(n)],
            "profit": [i / 3 for i in range(n)],
        }
    )
    pq.write_table(rows, tmp_path / "rows.parquet", row_group_size=500)
    # a file read by Spark joined to an in-memory table (registered by the pre-execute hooks)
    table = con.read_parquet(str(tmp_path / "rows.parquet"))
    lookup = ibis.memtable({"period": ["2026-01"], "factor": [2.0]})
    joined = table.join(lookup, "period")
    expr = joined.mutate(profit=joined.profit * joined.factor).drop("factor")

    def refuse(*args, **kwargs):
        raise AssertionError("the output went through pandas")

    monkeypatch.setattr(type(con), "execute", refuse)
    monkeypatch.setattr(type(con), "to_pyarrow", refuse)
    out = tmp_path / "out"
    out.mkdir()
    write_table(expr, out, "customer_pnl")

    written = pq.read_table(out / "customer_pnl.parquet")
    assert written.schema.equals(expr.schema().to_pyarrow())
    assert written.column("customer_id").to_pylist() == [f"C{i:05d}" for i in range(n)]
    # customer C<j> was row n - 1 - j
    assert written.column("profit").to_pylist() == [round(2 * (n - 1 - j) / 3, 6) for j in range(n)]
    assert written.column("tickets").to_pylist()[:2] == [n - 1, n - 2]
    lines = (out / "customer_pnl.csv").read_text().splitlines()
    assert lines[0] == '"customer_id","period","day","tickets","flag","profit"'
    assert lines[2] == '"C00001","2026-01",2026-01-03,2998,true,1998.666667'


def test_a_result_above_the_drivers_limit_is_named_with_the_setting(monkeypatch):
    pytest.importorskip("pyspark")
    from pyspark.sql.classic.dataframe import DataFrame  # what a session's queries return

    from profitlens.engine import arrow_table
    from profitlens.errors import ProfitlensError

    def too_big(self):
        raise RuntimeError(
            "Job aborted: Total size of serialized results of 3 tasks "
            "(1027.6 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB)"
        )

    monkeypatch.setattr(DataFrame, "toArrow", too_big)
    con = connect("spark")
    with pytest.raises(ProfitlensError, match="spark.driver.maxResultSize=4g"):
        arrow_table(con.sql("SELECT 1 AS x"))
