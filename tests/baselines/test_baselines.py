"""The benchmark baselines (plain pandas, hand-written DuckDB SQL) compute the contract's P&L.

They are only worth comparing against when they give the contract's numbers: the hand-checked
worked example (tests/data/tiny/expected, as of 2026-03-31), the same example by quarter (sums
of the monthly rows), with a commissions table (which then is the whole truth), and each other
on a generated company.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import sys
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks" / "baselines"))

import compare  # noqa: E402
import duckdb_sql_pnl  # noqa: E402
import pandas_pnl  # noqa: E402

TINY = ROOT / "tests" / "data" / "tiny"
EXPECTED = TINY / "expected"
AS_OF = dt.date(2026, 3, 31)
KEYS = {
    "customer_pnl": ["customer_id", "period"],
    "resource_usage": ["resource", "period"],
    "customer_summary": ["customer_id"],
}
SUMMARY_COLUMNS = [*compare.PNL, "rank", "cumulative_profit_share"]


def run_pandas(data: Path, out: Path) -> Path:
    pandas_pnl.run(data, out, AS_OF)
    return out


def run_sql(data: Path, out: Path) -> Path:
    duckdb_sql_pnl.run(data, out, AS_OF)
    return out


BASELINES = {"pandas": run_pandas, "sql": run_sql}


def rows(path: Path, key: list[str], columns: list[str] | None = None) -> dict:
    with open(path, newline="") as fh:
        return {
            tuple(r[k] for k in key): {
                c: float(v)
                for c, v in r.items()
                if c not in key and (columns is None or c in columns)
            }
            for r in csv.DictReader(fh)
        }


def assert_rows_equal(expected: dict, actual: dict, tol: float = 1e-6) -> None:
    assert set(actual) == set(expected)
    for k, row in expected.items():
        for col, value in row.items():
            assert actual[k][col] == pytest.approx(value, abs=tol), (k, col)


@pytest.fixture
def tiny(tmp_path) -> Path:
    return Path(shutil.copytree(TINY, tmp_path / "tiny", ignore=shutil.ignore_patterns("expected")))


@pytest.mark.parametrize("baseline", BASELINES)
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_tiny_example_gives_the_hand_checked_tables(baseline, fmt, tiny, tmp_path):
    if fmt == "parquet":
        for path in tiny.glob("*.csv"):
            # empty fields are missing values (nulls), as a Parquet writer would store them
            table = pacsv.read_csv(
                path, convert_options=pacsv.ConvertOptions(strings_can_be_null=True)
            )
            pq.write_table(table, path.with_suffix(".parquet"))
            path.unlink()
    out = BASELINES[baseline](tiny, tmp_path / "out")
    for name in ("customer_pnl", "resource_usage"):
        assert_rows_equal(
            rows(EXPECTED / f"{name}.csv", KEYS[name]), rows(out / f"{name}.csv", KEYS[name])
        )
    assert_rows_equal(
        rows(EXPECTED / "customer_summary.csv", ["customer_id"], SUMMARY_COLUMNS),
        rows(out / "customer_summary.csv", ["customer_id"], SUMMARY_COLUMNS),
    )


@pytest.mark.parametrize("baseline", BASELINES)
def test_quarterly_pnl_is_the_sum_of_the_monthly_rows(baseline, tiny, tmp_path):
    model = tiny / "costmodel.yaml"
    model.write_text(model.read_text().replace("period: month", "period: quarter"))
    out = BASELINES[baseline](tiny, tmp_path / "out")
    quarterly = {}
    monthly = rows(EXPECTED / "customer_pnl.csv", KEYS["customer_pnl"])
    for (customer, _period), row in monthly.items():
        total = quarterly.setdefault((customer, "2026-Q1"), dict.fromkeys(row, 0.0))
        for col, value in row.items():
            total[col] += value
    assert_rows_equal(quarterly, rows(out / "customer_pnl.csv", KEYS["customer_pnl"]))
    usage = rows(out / "resource_usage.csv", KEYS["resource_usage"])
    assert set(usage) == {
        (r, "2026-Q1") for r in ("field_vehicles", "ops_team", "sales_team", "support_team")
    }
    # ops_team: 16 + 16 minutes at 1 EUR a minute of a 1000 EUR period
    assert usage[("ops_team", "2026-Q1")]["customer_cost"] == pytest.approx(32.0)
    assert usage[("ops_team", "2026-Q1")]["unused_cost"] == pytest.approx(968.0)


@pytest.mark.parametrize("baseline", BASELINES)
def test_commissions_table_replaces_the_rates(baseline, tiny, tmp_path):
    (tiny / "commissions.csv").write_text(
        "customer_id,paid_on,amount\nA,2026-01-20,100\nB,2026-03-05,7\n"
    )
    out = BASELINES[baseline](tiny, tmp_path / "out")
    expected = rows(EXPECTED / "customer_pnl.csv", KEYS["customer_pnl"])
    for row in expected.values():  # the rate-based commission is gone ...
        row["profit"] += row["commission"]
        row["commission"] = 0.0
    expected[("A", "2026-01")]["commission"] = 100.0  # ... and the paid one counts
    expected[("A", "2026-01")]["profit"] -= 100.0
    expected[("B", "2026-03")] = {
        **dict.fromkeys(expected[("A", "2026-01")], 0.0),
        "commission": 7.0,
        "profit": -7.0,
    }
    assert_rows_equal(expected, rows(out / "customer_pnl.csv", KEYS["customer_pnl"]))


@pytest.mark.slow
def test_baselines_agree_with_each_other_and_profitlens_on_a_generated_company(tmp_path):
    from profitlens.generate import generate_company
    from profitlens.pipeline.stages import run

    data = tmp_path / "company"
    generate_company(data, customers=400, months=12, seed=3, fmt="parquet")
    as_of = dt.date(2023, 12, 31)
    outs = {"pandas": tmp_path / "pandas", "sql": tmp_path / "sql", "profitlens": tmp_path / "pl"}
    pandas_pnl.run(data, outs["pandas"], as_of)
    duckdb_sql_pnl.run(data, outs["sql"], as_of)
    run(data, outs["profitlens"], as_of=as_of)
    for other in ("pandas", "sql"):
        ok, result = compare.compare(outs["profitlens"], outs[other], tol=1e-5)
        assert ok, (
            other,
            {t: (r["bad_columns"], r["only_a"], r["only_b"]) for t, r in result.items()},
        )
        assert result["customer_pnl"]["rows_a"] > 1000


def _write(folder: Path, name: str, table) -> None:
    folder.mkdir(exist_ok=True)
    pq.write_table(table, folder / f"{name}.parquet")
    pacsv.write_csv(table, folder / f"{name}.csv")


def test_compare_folders_checks_every_table_row_by_row(tmp_path):
    import pyarrow as pa

    pnl = pa.table(
        {"customer_id": ["C1", "C2"], "period": ["2026-01", "2026-01"], "profit": [10.0, -2.5]}
    )
    credit = pa.table(
        {
            "customer_id": ["C1", "C2"],
            "liability": [False, True],
            "open_invoices": pa.array([3, None], pa.int64()),
            "settled_on": pa.array([dt.date(2026, 1, 5), None], pa.date32()),
        }
    )
    a, b = tmp_path / "a", tmp_path / "b"
    for folder in (a, b):
        _write(folder, "customer_pnl", pnl)
        _write(folder, "customer_credit", credit)
    ok, result = compare.compare_folders(a, b)
    assert ok and all(r["same_csv"] for r in result.values())
    assert compare.describe(result["customer_pnl"]) == "rows 2 / 2, largest float difference 0"

    def changed(table, column, values):
        return table.set_column(
            table.column_names.index(column),
            column,
            pa.array(values, table.schema.field(column).type),
        )

    _write(b, "customer_pnl", changed(pnl, "profit", [10.0, -2.52]))
    _write(
        b,
        "customer_credit",
        changed(changed(credit, "liability", [False, False]), "open_invoices", [3, 0]),
    )
    _write(a, "receivables", pa.table({"invoice_id": ["I1"]}))
    ok, result = compare.compare_folders(a, b)
    assert not ok
    assert result["customer_pnl"]["max_diff"]["profit"] == pytest.approx(0.02)
    assert not result["customer_pnl"]["ok"] and not result["customer_pnl"]["same_csv"]
    assert result["customer_credit"]["unequal"] == {
        "customer_id": 0,
        "liability": 1,
        "open_invoices": 1,
        "settled_on": 0,
    }
    assert result["receivables"]["missing"] == [str(b / "receivables.parquet")]
    assert compare.compare_folders(a, b, tol=0.05)[1]["customer_pnl"]["ok"]
    assert compare.describe(result["receivables"]).startswith("MISSING")
    assert "unequal values {'liability': 1, 'open_invoices': 1}" in compare.describe(
        result["customer_credit"]
    )

    # a NaN against a number, a date against a missing date
    _write(b, "customer_pnl", changed(pnl, "profit", [10.0, float("nan")]))
    _write(b, "customer_credit", changed(credit, "settled_on", [None, None]))
    result = compare.compare_folders(a, b)[1]
    assert result["customer_pnl"]["max_diff"]["profit"] == float("inf")
    assert result["customer_credit"]["unequal"]["settled_on"] == 1

    # another type, another column, one row less: the rows are not compared
    for table in (
        pnl.set_column(2, "profit", pa.array([10, -2], pa.int64())),
        pnl.rename_columns(["customer_id", "period", "margin"]),
        pnl.slice(0, 1),
    ):
        _write(b, "customer_pnl", table)
        r = compare.compare_folders(a, b)[1]["customer_pnl"]
        assert not r["ok"] and not r["max_diff"] and not r["unequal"]
        assert compare.describe(r).endswith("MISMATCH")
