"""Aging of the hand-computed case (conftest.HAND_CASE, as of 2026-03-31, terms 30 days).

Worked by hand, per invoice (amount = sum of lines; due = line due date, else invoice + 30):

| inv | amount | paid | w/o | open | due        | dpd  | bucket  | settled    | days late |
|-----|--------|------|-----|------|------------|------|---------|------------|-----------|
| I1  | 1000   | 400  | 0   | 600  | 2026-01-31 | 59   | 31-60   | -          | 59        |
| I2  | 500    | 0    | 0   | 500  | 2026-04-19 | -19  | current | -          | - (not due)|
| I3  | 300    | 0    | 0   | 300  | 2025-12-31 | 90   | 61-90   | -          | 90        |
| I4  | 200    | 50   | 0   | 150  | 2025-12-15 | 106  | over 90 | -          | 106       |
| I5  | 250    | 250  | 0   | 0    | 2026-03-17 | 14   | -       | 2026-03-10 | 0         |
| I6  | 100    | 0    | 0   | 100  | 2026-03-03 | 28   | 1-30    | -          | 28 (P5 is after as-of) |
| I7  | -40    | 0    | 0   | -40  | 2026-03-22 | 9    | -       | -          | - (credit note) |
| I8  | 80     | 80   | 0   | 0    | 2026-02-04 | 55   | -       | 2026-02-14 | 10        |
| I10 | 120    | 20   | 100 | 0    | 2025-10-31 | 151  | -       | 2026-02-28 | 120       |
| E1  | 100    | 100  | 0   | 0    | 2025-10-01 | 181  | -       | 2025-10-01 | 0         |
| E2  | 100    | 100  | 0   | 0    | 2025-11-01 | 150  | -       | 2025-11-05 | 4         |
| E3  | 100    | 100  | 0   | 0    | 2026-01-15 | 75   | -       | 2026-02-14 | 30        |
| E4  | 100    | 0    | 0   | 100  | 2026-02-15 | 44   | 31-60   | -          | 44        |
I9 is dated after the as-of date and ignored.
"""

import datetime as dt

import pandas as pd
import pytest

from profitlens.credit import CreditPolicy, aging_by_bucket
from profitlens.credit.receivables import receivables
from profitlens.intermediate.invoices import invoices

D = dt.date.fromisoformat
EXPECTED = pd.DataFrame(
    [
        # invoice, amount, paid, written_off, open, due, dpd, bucket, settled_on, days_late
        ("I1", 1000.0, 400.0, 0.0, 600.0, "2026-01-31", 59, "31-60", None, 59),
        ("I2", 500.0, 0.0, 0.0, 500.0, "2026-04-19", -19, "current", None, None),
        ("I3", 300.0, 0.0, 0.0, 300.0, "2025-12-31", 90, "61-90", None, 90),
        ("I4", 200.0, 50.0, 0.0, 150.0, "2025-12-15", 106, "over 90", None, 106),
        ("I5", 250.0, 250.0, 0.0, 0.0, "2026-03-17", 14, None, "2026-03-10", 0),
        ("I6", 100.0, 0.0, 0.0, 100.0, "2026-03-03", 28, "1-30", None, 28),
        ("I7", -40.0, 0.0, 0.0, -40.0, "2026-03-22", 9, None, None, None),
        ("I8", 80.0, 80.0, 0.0, 0.0, "2026-02-04", 55, None, "2026-02-14", 10),
        ("I10", 120.0, 20.0, 100.0, 0.0, "2025-10-31", 151, None, "2026-02-28", 120),
        ("E1", 100.0, 100.0, 0.0, 0.0, "2025-10-01", 181, None, "2025-10-01", 0),
        ("E2", 100.0, 100.0, 0.0, 0.0, "2025-11-01", 150, None, "2025-11-05", 4),
        ("E3", 100.0, 100.0, 0.0, 0.0, "2026-01-15", 75, None, "2026-02-14", 30),
        ("E4", 100.0, 0.0, 0.0, 100.0, "2026-02-15", 44, "31-60", None, 44),
    ],
    columns=[
        "invoice_id",
        "amount",
        "paid",
        "written_off",
        "open_balance",
        "due_date",
        "days_past_due",
        "bucket",
        "settled_on",
        "days_late",
    ],
).set_index("invoice_id")


def _received(tables, as_of, terms):
    r = receivables(tables["invoice_lines"], tables["payments"], tables["customers"], as_of, terms)
    return r.execute().set_index("invoice_id").sort_index()


def test_receivables_match_hand_computation(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    got = _received(duck_tables(rows), as_of, terms)
    assert sorted(got.index) == sorted(EXPECTED.index)  # I9 (after as-of) left out
    exp = EXPECTED.loc[got.index]
    for col in ("amount", "paid", "written_off", "open_balance"):
        assert got[col].tolist() == pytest.approx(exp[col].tolist()), col
    assert [d.isoformat() for d in pd.to_datetime(got["due_date"]).dt.date] == exp[
        "due_date"
    ].tolist()
    assert got["days_past_due"].tolist() == exp["days_past_due"].tolist()
    assert _plain(got["bucket"]) == _plain(exp["bucket"])
    settled = [
        None if pd.isna(v) else pd.Timestamp(v).date().isoformat() for v in got["settled_on"]
    ]
    assert settled == _plain(exp["settled_on"])
    assert _plain(got["days_late"], int) == _plain(exp["days_late"], int)
    # invariant: amount = paid + written_off + open_balance
    assert (
        got["amount"] - got["paid"] - got["written_off"] - got["open_balance"]
    ).abs().max() < 1e-9


def test_aging_by_bucket(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    r = receivables(**_args(duck_tables(rows)), as_of=as_of, payment_terms_days=terms)
    aging = aging_by_bucket(r).set_index("bucket")
    assert aging.index.tolist() == ["current", "1-30", "31-60", "61-90", "over 90", "total"]
    assert aging["invoices"].tolist() == [1, 1, 2, 1, 1, 6]
    assert aging["open_balance"].tolist() == pytest.approx([500, 100, 700, 300, 150, 1750])
    assert aging.loc["31-60", "share"] == pytest.approx(700 / 1750)


def test_bucket_edges_are_configurable(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    policy = CreditPolicy(bucket_edges=(0, 60))
    r = receivables(
        **_args(duck_tables(rows)), as_of=as_of, payment_terms_days=terms, policy=policy
    )
    aging = aging_by_bucket(r, buckets=policy.bucket_labels).set_index("bucket")
    # current: I2 500; 1-60: I1 600, I6 100, E4 100; over 60: I3 300, I4 150
    assert aging["open_balance"].tolist() == pytest.approx([500, 800, 450, 1750])


def test_payment_terms_apply_only_without_due_date(duck_tables, hand_case):
    rows, as_of, _ = hand_case
    r = _received(duck_tables(rows), as_of, 10)
    assert pd.Timestamp(r.loc["I1", "due_date"]).date() == D("2026-01-11")  # 2026-01-01 + 10
    assert pd.Timestamp(r.loc["I2", "due_date"]).date() == D("2026-04-19")  # its own due_date


@pytest.mark.parametrize("bad", [(30, 60), (0, 30, 30), ()])
def test_policy_rejects_bad_bucket_edges(bad):
    with pytest.raises(ValueError, match="bucket_edges must start at 0"):
        CreditPolicy(bucket_edges=bad)


def _args(tables):
    return {
        "invoice_lines": tables["invoice_lines"],
        "payments": tables["payments"],
        "customers": tables["customers"],
    }


def _plain(values, cast=lambda v: v):
    """Values as a list with every missing value as None."""
    return [None if pd.isna(v) else cast(v) for v in values]


def test_rolled_up_invoices_give_the_same_receivables(duck_tables, hand_case):
    rows, as_of, terms = hand_case
    t = duck_tables(rows)
    # as the pipeline rolls them up: every line, I9 (dated after the as-of date) included
    rolled_up = invoices(t["invoice_lines"], terms)
    got = receivables(**_args(t), as_of=as_of, payment_terms_days=terms, rolled_up=rolled_up)
    got = got.execute().set_index("invoice_id").sort_index()
    pd.testing.assert_frame_equal(got, _received(t, as_of, terms))
