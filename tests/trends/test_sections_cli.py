"""Report section data and the `profitlens trends` command."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import typer
from trends_builders import pnl_rows
from typer.testing import CliRunner

from profitlens.cli.app import user_errors
from profitlens.cli.trends import trends
from profitlens.trends.sections import (
    early_warning_list,
    first_rows,
    over_periods,
    portfolio_profit_by_period,
    profit_bridge,
)


def trends_frame() -> pd.DataFrame:
    rows = []
    for cid, seg, status, risk, parts in (
        ("A", "smb", "turned_unprofitable", 900.0, {"service": -700.0, "volume": -100.0}),
        ("B", "smb", "declining", 50.0, {"price_mix": -60.0}),
        ("C", "ent", "profitable", 0.0, {"volume": 200.0, "credit": -20.0}),
        ("D", "ent", "declining", 900.0, {"credit": -300.0}),
    ):
        row = {
            "customer_id": cid,
            "segment": seg,
            "status": status,
            "turn_period": "2025-03" if status == "turned_unprofitable" else None,
            "profit_at_risk": risk,
            "main_driver": min(parts, key=parts.get),
            "attention_flag": cid == "A",
            "profit_prior": 1000.0,
            "forecast_1": 10.0,
            "forecast_2": 20.0,
            "forecast_3": 30.0,
        }
        for p in (
            "volume",
            "price_mix",
            "commission",
            "acquisition",
            "sales",
            "service",
            "fulfilment",
            "credit",
            "referral",
        ):
            row[f"change_{p}"] = parts.get(p, 0.0)
        row["profit_recent"] = 1000.0 + sum(parts.values())
        rows.append(row)
    return pd.DataFrame(rows)


def test_portfolio_profit_by_period():
    pnl = pnl_rows(
        [
            {"customer_id": "A", "period": "2025-01", "revenue": 100, "cogs": 40},
            {"customer_id": "B", "period": "2025-01", "service_cost": 30},
            {"customer_id": "A", "period": "2025-03", "revenue": 50},
        ]
    )
    out = portfolio_profit_by_period(pnl, ["2025-01", "2025-02", "2025-03"])
    assert out.period.tolist() == ["2025-01", "2025-02", "2025-03"]
    assert out.profit.tolist() == [30.0, 0.0, 50.0]
    assert out.customers.tolist() == [2, 0, 1]
    assert out.unprofitable_customers.tolist() == [1, 0, 0]


def test_over_periods_and_fewer_lines():
    pnl = pnl_rows(
        [
            {"customer_id": "A", "period": "2025-01", "revenue": 100, "cogs": 40},
            {"customer_id": "A", "period": "2025-03", "revenue": 50},
        ]
    )
    present = portfolio_profit_by_period(pnl, lines=["revenue", "profit"])
    assert present.columns.tolist() == [
        "period",
        "revenue",
        "profit",
        "customers",
        "unprofitable_customers",
    ]
    out = over_periods(present, ["2025-01", "2025-02", "2025-03"])
    pd.testing.assert_frame_equal(
        out,
        portfolio_profit_by_period(
            pnl, ["2025-01", "2025-02", "2025-03"], lines=["revenue", "profit"]
        ),
    )
    assert out.customers.tolist() == [1, 0, 1]


def test_first_rows_equal_sorting_everything():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "key": rng.integers(0, 5, 200).astype(float),
            "id": [f"C{i:03d}" for i in rng.permutation(200)],
        }
    )
    frame.loc[rng.choice(200, 20, replace=False), "key"] = np.nan
    for n in (0, 1, 7, 150, 190, 250):
        for ascending in ([True, True], [False, True]):
            want = frame.sort_values(["key", "id"], ascending=ascending).head(n)
            pd.testing.assert_frame_equal(first_rows(frame, n, ["key", "id"], ascending), want)


def test_profit_bridge_portfolio_and_segments():
    t = trends_frame()
    b = profit_bridge(t)
    assert b.step.tolist()[0] == "prior" and b.step.tolist()[-1] == "recent"
    assert b.amount.iloc[0] == 4000.0
    parts = b[b.kind == "part"]
    assert parts.amount.sum() == pytest.approx(b.amount.iloc[-1] - b.amount.iloc[0])
    assert b.set_index("step").loc["service", "amount"] == -700.0
    assert b.running.iloc[-2] == pytest.approx(b.amount.iloc[-1])
    seg = profit_bridge(t, by_segment=True)
    assert set(seg.segment) == {"smb", "ent"}
    smb = seg[seg.segment == "smb"].set_index("step")
    assert smb.loc["recent", "amount"] - smb.loc["prior", "amount"] == pytest.approx(-860.0)


def test_early_warning_list_order():
    out = early_warning_list(trends_frame(), top=2)
    assert out.customer_id.tolist() == ["A", "D"]  # ties by customer_id
    assert out["rank"].tolist() == [1, 2]
    assert out.forecast_next.tolist() == [60.0, 60.0]
    assert early_warning_list(trends_frame(), top=None).customer_id.tolist() == ["A", "D", "B"]


def test_early_warning_list_is_the_sorted_at_risk_rows():
    rng = np.random.default_rng(3)
    frame = pd.concat([trends_frame()] * 50, ignore_index=True)
    frame["customer_id"] = [f"C{i:03d}" for i in rng.permutation(len(frame))]
    frame["profit_at_risk"] = rng.choice([0.0, -1.0, 5.0, 7.5, np.nan], len(frame))
    at_risk = frame[frame["profit_at_risk"] > 0].sort_values(
        ["profit_at_risk", "customer_id"], ascending=[False, True]
    )
    for top in (1, 20, len(at_risk), len(frame), None):
        got = early_warning_list(frame, top=top)
        assert got.customer_id.tolist() == at_risk.customer_id.head(top).tolist()


@pytest.fixture
def cli():
    app = typer.Typer()
    app.command()(user_errors(trends))
    return app


def test_cli_lists_customers_most_at_risk_first(tmp_path, cli):
    trends_frame().to_parquet(tmp_path / "customer_trends.parquet")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, [str(tmp_path), "--top", "2"])
    assert result.exit_code == 0, result.output
    assert "top 2 of 3" in result.output
    assert result.output.index("service") < result.output.index("credit")
    filtered = CliRunner(env={"COLUMNS": "200"}).invoke(
        cli, [str(tmp_path), "--status", "declining"]
    )
    assert filtered.exit_code == 0
    assert "price_mix" in filtered.output and "service" not in filtered.output


def test_cli_errors_are_messages(tmp_path, cli):
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, [str(tmp_path)])
    assert result.exit_code == 2
    assert "customer_trends.parquet not found" in result.output.replace("\n", "")
    trends_frame().to_parquet(tmp_path / "customer_trends.parquet")
    result = CliRunner(env={"COLUMNS": "200"}).invoke(cli, [str(tmp_path), "--status", "lost"])
    assert result.exit_code == 2 and "unknown status" in result.output
    empty = CliRunner(env={"COLUMNS": "200"}).invoke(cli, [str(tmp_path), "--segment", "nope"])
    assert empty.exit_code == 0 and "No customer has profit at risk" in empty.output
