"""Scores on a hand-made history, checked against hand-computed figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from profitlens.costmodel import CostModel
from profitlens.prospects.model import DEPTHS
from profitlens.prospects.scoring import (
    SCORE_COLUMNS,
    discounted_months,
    recommend,
    score_prospects,
)
from profitlens.prospects.tenure import ALL

MODEL = CostModel.model_validate(
    {
        "currency": "EUR",
        "annual_discount_rate": 0.10,
        "resources": {"sales_team": {"cost": 1000, "capacity_minutes": 1000}},
        "prospects": {"deprioritise_below": 1.0},
    }
)


def test_discounted_months_by_hand():
    assert discounted_months(np.array([0.0]), 0.0, 12)[0] == pytest.approx(12.0)
    by_hand = sum((math.exp(-0.1 * (m - 1)) + math.exp(-0.1 * m)) / 2 for m in (1, 2, 3))
    assert discounted_months(np.array([0.1]), 0.0, 3)[0] == pytest.approx(by_hand)
    assert discounted_months(np.array([0.0]), 0.10, 1)[0] == pytest.approx(1.1 ** (-1 / 12))


def test_recommend_thresholds():
    got = recommend(np.array([0.0, 99.0, 100.0, 5.0]), np.array([100.0, 100.0, 100.0, 0.0]), 1.0)
    assert got.tolist() == ["skip", "deprioritise", "pursue", "pursue"]


def history(n_open_a=1):
    """Segment a: 10 won, 5 lost; b: 5 won, 10 lost; open prospects of a and of unseen c."""
    rows = []
    for i in range(15):
        rows.append(("a", "won" if i < 10 else "lost"))
    for i in range(15):
        rows.append(("b", "won" if i < 5 else "lost"))
    rows += [("a", "open")] * n_open_a + [("c", "open")]
    frame = pd.DataFrame(rows, columns=["segment", "status"])
    frame.insert(0, "prospect_id", [f"P{i:03d}" for i in range(len(frame))])
    won = frame.status == "won"
    frame["created_on"] = pd.Timestamp("2025-01-01")
    frame["converted_customer_id"] = np.where(won, "C" + frame.prospect_id, None)
    frame["closed_on"] = None
    frame["pursuit_cost"] = np.where(frame.status == "open", 30.0, 100.0)
    frame["last_activity_on"] = pd.Timestamp("2025-02-01")
    frame["pursuit_days"] = np.where(frame.status == "open", 10.0, 20.0)
    frame["operating_profit"] = np.where(won, np.where(frame.segment == "a", 1000.0, 200.0), np.nan)
    frame["first_margin"] = np.where(won, 100.0, np.nan)
    frame["service_cost"] = np.where(won, 50.0, np.nan)
    frame["tenure_months"] = np.where(won, 10.0, np.nan)
    frame["churned"] = np.where(won, 0.0, np.nan)
    return frame


def test_shrinkage_scores_by_hand():
    result = score_prospects(history(), MODEL)
    table = result.table.set_index("prospect_id")
    assert list(result.table.columns) == list(SCORE_COLUMNS)
    assert result.settings["method"] == "shrinkage"  # 15 won: fewer than 200
    # every model's tree depth is recorded; shrinkage grows no trees (and nobody churned, so
    # there is no hazard model at all)
    models = ("conversion", "first_margin", "profit_rate", "service_rate", "hazard")
    assert result.settings["depth"] == dict.fromkeys((*models, "pursuit_cost_per_day"), None)
    months = sum(1.1 ** (-m / 12) for m in range(1, 37))  # nobody churned: alive 36 months
    # conversion: overall 15/30; a (10 + 20 x 0.5) / (15 + 20); unseen c: the overall rate
    # first purchase: a margin of 100 for everyone; the rest a month: a (1000 - 100) / 10 = 90,
    # b (200 - 100) / 10 = 10, overall (100 x 90 + 50 x 10) / 150 per month of tenure;
    # a: (10 x 10 x 90 + 20 x overall) / (100 + 20); pursuit: 100 over 21 days for every past
    # one, all ran 20 days: an open one 10 days in has 10 days to go
    overall = (10 * 10 * 90 + 5 * 10 * 10) / 150
    rate_a = (10 * 10 * 90 + 20 * overall) / 120
    a, c = table.loc["P030"], table.loc["P031"]
    assert a.p_convert == pytest.approx(20 / 35)
    assert c.p_convert == pytest.approx(0.5)
    assert a.expected_lifetime_profit == pytest.approx(100 + rate_a * months)
    assert c.expected_lifetime_profit == pytest.approx(100 + overall * months)
    assert a.expected_service_cost == pytest.approx(5.0 * months)
    assert a.expected_pursuit_cost == pytest.approx(100 / 21 * 10)
    assert a.expected_return == pytest.approx(20 / 35 * (100 + rate_a * months) - 100 / 21 * 10)
    assert a.recommendation == "pursue"
    assert "a prospects convert 1 in 2" in a.reasons
    assert result.table.prospect_id.tolist() == ["P030", "P031"]  # best return first


def test_few_past_outcomes_give_a_note_and_no_scores():
    frame = history()
    thin = frame[(frame.status == "open") | (frame.index < 19)]
    result = score_prospects(thin, MODEL)
    assert result.table is None
    assert "19 past prospects" in result.note and "20 needed" in result.note


def test_no_open_prospect_gives_no_table():
    frame = history()
    result = score_prospects(frame[frame.status != "open"], MODEL)
    assert result.table is None and "no prospect is open" in result.note


def test_scores_without_the_optional_columns():
    frame = history().drop(columns=["segment"])
    result = score_prospects(frame, MODEL)
    assert len(result.table) == 2
    assert result.table.p_convert.tolist() == pytest.approx([0.5, 0.5])
    assert np.isfinite(result.table.expected_return).all()


def test_scores_add_the_correction_of_the_segment():
    plain = score_prospects(history(), MODEL).table.set_index("prospect_id")
    tenure = {"a": -100.0, ALL: 40.0}
    got = score_prospects(history(), MODEL, tenure=tenure)
    table = got.table.set_index("prospect_id")
    lifetime = table.expected_lifetime_profit - plain.expected_lifetime_profit
    assert lifetime.loc["P030"] == pytest.approx(-100.0)  # segment a
    assert lifetime.loc["P031"] == pytest.approx(40.0)  # segment c, unseen: all customers
    assert table.expected_return.loc["P030"] == pytest.approx(
        plain.expected_return.loc["P030"] - 100.0 * plain.p_convert.loc["P030"]
    )
    assert got.settings["tenure_correction"] == tenure


def test_trees_record_the_depth_of_every_model():
    """With 200 won prospects or more the models are trees, each with a depth chosen by
    cross-validation among ``DEPTHS``; the run info names every model's."""
    past = history(n_open_a=0)
    past = past[past.status != "open"]
    rng = np.random.default_rng(0)
    copies = []
    for k in range(20):  # 300 won, 300 lost; outcomes vary so that every model has a fit
        copy = past.assign(prospect_id=past.prospect_id + f"-{k}")
        won = copy.status == "won"
        copy["converted_customer_id"] = np.where(won, "C" + copy.prospect_id, None)
        copy["operating_profit"] = np.where(
            won, copy.operating_profit * rng.uniform(0.5, 1.5), np.nan
        )
        copy["churned"] = np.where(won, rng.random(len(copy)) < 0.3, np.nan)
        copies.append(copy)
    frame = pd.concat([*copies, history().tail(2)], ignore_index=True)
    result = score_prospects(frame, MODEL)
    assert result.settings["method"] == "trees"
    depths = result.settings["depth"]
    assert list(depths) == [
        "conversion",
        "first_margin",
        "profit_rate",
        "service_rate",
        "hazard",
        "pursuit_cost_per_day",
    ]
    assert all(depths[name] in DEPTHS for name in list(depths)[:-1])
