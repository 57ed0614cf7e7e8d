"""The provision matrix against a published worked example of the simplified approach.

Published example: IFRScommunity.com, "IFRS 9 example: lifetime ECL for trade receivables using
a provision matrix" (knowledge base, IFRS 9 impairment; calculation sheet "Calculation of loss
rate for Entity A for B2C segment"). Entity A's January sales of 100,000 were
paid on time 50,000; 1-30 days after the due date 27,000; 31-60 days after 15,000;
61-90 days after 6,000; 2,000 were never paid. So the receivables outstanding on entering each
bucket were 100,000 (not overdue), 50,000 (1-30), 23,000 (31-60), 8,000 (61-90), 2,000 (91+),
and the loss rates 2,000 / those = 2.0 %, 4.0 %, 8.7 %, 25.0 %, 100.0 %.
At 31 December 20X1 its aging was 300,000 not overdue, 140,000 overdue 1-30 days, 60,000 31-60,
23,000 61-90 and 5,000 91+, giving ECL of 6,000 + 5,600 + 5,217 + 5,750 + 5,000 = 27,567.
"""

import datetime as dt

import ibis
import pandas as pd
import pyarrow as pa
import pytest

from profitlens.credit import CreditPolicy, NotFittedError, ProvisionMatrix, bucket_roll_history
from profitlens.credit.receivables import receivables

BUCKETS = list(CreditPolicy().bucket_labels)  # current, 1-30, 31-60, 61-90, over 90
PUBLISHED_RATES = [2000 / 100000, 2000 / 50000, 2000 / 23000, 2000 / 8000, 2000 / 2000]
PUBLISHED_AGING = [300000.0, 140000.0, 60000.0, 23000.0, 5000.0]
PUBLISHED_ECL = [6000, 5600, 5217, 5750, 5000]
PUBLISHED_TOTAL = 27567


def january_sales(write_off: bool):
    """Entity A's January sales as four invoices due 2025-02-14 (issued 2025-01-15, terms 30)."""

    def line(inv, amount):
        return {
            "invoice_id": inv,
            "line_id": "1",
            "customer_id": "X",  # noqa: E731
            "invoice_date": "2025-01-15",
            "revenue": amount,
            "cost": 0.0,
        }

    pay = lambda pid, inv, day, amount, kind="payment": {  # noqa: E731
        "payment_id": pid,
        "invoice_id": inv,
        "paid_on": day,
        "amount": amount,
        "kind": kind,
    }
    payments = [
        pay("p1", "S1", "2025-02-14", 50000.0),  # on time (on the due date)
        pay("p2", "S2", "2025-03-01", 27000.0),  # 15 days late
        pay("p3", "S3", "2025-03-31", 15000.0),  # 45 days late
        pay("p4", "S4", "2025-04-30", 6000.0),
    ]  # 75 days late; 2,000 never paid
    if write_off:
        payments.append(pay("w4", "S4", "2025-09-30", 2000.0, "write_off"))
    return {
        "customers": [{"customer_id": "X", "acquired_on": "2024-01-01", "segment": "b2c"}],
        "invoice_lines": [
            line("S1", 50000.0),
            line("S2", 27000.0),
            line("S3", 15000.0),
            line("S4", 8000.0),
            line("NEW", 999.0) | {"invoice_date": "2025-12-01"},
        ],  # not matured
        "payments": payments,
    }


@pytest.mark.parametrize("write_off", [False, True], ids=["never-paid", "written-off"])
def test_roll_history_reproduces_published_loss_rates(duck_tables, write_off):
    t = duck_tables(january_sales(write_off))
    as_of = dt.date(2025, 12, 31)
    r = receivables(t["invoice_lines"], t["payments"], t["customers"], as_of, 30)
    history = bucket_roll_history(r, t["payments"], as_of)
    by_bucket = history.execute().groupby("bucket")[["exposure", "loss"]].sum().reindex(BUCKETS)
    assert by_bucket["exposure"].tolist() == pytest.approx([100000, 50000, 23000, 8000, 2000])
    assert by_bucket["loss"].tolist() == pytest.approx([2000] * 5)

    matrix = ProvisionMatrix(by_segment=False).fit(history)
    assert matrix.portfolio_loss_rates_.tolist() == pytest.approx(PUBLISHED_RATES)
    assert matrix.portfolio_loss_rates_.round(3).tolist() == [0.02, 0.04, 0.087, 0.25, 1.0]


def test_matrix_applied_to_published_aging_gives_published_ecl():
    history = pd.DataFrame(
        {"bucket": BUCKETS, "exposure": [100000, 50000, 23000, 8000, 2000], "loss": [2000.0] * 5}
    )
    matrix = ProvisionMatrix().fit(history)
    aging = ibis.memtable(
        pa.table(
            {
                "invoice_id": [f"b{i}" for i in range(5)],
                "segment": pa.array(["b2c"] * 5, pa.string()),
                "bucket": BUCKETS,
                "open_balance": PUBLISHED_AGING,
            }
        )
    )
    got = matrix.transform(aging).execute().set_index("bucket").loc[BUCKETS]
    assert got["expected_credit_loss"].round(0).tolist() == PUBLISHED_ECL
    assert round(got["expected_credit_loss"].sum()) == PUBLISHED_TOTAL


def test_forward_looking_adjustment_scales_and_caps():
    history = pd.DataFrame(
        {"bucket": BUCKETS, "exposure": [100000, 50000, 23000, 8000, 2000], "loss": [2000.0] * 5}
    )
    matrix = ProvisionMatrix(forward_looking_adjustment=0.10).fit(history)
    assert matrix.historical_portfolio_loss_rates_.tolist() == pytest.approx(PUBLISHED_RATES)
    expected = [min(1.0, 1.1 * r) for r in PUBLISHED_RATES]  # 100 % stays 100 %
    assert matrix.portfolio_loss_rates_.tolist() == pytest.approx(expected)
    with pytest.raises(ValueError, match="greater than -1"):
        ProvisionMatrix(forward_looking_adjustment=-1.0).fit(history)


def test_segments_get_own_rates_only_with_enough_history():
    # retail: 20 matured invoices; wholesale: 5 (below min_segment_invoices=10)
    history = pd.DataFrame(
        {
            "segment": ["retail"] * 5 + ["wholesale"] * 5,
            "bucket": BUCKETS * 2,
            "exposure": [1000.0, 400, 200, 100, 50, 1000.0, 100, 0, 0, 0],
            "loss": [50.0, 50, 50, 50, 50, 10.0, 10, 0, 0, 0],
            "invoices": [20, 0, 0, 0, 0, 5, 0, 0, 0, 0],
        }
    )
    m = ProvisionMatrix(min_segment_invoices=10).fit(history)
    assert m.segments_estimated_ == ["retail"]
    assert m.loss_rates_["retail"].tolist() == pytest.approx([0.05, 0.125, 0.25, 0.5, 1.0])
    # portfolio: losses 60, 60, 50, 50, 50 over exposures 2000, 500, 200, 100, 50
    portfolio = [0.03, 0.12, 0.25, 0.5, 1.0]
    assert m.portfolio_loss_rates_.tolist() == pytest.approx(portfolio)
    assert m.loss_rates_["wholesale"].tolist() == pytest.approx(portfolio)
    aging = ibis.memtable(
        pa.table(
            {
                "invoice_id": ["r", "w", "u", "n"],
                "segment": pa.array(["retail", "wholesale", "unknown", None], pa.string()),
                "bucket": ["1-30", "1-30", "61-90", "current"],
                "open_balance": [100.0, 100.0, 100.0, 100.0],
            }
        )
    )
    got = m.transform(aging).execute().set_index("invoice_id")
    assert got.loc[["r", "w", "u", "n"], "loss_rate"].tolist() == pytest.approx(
        [0.125, 0.12, 0.5, 0.03]
    )


def test_unreached_bucket_takes_the_younger_buckets_rate():
    history = pd.DataFrame(
        {"bucket": BUCKETS[:3], "exposure": [1000.0, 100.0, 0.0], "loss": [10.0, 5.0, 0.0]}
    )
    m = ProvisionMatrix().fit(history)
    assert m.portfolio_loss_rates_.tolist() == pytest.approx([0.01, 0.05, 0.05, 0.05, 0.05])


def test_history_is_checked():
    with pytest.raises(ValueError, match="lacks columns"):
        ProvisionMatrix().fit(pd.DataFrame({"bucket": ["current"], "exposure": [1.0]}))
    with pytest.raises(ValueError, match="loss <= exposure"):
        ProvisionMatrix().fit(
            pd.DataFrame({"bucket": ["current"], "exposure": [1.0], "loss": [2.0]})
        )
    with pytest.raises(ValueError, match="not among"):
        ProvisionMatrix().fit(pd.DataFrame({"bucket": ["soon"], "exposure": [1.0], "loss": [0.0]}))


def test_transform_before_fit_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        ProvisionMatrix().transform(ibis.memtable({"bucket": ["current"], "open_balance": [1.0]}))
