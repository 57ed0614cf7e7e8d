"""A referral cycle, a self-referral and a referral to an unknown customer are quarantined."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from test_quarantine import append_rows

from profitlens.pipeline.stages import run


def test_cycles_self_referrals_and_unknown_customers_go_to_quarantine(tiny, tmp_path):
    # tiny has A -> C (row 1); C -> A closes a cycle, so both rows go
    append_rows(
        tiny,
        "referrals",
        [
            {"referrer_id": "B", "referred_id": "B", "referred_on": "2026-02-01"},
            {"referrer_id": "C", "referred_id": "A", "referred_on": "2026-02-01"},
            {"referrer_id": "B", "referred_id": "NOPE", "referred_on": "2026-02-01"},
        ],
    )
    info = run(tiny, tmp_path / "out", as_of=dt.date(2026, 3, 31))
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str)
    q = q[q["table"] == "referrals"]
    reasons = {int(r): reason for r, reason in zip(q["row"], q["reason"])}
    assert reasons[1].startswith("referral cycle: customer C")
    assert reasons[3].startswith("referral cycle: customer A")
    assert reasons[2] == "self-referral: customer B is named as its own referrer"
    assert reasons[4] == "unknown customer NOPE"
    assert info["rows"]["referrals"] == {"read": 4, "used": 0, "quarantined": 4}
    summary = pd.read_csv(tmp_path / "out" / "customer_summary.csv")
    assert (summary["referral_value"] == 0).all()
    assert summary["referral_cost"].sum() == 0
