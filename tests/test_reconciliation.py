"""The reconciliation adds up sums computed apart, so it fails when the allocation is wrong."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from profitlens.pipeline import stages
from profitlens.report.headline import reconciled

AS_OF = dt.date(2026, 3, 31)


def _outputs(out):
    return {
        name: pd.read_parquet(out / f"{name}.parquet")
        for name in ("customer_summary", "reconciliation", "resource_usage")
    }


def test_the_worked_example_reconciles_to_the_cent(tiny, tmp_path):
    stages.run(tiny, tmp_path / "out", as_of=AS_OF, database=False)
    t = _outputs(tmp_path / "out")
    recon = t["reconciliation"].set_index(["resource", "period"])
    assert recon["gap"].abs().max() < 0.005 and len(recon) == 12
    # ops_team in 2026-01: 1,000 of cost, 1,000 minutes; order handling of INV1 (2 lines: 5 + 2
    # x 2 = 9 minutes) and INV2 (1 line: 7 minutes) = 16 minutes at 1 EUR, 984 unused
    ops = recon.loc[("ops_team", "2026-01")]
    assert (ops.charged_to_customers, ops.pursuit_cost, ops.unused_capacity) == (16.0, 0.0, 984.0)
    assert reconciled(t["customer_summary"], t["reconciliation"])


def test_an_allocation_that_loses_a_charge_does_not_reconcile(tiny, tmp_path, monkeypatch):
    # a bug that drops the order handling of one invoice from the customers' charges: the P&L
    # and the trace lose it, resource_usage still counts its minutes
    real = stages.cost_trace

    def lossy(charged, rates, model):
        trace = real(charged, rates, model)
        return trace.filter(~((trace.activity == "order_handling") & (trace.customer_id == "B")))

    monkeypatch.setattr(stages, "cost_trace", lossy)
    stages.run(tiny, tmp_path / "out", as_of=AS_OF, database=False)
    t = _outputs(tmp_path / "out")
    recon = t["reconciliation"].set_index(["resource", "period"])
    assert recon.loc[("ops_team", "2026-01"), "gap"] == -7.0  # INV2's 7 minutes at 1 EUR
    assert not reconciled(t["customer_summary"], t["reconciliation"])
