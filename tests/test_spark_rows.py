"""Spark numbers every row of a file by its position, also when the file spans many partitions."""

from __future__ import annotations

import csv

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from profitlens.engine import ROW, connect, read_raw

pytestmark = pytest.mark.spark

N = 20_000


@pytest.fixture(scope="module")
def con():
    pytest.importorskip("pyspark")
    con = connect("spark")
    session = con._session
    old = {
        k: session.conf.get(k, None)
        for k in ("spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes")
    }
    session.conf.set("spark.sql.files.maxPartitionBytes", "16384")  # 16 KB splits
    session.conf.set("spark.sql.files.openCostInBytes", "0")
    yield con
    for k, v in old.items():
        session.conf.unset(k) if v is None else session.conf.set(k, v)


def _check(con, path, name):
    table = read_raw(con, path, name)
    frame = con._session.table(f"raw_{name}")
    assert frame.rdd.getNumPartitions() > 3, "the file should span several partitions"
    rows = table.select(ROW, "pos").to_pyarrow()
    got = rows.column(ROW).to_pylist()
    want = [int(p) for p in rows.column("pos").to_pylist()]
    assert len(got) == N
    assert got == want
    assert sorted(got) == list(range(1, N + 1))


def test_csv_rows_are_numbered_by_position(con, tmp_path):
    path = tmp_path / "lines.csv"
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["pos", "text"])
        for i in range(1, N + 1):
            out.writerow([i, f"row {i} " + "x" * (i % 37)])
    _check(con, path, "lines_csv")


def test_parquet_rows_are_numbered_by_position(con, tmp_path):
    path = tmp_path / "lines.parquet"
    table = pa.table(
        {
            "pos": pa.array(range(1, N + 1), pa.int64()),
            "text": [f"row {i} " + "x" * (i % 37) for i in range(1, N + 1)],
        }
    )
    pq.write_table(table, path, row_group_size=1_000, compression="none")
    _check(con, path, "lines_parquet")


def test_reading_a_changed_file_again_sees_the_new_content(con, tmp_path):
    path = tmp_path / "changing.csv"
    path.write_text("pos\n1\n2\n")
    assert read_raw(con, path, "changing").count().execute() == 2
    path.write_text("pos\n1\n2\n3\n")
    table = read_raw(con, path, "changing").to_pyarrow()
    assert table.column(ROW).to_pylist() == [1, 2, 3]
    assert table.column("pos").to_pylist() == ["1", "2", "3"]
