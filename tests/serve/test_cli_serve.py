"""``profitlens serve`` refuses what it must refuse, with one message and exit code 2."""

from __future__ import annotations

from typer.testing import CliRunner

from profitlens.cli import app

runner = CliRunner()


def test_other_address_without_a_token_refuses_to_start(tiny_out):
    result = runner.invoke(
        app, ["serve", str(tiny_out), "--host", "0.0.0.0"], env={"PROFITLENS_TOKEN": ""}
    )
    assert result.exit_code == 2
    assert "PROFITLENS_TOKEN" in result.output and "Traceback" not in result.output


def test_a_folder_without_outputs_is_one_clear_message(tmp_path):
    result = runner.invoke(app, ["serve", str(tmp_path)])
    assert result.exit_code == 2
    assert "customer_summary" in result.output and "Traceback" not in result.output


def test_help_has_an_example():
    result = runner.invoke(app, ["serve", "--help"])
    assert result.exit_code == 0 and "Example: profitlens serve" in result.output
