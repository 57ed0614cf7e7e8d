"""cost_trace: the activity-level costing behind every activity-costed P&L line."""

from __future__ import annotations

import pandas as pd
import pytest
from companies import random_company, write_company

from profitlens.intermediate.activity_costs import ACTIVITY_LINES
from profitlens.pipeline.stages import run

KEY = ["customer_id", "period", "line"]


@pytest.fixture(scope="module", params=[(3, "month"), (11, "quarter"), (29, "month")])
def outputs(request, tmp_path_factory):
    seed, period = request.param
    data, model, as_of = random_company(seed, period=period)
    folder = tmp_path_factory.mktemp(f"trace{seed}")
    run(write_company(folder / "data", data, model), folder / "out", as_of=as_of, database=False)
    return {
        name: pd.read_parquet(folder / "out" / f"{name}.parquet")
        for name in ("cost_trace", "customer_pnl", "resource_usage")
    }


def test_trace_adds_up_to_every_activity_costed_line(outputs):
    trace, pnl = outputs["cost_trace"], outputs["customer_pnl"]
    assert len(trace) >= 5 and trace["line"].nunique() >= 2
    sums = trace.groupby(KEY)["cost"].sum()
    lines = pnl.melt(
        id_vars=["customer_id", "period"],
        value_vars=list(ACTIVITY_LINES),
        var_name="line",
        value_name="amount",
    ).set_index(KEY)["amount"]
    both = pd.concat([sums.rename("trace"), lines], axis=1).fillna(0.0)
    # the rounding rule: each trace cost is written to the millionth, so a line's rows add up
    # within half a millionth per row of the P&L amount (itself to the millionth)
    rows = trace.groupby(KEY).size().reindex(both.index).fillna(0)
    assert ((both["trace"] - both["amount"]).abs() <= 0.5e-6 * (rows + 1) + 1e-9).all()
    assert set(trace["line"]) <= set(ACTIVITY_LINES)


def test_each_row_is_minutes_times_the_resources_cost_per_minute(outputs):
    trace, usage = outputs["cost_trace"], outputs["resource_usage"]
    # cost is minutes x the unrounded rate; cost_per_minute is written to the millionth
    gap = (trace["cost"] - trace["minutes"] * trace["cost_per_minute"]).abs()
    assert (gap <= trace["minutes"] * 0.5e-6 + 1e-6).all()
    rates = usage.assign(rate=usage["cost"] / usage["capacity_minutes"]).set_index(
        ["resource", "period"]
    )["rate"]
    expected = rates.reindex(pd.MultiIndex.from_frame(trace[["resource", "period"]]))
    assert (trace["cost_per_minute"].to_numpy() - expected.to_numpy()).max() <= 1e-6


def test_trace_is_what_each_resource_charged_to_customers(outputs):
    trace, usage = outputs["cost_trace"], outputs["resource_usage"]
    charged = trace.groupby(["resource", "period"])["cost"].sum()
    customer_cost = usage.set_index(["resource", "period"])["customer_cost"]
    both = pd.concat([charged, customer_cost], axis=1).fillna(0.0)
    assert (both["cost"] - both["customer_cost"]).abs().max() < 0.005
