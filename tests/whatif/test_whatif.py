"""``profitlens whatif``: exact changes on the worked example and the decisions company."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.errors import ScenarioError
from profitlens.pipeline.stages import run
from profitlens.whatif import run_whatif

sys.path.insert(0, str(Path(__file__).parents[1] / "decisions"))
from decision_company import write_company

AS_OF = dt.date(2026, 3, 31)


def whatif(data, tmp_path, text: str, name="s"):
    scenario = tmp_path / f"{name}.yaml"
    scenario.write_text(text)
    out = tmp_path / f"{name}-out"
    run_whatif(data, scenario, out, as_of=AS_OF)
    comparison = pd.read_csv(out / "scenario_comparison.csv", dtype={"customer_id": str})
    totals = pd.read_csv(out / "scenario_totals.csv").set_index("line")
    return comparison.set_index("customer_id"), totals


@pytest.fixture
def base(tiny, tmp_path):
    run(tiny, tmp_path / "base", as_of=AS_OF, report=False, database=False)
    return pd.read_csv(
        tmp_path / "base" / "customer_summary.csv", dtype={"customer_id": str}
    ).set_index("customer_id")


def test_an_empty_scenario_changes_nothing_exactly(tiny, tmp_path, base):
    comparison, totals = whatif(tiny, tmp_path, "")
    assert (comparison.drop(columns=["base_profit", "scenario_profit"]) == 0).all().all()
    assert (totals["change"] == 0).all()
    assert (totals["base"] == totals["scenario"]).all()
    assert comparison["base_profit"].to_dict() == base["profit"].to_dict()
    assert len(totals) == 12 and "unused_capacity" in totals.index


def test_doubling_a_resources_cost_doubles_the_service_cost_of_its_users(tiny, tmp_path, base):
    comparison, totals = whatif(tiny, tmp_path, "resources: {support_team: {cost: 6000}}\n")
    assert base["service_cost"].gt(0).any()
    for customer, cost in base["service_cost"].items():  # change = the cost once more
        assert comparison.loc[customer, "service_cost_change"] == pytest.approx(cost, abs=1e-6)
    assert totals.loc["service_cost", "scenario"] == pytest.approx(
        2 * totals.loc["service_cost", "base"], abs=1e-6
    )
    assert totals.loc["sales_cost", "change"] == 0


def test_a_ten_percent_price_rise_raises_revenue_by_ten_percent(tiny, tmp_path, base):
    comparison, totals = whatif(tiny, tmp_path, "price_change: {default: 0.1}\n")
    for customer, revenue in base["revenue"].items():
        assert comparison.loc[customer, "revenue_change"] == pytest.approx(0.1 * revenue, abs=1e-6)
    assert totals.loc["revenue", "scenario"] == pytest.approx(
        1.1 * totals.loc["revenue", "base"], abs=1e-6
    )
    assert totals.loc["cogs", "change"] == 0


def test_a_price_change_by_segment(tiny, tmp_path, base):
    comparison, _ = whatif(tiny, tmp_path, "price_change: {by_segment: {smb: 0.2}}\n")
    assert comparison.loc["A", "revenue_change"] == 0  # enterprise
    assert comparison.loc["B", "revenue_change"] == pytest.approx(0.2 * base.loc["B", "revenue"])


def test_ending_customers_frees_only_reducible_capacity(tmp_path):
    data = write_company(tmp_path / "data")
    comparison, totals = whatif(data, tmp_path, "end_customers: [L, F]\n")
    # L: 3 months x 2 tickets x 60 min on the reducible team, cut with it;
    # F: 3 months x 2 desk x 60 min on the lease, which keeps its cost: 360 more unused
    assert totals.loc["unused_capacity", "change"] == pytest.approx(360.0)
    assert comparison.loc["L", "base_profit"] == pytest.approx(-345.0)
    assert comparison.loc["L", "scenario_profit"] == 0
    assert comparison.loc["F", "change"] == pytest.approx(345.0)
    others = comparison.drop(index=["L", "F"])
    assert (others["change"] == 0).all()  # the same cost per minute
    assert totals.loc["profit", "change"] == pytest.approx(690.0)


@pytest.mark.parametrize(
    "text, message",
    [
        ("bogus: 1\n", "unknown key 'bogus'"),
        ("resources: {support_team: {costs: 1}}\n", "resources.support_team: unknown key .costs."),
        ("end_customers: [A, NOBODY]\n", "unknown customer 'NOBODY'"),
        ("price_change: {default: -2}\n", "price_change.default"),
    ],
)
def test_a_bad_scenario_is_one_clear_message(tiny, tmp_path, text, message):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text)
    with pytest.raises(ScenarioError, match=message.replace("(", r"\(")):
        run_whatif(tiny, scenario, tmp_path / "out", as_of=AS_OF)
    result = CliRunner().invoke(
        app, ["whatif", str(tiny), str(scenario), "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "Traceback" not in result.output
