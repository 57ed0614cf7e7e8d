"""Decisions on a hand-built company (tests/decisions/company.py): every NPV worked out."""

from __future__ import annotations

import pandas as pd
import pytest
from decision_company import AS_OF, write_company
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.pipeline.stages import run

A = 36.0  # discount rate 0, no lifetime-value model: the whole 36-month horizon


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    base = tmp_path_factory.mktemp("decisions")
    folder = base / "out"
    run(write_company(base / "data"), folder, as_of=pd.Timestamp(AS_OF).date())
    summary = pd.read_csv(folder / "customer_summary.csv", dtype={"customer_id": str})
    decisions = pd.read_csv(folder / "decisions.csv", dtype={"customer_id": str})
    return summary.set_index("customer_id"), decisions.set_index(["customer_id", "option"]), folder


def test_a_profitable_customer_is_kept(out):
    summary, decisions, _ = out
    assert summary.loc["P", "recommendation"] == "keep"
    assert summary.loc["Q", "recommendation"] == "keep"
    assert decisions.loc[("P", "keep"), "npv"] == pytest.approx(A * 440)
    assert decisions.loc[("P", "keep"), "monthly_profit"] == pytest.approx(440)
    assert summary.loc["P", "recommendation_reason"] == "earns 440 a month"


def test_ending_is_recommended_when_nothing_speaks_for_it(out):
    summary, decisions, _ = out
    assert summary.loc["L", "recommendation"] == "end"
    end = decisions.loc[("L", "end")]
    assert end["npv"] == pytest.approx(0.0)
    assert end["contribution_lost"] == pytest.approx(A * 5)
    assert end["reducible_cost_saved"] == pytest.approx(A * 120)
    assert end["non_reducible_cost_kept"] == pytest.approx(0.0)
    assert decisions.loc[("L", "keep"), "npv"] == pytest.approx(-A * 115)
    # 115 / 10 = a 1150% rise would break even: no reprice up to 50%
    assert decisions.loc[("L", "reprice"), "price_change"] == pytest.approx(11.5)
    assert pd.isna(decisions.loc[("L", "reprice"), "npv"])
    assert summary.loc["L", "recommendation_reason"] == (
        "loses 115 a month, mostly through service (120 a month); no referrals; "
        "no price rise up to 50% breaks even"
    )


def test_ending_saves_nothing_when_the_capacity_is_not_reducible(out):
    summary, decisions, _ = out
    assert summary.loc["F", "recommendation"] == "keep"
    end = decisions.loc[("F", "end")]
    assert end["reducible_cost_saved"] == pytest.approx(0.0)
    assert end["non_reducible_cost_kept"] == pytest.approx(A * 120)
    assert end["npv"] == pytest.approx(-A * 120)  # the lease is paid, unused
    assert decisions.loc[("F", "keep"), "npv"] == pytest.approx(-A * 115)
    assert "resources that are not reduced" in summary.loc["F", "recommendation_reason"]


def test_ending_is_not_recommended_when_referral_value_exceeds_the_losses(out):
    summary, decisions, _ = out
    # R referred Q: 0.5 x Q's profit to date (3 x 3000) + 0.5 x acquisition saved (0)
    assert summary.loc["R", "referral_value"] == pytest.approx(4500)
    assert summary.loc["R", "recommendation"] == "keep"
    # the customers it brought (4500) and its referrals to come: 4500 x A / max(4 months, 36)
    assert decisions.loc[("R", "end"), "referral_value_lost"] == pytest.approx(4500 + 4500)
    assert decisions.loc[("R", "end"), "npv"] == pytest.approx(-9000)
    assert decisions.loc[("R", "keep"), "npv"] == pytest.approx(-A * 115)  # -4140
    assert summary.loc["R", "value_quadrant"] == "advocate"


def test_serving_differently_prices_the_substitute_at_the_same_rates(out):
    summary, decisions, _ = out
    assert summary.loc["V", "recommendation"] == "serve_differently"
    row = decisions.loc[("V", "serve_differently")]
    assert row["substitutions"] == "3 visit -> call"
    assert row["monthly_saving"] == pytest.approx(120 - 15)  # 30 min x 0.5 on cheap
    assert row["npv"] == pytest.approx(A * (-70 + 105))


def test_reprice_breaks_even_with_its_churn_risk(out):
    summary, decisions, _ = out
    assert summary.loc["W", "recommendation"] == "reprice"
    row = decisions.loc[("W", "reprice")]
    assert row["price_change"] == pytest.approx(0.02)
    assert row["churn_risk"] == pytest.approx(0.02)
    assert row["npv"] == pytest.approx(0.0)  # break even, or leave (end = 0)
    assert (
        "a 2% price rise breaks even (churn risk 2%)" in summary.loc["W", "recommendation_reason"]
    )


def test_one_row_per_customer_and_option_and_one_recommended(out):
    summary, decisions, _ = out
    counts = decisions.reset_index().groupby("customer_id")
    assert (counts.size() == 4).all()
    assert (counts["recommended"].sum() == 1).all()
    assert len(summary) == 7


def test_the_decisions_command_lists_the_customers_to_act_on(out):
    _, _, folder = out
    result = CliRunner(env={"COLUMNS": "250"}).invoke(app, ["decisions", str(folder)])
    assert result.exit_code == 0, result.output
    assert "keep 4, serve_differently 1, reprice 1, end 1" in result.output
    lines = [line for line in result.output.splitlines() if line.startswith("│")]
    listed = [line.split("│")[1].strip() for line in lines]
    # largest gain over keeping first: L 0 + 4140, V 1260 + 2520, W 0 + 720
    assert [c for c in listed if c] == ["L", "V", "W"]
    bad = CliRunner().invoke(app, ["decisions", str(folder), "--recommendation", "sell"])
    assert bad.exit_code == 2 and "unknown recommendation 'sell'" in bad.output
