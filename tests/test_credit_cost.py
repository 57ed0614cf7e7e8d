"""Balance intervals of invoices whose moves share a day, checked by hand."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from profitlens.intermediate.credit_costs import invoice_balance_intervals

D = dt.date


@pytest.mark.parametrize("order", [1, -1])
def test_moves_on_one_day_give_one_interval_with_the_days_end_balance(order):
    moves = pd.DataFrame(
        [
            # A: invoiced 100 on 1 March, 30 paid before the invoice date (moved to 1 March), 20
            # paid on 1 March, the rest on 11 March
            ("A", "C1", D(2026, 3, 1), 100.0),
            ("A", "C1", D(2026, 3, 1), -30.0),
            ("A", "C1", D(2026, 3, 1), -20.0),
            ("A", "C1", D(2026, 3, 11), -50.0),
            # B: invoiced 80 on 5 March, two payments of 40 on 9 March: settled that day
            ("B", "C2", D(2026, 3, 5), 80.0),
            ("B", "C2", D(2026, 3, 9), -40.0),
            ("B", "C2", D(2026, 3, 9), -40.0),
            # C: invoiced and paid in full the same day: never carried
            ("C", "C2", D(2026, 3, 7), 60.0),
            ("C", "C2", D(2026, 3, 7), -60.0),
            # D: open at the as-of date
            ("D", "C3", D(2026, 3, 20), 10.0),
        ],
        columns=["invoice_id", "customer_id", "day", "delta"],
    )[::order]
    table = ibis.memtable(
        moves,
        schema={"invoice_id": "string", "customer_id": "string", "day": "date", "delta": "float64"},
    )
    got = (
        invoice_balance_intervals(table, D(2026, 3, 31))
        .to_pandas()
        .sort_values(["invoice_id", "start"])
        .reset_index(drop=True)
    )
    got["start"] = pd.to_datetime(got["start"]).dt.date
    got["end"] = pd.to_datetime(got["end"]).dt.date
    assert got.to_dict("records") == [
        {
            "invoice_id": "A",
            "customer_id": "C1",
            "start": D(2026, 3, 1),
            "end": D(2026, 3, 10),
            "balance": 50.0,
        },
        {
            "invoice_id": "B",
            "customer_id": "C2",
            "start": D(2026, 3, 5),
            "end": D(2026, 3, 8),
            "balance": 80.0,
        },
        {
            "invoice_id": "D",
            "customer_id": "C3",
            "start": D(2026, 3, 20),
            "end": D(2026, 3, 31),
            "balance": 10.0,
        },
    ]
