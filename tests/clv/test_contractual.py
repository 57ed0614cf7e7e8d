"""Contractual customers: contract periods, censored sBG fit, DERL and profit lifetime value."""

import datetime as dt
import math
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from profitlens.clv import (
    contract_periods,
    discounted_expected_residual_lifetime,
    expected_discounted_periods,
    fit_lifetime_value,
)
from profitlens.models import ShiftedBetaGeometric, durations_from_survivors

DATA = Path(__file__).parents[1] / "data" / "cdnow"
D = dt.date


def _customers(rows, with_segment=True):
    df = pd.DataFrame(rows, columns=["customer_id", "segment", "acquired_on", "ended_on"])
    df = df.astype(object).where(df.notna(), None)
    schema = {
        "customer_id": "string",
        "segment": "string",
        "acquired_on": "date",
        "ended_on": "date",
    }
    if not with_segment:
        df, schema = df.drop(columns="segment"), {k: v for k, v in schema.items() if k != "segment"}
    return ibis.memtable(df, schema=schema)


HAND = [
    ("A", "s", D(2024, 1, 15), D(2024, 3, 2)),  # ended in its 3rd month
    ("B", "s", D(2024, 2, 10), None),  # running since February
    ("C", "s", D(2024, 6, 5), D(2024, 7, 10)),  # ends after the as-of date: running
    ("D", "t", D(2024, 1, 1), None),  # segment t records no end: not in cohort
    ("E", None, D(2024, 2, 1), D(2024, 4, 30)),  # no segment: a group of its own
    ("F", None, D(2023, 12, 1), None),
    ("G", "s", D(2024, 7, 1), None),
]  # acquired after the as-of date


def _periods(rows, as_of, period="month", **kw):
    got = contract_periods(_customers(rows, **kw), as_of, period).execute()
    return got.set_index("customer_id").sort_index()


def test_contract_periods_by_hand():
    got = _periods(HAND, "2024-06-30")
    assert list(got.index) == ["A", "B", "C", "E", "F"]
    assert got["periods"].tolist() == [3, 5, 1, 3, 7]  # Jan-Mar, Feb-Jun, Jun, Feb-Apr, Dec-Jun
    assert got["ended"].tolist() == [True, False, False, True, False]
    assert got["duration"].tolist() == [3, 5, 1, 3, 7]  # June 30 closes June: all complete
    assert got.loc["A", "first_period"] == "2024-01" and got.loc["A", "last_period"] == "2024-03"
    assert got.loc["B", "last_period"] == "2024-06"
    # mid-month: the running contracts have not completed June yet
    mid = _periods(HAND, "2024-06-15")
    assert mid["periods"].tolist() == [3, 5, 1, 3, 7]
    assert mid["duration"].tolist() == [3, 4, 0, 3, 6]
    # quarters: A ends in 2024-Q1 (1), B runs Q1..Q2 (2), E Q1..Q2 (2), F 2023-Q4..2024-Q2 (3)
    q = _periods(HAND, "2024-06-30", "quarter")
    assert q["periods"].tolist() == [1, 2, 1, 2, 3]
    assert q.loc["F", "first_period"] == "2023-Q4"
    # before any contract ended there is no cohort; without segments everyone is in it
    assert _periods(HAND, "2024-02-29").empty
    flat = _periods(HAND, "2024-06-30", with_segment=False)
    assert list(flat.index) == ["A", "B", "C", "D", "E", "F"]
    no_column = ibis.memtable(pd.DataFrame({"customer_id": ["A"], "acquired_on": [D(2024, 1, 1)]}))
    assert contract_periods(no_column, "2024-06-30").execute().empty


# ---- DERL: Fader & Hardie (2010), eq. (6) -------------------------------------------------

PUBLISHED = [(0.668, 3.806), (0.704, 1.182)]  # Fader & Hardie (2007): high end, regular


def _sbg(a, b):
    return ShiftedBetaGeometric().set_params_(a=a, b=b)


def _survival(a, b, t):
    """S(t) as the product of the retention rates (b + i - 1) / (a + b + i - 1), i = 1..t."""
    i = np.arange(1, t + 1)
    return np.concatenate([[1.0], np.cumprod((b + i - 1) / (a + b + i - 1))])


@pytest.mark.parametrize("a,b", PUBLISHED + [(3.80, 15.19), (0.05, 200.0), (40.0, 15.0)])
def test_derl_equals_direct_summation(a, b):
    s = _survival(a, b, 2100)
    v = 1 / 1.10
    for n in (0, 1, 4, 12, 60):
        direct = sum(s[t] / s[n] * v ** (t - n - 1) for t in range(n + 1, n + 2001))
        got = float(discounted_expected_residual_lifetime(_sbg(a, b), n, 0.10))
        assert got == pytest.approx(direct, abs=1e-8, rel=1e-10)


@pytest.mark.parametrize("a,b", PUBLISHED)
def test_derl_matches_the_hypergeometric_form_of_the_paper(a, b):
    # eq. (6) with scipy's own 2F1 (fine for these parameters): an independent implementation
    for n in range(0, 8):
        paper = (b + n) / (a + b + n) * hyp2f1(1, b + n + 1, a + b + n + 1, 1 / 1.1)
        got = float(discounted_expected_residual_lifetime(_sbg(a, b), n, 0.10))
        assert got == pytest.approx(paper, rel=1e-10)


def test_derl_of_the_uniform_churn_probability_by_hand():
    # a = b = 1: S(t) = 1 / (1 + t), so DERL(0) = sum_{t>=1} v^(t-1) / (t + 1)
    #          = (-ln(1 - v) - v) / v^2 = (ln 11 - 10/11) * 1.21 = 1.801450...
    expected = (math.log(11) - 10 / 11) * 1.21
    got = float(discounted_expected_residual_lifetime(_sbg(1.0, 1.0), 0, 0.10))
    assert got == pytest.approx(expected, rel=1e-12)
    assert round(got, 5) == 1.80145


def test_expected_discounted_periods_monthly_and_truncated():
    a, b = 0.704, 1.182
    d = 1.1 ** (1 / 12) - 1  # monthly discounting of a 10% annual rate
    v = 1 / (1 + d)
    s = _survival(a, b, 120_100)
    for n in (0, 3, 24):
        terms = s[n : n + 120_000] / s[n] * v ** np.arange(1, 120_001)  # k = 1 .. 120000
        model = _sbg(a, b)
        assert float(expected_discounted_periods(model, n, d)) == pytest.approx(
            terms.sum(), rel=1e-9
        )
        assert float(expected_discounted_periods(model, n, d, horizon=36)) == pytest.approx(
            terms[:36].sum(), rel=1e-10
        )


# ---- censored fit ---------------------------------------------------------------------------


def test_multi_cohort_example_of_fader_hardie_2010():
    # four yearly cohorts of 10,000 observed for 4, 3, 2 and 1 years; the paper's sBG fit
    # is alpha = 3.80, beta = 15.19: one censored customer per survivor of each cohort
    cohorts = [
        [10000, 8000, 6480, 5307, 4391],
        [10000, 8000, 6480, 5307],
        [10000, 8000, 6480],
        [10000, 8000],
    ]
    duration, ended, weight = (
        np.concatenate(x) for x in zip(*[durations_from_survivors(c) for c in cohorts])
    )
    m = ShiftedBetaGeometric().fit(duration, ended, weight)
    assert round(m.params_["a"], 2) == 3.80 and round(m.params_["b"], 2) == 15.19


def test_censored_fit_on_contract_periods_recovers_the_planted_sbg():
    a, b = 0.8, 2.5
    rng = np.random.default_rng(11)
    n = 6000
    start = rng.integers(0, 36, n)  # acquisition month 0..35 of 2022-2024
    lifetime = rng.geometric(rng.beta(a, b, n))  # the month in which the contract ends
    end_month = start + lifetime - 1

    def day(month, dom):
        return D(2022 + month // 12, month % 12 + 1, dom)

    rows = [
        (
            f"K{i:05d}",
            "s",
            day(start[i], 1 + i % 28),
            day(end_month[i], 1 + (7 * i) % 28) if end_month[i] <= 35 else None,
        )
        for i in range(n)
    ]
    periods = contract_periods(_customers(rows), "2024-12-31").execute()
    assert len(periods) == n
    expected_ended = end_month <= 35
    assert int(periods["ended"].sum()) == int(expected_ended.sum())
    got = periods.set_index("customer_id").loc[[r[0] for r in rows]]
    np.testing.assert_array_equal(
        got["duration"].to_numpy(), np.where(expected_ended, lifetime, 36 - start)
    )
    fit = ShiftedBetaGeometric().fit(got["duration"], got["ended"].astype(float))
    for k, planted in (("a", a), ("b", b)):
        assert abs(fit.params_[k] - planted) < 3 * fit.standard_errors_[k], k
        assert fit.standard_errors_[k] < 0.2 * planted


# ---- lifetime value -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow():
    df = pd.read_csv(DATA / "invoice_lines.csv", dtype={"customer_id": str, "invoice_id": str})
    df["invoice_date"] = pd.to_datetime(df["invoice_date"]).dt.date
    lines = ibis.memtable(df[["invoice_id", "customer_id", "invoice_date", "revenue", "cost"]])
    first = df.groupby("customer_id")["invoice_date"].min()
    return lines, first


def test_too_small_cohort_falls_back_to_the_transaction_model(cdnow):
    lines, first = cdnow
    ids = list(first.index[:30])
    rows = [
        (c, "s", first[c], first[c] + dt.timedelta(days=40) if k < 3 else None)
        for k, c in enumerate(ids)
    ]
    result = fit_lifetime_value(
        lines, None, 0.10, as_of="1997-09-30", model="bgnbd", customers=_customers(rows)
    )
    plain = fit_lifetime_value(
        lines, None, 0.10, as_of="1997-09-30", model="bgnbd", contractual="none"
    )
    assert "too small" in result.notes[0] and "3 ended" in result.notes[0]
    assert (result.table["path"] == "bgnbd").all()
    pd.testing.assert_frame_equal(result.table, plain.table)


def test_mixed_book_values_each_customer_by_its_own_path(cdnow):
    lines, first = cdnow
    # segment "c" records contract ends, "n" does not: "n" keeps the transaction values
    ids = list(first.index)
    rows = [
        (
            c,
            "c" if k % 2 else "n",
            first[c],
            first[c] + dt.timedelta(days=35 * (k % 7)) if k % 2 and k % 5 == 0 else None,
        )
        for k, c in enumerate(ids)
    ]
    result = fit_lifetime_value(
        lines, None, 0.10, as_of="1997-09-30", model="bgnbd", customers=_customers(rows)
    )
    plain = fit_lifetime_value(
        lines, None, 0.10, as_of="1997-09-30", model="bgnbd", contractual="none"
    ).table.set_index("customer_id")
    table = result.table.set_index("customer_id")
    contract = {r[0] for r in rows if r[1] == "c"}
    ended = {r[0] for r in rows if r[3] is not None and r[3] <= D(1997, 9, 30)}
    assert set(table.index[table.path == "sbg"]) == contract
    other = table.loc[table.path == "bgnbd"]
    pd.testing.assert_series_equal(other["clv_profit"], plain.loc[other.index, "clv_profit"])
    assert (table.loc[sorted(ended), ["p_alive", "clv_profit", "clv_revenue"]] == 0).all().all()
    running = table.loc[sorted(contract - ended)]
    assert (running["p_alive"] == 1).all() and (running["clv_profit"] > 0).all()
    # expected purchases of a running contract: the transaction forecast given alive
    cid = running.index[0]
    assert running.loc[cid, "expected_purchases_12m"] == pytest.approx(
        plain.loc[cid, "expected_purchases_12m"] / plain.loc[cid, "p_alive"], rel=1e-12
    )


@pytest.fixture(scope="module")
def company(tmp_path_factory):
    from profitlens.clv.cost_to_serve import customer_cost_to_serve
    from profitlens.generate import generate_company
    from profitlens.pipeline.stages import contract_tables, load_data

    folder = tmp_path_factory.mktemp("contract") / "co"
    generate_company(folder, customers=1500, months=24, seed=5)
    # enterprise stops recording contract ends: a segment for the transaction model
    cust = pd.read_parquet(folder / "customers.parquet")
    cust.loc[cust.segment == "enterprise", "ended_on"] = None
    cust.to_parquet(folder / "customers.parquet", index=False)
    staged = load_data(folder)
    pnl = contract_tables(staged).tables["customer_pnl"]
    costs = customer_cost_to_serve(
        pnl, staged.tables["customers"], staged.as_of, staged.model.period
    ).execute()
    for column in ("acquired_on", "ended_on"):
        cust[column] = pd.to_datetime(cust[column])
    lines = pd.read_parquet(folder / "invoice_lines.parquet")
    lines["invoice_date"] = pd.to_datetime(lines["invoice_date"])
    return staged, costs, cust, lines


def test_generated_company_contracts_are_valued_by_the_sbg(company):
    staged, costs, cust, lines = company
    as_of = staged.as_of
    assert as_of == D(2024, 12, 31) and staged.model.period == "month"
    result = fit_lifetime_value(
        staged.tables["invoice_lines"], costs, staged.model.annual_discount_rate, as_of=as_of
    )
    table = result.table.set_index("customer_id")
    assert "valued with the sBG model" in result.notes[0]
    # the cohort by hand: the two segments that record ends, acquired by the as-of date
    cust = cust[cust.acquired_on <= pd.Timestamp(as_of)].set_index("customer_id")
    cohort = cust.index[cust.segment != "enterprise"]
    assert set(table.index[table.path == "sbg"]) == set(cohort)
    assert (
        table.loc[table.index.isin(cust.index[cust.segment == "enterprise"]), "path"] != "sbg"
    ).all()
    ended = cust.index[cust.ended_on.notna() & (cust.segment != "enterprise")]
    assert len(ended) >= 5
    assert (table.loc[ended, ["clv_profit", "clv_revenue", "p_alive"]] == 0).all().all()
    assert (table.loc[cohort.difference(ended), "p_alive"] == 1).all()

    # durations by hand -> the same sBG fit
    c = cust.loc[cohort]
    month = lambda s: s.dt.year * 12 + s.dt.month - 1  # noqa: E731
    last = month(c.ended_on.fillna(pd.Timestamp(as_of)))
    periods = (last - month(c.acquired_on) + 1).clip(lower=1)
    model = ShiftedBetaGeometric().fit(periods, c.ended_on.notna().astype(float))
    for k in ("a", "b"):
        assert result.contractual.model.params_[k] == pytest.approx(model.params_[k], rel=1e-6)
    a, b = model.params_["a"], model.params_["b"]

    # the value of three running contracts by hand
    start = month(pd.Series([lines.invoice_date.min()]))[0]
    exposure = np.minimum(periods, last - start + 1).clip(lower=0)  # ended before the data
    seen = lines[lines.invoice_date <= pd.Timestamp(as_of)]
    money = (
        seen.assign(margin=seen.revenue - seen.cost)
        .groupby("customer_id")[["revenue", "margin"]]
        .sum()
        .reindex(cohort)
        .fillna(0.0)
    )
    cost = costs.set_index("customer_id").reindex(cohort)
    frame = pd.DataFrame(
        {
            "seg": c.segment,
            "n": exposure,
            "revenue": money.revenue,
            "margin": money.margin,
            "time": cost.cost_to_serve - cost.commission,
            "commission": cost.commission,
        }
    )

    def rate(cid, column, k=6.0):
        seg = frame[frame.seg == frame.loc[cid, "seg"]]
        pooled = seg[column].sum() / seg.n.sum()
        return (frame.loc[cid, column] + k * pooled) / (frame.loc[cid, "n"] + k)

    v = 1.1 ** (-1 / 12)
    running = cohort.difference(ended)
    for cid in running[[0, len(running) // 2, -1]]:
        n = int(periods[cid])
        s = _survival(a, b, n + 40)
        life = sum(v**k * s[n + k - 1] / s[n] for k in range(1, 37))
        share = (
            frame.loc[cid, "commission"] / frame.loc[cid, "revenue"]
            if frame.loc[cid, "revenue"] > 0
            else 0.0
        )
        revenue = life * rate(cid, "revenue")
        profit = life * (rate(cid, "margin") - rate(cid, "time")) - share * revenue
        assert table.loc[cid, "discounted_periods"] == pytest.approx(life, rel=1e-9)
        assert table.loc[cid, "clv_revenue"] == pytest.approx(revenue, rel=1e-9)
        assert table.loc[cid, "clv_profit"] == pytest.approx(profit, rel=1e-9)
