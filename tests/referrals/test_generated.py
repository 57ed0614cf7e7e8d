"""On a generated company, the planted heavy referrers have the highest referral values."""

from __future__ import annotations

import pandas as pd
import pytest

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run


@pytest.mark.slow
def test_heavy_referrers_rank_in_the_top_decile_and_are_seldom_ended(tmp_path):
    company = generate_company(tmp_path / "data", customers=3000, months=24, seed=11)
    run(company.out_dir, tmp_path / "out", report=False, database=False)
    summary = pd.read_parquet(tmp_path / "out" / "customer_summary.parquet")
    heavy = pd.read_parquet(company.out_dir / "truth" / "heavy_referrers.parquet")
    referred = heavy.loc[heavy["referrals"] > 0, "customer_id"]
    rank = summary.set_index("customer_id")["referral_value"].rank(ascending=False, method="max")
    top = rank.loc[referred] <= 0.1 * len(summary)
    assert len(referred) >= 30
    assert top.mean() >= 0.75
    chosen = summary.set_index("customer_id").loc[referred[top.to_numpy()], "recommendation"]
    assert (chosen == "end").mean() <= 0.15
