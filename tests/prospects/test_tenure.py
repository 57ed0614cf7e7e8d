"""The tenure correction: cohort profits by month of tenure, and their difference from the
constant-rate value, checked by hand."""

from __future__ import annotations

import datetime as dt

import ibis
import numpy as np
import pandas as pd
import pytest

from profitlens.prospects.tenure import ALL, NO_GROUP, cohort_profits, tenure_correction


def test_cohort_profits_by_hand():
    customers = ibis.memtable(
        {
            "customer_id": ["C1", "C2", "C3", "C4"],
            "segment": ["a", "a", None, "a"],
            "acquired_on": [
                dt.date(2025, 1, 15),
                dt.date(2025, 3, 2),
                dt.date(2025, 2, 1),
                dt.date(2025, 5, 1),  # after the as-of date: not a customer yet
            ],
        }
    )
    pnl = ibis.memtable(
        {
            "customer_id": ["C1", "C1", "C1", "C2", "C3"],
            "period": ["2025-01", "2025-02", "2025-04", "2025-04", "2025-02"],
            "profit": [50.0, 10.0, -5.0, 7.0, 3.0],
            "acquisition_cost": [-20.0, 0.0, 0.0, 0.0, 1.0],
            "referral_cost": [0.0, 0.0, 0.0, 0.0, 2.0],  # C3's reward: not a cost of serving it
        }
    )
    got = cohort_profits(pnl, customers, dt.date(2025, 4, 30)).set_index(["group", "tenure"])
    # C1 (Jan) has reached tenure months 0..3, C2 (Mar) 0..1, C3 (Feb, no segment) 0..2;
    # profit before acquisition cost: C1 30 in month 0, 10 in 1, -5 in 3; C2 7 in month 1
    assert got.loc[("a", 0)].tolist() == [2, 30.0]
    assert got.loc[("a", 1)].tolist() == [2, 17.0]
    assert got.loc[("a", 2)].tolist() == [1, 0.0]
    assert got.loc[("a", 3)].tolist() == [1, -5.0]
    assert got.loc[(NO_GROUP, 0)].tolist() == [1, 6.0]
    assert len(got) == 4 + 3


def values(**columns):
    base = {"group": ["a"], "first_margin": [0.0], "profit_rate": [10.0], "hazard": [0.0]}
    return pd.DataFrame(base | {"months": [2.0]} | columns)


def test_correction_by_hand():
    cohorts = pd.DataFrame(
        {
            "group": ["a"] * 4,
            "tenure": [0, 1, 2, 3],
            "customers": [40, 40, 40, 10],  # month 3: too few customers to correct
            "profit": [200.0, 400.0, 200.0, -1000.0],
        }
    )
    d = 1.1 ** (-np.arange(4) / 12)
    # cohort: 5, 10, 5 a customer in months 0..2; the constant rate: first margin 0, then
    # 10 x (S(m-1) + S(m)) / 2 with S(t) = exp(-0.1 t)
    s = np.exp(-0.1 * np.arange(4))
    level = [0.0, 10 * (s[0] + s[1]) / 2, 10 * (s[1] + s[2]) / 2]
    expected = sum(d[m] * (c - level[m]) for m, c in enumerate([5.0, 10.0, 5.0]))
    got = tenure_correction(cohorts, values(hazard=[0.1]), 0.10, 36)
    assert got["a"] == pytest.approx(expected)
    assert got[ALL] == pytest.approx(expected)  # all customers: the same ones here
    # a horizon of one month corrects months 0 and 1 only
    short = tenure_correction(cohorts, values(hazard=[0.1]), 0.10, 1)["a"]
    assert short == pytest.approx(sum(d[m] * (c - level[m]) for m, c in enumerate([5.0, 10.0])))


def test_correction_weights_the_rates_by_months():
    cohorts = pd.DataFrame(
        {"group": ["a"] * 2, "tenure": [0, 1], "customers": [50, 50], "profit": [0.0, 0.0]}
    )
    rows = pd.DataFrame(
        {
            "group": ["a", "a"],
            "first_margin": [4.0, 0.0],
            "profit_rate": [10.0, 40.0],
            "hazard": [0.0, 0.0],
            "months": [3.0, 1.0],
        }
    )
    # first margin 2 on average; rate (3 x 10 + 1 x 40) / 4 = 17.5; no discounting
    assert tenure_correction(cohorts, rows, 0.0, 36)["a"] == pytest.approx(-(2.0 + 17.5))


def test_customers_won_before_the_pnl_starts_are_left_out():
    # an extract of 2025 of a company whose customers were won in 2020 (and one in 2025):
    # their tenure months 0..59 are not in the data and must not count as months of no profit
    old = [f"O{i}" for i in range(40)]
    customers = ibis.memtable(
        {
            "customer_id": [*old, "N1"],
            "segment": ["a"] * 41,
            "acquired_on": [dt.date(2020, 1, 10)] * 40 + [dt.date(2025, 2, 3)],
        }
    )
    months = [f"2025-{m:02d}" for m in range(1, 7)]
    ids = [c for c in old for _ in months] + ["N1"] * 5
    pnl = ibis.memtable(
        {
            "customer_id": ids,
            "period": months * 40 + months[1:],
            "profit": [100.0] * len(ids),
            "acquisition_cost": [0.0] * len(ids),
            "referral_cost": [0.0] * len(ids),
        }
    )
    got = cohort_profits(pnl, customers, dt.date(2025, 6, 30))
    # only N1 (won in February) is followed: tenure months 0..4, 100 each
    assert got["customers"].tolist() == [1] * 5
    assert got["profit"].tolist() == [100.0] * 5


def test_customers_without_a_segment_do_not_replace_the_correction_over_all():
    cohorts = pd.DataFrame(
        {
            "group": ["a", "a", NO_GROUP, NO_GROUP],
            "tenure": [0, 1, 0, 1],
            "customers": [40, 40, 40, 40],
            "profit": [0.0, 4000.0, 0.0, -2000.0],
        }
    )
    rows = pd.DataFrame(
        {
            "group": ["a", NO_GROUP],
            "first_margin": [0.0, 0.0],
            "profit_rate": [0.0, 0.0],
            "hazard": [0.0, 0.0],
            "months": [1.0, 1.0],
        }
    )
    got = tenure_correction(cohorts, rows, 0.0, 36)
    # a: 100 a customer in month 1; no segment: -50; all 80 customers: (4000 - 2000) / 80
    assert got["a"] == pytest.approx(100.0)
    assert got[NO_GROUP] == pytest.approx(-50.0)
    assert got[ALL] == pytest.approx(25.0)
