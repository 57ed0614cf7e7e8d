"""``profitlens clv`` through the CLI runner."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from profitlens.cli.app import user_errors
from profitlens.cli.clv import clv

DATA = Path(__file__).parents[1] / "data"


@pytest.fixture(scope="module")
def app():
    application = typer.Typer()
    application.command()(user_errors(clv))

    @application.command()
    def other() -> None:  # a second command so that "clv" is a subcommand, as in profitlens
        """Unused."""

    return application


@pytest.fixture
def cdnow_folder(tmp_path) -> Path:
    """CDNOW plus one row in each optional table (and the activity the row names)."""
    folder = Path(
        shutil.copytree(
            DATA / "cdnow", tmp_path / "cdnow", ignore=shutil.ignore_patterns("*summary*", "*.md")
        )
    )
    model = (
        (folder / "costmodel.yaml")
        .read_text()
        .replace(
            "activities:\n",
            "activities:\n  support_ticket: {category: service, resources: [ops_team], minutes: 10}\n",
        )
    )
    (folder / "costmodel.yaml").write_text(model)
    (folder / "payments.csv").write_text(
        "payment_id,invoice_id,paid_on,amount\nP1,0001-19970101-1,1997-01-01,29.33\n"
    )
    (folder / "activities.csv").write_text(
        "activity_id,activity,occurred_on,customer_id\nA1,support_ticket,1997-02-01,0001\n"
    )
    (folder / "referrals.csv").write_text(
        "referrer_id,referred_id,referred_on,reward\n0001,0002,1997-01-01,0\n"
    )
    (folder / "prospects.csv").write_text("prospect_id,created_on\nX1,1997-01-01\n")
    return folder


def test_clv_command_on_cdnow(app, cdnow_folder, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "clv",
            str(cdnow_folder),
            "--calibration-end",
            "1997-09-30",
            "--time-unit",
            "week",
            "--model",
            "bgnbd",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((out / "clv_model.json").read_text())
    tm = report["transaction_model"]
    assert tm["model"] == "BGNBD" and tm["n"] == 2357
    assert [round(tm["params"][k], 3) for k in ("r", "alpha", "a", "b")] == [
        0.243,
        4.414,
        0.793,
        2.426,
    ]
    assert round(tm["log_likelihood"], 1) == -9582.4
    assert all(v > 0 for v in tm["standard_errors"].values())
    gg = report["revenue_model"]["params"]
    assert [round(gg[k], 2) for k in ("p", "q", "gamma")] == [6.25, 3.74, 15.44]
    assert report["validation"]["actual_total"] == 1882
    table = pd.read_csv(out / "customer_clv.csv", dtype={"customer_id": str})
    assert len(table) == 2357
    assert {"customer_id", "p_alive", "expected_purchases_12m", "clv_revenue", "clv_profit"} <= set(
        table.columns
    )
    assert (out / "clv_tracking.html").exists()
    assert (out / "clv_calibration_by_frequency.html").exists()


def test_clv_command_user_errors(app, tmp_path):
    tiny = DATA / "tiny"
    result = CliRunner().invoke(
        app, ["clv", str(tiny), "--calibration-end", "2026-02-28", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2
    assert "at least 20 customers" in result.output
    result = CliRunner().invoke(
        app,
        [
            "clv",
            str(tiny),
            "--calibration-end",
            "2026-02-28",
            "--model",
            "magic",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code == 2 and "--model must be one of" in result.output
    result = CliRunner().invoke(
        app, ["clv", str(tiny), "--calibration-end", "soon", "--out", str(tmp_path / "o")]
    )
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
