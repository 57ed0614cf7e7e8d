"""Raw values to typed columns: what counts as given, and typed Parquet columns kept as they are."""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa

from profitlens.contract import TABLES
from profitlens.engine import ROW
from profitlens.staging.parse import parsed_table, present


def parse(columns: dict) -> dict:
    n = len(next(iter(columns.values())))
    raw = ibis.memtable(pa.table({**columns, ROW: pa.array(range(1, n + 1), pa.int64())}))
    return parsed_table(raw, TABLES["activities"]).order_by(ROW).to_pyarrow().to_pydict()


def test_blank_text_is_not_given_and_parses_to_null():
    ids = ["A1", "", "  ", "\t", " A5", "A6 ", None, "\u00e9"]
    out = parse({"activity_id": ids, "minutes": [str(i) for i in range(len(ids))]})
    assert out[present("activity_id")] == [True, False, False, False, True, True, False, True]
    assert out["activity_id"] == ["A1", None, None, None, " A5", "A6 ", None, "\u00e9"]


def test_text_numbers_and_dates_are_parsed_leniently():
    out = parse(
        {
            "activity_id": ["A1", "A2", "A3", "A4"],
            "minutes": [" 12.5 ", "x", "", "nan"],
            "occurred_on": ["2024-01-31", "2024-13-01", " ", "31/01/2024"],
        }
    )
    assert out["minutes"] == [12.5, None, None, None]
    assert out[present("minutes")] == [True, True, False, True]
    assert out["occurred_on"] == [dt.date(2024, 1, 31), None, None, None]
    assert out[present("occurred_on")] == [True, True, False, True]


def test_typed_columns_are_given_when_not_null():
    out = parse(
        {
            "activity_id": pa.array([1, None, 3], pa.int64()),
            "minutes": pa.array([0.0, None, float("inf")]),
            "occurred_on": pa.array([dt.date(2024, 1, 1), None, dt.date(2024, 2, 1)]),
        }
    )
    assert out["activity_id"] == ["1", None, "3"]
    assert out[present("activity_id")] == [True, False, True]
    assert out["minutes"] == [0.0, None, None]  # infinity is not an amount
    assert out[present("minutes")] == [True, False, True]
    assert out[present("occurred_on")] == [True, False, True]
