"""Outputs: byte-identical for the same input, atomic, and queryable in DuckDB."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pyarrow as pa
import pytest

from profitlens.io import outputs
from profitlens.pipeline.stages import run

AS_OF = dt.date(2026, 3, 31)


def test_same_input_gives_byte_identical_csvs(tiny, tmp_path):
    run(tiny, tmp_path / "a", as_of=AS_OF)
    run(tiny, tmp_path / "b", as_of=AS_OF)
    for path in (tmp_path / "a").glob("*.csv"):
        assert path.read_bytes() == (tmp_path / "b" / path.name).read_bytes(), path.name


def test_floats_are_written_as_the_nearest_number_of_six_decimals():
    # 9.1574 summed in another order is 9.157399999999999, which Arrow's round keeps
    values = pa.array(
        [9.157399999999999, 9.1574, -582.5204209999999, 2.0000004999, -1e-9, None, 1234.5678915]
    )
    assert outputs._round(values).to_pylist() == [
        9.1574,
        9.1574,
        -582.520421,
        2.0,
        0.0,
        None,
        1234.567892,
    ]
    assert str(outputs._round(pa.array([-1e-9])).to_pylist()[0]) == "0.0"  # not -0.0


def test_a_value_on_a_half_millionth_rounds_the_same_whatever_its_last_bits():
    # 7.9078125 summed in three orders: one rounding to 6 decimals gives 7.907812 or 7.907813
    sums = pa.array([7.907812499999999, 7.9078125, 7.907812500000001, -0.0000025000000000001])
    assert outputs._round(sums).to_pylist() == [7.907812, 7.907812, 7.907812, -0.000002]


def test_database_holds_every_output_table(tiny, tmp_path):
    run(tiny, tmp_path / "out", as_of=AS_OF)
    con = duckdb.connect(str(tmp_path / "out" / "profitlens.duckdb"), read_only=True)
    tables = {r[0] for r in con.execute("show tables").fetchall()}
    assert {"customer_pnl", "customer_summary", "resource_usage", "quarantine"} <= tables
    total = con.execute("select round(sum(profit), 2) from customer_pnl").fetchone()[0]
    assert total == pytest.approx(698.66)


def test_without_the_database_no_duckdb_file_is_left(tiny, tmp_path):
    out = tmp_path / "out"
    run(tiny, out, as_of=AS_OF)
    assert (out / "profitlens.duckdb").is_file()
    stages = []
    info = run(tiny, out, as_of=AS_OF, database=False, progress=stages.append)
    assert not (out / "profitlens.duckdb").exists()  # the earlier run's file was stale
    files = json.loads((out / "run_info.json").read_text())["files"]
    assert files == info["files"]
    assert "profitlens.duckdb" not in files and "customer_pnl.parquet" in files
    assert {p.name for p in out.iterdir()} == {*files, "run_info.json"}
    # nothing announced after the tables
    assert stages[-1].startswith("write ") and f"{stages[-1][6:]}.parquet" in files
    run(tiny, out, as_of=AS_OF, database=False, report=True, progress=stages.append)
    assert stages[-1] == "write report" and (out / "report.html").is_file()


def test_the_engine_is_released_once_the_tables_are_written(tiny, tmp_path, monkeypatch):
    """The DuckDB file and the report are made after the engine's memory is freed."""
    from profitlens.pipeline import stages as pipeline

    engines, written = [], []
    real_connect, real_database = pipeline.connect, outputs.write_database

    def connect(*args, **kwargs):
        engines.append(real_connect(*args, **kwargs))
        return engines[-1]

    def database(folder, names):
        written.extend(sorted(p.stem for p in folder.glob("*.parquet")))
        assert engines[0].list_tables(like="ibis_cached_") == []  # its memory is freed
        real_database(folder, names)

    monkeypatch.setattr(pipeline, "connect", connect)
    monkeypatch.setattr(outputs, "write_database", database)
    run(tiny, tmp_path / "out", as_of=AS_OF)
    assert {"customer_pnl", "customer_summary", "resource_usage", "quarantine"} <= set(written)


def test_a_crash_while_writing_leaves_the_previous_output(tiny, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run(tiny, out, as_of=AS_OF)
    before = {p.name: p.read_bytes() for p in out.glob("*.csv")}

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(outputs, "write_database", crash)
    with pytest.raises(RuntimeError):
        run(tiny, out, as_of=dt.date(2026, 2, 28))
    assert {p.name: p.read_bytes() for p in out.glob("*.csv")} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "tiny"]


def test_an_existing_folder_keeps_the_files_profitlens_did_not_write(tiny, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "log").write_text("my notes")  # e.g. a shell redirect made before the run
    run(tiny, out, as_of=AS_OF)
    assert (out / "log").read_text() == "my notes"
    assert (out / "customer_pnl.csv").exists()


def test_outputs_of_an_earlier_run_that_this_run_does_not_write_are_removed(tiny, tmp_path):
    out = tmp_path / "out"
    run(tiny, out, as_of=AS_OF)
    info = json.loads((out / "run_info.json").read_text())
    info["files"].append("old_table.csv")  # as if an earlier version wrote old_table
    (out / "run_info.json").write_text(json.dumps(info))
    (out / "old_table.csv").write_text("stale")
    (out / "report.html").write_text("stale report")
    run(tiny, out, as_of=AS_OF)
    assert not (out / "old_table.csv").exists()
    assert not (out / "report.html").exists()  # run() alone writes no report


def test_data_folder_as_output_folder_loses_nothing(tiny, tmp_path):
    before = {p.name: p.read_bytes() for p in tiny.iterdir()}
    run(tiny, tiny, as_of=AS_OF)
    assert {p.name: p.read_bytes() for p in tiny.iterdir() if p.name in before} == before


def test_a_state_folder_of_the_users_is_kept(tiny, tmp_path):
    out = tmp_path / "out"
    run(tiny, out, as_of=dt.date(2026, 3, 31))
    (out / "state").mkdir()
    (out / "state" / "mine.txt").write_text("my notes")
    run(tiny, out, as_of=dt.date(2026, 3, 31))
    assert (out / "state" / "mine.txt").read_text() == "my notes"
