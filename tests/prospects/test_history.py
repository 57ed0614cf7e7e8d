"""Training rows and statuses: hand-made tables with hand-computed expectations."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from profitlens.costmodel import CostModel
from profitlens.periods import period_calendar
from profitlens.prospects.history import attribute_frame, prospect_status, pursuit_costs

D = dt.date
MODEL = CostModel.model_validate(
    {
        "resources": {
            "sales_team": {"cost": 1000, "capacity_minutes": 1000},
            "vehicles": {"cost": 500, "capacity_minutes": 1000},
        },
        "activities": {
            "call": {"category": "sales", "resources": ["sales_team"], "minutes": 30},
            "visit": {
                "category": "sales",
                "resources": ["sales_team", "vehicles"],
                "minutes": 100,
                "minutes_per_unit": 10,
            },
        },
    }
)
ACTIVITIES = {
    "activity_id": ["A1", "A2", "A3", "A4"],
    "activity": ["call", "visit", "call", "call"],
    "occurred_on": [D(2025, 1, 10), D(2025, 2, 3), D(2025, 1, 20), D(2025, 1, 5)],
    "customer_id": [None, None, None, "C1"],
    "prospect_id": ["P1", "P1", "P2", None],
    "minutes": [None, None, 45.0, None],
    "quantity": [1.0, 2.0, 1.0, 1.0],
}
SCHEMA = {
    "activity_id": "string",
    "activity": "string",
    "occurred_on": "date",
    "customer_id": "string",
    "prospect_id": "string",
    "minutes": "float64",
    "quantity": "float64",
}


def _prospects(closed_on):
    return ibis.memtable(
        pd.DataFrame(
            {
                "prospect_id": ["P1", "P2", "P3", "P4"],
                "created_on": [D(2025, 1, 1), D(2025, 1, 2), D(2024, 1, 1), D(2025, 2, 1)],
                "converted_customer_id": ["C1", None, None, None],
                "closed_on": closed_on,
            }
        ),
        schema={
            "prospect_id": "string",
            "created_on": "date",
            "converted_customer_id": "string",
            "closed_on": "date",
        },
    )


CUSTOMERS = ibis.memtable(
    pd.DataFrame({"customer_id": ["C1", "C2"], "acquired_on": [D(2025, 3, 1), D(2025, 5, 1)]})
)


def _pursuits(resource_costs=None):
    costs = (
        resource_costs
        if resource_costs is not None
        else ibis.memtable(
            pd.DataFrame(
                {
                    "period": ["2025-02"],
                    "resource": ["sales_team"],
                    "cost": [2000.0],
                    "capacity_minutes": [1000.0],
                }
            )
        )
    )
    return pursuit_costs(
        ibis.memtable(pd.DataFrame(ACTIVITIES), schema=SCHEMA),
        MODEL,
        costs,
        period_calendar(D(2025, 1, 1), D(2025, 3, 31), "month"),
    )


def test_pursuit_cost_prices_each_activity_the_tdabc_way():
    got = _pursuits().execute().set_index("prospect_id").sort_index()
    # P1: a call in January, 30 min x 1.0/min = 30; a visit in February, (100 + 10 x 2) min
    # x (2.0 sales in February, from resource_costs, + 0.5 vehicles) = 300
    # P2: a call of 45 given minutes in January at 1.0/min = 45; C1's call is no pursuit
    assert got.loc["P1", "pursuit_cost"] == pytest.approx(330.0)
    assert got.loc["P2", "pursuit_cost"] == pytest.approx(45.0)
    assert list(got.index) == ["P1", "P2"]
    assert pd.Timestamp(got.loc["P1", "last_activity_on"]).date() == D(2025, 2, 3)


def test_status_with_closed_on():
    status = prospect_status(
        _prospects([None, D(2025, 3, 1), None, D(2025, 4, 1)]),
        _pursuits(),
        CUSTOMERS,
        D(2025, 3, 31),
        180,
    ).execute()
    got = dict(zip(status.prospect_id, status.status))
    # P3 has had no activity for over a year, but closed_on is the rule when the column is
    # there; P4 is closed only after the as-of date
    assert got == {"P1": "won", "P2": "lost", "P3": "open", "P4": "open"}
    assert dict(zip(status.prospect_id, status.pursuit_cost))["P4"] == 0.0


def test_a_customer_acquired_after_the_as_of_date_is_not_yet_won():
    status = prospect_status(
        _prospects([None] * 4), _pursuits(), CUSTOMERS, D(2025, 2, 15), 180
    ).execute()
    # C1 is acquired on 2025-03-01: on 2025-02-15, P1 is still being pursued
    assert dict(zip(status.prospect_id, status.status))["P1"] == "open"


def test_status_without_closed_on_uses_the_last_activity():
    prospects = _prospects([None] * 4)
    status = prospect_status(prospects, _pursuits(), CUSTOMERS, D(2025, 3, 31), 60).execute()
    got = dict(zip(status.prospect_id, status.status))
    # P2's last call 2025-01-20 is 70 days before the as-of date; P3 never had an activity and
    # was created in 2024; P4 was created 58 days before
    assert got == {"P1": "won", "P2": "lost", "P3": "lost", "P4": "open"}
    status = prospect_status(prospects, _pursuits(), CUSTOMERS, D(2025, 3, 31), 180).execute()
    assert dict(zip(status.prospect_id, status.status))["P2"] == "open"


def test_attribute_frame_types_and_leaves_out_keys_dates_and_outcomes():
    frame = pd.DataFrame(
        {
            "prospect_id": ["P1", "P2", "P3"],
            "created_on": [D(2025, 1, 1)] * 3,
            "converted_customer_id": ["C1", None, None],
            "closed_on": [None] * 3,
            "segment": ["smb", None, "enterprise"],
            "employees": [10.0, None, 300.0],
            "industry": [None, None, None],
            "locations": ["1", "3", None],
            "tier": ["gold", "2", "silver"],
        }
    )
    got = attribute_frame(frame)
    assert list(got.columns) == ["segment", "employees", "locations", "tier"]
    assert list(got.index) == ["P1", "P2", "P3"]
    assert got["locations"].tolist()[:2] == [1.0, 3.0]  # a user's numeric column
    assert got["tier"].tolist() == ["gold", "2", "silver"]  # text stays a category
    assert pd.isna(got.loc["P2", "segment"])


def test_cost_model_prospects_settings():
    from profitlens.costmodel import cost_model_from_text
    from profitlens.errors import CostModelError

    base = "resources: {sales_team: {cost: 1, capacity_minutes: 1}}\n"
    model = cost_model_from_text(base, "costmodel.yaml")
    assert (model.prospects.stale_after_days, model.prospects.deprioritise_below) == (180, 1.0)
    model = cost_model_from_text(base + "prospects: {stale_after_days: 90}\n", "costmodel.yaml")
    assert model.prospects.stale_after_days == 90
    with pytest.raises(CostModelError, match="prospects: unknown key 'stale_days'"):
        cost_model_from_text(base + "prospects: {stale_days: 90}\n", "costmodel.yaml")
    with pytest.raises(CostModelError, match="prospects.deprioritise_below"):
        cost_model_from_text(base + "prospects: {deprioritise_below: -1}\n", "costmodel.yaml")


def test_pursuit_days():
    status = prospect_status(
        _prospects([None, D(2025, 3, 1), None, None]), _pursuits(), CUSTOMERS, D(2025, 3, 31), 180
    ).execute()
    got = dict(zip(status.prospect_id, status.pursuit_days))
    # P1 won: created 01-01, last activity 02-03; P2 lost: created 01-02, closed 03-01;
    # P3, P4 open: to the as-of date
    assert got == {"P1": 33.0, "P2": 58.0, "P3": 455.0, "P4": 58.0}
