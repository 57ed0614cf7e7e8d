"""The command line, through the real app: exit codes and messages, never a traceback."""

from __future__ import annotations

import json
import sys

import pytest
from contract_checks import TINY, assert_tables_agree
from typer.testing import CliRunner

from profitlens.cli import app

runner = CliRunner()


def test_run_prints_the_headline_and_writes_outputs(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(tiny), "--out", str(out), "--as-of", "2026-03-31"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    assert "698.66 EUR" in result.output  # total profit
    assert "116%" in result.output  # the top customer (of 3) earns 807.70
    assert "1 customer, -244.39 EUR" in result.output
    assert "reconciliation    OK" in result.output
    assert (out / "report.html").exists()
    assert "(CSV, Parquet, profitlens.duckdb)" in result.output
    assert_tables_agree(TINY / "expected", out)


def test_no_database_leaves_out_the_duckdb_file(tiny, tmp_path):
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "run",
            str(tiny),
            "--out",
            str(out),
            "--as-of",
            "2026-03-31",
            "--no-database",
            "--no-report",
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "(CSV, Parquet)" in result.output
    assert not (out / "profitlens.duckdb").exists()
    assert_tables_agree(TINY / "expected", out)


def run_with_report_child(tiny, out, monkeypatch, code: str):
    """``profitlens run`` of ``tiny`` whose report's child process runs Python ``code`` (given
    the output folder as ``sys.argv[1]``); the result and ``report_error``."""
    from profitlens.report import isolated as report

    monkeypatch.setattr(
        report, "_command", lambda folder: [sys.executable, "-c", code, str(folder)]
    )
    result = runner.invoke(
        app, ["run", str(tiny), "--out", str(out), "--as-of", "2026-03-31"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert not list(out.glob("*report.html*"))  # nor a half-written file
    assert_tables_agree(TINY / "expected", out)
    return result, json.loads((out / "run_info.json").read_text())["report_error"]


def test_a_report_that_cannot_be_drawn_leaves_the_tables_written(tiny, tmp_path, monkeypatch):
    # the child fails as a Python exception is reported: one line on standard error
    fail = (
        "import pathlib, sys; pathlib.Path(sys.argv[1], 'report.html').write_text('half'); "
        "sys.exit('report failed: RuntimeError: chart renderer unavailable')"
    )
    result, error = run_with_report_child(tiny, tmp_path / "out", monkeypatch, fail)
    assert (
        "report.html not written (RuntimeError: chart renderer unavailable); the output "
        "tables are written"
    ) in result.output
    assert error == "RuntimeError: chart renderer unavailable"


def test_a_renderer_that_aborts_the_process_leaves_the_tables_written(tiny, tmp_path, monkeypatch):
    # what vl-convert's panics do: abort the process with a temporary report half written
    crash = (
        "import os, pathlib, sys; pathlib.Path(sys.argv[1], '.report.html.7.tmp')"
        ".write_text('half'); print(\"thread panicked at text.rs: Failed to parse\", "
        "file=sys.stderr, flush=True); os.abort()"
    )
    result, error = run_with_report_child(tiny, tmp_path / "out", monkeypatch, crash)
    assert error == (
        "the chart renderer's process stopped with SIGABRT (thread panicked at "
        "text.rs: Failed to parse)"
    )
    assert "report.html not written" in result.output


def test_incremental_runs_say_what_they_recomputed(tiny, tmp_path):
    command = [
        "run",
        str(tiny),
        "--out",
        str(tmp_path / "out"),
        "--as-of",
        "2026-03-31",
        "--incremental",
        "--no-report",
    ]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert "Incremental: computed all 3 periods" in first.output
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert "Incremental: recomputed 0 periods in full (none) and 0 in part" in again.output
    assert_tables_agree(TINY / "expected", tmp_path / "out")


@pytest.mark.parametrize(
    "spoil, words",
    [
        (
            lambda d: (d / "costmodel.yaml").write_text(
                "resources: {t: {cost: 1, capacity_minutes: 0}}"
            ),
            "capacity_minutes",
        ),
        (
            lambda d: (d / "invoice_lines.csv").write_text("invoice_id,customer_id\nI1,A\n"),
            "missing required column 'invoice_date'",
        ),
        (lambda d: (d / "customers.csv").unlink(), "missing customers.csv"),
    ],
)
def test_bad_input_is_one_clear_message_with_exit_code_2(tiny, tmp_path, spoil, words):
    spoil(tiny)
    result = runner.invoke(app, ["run", str(tiny), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert words in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_bad_as_of_date_is_refused(tiny, tmp_path):
    result = runner.invoke(app, ["run", str(tiny), "--as-of", "31/03/2026"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_every_command_has_help_with_an_example():
    commands = [c.name or c.callback.__name__ for c in app.registered_commands]
    assert {"run", "generate", "trends", "credit", "clv"} <= set(commands)
    for name in commands:
        result = runner.invoke(app, [name, "--help"])
        assert result.exit_code == 0, name
        assert "Example" in result.output, name


def test_an_error_message_is_never_broken_by_the_console_width(tmp_path):
    missing = tmp_path / ("a-folder-with-a-long-name-" * 4) / "data"
    result = runner.invoke(
        app, ["run", str(missing), "--out", str(tmp_path / "out")], env={"COLUMNS": "40"}
    )
    assert result.exit_code == 2
    [line] = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert str(missing) in line and line.endswith("invoice_lines")
