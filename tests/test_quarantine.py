"""Bad input: every kind of bad row the contract lists is quarantined, once per problem, and
the good rows' results do not change; a file that cannot be used stops the run."""

from __future__ import annotations

import csv
import datetime as dt

import numpy as np
import pandas as pd
import pytest
from contract_checks import TINY, assert_tables_agree

from profitlens.errors import ContractError
from profitlens.pipeline.stages import run

AS_OF = dt.date(2026, 3, 31)

# table -> (rows appended after the good ones, {data row number: words the reason must hold})
BAD_ROWS = {
    "customers": (
        [
            {"customer_id": "", "name": "Nameless", "acquired_on": "2026-01-01"},
            {"customer_id": "D", "acquired_on": "01/02/2026"},
            {"customer_id": "A", "acquired_on": "2026-01-01"},
        ],
        {4: "missing required customer_id", 5: "cannot read acquired_on", 6: "repeats the key"},
    ),
    "prospects": (
        [{"prospect_id": "P3", "created_on": "2026-01-03", "converted_customer_id": "ZZZ"}],
        {3: "unknown customer ZZZ"},
    ),
    "invoice_lines": (
        [
            {
                "invoice_id": "INV9",
                "line_id": "1",
                "customer_id": "ZZZ",
                "invoice_date": "2026-01-15",
                "revenue": "10",
                "cost": "5",
            },
            {
                "invoice_id": "INV1",
                "line_id": "1",
                "customer_id": "A",
                "invoice_date": "2026-01-15",
                "revenue": "10",
                "cost": "5",
            },
            {
                "invoice_id": "INV10",
                "line_id": "1",
                "customer_id": "B",
                "invoice_date": "2026-04-15",
                "revenue": "10",
                "cost": "5",
            },
            {
                "invoice_id": "INV11",
                "line_id": "1",
                "customer_id": "B",
                "invoice_date": "2026-01-15",
                "revenue": "ten",
                "cost": "5",
            },
            {
                "invoice_id": "INV12",
                "line_id": "1",
                "customer_id": "B",
                "invoice_date": "2026-01-15",
                "revenue": "10",
                "cost": "5",
                "currency": "USD",
            },
            {
                "invoice_id": "INV13",
                "line_id": "1",
                "customer_id": "B",
                "invoice_date": "2026-01-15",
                "revenue": "10",
                "cost": "2e15",
            },
        ],
        {
            7: "unknown customer ZZZ",
            8: "repeats the key",
            9: "after the as-of date",
            10: "cannot read revenue",
            11: "currency USD",
            12: "cannot read cost as a number (below 1e15)",
        },
    ),
    "payments": (
        [
            {"payment_id": "PAY9", "invoice_id": "INV404", "paid_on": "2026-02-01", "amount": "5"},
            {"payment_id": "PAY1", "invoice_id": "INV1", "paid_on": "2026-02-01", "amount": "5"},
            {"payment_id": "PAY10", "invoice_id": "INV2", "paid_on": "2026-05-01", "amount": "5"},
            {"payment_id": "PAY11", "invoice_id": "INV2", "paid_on": "2026-02-01", "amount": ""},
            {
                "payment_id": "PAY12",
                "invoice_id": "INV2",
                "paid_on": "2026-02-01",
                "amount": "5",
                "kind": "refund",
            },
        ],
        {
            5: "unknown invoice INV404",
            6: "repeats the key",
            7: "after the as-of date",
            8: "missing required amount",
            9: "kind must be",
        },
    ),
    "activities": (
        [
            {
                "activity_id": "ACT9",
                "activity": "teleport",
                "occurred_on": "2026-01-05",
                "customer_id": "A",
            },
            {
                "activity_id": "ACT10",
                "activity": "sales_call",
                "occurred_on": "2026-01-05",
                "customer_id": "A",
                "minutes": "-5",
            },
            {
                "activity_id": "ACT11",
                "activity": "sales_call",
                "occurred_on": "2026-01-05",
                "customer_id": "ZZZ",
            },
            {
                "activity_id": "ACT12",
                "activity": "sales_call",
                "occurred_on": "2026-01-05",
                "prospect_id": "P9",
            },
            {"activity_id": "ACT13", "activity": "sales_call", "occurred_on": "2026-01-05"},
            {
                "activity_id": "ACT14",
                "activity": "sales_call",
                "occurred_on": "2026-04-05",
                "customer_id": "A",
            },
            {
                "activity_id": "ACT15",
                "activity": "sales_call",
                "occurred_on": "2026-01-05",
                "customer_id": "A",
                "prospect_id": "P1",
            },
            {
                "activity_id": "ACT16",
                "activity": "sales_call",
                "occurred_on": "2026-01-05",
                "customer_id": "A",
                "quantity": "-1",
            },
        ],
        {
            9: "unknown activity teleport",
            10: "negative minutes",
            11: "unknown customer ZZZ",
            12: "unknown prospect P9",
            13: "missing customer_id or prospect_id",
            14: "after the as-of date",
            15: "both customer_id and prospect_id",
            16: "negative quantity",
        },
    ),
    "referrals": (
        [
            {"referrer_id": "ZZZ", "referred_id": "B", "referred_on": "2026-02-01"},
            {"referrer_id": "B", "referred_id": "C", "referred_on": "2026-02-01", "reward": "9"},
        ],
        {2: "unknown customer ZZZ", 3: "repeats the key"},
    ),
    "resource_costs": (
        [
            {
                "period": "2026-01",
                "resource": "sales_team",
                "cost": "100",
                "capacity_minutes": "-5",
            },
            {
                "period": "2026-13",
                "resource": "sales_team",
                "cost": "100",
                "capacity_minutes": "50",
            },
            {"period": "2026-02", "resource": "robots", "cost": "100", "capacity_minutes": "50"},
        ],
        {1: "capacity must be positive", 2: "cannot read period", 3: "unknown resource robots"},
    ),
}


def append_rows(folder, name, rows):
    path = folder / f"{name}.csv"
    if path.exists():
        with open(path, newline="") as fh:
            reader = csv.DictReader(fh)
            columns, good = list(reader.fieldnames), list(reader)
    else:
        columns, good = [], []
    columns += [c for r in rows for c in r if c not in columns]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, list(dict.fromkeys(columns)), restval="")
        writer.writeheader()
        writer.writerows(good + rows)


def test_every_kind_of_bad_row_is_quarantined_and_good_results_unchanged(tiny, tmp_path):
    for name, (rows, _) in BAD_ROWS.items():
        append_rows(tiny, name, rows)
    info = run(tiny, tmp_path / "out", as_of=AS_OF)
    assert_tables_agree(TINY / "expected", tmp_path / "out")

    q = pd.read_csv(tmp_path / "out" / "quarantine.csv", dtype=str, keep_default_na=False)
    got = {(t, int(r)) for t, r in zip(q["table"], q["row"])}
    expected = {(name, row) for name, (_, reasons) in BAD_ROWS.items() for row in reasons}
    assert got == expected
    for name, (_, reasons) in BAD_ROWS.items():
        for row, words in reasons.items():
            said = q[(q["table"] == name) & (q["row"] == str(row))]["reason"].tolist()
            assert any(words in s for s in said), (name, row, said)
    assert not q.duplicated(["table", "row", "column", "reason"]).any()
    for name, counts in info["rows"].items():
        assert counts["read"] == counts["used"] + counts["quarantined"], name
    assert info["rows"]["activities"]["quarantined"] == 8


def test_a_row_with_two_problems_is_listed_once_per_problem(tiny, tmp_path):
    append_rows(
        tiny,
        "invoice_lines",
        [
            {
                "invoice_id": "INV9",
                "customer_id": "ZZZ",
                "invoice_date": "2026-09-01",
                "revenue": "x",
                "cost": "1",
            }
        ],
    )
    info = run(tiny, tmp_path / "out", as_of=AS_OF)
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    assert sorted(q["column"]) == ["customer_id", "invoice_date", "revenue"]
    assert info["rows"]["invoice_lines"] == {"read": 7, "used": 6, "quarantined": 1}


def test_reference_to_a_quarantined_row_is_quarantined(tiny, tmp_path):
    append_rows(tiny, "customers", [{"customer_id": "E", "acquired_on": "soon"}])
    append_rows(
        tiny,
        "invoice_lines",
        [
            {
                "invoice_id": "INV9",
                "customer_id": "E",
                "invoice_date": "2026-01-15",
                "revenue": "1",
                "cost": "1",
            }
        ],
    )
    run(tiny, tmp_path / "out", as_of=AS_OF)
    q = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    assert set(zip(q["table"], q["row"])) == {("customers", 4), ("invoice_lines", 7)}


def test_missing_required_column_names_file_and_column(tiny, tmp_path):
    lines = pd.read_csv(tiny / "invoice_lines.csv").drop(columns=["revenue"])
    lines.to_csv(tiny / "invoice_lines.csv", index=False)
    with pytest.raises(
        ContractError,
        match=r"invoice_lines\.csv: missing required column "
        r"'revenue'",
    ):
        run(tiny, tmp_path / "out", as_of=AS_OF)


def test_missing_required_table_is_named(tiny, tmp_path):
    (tiny / "customers.csv").unlink()
    with pytest.raises(ContractError, match="missing customers.csv"):
        run(tiny, tmp_path / "out")


def test_line_id_defaults_to_row_order_within_invoice(tiny, tmp_path):
    lines = pd.read_csv(tiny / "invoice_lines.csv").drop(columns=["line_id"])
    lines.to_csv(tiny / "invoice_lines.csv", index=False)
    info = run(tiny, tmp_path / "out", as_of=AS_OF)
    assert info["rows"]["invoice_lines"]["quarantined"] == 0
    assert_tables_agree(TINY / "expected", tmp_path / "out")


@pytest.mark.parametrize("collide", [False, True])
def test_repeated_keys_are_found_exactly_even_when_hashes_collide(monkeypatch, collide):
    """Repeated (invoice_id, line_id) keys and their first row, as a plain group-by finds them;
    with every key hashed to one of three values, the hash step alone would be wrong."""
    import ibis

    from profitlens.staging import checks

    rng = np.random.default_rng(4)
    rows = pd.DataFrame(
        {
            "invoice_id": rng.choice(["I1", "I2", "I3", None], 300),
            "line_id": rng.choice([str(i) for i in range(40)], 300),
            "_row": range(1, 301),
        }
    )
    if collide:
        monkeypatch.setattr(checks, "_key_hash", lambda t, key: t[key[0]].length() % 3)
    got = checks.repeated_keys(ibis.memtable(rows), ("invoice_id", "line_id")).execute()
    keyed = rows.dropna(subset=["invoice_id"])
    want = keyed.groupby(["invoice_id", "line_id"])["_row"].agg(["count", "min"])
    want = want[want["count"] > 1]["min"].sort_index()
    got = got.set_index(["_k_invoice_id", "_k_line_id"])["_first_row"].sort_index()
    assert len(want) > 10
    assert got.tolist() == want.tolist() and got.index.tolist() == want.index.tolist()


def test_keys_in_rising_order_are_proven_distinct_in_one_pass(monkeypatch):
    """A file in key order needs no grouping; a repeat in it, next to its first row as in a
    sorted export, is still found with its first row."""
    import ibis

    from profitlens.staging import checks

    key = ("invoice_id",)
    rows = pd.DataFrame({"invoice_id": [f"I{i:03d}" for i in range(20)], "_row": range(1, 21)})
    real_hash = checks._key_hash
    monkeypatch.setattr(checks, "_key_hash", lambda t, k: pytest.fail("keys grouped"))
    assert checks._keys_rise(ibis.memtable(rows), key)
    assert checks.repeated_keys(ibis.memtable(rows), key).execute().empty

    monkeypatch.setattr(checks, "_key_hash", real_hash)
    repeated = pd.concat([rows.iloc[:7], rows.iloc[6:7], rows.iloc[7:]], ignore_index=True)
    repeated["_row"] = range(1, len(repeated) + 1)
    assert not checks._keys_rise(ibis.memtable(repeated), key)
    got = checks.repeated_keys(ibis.memtable(repeated), key).execute()
    assert got["_first_row"].tolist() == [7]
    assert got[f"_k_{key[0]}"].tolist() == [rows[key[0]].iloc[6]]


@pytest.mark.parametrize("at", [2048, 122_880, 245_760])
def test_a_repeat_far_into_a_rising_file_is_found_among_missing_keys(at):
    """Past the first rows the one-pass check looks at, across DuckDB's vector and row-group
    edges, with missing keys (not checked for repeats) between the rows."""
    import ibis

    from profitlens.staging import checks

    keys = [None if i % 7 == 3 else f"K{i:07d}" for i in range(300_000)]
    first = at - 1 if keys[at - 1] else at - 2  # the nearest key given before
    keys[at] = keys[first]
    rows = pd.DataFrame({"activity_id": keys, "_row": range(1, 300_001)})
    got = checks.repeated_keys(ibis.memtable(rows), ("activity_id",)).execute()
    assert got["_k_activity_id"].tolist() == [keys[at]]
    assert got["_first_row"].tolist() == [first + 1]  # rows are 1-based
