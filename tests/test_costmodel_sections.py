"""The analyses' sections of costmodel.yaml (credit:, trends:) change the results they name."""

from __future__ import annotations

import pandas as pd
import yaml

from profitlens.pipeline.stages import run


def _run(tiny, tmp_path, name, **sections):
    model = yaml.safe_load((tiny / "costmodel.yaml").read_text())
    (tiny / "costmodel.yaml").write_text(yaml.safe_dump({**model, **sections}))
    out = tmp_path / name
    run(tiny, out, as_of=pd.Timestamp("2026-03-31").date(), database=False)
    return out


def test_credit_settings_change_the_aging_and_the_liabilities(tiny, tmp_path):
    # INV3 (customer A) is due 2026-03-12 with 1,000 open on 2026-03-31: 19 days past due
    default = _run(tiny, tmp_path, "default")
    inv3 = pd.read_csv(default / "receivables.csv").set_index("invoice_id").loc["INV3"]
    assert (inv3.days_past_due, inv3.bucket) == (19, "1-30")
    assert not pd.read_csv(default / "customer_credit.csv").set_index("customer_id").liability["A"]

    strict = _run(
        tiny, tmp_path, "strict", credit={"bucket_edges": [0, 10], "overdue_days_limit": 10}
    )
    assert (
        pd.read_csv(strict / "receivables.csv").set_index("invoice_id").bucket["INV3"] == "over 10"
    )
    credit = pd.read_csv(strict / "customer_credit.csv").set_index("customer_id")
    assert credit.liability["A"] and "overdue" in credit.liability_reasons["A"]


def test_trend_settings_change_the_rolling_profit(tiny, tmp_path):
    out = _run(tiny, tmp_path, "window1", trends={"window": 1})
    pnl = pd.read_csv(out / "customer_pnl.csv")
    march = pnl[pnl.period == "2026-03"].set_index("customer_id").profit
    trends = pd.read_csv(out / "customer_trends.csv").set_index("customer_id")
    # a one-period window: the rolling profit is the as-of month's profit alone (0 without one)
    expected = march.reindex(trends.index, fill_value=0.0)
    assert trends.rolling_profit.round(6).equals(expected.round(6))
    assert trends.rolling_profit["A"] != pnl[pnl.customer_id == "A"].profit.sum()
