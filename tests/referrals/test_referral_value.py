"""Referral value on a hand-computed example, the value quadrant and the referral graph."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd
import pytest

from profitlens.referral_graph import cyclic_referred, referral_chains
from profitlens.referrals.value import (
    customer_referral_value,
    referral_summary,
    referred_values,
    value_quadrants,
)

SUMMARY = pd.DataFrame(
    {
        "customer_id": ["A", "B", "C", "D", "E", "F", "G"],
        "segment": ["x", "x", "y", "x", "y", "x", None],
        "profit": [100.0, 50.0, -20.0, 0.0, 10.0, 5.0, 8.0],
        "acquisition_cost": [0.0, 40.0, 10.0, 60.0, 30.0, 20.0, 99.0],
    }
)
REFERRALS = pd.DataFrame({"referrer_id": ["A", "A", "B", "E"], "referred_id": ["B", "C", "D", "G"]})
CLV = pd.DataFrame({"customer_id": ["B", "D"], "clv_profit": [200.0, 30.0]})


def values(attribution=0.4):
    summary = ibis.memtable(SUMMARY)
    refs = ibis.memtable(REFERRALS)
    clv = ibis.memtable(CLV)
    return referred_values(refs, summary, clv, attribution)


def test_referral_value_by_hand():
    got = customer_referral_value(values()).execute().set_index("customer_id")
    # not won by referral: A, E, F (D, B, C, G were referred)
    # segment x: A 0, F 20 -> 10;  y: E 30 -> 30;  every one: (0 + 30 + 20) / 3
    x, y, overall = 10.0, 30.0, 50.0 / 3
    a = 0.4
    assert got.loc["A", "referral_value"] == pytest.approx(
        a * (50 + 200) + (1 - a) * x + a * (-20 + 0) + (1 - a) * y
    )  # 116 + 0.6*40
    assert got.loc["B", "referral_value"] == pytest.approx(a * (0 + 30) + (1 - a) * x)
    # G has no segment: no customer of its "segment" was won otherwise -> the overall mean
    assert got.loc["E", "referral_value"] == pytest.approx(a * 8 + (1 - a) * overall)
    assert got.loc["A", "referrals_made"] == 2
    assert set(got.index) == {"A", "B", "E"}


def test_attribution_one_credits_all_profit_and_no_acquisition():
    got = customer_referral_value(values(1.0)).execute().set_index("customer_id")
    assert got.loc["A", "referral_value"] == pytest.approx(250 - 20)


def test_summary_columns_and_quadrants():
    by_referrer = customer_referral_value(values()).execute()
    out = referral_summary(SUMMARY[["customer_id", "profit"]], by_referrer, CLV)
    out = out.set_index("customer_id")
    assert out.loc["F", "referral_value"] == 0.0 and out.loc["F", "referrals_made"] == 0
    # lifetime value = clv_profit (0 when none): median 0; referral value median 0
    assert out.loc["B", "value_quadrant"] == "champion"  # clv 200, referrals 18
    assert out.loc["D", "value_quadrant"] == "affluent"  # clv 30, no referrals
    assert out.loc["A", "value_quadrant"] == "advocate"  # no clv, referrals
    assert out.loc["F", "value_quadrant"] == "miser"


def test_quadrants_split_at_the_medians():
    lv = [1, 2, 3, 4]
    rv = [4, 3, 2, 1]
    assert value_quadrants(lv, rv).tolist() == ["advocate", "advocate", "affluent", "affluent"]
    assert value_quadrants([], []).tolist() == []


def test_cycles_and_self_referrals_are_found():
    referrer = np.array(["A", "B", "C", "D", "E", "X"])
    referred = np.array(["B", "C", "A", "E", "F", "X"])
    assert cyclic_referred(referrer, referred).tolist() == ["A", "B", "C", "X"]
    assert cyclic_referred(np.array(["A"]), np.array(["B"])).tolist() == []


def test_chains_depth_and_size():
    chains = referral_chains(["A", "B", "B", "C", "Z"], ["B", "C", "D", "E", "Y"])
    chains = chains.set_index("customer_id")
    assert chains.loc["E", "depth"] == 3 and chains.loc["E", "root_id"] == "A"
    assert chains.loc["B", "direct_referrals"] == 2 and chains.loc["B", "chain_referrals"] == 3
    assert chains.loc["A", "chain_referrals"] == 4
    assert chains.loc["Y", "referrer_id"] == "Z" and chains.loc["Z", "depth"] == 0
