"""The JSON API of contract 5.6 on the worked example, against its hand-checked outputs."""

from __future__ import annotations

import csv

import pytest
from contract_checks import TINY

from profitlens.intermediate.activity_costs import ACTIVITY_LINES

EXPECTED = TINY / "expected"
CUSTOMERS = ("A", "B", "C")

# cost per minute in the worked example's cost model: cost / capacity_minutes
SALES, SUPPORT, OPS, VEHICLES = 6000 / 6000, 3000 / 6000, 1000 / 1000, 600 / 1200
#: the trace worked out by hand from the example's activities and invoices:
#: (customer, period, line, activity, resource) -> (minutes, cost per minute)
HAND_TRACE = {
    # A acquired 2026-01-10: the call on 01-05 and the visit (100 min given) on 01-08 win it
    ("A", "2026-01", "acquisition_cost", "sales_call", "sales_team"): (30, SALES),
    ("A", "2026-01", "acquisition_cost", "site_visit", "sales_team"): (100, SALES),
    ("A", "2026-01", "acquisition_cost", "site_visit", "field_vehicles"): (100, VEHICLES),
    ("A", "2026-01", "fulfilment_cost", "order_handling", "ops_team"): (5 + 2 * 2, OPS),
    ("A", "2026-02", "sales_cost", "sales_call", "sales_team"): (30, SALES),
    ("A", "2026-02", "fulfilment_cost", "order_handling", "ops_team"): (5 + 2 * 1, OPS),
    ("B", "2026-01", "service_cost", "support_ticket", "support_team"): (20, SUPPORT),
    ("B", "2026-01", "fulfilment_cost", "order_handling", "ops_team"): (5 + 2 * 1, OPS),
    ("B", "2026-02", "service_cost", "complaint", "support_team"): (45, SUPPORT),
    ("B", "2026-02", "service_cost", "call_center", "support_team"): (8 + 12, SUPPORT),
    # C was won by prospect P2's call: acquisition
    ("C", "2026-01", "acquisition_cost", "sales_call", "sales_team"): (30, SALES),
    ("C", "2026-02", "fulfilment_cost", "order_handling", "ops_team"): (5 + 2 * 2, OPS),
}


def expected(name: str) -> list[dict]:
    with open(EXPECTED / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def number_columns(row: dict) -> dict:
    out = {}
    for k, v in row.items():
        try:
            out[k] = float(v)
        except (TypeError, ValueError):
            continue
    return out


@pytest.mark.parametrize("customer_id", CUSTOMERS)
def test_customer_gives_the_runs_figures(client, customer_id):
    body = client.get(f"/api/customers/{customer_id}").json()
    want = next(r for r in expected("customer_summary") if r["customer_id"] == customer_id)
    for column, value in number_columns(want).items():
        assert body["summary"][column] == pytest.approx(value, abs=0.005), column
    periods = [r for r in expected("customer_pnl") if r["customer_id"] == customer_id]
    assert [p["period"] for p in body["pnl"]] == [p["period"] for p in periods]
    for got, want_row in zip(body["pnl"], periods):
        for column, value in number_columns(want_row).items():
            assert got[column] == pytest.approx(value, abs=0.005), (got["period"], column)


@pytest.mark.parametrize("customer_id", CUSTOMERS)
def test_trace_is_the_hand_worked_costing(client, customer_id):
    trace = client.get(f"/api/customers/{customer_id}").json()["trace"]
    got = {
        (customer_id, r["period"], r["line"], r["activity"], r["resource"]): (
            r["minutes"],
            r["cost_per_minute"],
            r["cost"],
        )
        for r in trace
    }
    want = {k: v for k, v in HAND_TRACE.items() if k[0] == customer_id}
    assert set(got) == set(want)
    for key, (minutes, rate) in want.items():
        assert got[key] == pytest.approx((minutes, rate, minutes * rate)), key


@pytest.mark.parametrize("customer_id", CUSTOMERS)
def test_trace_adds_up_to_the_activity_costed_lines(client, customer_id):
    body = client.get(f"/api/customers/{customer_id}").json()
    sums: dict[tuple[str, str], float] = {}
    for r in body["trace"]:
        sums[(r["period"], r["line"])] = sums.get((r["period"], r["line"]), 0.0) + r["cost"]
    for row in body["pnl"]:
        for line in ACTIVITY_LINES:
            assert sums.pop((row["period"], line), 0.0) == pytest.approx(row[line], abs=0.005)
    assert not sums, "trace rows for periods without a P&L row"


def test_unknown_customer_is_404(client):
    response = client.get("/api/customers/NOPE")
    assert response.status_code == 404
    assert response.json() == {"error": "unknown customer"}


def test_list_is_the_summary_in_rank_order(client):
    body = client.get("/api/customers").json()
    assert body["total"] == 3
    assert [r["customer_id"] for r in body["rows"]] == ["A", "B", "C"]
    assert [r["profit"] for r in body["rows"]] == pytest.approx([807.7, 135.35, -244.39])


@pytest.mark.parametrize(
    ("params", "ids", "total"),
    [
        ("sort=profit&order=asc", ["C", "B", "A"], 3),
        ("sort=service_cost&order=desc", ["B", "A", "C"], 3),  # A and C tie at 0: by id
        ("sort=customer_id&order=desc", ["C", "B", "A"], 3),
        ("segment=smb&sort=profit&order=desc", ["B", "C"], 2),
        ("segment=smb&limit=1&offset=1", ["C"], 2),
        ("q=b", ["B"], 1),  # case-insensitive
        ("loss=1", ["C"], 1),
        ("status=new&segment=enterprise", ["A"], 1),
        ("segment=nosuch", [], 0),
        ("offset=10", [], 3),
    ],
)
def test_list_sorts_filters_and_pages(client, params, ids, total):
    body = client.get(f"/api/customers?{params}").json()
    assert [r["customer_id"] for r in body["rows"]] == ids
    assert body["total"] == total


@pytest.mark.parametrize(
    "params",
    [
        "sort=profit;drop",
        "order=up",
        "limit=0",
        "limit=5000",
        "offset=-1",
        "limit=abc",
        "sort=__class__",
    ],
)
def test_bad_list_parameters_are_400_naming_what_was_expected(client, params):
    response = client.get(f"/api/customers?{params}")
    assert response.status_code == 400
    assert "must be" in response.json()["error"]


def test_csv_is_the_current_view_in_its_order(client):
    response = client.get("/customers.csv?segment=smb&sort=profit&order=asc")
    assert response.status_code == 200
    rows = list(csv.DictReader(response.text.splitlines()))
    assert [r["customer_id"] for r in rows] == ["C", "B"]
    assert float(rows[0]["profit"]) == pytest.approx(-244.39)


def test_customer_page_shows_the_open_invoices_by_aging_bucket(client):
    # INV3 (2,000 on 2026-02-10, 1,000 paid) is due 2026-03-12: 19 days past due on 03-31
    page = client.get("/customers/A").text
    aging = page[page.index('id="aging"') :]
    aging = aging[: aging.index("</table>")]
    assert '<td>1-30</td><td class="num">1</td><td class="num">1,000.00</td>' in aging
    assert 'id="aging"' not in client.get("/customers/B").text  # B owes nothing
