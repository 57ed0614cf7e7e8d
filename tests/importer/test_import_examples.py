"""The worked examples' mappings on small hand-made extracts in the shape of the real files.

The expected figures are worked out by hand from the extracts (tests/data/*_extract) and the
examples' cost models; see each test.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from profitlens.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"


def _import_and_run(tmp_path: Path, example: str, extract: str) -> Path:
    data, out = tmp_path / "data", tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "import",
            str(DATA / extract),
            "--mapping",
            str(REPO / "examples" / example / "mapping.yaml"),
            "--out",
            str(data),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "0.00% of rows quarantined" in " ".join(result.output.split())
    result = runner.invoke(
        app, ["run", str(data), "--out", str(out), "--no-report", "--no-database"]
    )
    assert result.exit_code == 0, result.output
    return out


def _summary(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "customer_summary.parquet").set_index("customer_id")


def test_olist_customers_are_people_and_their_costs_add_up(tmp_path):
    out = _import_and_run(tmp_path, "olist", "olist_extract")
    s = _summary(out)
    # 5 Olist customer_ids, 3 people: p1 ordered twice, p3's second order was canceled
    assert sorted(s.index) == ["p1", "p2", "p3"]
    assert s.loc["p1", "segment"] == "southeast" and s.loc["p2", "segment"] == "north"
    # p1: items 100 + 50 + 100, freight 20 + 15 (the canceled order o5 of p3 is left out)
    assert s.loc["p1", "revenue"] == pytest.approx(285.0)
    assert s.loc["p1", "cogs"] == pytest.approx(0.6 * 250)
    # p2: item 20 (cogs 12) and freight 30; a 1-star review = one complaint (45 min of the
    # service team at 1,750 / 4,032 per minute); fulfilment = the carriers' 30 (1 BRL a
    # minute) + handling 10 + 3 x 2 lines = 16 min of the warehouse at 3,000 / 8,064
    complaint, handling = 45 * 1750 / 4032, 16 * 3000 / 8064
    assert s.loc["p2", "service_cost"] == pytest.approx(complaint, abs=1e-6)
    assert s.loc["p2", "fulfilment_cost"] == pytest.approx(30 + handling, abs=1e-6)
    assert s.loc["p2", "profit"] == pytest.approx(50 - 12 - complaint - 30 - handling, abs=1e-6)
    # p3: o4 (50 + freight 10) bought 2/28 23:59, approved 3/1: one day of 60 carried at 12%
    # a year; and the 2-star review of the canceled order is a complaint worked all the same
    carried = 60 * 0.12 / 365
    assert s.loc["p3", "credit_cost"] == pytest.approx(carried, abs=1e-6)
    assert s.loc["p3", "profit"] == pytest.approx(
        60 - 30 - 10 - handling - complaint - carried, abs=1e-6
    )
    usage = pd.read_parquet(out / "resource_usage.parquet")
    carriers = usage[usage["resource"] == "carriers"]
    assert carriers["unused_cost"].abs().max() < 1e-6  # freight passed through exactly
    assert carriers["cost"].sum() == pytest.approx(20 + 30 + 10 + 15)


def test_ibm_receivables_carry_their_days_and_disputes(tmp_path):
    out = _import_and_run(tmp_path, "ibm_ar", "ibm_ar_extract")
    s = _summary(out)
    assert sorted(s.index) == ["0042-KDUWE", "0379-NEVHP", "8976-AMJEO"]
    # 8976-AMJEO: one invoice of 61.74 thousand, due 2/25, disputed, settled 3/3 (6 days late)
    revenue = 61_740.0
    assert s.loc["8976-AMJEO", "revenue"] == pytest.approx(revenue)
    assert s.loc["8976-AMJEO", "cogs"] == pytest.approx(0.7 * revenue)
    # carried from 1/26 through 3/2 (the payment on 3/3 clears that day): 36 days at 8%
    assert s.loc["8976-AMJEO", "credit_cost"] == pytest.approx(revenue * 0.08 / 365 * 36, abs=1e-6)
    # dispute 90 min + collection call 20 min of the credit team; invoicing 6 min of billing
    service = (90 + 20) * 13000 / 15120 + 6 * 2250 / 3780
    assert s.loc["8976-AMJEO", "service_cost"] == pytest.approx(service, abs=1e-6)
    # 0042-KDUWE: a paper invoice of 20.5 thousand: invoicing 6 + printing 4 min of billing
    # and 4 of the mailing machine; paid 1/10 for an invoice of 12/20: 21 days carried
    paper = 10 * 2250 / 3780 + 4 * 400 / 4000
    assert s.loc["0042-KDUWE", "service_cost"] == pytest.approx(paper, abs=1e-6)
    assert s.loc["0042-KDUWE", "credit_cost"] == pytest.approx(20_500 * 0.08 / 365 * 21, abs=1e-6)
