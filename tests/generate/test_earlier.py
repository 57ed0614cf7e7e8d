"""data_as_of: a data folder as it stood on an earlier day."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from companies import write_company

from profitlens.generate.earlier import data_as_of

MODEL = {"currency": "EUR", "period": "month", "resources": {}, "activities": {}}


def read(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_only_what_was_known_on_the_day_is_kept(tmp_path):
    data = {
        "customers": [
            {"customer_id": "00042", "acquired_on": "2026-01-10", "ended_on": "2026-03-05"},
            {"customer_id": "7", "acquired_on": "2026-02-20", "ended_on": ""},
        ],
        "prospects": [
            {"prospect_id": "P1", "created_on": "2026-01-02", "converted_customer_id": "7"},
            {"prospect_id": "P2", "created_on": "2026-01-03", "converted_customer_id": "00042"},
            {"prospect_id": "P3", "created_on": "2026-02-01", "converted_customer_id": ""},
        ],
        "invoice_lines": [
            {
                "invoice_id": "I1",
                "customer_id": "00042",
                "invoice_date": "2026-01-31",
                "revenue": "10",
                "cost": "4",
            },
            {
                "invoice_id": "I2",
                "customer_id": "00042",
                "invoice_date": "2026-02-01",
                "revenue": "12,50",
                "cost": "4",
            },
            {
                "invoice_id": "I3",
                "customer_id": "00042",
                "invoice_date": "31/01/2026",
                "revenue": "1",
                "cost": "1",
            },
        ],
        "resource_costs": [
            {"period": p, "resource": "r", "cost": "1", "capacity_minutes": "1"}
            for p in ("2026-01", "2026-02")
        ],
    }
    source = write_company(tmp_path / "source", data, MODEL)

    earlier = data_as_of(source, tmp_path / "earlier", dt.date(2026, 1, 31))

    customers = read(earlier, "customers")
    assert customers.customer_id.tolist() == ["00042"]  # identifiers stay text
    assert customers.ended_on.tolist() == [""]  # ended after the day
    prospects = read(earlier, "prospects")
    assert prospects.prospect_id.tolist() == ["P1", "P2"]
    assert prospects.converted_customer_id.tolist() == ["", "00042"]  # 7 is not won yet
    # a date that does not parse is kept: it is quarantined either way
    assert read(earlier, "invoice_lines").invoice_id.tolist() == ["I1", "I3"]
    assert read(earlier, "resource_costs").period.tolist() == ["2026-01"]
    assert (earlier / "costmodel.yaml").read_text() == (source / "costmodel.yaml").read_text()
