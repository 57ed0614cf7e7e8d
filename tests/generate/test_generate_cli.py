"""``profitlens generate`` through a CLI runner (on a bare app until the lead registers it)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from profitlens.cli.generate import generate


@pytest.fixture
def cli():
    app = typer.Typer()
    app.command()(generate)

    @app.callback()
    def main() -> None:
        """profitlens"""

    return app


def test_generate_writes_a_folder_and_reports_it(cli, tmp_path):
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        cli,
        [
            "generate",
            str(out),
            "--customers",
            "120",
            "--months",
            "6",
            "--seed",
            "4",
            "--prospects",
            "30",
            "--format",
            "csv",
            "--dirty",
            "0.02",
        ],
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())  # Rich wraps long lines
    assert "as of 2023-06-30" in text and "--as-of 2023-06-30" in text
    info = json.loads((out / "truth" / "generation.json").read_text())
    assert info | {"rows": None} == {
        "customers": 120,
        "months": 6,
        "seed": 4,
        "prospects": 30,
        "format": "csv",
        "dirty": 0.02,
        "start": "2023-01-01",
        "as_of": "2023-06-30",
        "rows": None,
    }
    assert len(pd.read_csv(out / "prospects.csv")) == info["rows"]["prospects"]
    assert info["rows"]["prospects"] > 30  # 30 clean + planted bad rows
    assert (out / "costmodel.yaml").exists() and (out / "truth" / "README.md").exists()


def test_generate_refuses_an_unknown_format(cli, tmp_path):
    result = CliRunner().invoke(cli, ["generate", str(tmp_path), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "parquet or csv" in result.output


def test_generate_has_help_with_an_example(cli):
    result = CliRunner().invoke(cli, ["generate", "--help"])
    assert result.exit_code == 0
    assert "Example: profitlens generate" in result.output
