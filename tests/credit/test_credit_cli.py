"""`profitlens credit OUT_DIR` on an output folder holding the hand-computed case."""

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from profitlens.cli.app import user_errors
from profitlens.cli.credit import credit
from profitlens.credit import analyse_credit


@pytest.fixture
def app():
    application = typer.Typer()
    application.command()(user_errors(credit))
    application.command("noop")(lambda: None)  # keep `credit` a named subcommand
    return application


@pytest.fixture
def out_dir(tmp_path, duck_tables, hand_case):
    rows, as_of, terms = hand_case
    t = duck_tables(rows)
    a = analyse_credit(t["invoice_lines"], t["payments"], t["customers"], as_of, terms)
    a.receivables.execute().to_parquet(tmp_path / "receivables.parquet")
    a.customer_credit.execute().to_parquet(tmp_path / "customer_credit.parquet")
    a.provision_matrix_frame.to_parquet(tmp_path / "provision_matrix.parquet")
    (tmp_path / "run_info.json").write_text(json.dumps({"as_of": "2026-03-31", "currency": "EUR"}))
    return tmp_path


def test_prints_aging_segments_and_liabilities(app, out_dir):
    result = CliRunner().invoke(app, ["credit", str(out_dir)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Receivables as of 2026-03-31 (EUR)" in out
    # aging (test_receivables.py): 500 / 100 / 700 / 300 / 150, total 1,750 in 6 invoices
    total = next(line for line in out.splitlines() if line.strip("│ ").startswith("total"))
    assert [c.strip() for c in total.split("│")[1:4]] == ["total", "6", "1,750.00"]
    for amount in ("500.00", "700.00", "150.00"):
        assert amount in out
    # liabilities with the history's own matrix (test_customer_credit.py: 31-60 and older at
    # 100 %) and the trailing-year margin: A ECL 840.38 > margin 600; B overdue 106 days and
    # ECL 450 > 310; E lateness worsening. Largest exposure first: A 1,100, B 450, E 100.
    assert "Liabilities: 3 of 3 customers" in out
    listed = [
        line.split("│")[1].strip()
        for line in out.split("Liabilities")[1].splitlines()
        if line.startswith("│")
    ]
    assert listed == ["A", "B", "E"]
    assert "840.38" in out and "overdue beyond 60 days; ECL above expected margin" in out


def test_top_limits_the_list(app, out_dir):
    result = CliRunner().invoke(app, ["credit", str(out_dir), "--top", "1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Liabilities: 1 of 3 customers" in result.output


def test_csv_outputs_are_read_too(app, out_dir):
    for name in ("receivables", "customer_credit"):
        pd.read_parquet(out_dir / f"{name}.parquet").to_csv(out_dir / f"{name}.csv", index=False)
        (out_dir / f"{name}.parquet").unlink()
    result = CliRunner().invoke(app, ["credit", str(out_dir)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "1,750.00" in result.output


def test_missing_outputs_are_a_clear_error(app, tmp_path):
    result = CliRunner().invoke(app, ["credit", str(tmp_path)])
    assert result.exit_code == 2
    words = " ".join(result.output.split())
    assert "receivables.parquet" in words and "not found" in words
    result = CliRunner().invoke(app, ["credit", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert "not a folder" in " ".join(result.output.split())


def test_command_is_documented():
    assert "Example: profitlens credit" in credit.__doc__
