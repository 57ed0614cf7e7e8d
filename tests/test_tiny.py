"""The contract's worked example, hand-checked numbers, on every input format and engine."""

from __future__ import annotations

import datetime as dt

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from contract_checks import TINY, assert_tables_agree

from profitlens.pipeline.stages import run

AS_OF = dt.date(2026, 3, 31)


def test_tiny_example_agrees_with_hand_checked_outputs(tiny, tmp_path):
    info = run(tiny, tmp_path / "out", as_of=AS_OF)
    assert_tables_agree(TINY / "expected", tmp_path / "out")
    assert info["periods"] == ["2026-01", "2026-02", "2026-03"]
    assert info["rows"]["activities"] == {"read": 8, "used": 8, "quarantined": 0}


def test_default_as_of_is_latest_event(tiny, tmp_path):
    info = run(tiny, tmp_path / "out")
    assert info["as_of"] == "2026-02-28"  # PAY3 and WO1


def test_parquet_input_gives_the_same_tables(tiny, tmp_path):
    for csv_file in tiny.glob("*.csv"):
        table = pacsv.read_csv(csv_file)
        pq.write_table(table, csv_file.with_suffix(".parquet"))
        csv_file.unlink()
    run(tiny, tmp_path / "out", as_of=AS_OF)
    assert_tables_agree(TINY / "expected", tmp_path / "out")


@pytest.mark.spark
def test_spark_engine_gives_the_same_tables(tiny, tmp_path):
    run(tiny, tmp_path / "duck", as_of=AS_OF)
    info = run(tiny, tmp_path / "spark", engine="spark", as_of=AS_OF)
    assert info["engine"] == "spark"
    assert_tables_agree(TINY / "expected", tmp_path / "spark")
    written = sorted(p.name for p in (tmp_path / "duck").glob("*.csv"))
    assert written == sorted(p.name for p in (tmp_path / "spark").glob("*.csv"))
    assert {"customer_pnl.csv", "customer_trends.csv", "receivables.csv"} <= set(written)
    for name in written:  # every output, byte for byte
        duck = (tmp_path / "duck" / name).read_text()
        spark = (tmp_path / "spark" / name).read_text()
        assert duck == spark, name
