"""Figures on hand-made frames with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from profitlens.contract import COST_LINES, PNL_COLUMNS
from profitlens.report import figures


def summary_of(profits, ids=None, revenue=None, rank=True):
    n = len(profits)
    frame = pd.DataFrame({"customer_id": ids or [f"c{i}" for i in range(n)]})
    for c in PNL_COLUMNS:
        frame[c] = 0.0
    frame["profit"] = np.asarray(profits, dtype="float64")
    frame["revenue"] = revenue if revenue is not None else 100.0
    if rank:
        order = sorted(range(n), key=lambda i: (-round(profits[i], 2), frame["customer_id"][i]))
        frame["rank"] = pd.Series(range(1, n + 1), index=order).sort_index().astype("int64")
    return frame


def test_headline_top_share_and_loss_makers():
    # 10 customers: top 20% = the 2 best (100 + 50 = 150) of total 150 + 30 - 20 - 10 = 150
    profits = [30, -20, 100, 0, 50, -10, 0, 0, 0, 0]
    h = figures.headline_figures(
        summary_of(profits), None, {"as_of": "2026-03-31", "currency": "EUR"}
    )
    assert h.customers == 10 and h.top_count == 2
    assert h.profit == pytest.approx(150.0) and h.top_share == pytest.approx(1.0)
    assert h.loss_makers == 2 and h.loss_total == pytest.approx(-30.0)
    assert h.revenue == pytest.approx(1000.0) and h.margin == pytest.approx(0.15)
    assert h.reconciled is None and h.as_of == "2026-03-31"


def test_headline_rounding_and_ceiling():
    # 6 customers: top = ceil(1.2) = 2; -0.004 rounds to 0.00 and is no loss maker
    profits = [10.0, 5.0, 3.0, 2.0, -0.004, -4.0]
    h = figures.headline_figures(summary_of(profits), None, {})
    assert h.top_count == 2
    assert h.top_share == pytest.approx(15.0 / 15.996)
    assert h.loss_makers == 1 and h.loss_total == pytest.approx(-4.0)


def test_headline_without_positive_profit():
    h = figures.headline_figures(summary_of([-5.0, 2.0]), None, {})
    assert h.top_share is None and h.loss_makers == 1


def test_rank_fallback_rounds_to_cent_and_breaks_ties_by_id():
    frame = summary_of([5.001, 5.004, 7.0], ids=["b", "a", "c"], rank=False)
    assert "rank" not in frame.columns
    np.testing.assert_allclose(figures.profit_by_rank(frame), [7.0, 5.004, 5.001])


def test_whale_curve_small_exact():
    curve = figures.whale_curve(summary_of([807.7, 135.35, -244.39]))
    np.testing.assert_allclose(curve["customer_share"], [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(curve["profit_share"], [0, 807.7 / 698.66, 943.05 / 698.66, 1.0])


def test_whale_curve_downsampled_keeps_peak_and_end():
    rng = np.random.default_rng(3)
    profits = rng.normal(10, 40, 200_000)
    curve = figures.whale_curve(summary_of(list(profits), rank=False))
    assert len(curve) <= 1000
    assert curve.iloc[0].tolist()[:2] == [0.0, 0.0]
    assert curve["customer_share"].iloc[-1] == 1.0
    assert curve["profit_share"].iloc[-1] == pytest.approx(1.0)
    assert curve["customer_share"].is_monotonic_increasing
    # the contract's order: profit rounded to the cent descending, ties by customer_id
    ids = [f"c{i}" for i in range(len(profits))]
    order = sorted(range(len(profits)), key=lambda i: (-round(profits[i], 2), ids[i]))
    ordered = profits[order]
    exact_peak = np.cumsum(ordered).max() / ordered.sum()
    assert curve["profit_share"].max() == pytest.approx(exact_peak, rel=1e-12)


def test_whale_curve_none_without_profit():
    assert figures.whale_curve(summary_of([-1.0, 0.5])) is None


def test_histogram_counts_every_customer_and_has_an_edge_at_zero():
    rng = np.random.default_rng(1)
    values = pd.Series(np.concatenate([rng.normal(50, 30, 5000), [1e6, -1e6]]))
    hist = figures.profit_histogram(values)
    assert hist.bins["customers"].sum() == len(values)
    assert hist.clipped_low >= 1 and hist.clipped_high >= 1
    edges = np.concatenate([hist.bins["start"], hist.bins["end"][-1:]])
    assert np.any(np.isclose(edges, 0.0))
    assert (hist.bins["loss"] == (hist.bins["end"] <= 0)).all()
    assert len(hist.bins) <= 45


def test_histogram_tiny():
    hist = figures.profit_histogram(pd.Series([807.7, 135.35, -244.39]))
    # range 1052.09 / 40 = 26.3 -> width 50; bands from -250 to 850
    assert hist.bins["start"].iloc[0] == -250 and hist.bins["end"].iloc[-1] == 850
    assert hist.bins["customers"].sum() == 3
    assert hist.bins.loc[hist.bins["customers"] > 0, "start"].tolist() == [-250, 100, 800]


def test_waterfall_chain():
    frame = summary_of([0.0])
    frame.loc[0, ["revenue", "cogs", "commission", "credit_cost"]] = [100.0, 60.0, 5.0, 2.5]
    frame.loc[0, "gross_margin"], frame.loc[0, "profit"] = 40.0, 32.5
    steps = figures.portfolio_waterfall(frame)
    assert steps["line"].tolist() == ["revenue", "cogs", *COST_LINES, "profit"]
    assert steps["end"].iloc[0] == 100.0
    cogs = steps.set_index("line").loc["cogs"]
    assert (cogs["start"], cogs["end"], cogs["amount"]) == (100.0, 40.0, -60.0)
    assert steps["end"].iloc[-2] == pytest.approx(32.5) == steps["end"].iloc[-1]


def test_segment_costs_pools_small_segments():
    frame = summary_of([10.0, -5.0, 3.0, 1.0], revenue=[400.0, 300.0, 200.0, 100.0])
    frame["gross_margin"] = [40.0, 10.0, 20.0, 5.0]
    frame["segment"] = ["a", "b", None, "c"]
    table = figures.segment_costs(frame, max_segments=3).set_index("segment")
    assert table.index.tolist() == ["a", "b", "other"]
    assert table.loc["other", "customers"] == 2 and table.loc["other", "revenue"] == 300.0
    assert table.loc["b", "loss_makers"] == 1
    assert table.loc["a", "cost_to_serve"] == 30.0
    assert table.loc["b", "margin"] == pytest.approx(-5 / 300)


def test_segment_costs_absent():
    assert figures.segment_costs(summary_of([1.0])) is None


def test_reconciliation_to_the_cent():
    parts = pd.DataFrame(
        {
            "resource": ["r", "r"],
            "period": ["2026-01", "2026-02"],
            "cost": [100.0, 100.0],
            "charged_to_customers": [60.0, 60.0],
            "pursuit_cost": [10.0, 10.0],
            "unused_capacity": [30.004, 30.006],
        }
    )
    recon = figures.reconciliation(parts)
    assert recon["ok"].tolist() == [True, False]


def test_row_conservation():
    quarantine = pd.DataFrame(
        {
            "table": ["a", "a", "a"],
            "row": [2, 2, 5],
            "column": None,
            "value": None,
            "reason": ["x", "y", "x"],
        }
    )
    info = {
        "rows": {
            "a": {"read": 10, "used": 8, "quarantined": 2},
            "b": {"read": 3, "used": 2, "quarantined": 0},
        }
    }
    frame = figures.row_conservation(info, quarantine).set_index("table")
    assert frame.loc["a", "in_quarantine_file"] == 2 and frame.loc["a", "ok"]
    assert not frame.loc["b", "ok"]
    counts = figures.quarantine_counts(quarantine)
    assert counts[["reason", "entries", "rows"]].values.tolist() == [["x", 2, 2], ["y", 1, 1]]


def test_reasons_group_without_their_values():
    assert figures.reason_kind("unknown customer CX-7", "CX-7") == "unknown customer \u2026"
    assert (
        figures.reason_kind("unknown activity demo (not in costmodel.yaml)", "demo")
        == "unknown activity \u2026 (not in costmodel.yaml)"
    )
    assert figures.reason_kind("negative minutes", "-15") == "negative minutes"
    assert figures.reason_kind("row 1 repeats row 11", "1") == "row \u2026 repeats row 11"
    quarantine = pd.DataFrame(
        {
            "table": ["t", "t", "t"],
            "row": [3, 9, 9],
            "column": ["customer_id"] * 3,
            "value": ["X1", "X2", "X2"],
            "reason": ["unknown customer X1", "unknown customer X2", "unknown customer X2"],
        }
    )
    counts = figures.quarantine_counts(quarantine)
    assert counts[["reason", "entries", "rows", "example"]].values.tolist() == [
        ["unknown customer \u2026", 3, 2, "row 3, customer_id = 'X1'"]
    ]
