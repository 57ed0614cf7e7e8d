"""Generated companies through the real pipeline: clean data is all used, planted bad rows are
exactly what is quarantined, and the whale curve has the shape Kaplan describes."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from generated import SMALL, read

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run


def test_clean_data_quarantines_nothing(medium, tmp_path):
    info = run(medium, tmp_path / "out")
    assert len(pd.read_csv(tmp_path / "out" / "quarantine.csv")) == 0
    assert all(c["quarantined"] == 0 and c["read"] == c["used"] for c in info["rows"].values())
    assert info["as_of"] == "2023-12-31"
    generation = json.loads((medium / "truth" / "generation.json").read_text())
    assert {t: c["read"] for t, c in info["rows"].items()} == generation["rows"]


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_planted_bad_rows_are_exactly_the_quarantined_rows(tmp_path, fmt):
    company = generate_company(tmp_path / "data", **SMALL, fmt=fmt, dirty=0.05)
    run(company.out_dir, tmp_path / "out", as_of=dt.date.fromisoformat(company.as_of))
    quarantined = pd.read_csv(tmp_path / "out" / "quarantine.csv")
    planted = read(company.out_dir / "truth", "dirty_rows")
    assert len(planted) > 50
    assert set(zip(quarantined.table, quarantined.row)) == set(zip(planted.table, planted.row))


def test_clean_rows_of_dirty_data_give_the_clean_results(tmp_path):
    clean = generate_company(tmp_path / "clean", **SMALL)
    dirty = generate_company(tmp_path / "dirty", **SMALL, dirty=0.05)
    as_of = dt.date.fromisoformat(clean.as_of)
    run(clean.out_dir, tmp_path / "a", as_of=as_of)
    run(dirty.out_dir, tmp_path / "b", as_of=as_of)
    a = pd.read_csv(tmp_path / "a" / "customer_summary.csv").set_index("customer_id")
    b = pd.read_csv(tmp_path / "b" / "customer_summary.csv").set_index("customer_id")
    assert a.index.equals(b.index)
    assert (a.profit - b.profit).abs().max() < 0.01


@pytest.mark.slow
def test_whale_curve_of_the_demo_company(tmp_path):
    """Demo size (3,000 customers, 24 months): the most profitable 20% earn 150-300% of total
    profit and the least profitable customers lose money (Kaplan & Cooper's whale curve)."""
    company = generate_company(tmp_path / "data", customers=3000, months=24, seed=0)
    run(company.out_dir, tmp_path / "out")
    s = pd.read_parquet(tmp_path / "out" / "customer_summary.parquet").sort_values("rank")
    total = s.profit.sum()
    assert total > 0
    top = s.profit.iloc[: len(s) // 5].sum() / total
    assert 1.5 <= top <= 3.0
    assert s.cumulative_profit_share.max() == pytest.approx(top, abs=0.5)
    tail = s.profit.iloc[-len(s) // 10 :]
    assert (tail < 0).all() and tail.sum() < -0.3 * total
