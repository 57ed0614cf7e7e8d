"""ECL and customer credit figures of the hand-computed case (see test_receivables.py).

Provision matrix fitted on a history with loss rates 1 %, 5 %, 10 %, 20 %, 50 % and a
forward-looking adjustment of +10 %: 1.1 %, 5.5 %, 11 %, 22 %, 55 %. ECL of the open invoices:
I2 500 x 1.1 % = 5.5; I6 100 x 5.5 % = 5.5; I1 600 x 11 % = 66; E4 100 x 11 % = 11;
I3 300 x 22 % = 66; I4 150 x 55 % = 82.5. Total 236.5; A 71.5, B 148.5, C 5.5, D 0, E 11.

Per customer (as of 2026-03-31; DSO window 90 days: invoices issued after 2025-12-31):
- A: exposure 600 + 500 = 1100, overdue 600, max dpd 59; DSO 1100 / (1000 + 500) x 90 = 66;
  lateness I1 59 -> avg 59, share 1.
- B: exposure 300 + 150 = 450, all overdue, max dpd 106; nothing invoiced in the window -> DSO
  null; lateness I3 90, I4 106, I10 120 -> avg 105.33, share 1.
- C: exposure 100, unapplied credit 40 (I7), max dpd 28; DSO 100 / (250 + 100 - 40 + 80) x 90
  = 23.08; lateness I5 0, I6 28, I8 10 -> avg 12.67, share 2/3.
- D: no invoices.
- E: exposure 100 (E4), max dpd 44; DSO 100 / 100 x 90 = 90; lateness E1 0, E2 4, E3 30, E4 44
  -> avg 19.5, share 3/4; trend: due after 2025-12-31 (E3, E4) avg 37 minus earlier (E1, E2)
  avg 2 = +35 days.
Expected margins handed in: A 1000, B 500, C 3, E 1000 -> liabilities: B overdue 106 > 60 days;
C ECL 5.5 > margin 3; E lateness worsening 35 > 15.
"""

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from profitlens.credit import (
    CreditPolicy,
    ProvisionMatrix,
    analyse_credit,
    ecl_by_segment,
    liability_list,
)
from profitlens.credit.customer_credit import (
    SUMMARY_COLUMNS,
    customer_credit,
    customer_summary_columns,
)
from profitlens.credit.receivables import receivables

BUCKETS = list(CreditPolicy().bucket_labels)
HISTORY = pd.DataFrame(
    {"bucket": BUCKETS, "exposure": [1000.0] * 5, "loss": [10.0, 50.0, 100.0, 200.0, 500.0]}
)
MARGINS = {"A": 1000.0, "B": 500.0, "C": 3.0, "E": 1000.0}
EXPECTED = pd.DataFrame(
    {
        "credit_exposure": [1100.0, 450.0, 100.0, 0.0, 100.0],
        "unapplied_credit": [0.0, 0.0, 40.0, 0.0, 0.0],
        "overdue_balance": [600.0, 450.0, 100.0, 0.0, 100.0],
        "open_invoices": [2, 2, 1, 0, 1],
        "max_days_past_due": [59, 106, 28, 0, 44],
        "dso": [66.0, None, 100 / 390 * 90, None, 90.0],
        "avg_days_late": [59.0, 316 / 3, 38 / 3, None, 19.5],
        "late_share": [1.0, 1.0, 2 / 3, None, 0.75],
        "lateness_trend": [None, None, None, None, 35.0],
        "expected_credit_loss": [71.5, 148.5, 5.5, 0.0, 11.0],
        "liability": [False, True, True, False, True],
        "liability_reasons": [
            None,
            "overdue beyond 60 days",
            "ECL above expected margin",
            None,
            "lateness worsening",
        ],
    },
    index=pd.Index(list("ABCDE"), name="customer_id"),
)


def _credit(tables, as_of, terms, policy=None, margins=MARGINS):
    policy = policy or CreditPolicy()
    r = receivables(
        tables["invoice_lines"], tables["payments"], tables["customers"], as_of, terms, policy
    )
    matrix = ProvisionMatrix(forward_looking_adjustment=0.10).fit(HISTORY)
    r = matrix.transform(r)
    margin = (
        None
        if margins is None
        else ibis.memtable(
            pa.table({"customer_id": list(margins), "expected_margin": list(margins.values())})
        )
    )
    return r, customer_credit(r, tables["customers"], as_of, policy, margin)


def _check(got: pd.DataFrame, expected: pd.DataFrame = EXPECTED):
    got = got.set_index("customer_id").loc[expected.index]
    for col in expected.columns:
        g, e = got[col].tolist(), expected[col].tolist()
        for cid, gv, ev in zip(expected.index, g, e):
            if ev is None or (isinstance(ev, float) and pd.isna(ev)):
                assert gv is None or pd.isna(gv), (col, cid, gv)
            elif isinstance(ev, float):
                assert gv == pytest.approx(ev), (col, cid, gv, ev)
            else:
                assert gv == ev, (col, cid, gv, ev)


def test_invoice_ecl_matches_hand_computation(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    r, _ = _credit(duck_tables(rows), as_of, terms)
    ecl = r.execute().set_index("invoice_id")["expected_credit_loss"]
    expected = {"I1": 66.0, "I2": 5.5, "I3": 66.0, "I4": 82.5, "I6": 5.5, "E4": 11.0}
    for inv, value in expected.items():
        assert ecl[inv] == pytest.approx(value), inv
    assert ecl.drop(list(expected)).abs().max() == 0.0  # settled invoices, credit note
    assert ecl.sum() == pytest.approx(236.5)


def test_customer_credit_matches_hand_computation(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    _, credit = _credit(duck_tables(rows), as_of, terms)
    _check(credit.execute())


def test_overdue_limit_is_configurable(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    _, credit = _credit(duck_tables(rows), as_of, terms, CreditPolicy(overdue_days_limit=30))
    got = credit.execute().set_index("customer_id")
    assert got["liability"].tolist() == [True, True, True, False, True]
    assert got.loc["A", "liability_reasons"] == "overdue beyond 30 days"
    assert got.loc["E", "liability_reasons"] == "overdue beyond 30 days; lateness worsening"


def test_margin_defaults_to_trailing_year_gross_margin(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    _, credit = _credit(duck_tables(rows), as_of, terms, margins=None)
    got = credit.execute().set_index("customer_id")
    # A: I1 1000-600 + I2 500-300; B: I3 200 + I4 50 + I10 60; C: 50 + 50 - 20 + 40; E: 4 x 50
    assert got.loc[list("ABCE"), "expected_margin"].tolist() == pytest.approx([600, 310, 120, 200])
    assert got["liability"].tolist() == [False, True, False, False, True]


def test_summary_columns_and_report_frames(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    r, credit = _credit(duck_tables(rows), as_of, terms)
    summary = customer_summary_columns(credit).execute()
    assert list(summary.columns) == ["customer_id", *SUMMARY_COLUMNS]
    seg = ecl_by_segment(r).set_index("segment")
    # enterprise: A 1100 + E 100 exposure, ECL 71.5 + 11; smb: B 450 + C 100, ECL 148.5 + 5.5
    assert seg.loc[
        "enterprise", ["credit_exposure", "expected_credit_loss"]
    ].tolist() == pytest.approx([1200, 82.5])
    assert seg.loc[
        "smb", ["customers", "credit_exposure", "expected_credit_loss"]
    ].tolist() == pytest.approx([2, 550, 154])
    assert seg.loc["total", "expected_credit_loss"] == pytest.approx(236.5)
    liab = liability_list(credit)
    assert liab["customer_id"].tolist() == ["B", "C", "E"]  # by exposure 450, 100, 100; id
    assert liability_list(credit, top=1)["customer_id"].tolist() == ["B"]


def test_analyse_credit_end_to_end(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    tables = duck_tables(rows)
    analysis = analyse_credit(
        tables["invoice_lines"], tables["payments"], tables["customers"], as_of, terms
    )
    # matured invoices (more than 90 days past due): I4, I10, E1, E2. Balances on entering
    # current / 1-30 (end of due day) / 31-60 (due + 30) / 61-90 (due + 60) / over 90 (due + 90):
    #   I4 200, 200, 150, 150, 150 (50 paid 26 days late); loss: 150 still open
    #   I10 120, 120, 100, 100, 100 (20 paid 20 days late); loss: 100 written off 2026-02-28
    #   E1 100, 0, 0, 0, 0 (paid on the due date); E2 100, 100, 0, 0, 0 (paid 4 days late)
    # exposure 520, 420, 250, 250, 250; loss 250 in each bucket. Both segments have 2 matured
    # invoices (< 50), so every customer takes the portfolio rates.
    pm = analysis.provision_matrix_frame
    port = pm[pm["segment"].isna()].set_index("bucket")
    assert port["exposure"].tolist() == pytest.approx([520, 420, 250, 250, 250])
    assert port["loss"].tolist() == pytest.approx([250] * 5)
    assert port["loss_rate"].tolist() == pytest.approx([250 / 520, 250 / 420, 1, 1, 1])
    assert analysis.matrix.segments_estimated_ == []
    total = analysis.receivables.execute()["expected_credit_loss"].sum()
    # I2 500 current, I6 100 in 1-30, I1 600 + E4 100 + I3 300 + I4 150 at 100 %
    assert total == pytest.approx(500 * 250 / 520 + 100 * 250 / 420 + 1150)
    credit = analysis.customer_credit.execute().set_index("customer_id")
    assert credit["expected_credit_loss"].sum() == pytest.approx(total)


@pytest.mark.spark
def test_same_figures_on_spark(spark_tables, hand_case):
    rows, as_of, terms = hand_case
    r, credit = _credit(spark_tables(rows), as_of, terms)
    got = credit.execute()
    _check(got)
    money = ["credit_exposure", "overdue_balance", "expected_credit_loss", "dso", "late_share"]
    assert all(got[c].dtype == "float64" for c in money), got.dtypes
    assert r.execute()["expected_credit_loss"].sum() == pytest.approx(236.5)
    analysis = analyse_credit(
        *(spark_tables(rows)[n] for n in ("invoice_lines", "payments", "customers")), as_of, terms
    )
    port = analysis.provision_matrix_frame.query("segment.isna()")
    assert port["loss_rate"].tolist() == pytest.approx([250 / 520, 250 / 420, 1, 1, 1])
