"""``profitlens init``: a starting cost model that run accepts once its placeholders are filled."""

from __future__ import annotations

import re

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.costmodel import placeholders

runner = CliRunner()


@pytest.fixture
def bare(tiny):
    """The contract's worked example without its cost model."""
    (tiny / "costmodel.yaml").unlink()
    return tiny


def test_init_lists_every_activity_and_the_periods_with_placeholders(bare):
    result = runner.invoke(app, ["init", str(bare)])
    assert result.exit_code == 0, result.output
    text = (bare / "costmodel.yaml").read_text()
    model = yaml.safe_load(text)
    names = set(pd.read_csv(bare / "activities.csv")["activity"])
    assert set(model["activities"]) == names
    assert "Periods found (2 months): 2026-01, 2026-02" in text
    # only the company knows these: cost and capacity of every team, minutes of every activity
    # whose rows do not all give their own (site_visit's single row gives 100)
    assert sorted(placeholders(model)) == sorted(
        [
            f"resources.{team}.{key}"
            for team in ("sales_team", "service_team")
            for key in ("cost", "capacity_minutes")
        ]
        + [f"activities.{a}.minutes" for a in names - {"site_visit"}]
    )
    assert model["activities"]["support_ticket"]["category"] == "service"
    assert model["activities"]["sales_call"]["category"] == "sales"
    assert "capacity_minutes: practical capacity per month" in text  # says where numbers come from
    assert "8 placeholders (TODO) to fill" in " ".join(result.output.split())


def test_run_refuses_the_placeholders_then_accepts_the_filled_model(bare, tmp_path):
    assert runner.invoke(app, ["init", str(bare)]).exit_code == 0
    result = runner.invoke(app, ["run", str(bare), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "fill in the TODO placeholders first: resources.sales_team.cost" in " ".join(
        result.output.split()
    )
    path = bare / "costmodel.yaml"
    filled = re.sub(
        r"cost: TODO, capacity_minutes: TODO",
        "cost: 6000, capacity_minutes: 6000",
        path.read_text(),
    ).replace("minutes: TODO", "minutes: 20")
    path.write_text(filled)
    result = runner.invoke(
        app,
        [
            "run",
            str(bare),
            "--out",
            str(tmp_path / "out"),
            "--as-of",
            "2026-03-31",
            "--no-report",
            "--no-database",
        ],
    )
    assert result.exit_code == 0, result.output
    pnl = pd.read_parquet(tmp_path / "out" / "customer_summary.parquet")
    # every activity row is costed at 1 per minute (6,000 / 6,000): sales and service cost =
    # the minutes of the example's activities, 20 each except site_visit's own 100, and
    # call_center's 20 (its quantity has no minutes_per_unit yet)
    acts = pd.read_csv(bare / "activities.csv")
    minutes = acts["minutes"].fillna(20).sum()
    costed = pnl[["acquisition_cost", "sales_cost", "service_cost"]].to_numpy().sum()
    usage = pd.read_parquet(tmp_path / "out" / "resource_usage.parquet")
    assert costed + usage["pursuit_cost"].sum() == pytest.approx(minutes, abs=1e-6)


def test_init_never_overwrites(tiny):
    before = (tiny / "costmodel.yaml").read_text()
    result = runner.invoke(app, ["init", str(tiny)])
    assert result.exit_code == 2
    assert "already exists" in result.output and "never overwrites" in " ".join(
        result.output.split()
    )
    assert (tiny / "costmodel.yaml").read_text() == before


def test_init_needs_a_data_folder(tmp_path):
    result = runner.invoke(app, ["init", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "not a folder" in " ".join(result.output.split())
