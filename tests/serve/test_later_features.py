"""Tables and columns of later features are shown when a run has them; a run written without
the DuckDB file is served from its Parquet files."""

from __future__ import annotations

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from profitlens.serve import create_app


@pytest.fixture(scope="module")
def later_client(tiny_out, tmp_path_factory):
    """The worked example's outputs as Parquet only, with the later features' outputs added."""
    out = tmp_path_factory.mktemp("later") / "out"
    shutil.copytree(tiny_out, out, ignore=shutil.ignore_patterns("profitlens.duckdb"))
    summary = pq.read_table(out / "customer_summary.parquet")
    extra = {
        "recommendation": ["keep", "reprice", "end"],
        "recommendation_reason": ["earns well", "thin margin", "credit losses exceed it"],
        "referral_value": [120.5, 0.0, 0.0],
        "value_quadrant": ["champion", "miser", "miser"],
    }
    order = summary.column("customer_id").to_pylist()  # A, B, C (rank order)
    assert order == ["A", "B", "C"]
    for name, values in extra.items():  # the run may have written its own: replace them
        if name in summary.column_names:
            summary = summary.set_column(
                summary.schema.get_field_index(name), name, pa.array(values)
            )
        else:
            summary = summary.append_column(name, pa.array(values))
    pq.write_table(summary, out / "customer_summary.parquet")
    pq.write_table(
        pa.table(
            {
                "prospect_id": ["P1"],
                "p_convert": [0.35],
                "expected_lifetime_profit": [900.0],
                "expected_service_cost": [40.0],
                "expected_pursuit_cost": [60.0],
                "expected_return": [255.0],
                "recommendation": ["pursue"],
                "reasons": ["segment converts well"],
            }
        ),
        out / "prospect_scores.parquet",
    )
    pq.write_table(
        pa.table({"customer_id": ["C", "C"], "option": ["keep", "end"], "npv": [-120.0, 35.5]}),
        out / "decisions.parquet",
    )
    (out / "cost_trace.parquet").unlink()
    return TestClient(create_app(out), raise_server_exceptions=False)


def test_recommendation_and_referral_columns_in_the_list(later_client):
    body = later_client.get("/api/customers?recommendation=end").json()
    assert [r["customer_id"] for r in body["rows"]] == ["C"]
    assert body["rows"][0]["recommendation_reason"] == "credit losses exceed it"
    assert later_client.get("/api/customers?quadrant=champion").json()["total"] == 1
    page = later_client.get("/customers").text
    assert "Recommendation" in page and "Referral value" in page and "champion" in page
    assert '<option value="reprice"' in page


def test_customer_page_shows_recommendation_and_decisions(later_client):
    page = later_client.get("/customers/C").text
    assert "credit losses exceed it" in page
    assert 'id="decisions"' in page and "35.50" in page
    assert 'id="trace-missing"' in page  # no cost_trace in this run
    assert later_client.get("/api/customers/C").json()["trace"] == []


def test_prospects_page_lists_the_scores(later_client):
    page = later_client.get("/prospects").text
    assert "Not in this run" not in page
    assert "P1" in page and "segment converts well" in page and "255.00" in page
