"""On a generated company, the planted advocates have the highest referral values."""

from __future__ import annotations

import pandas as pd
import pytest

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run


@pytest.mark.slow
def test_advocates_rank_in_the_top_decile_and_are_seldom_ended(tmp_path):
    company = generate_company(tmp_path / "data", customers=3000, months=24, seed=11)
    run(company.out_dir, tmp_path / "out", report=False, database=False)
    summary = pd.read_parquet(tmp_path / "out" / "customer_summary.parquet")
    summary = summary.set_index("customer_id")
    heavy = pd.read_parquet(company.out_dir / "truth" / "heavy_referrers.parquet")
    heavy = heavy.set_index("customer_id")
    # the referral value follows the planted value of the customers a heavy referrer brought
    referred = heavy.index[heavy["referrals"] > 0]
    planted = heavy.loc[referred, "referred_value"]
    assert planted.corr(summary.loc[referred, "referral_value"], method="spearman") > 0.6
    advocates = heavy.index[heavy["advocate"]]
    rank = summary["referral_value"].rank(ascending=False, method="max")
    top = rank.loc[advocates] <= 0.1 * len(summary)
    assert len(advocates) >= 25
    assert top.mean() >= 0.85
    chosen = summary.loc[advocates[top.to_numpy()], "recommendation"]
    assert (chosen == "end").mean() <= 0.15
