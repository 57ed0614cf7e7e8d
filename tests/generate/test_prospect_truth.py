"""The planted value of prospects (generate/prospect_truth.py), checked independently."""

from __future__ import annotations

import numpy as np
import pytest

from profitlens.generate import config as cfg
from profitlens.generate import prospect_truth as pt
from profitlens.generate.prospects import LOST_VISITS, VISITS, pursuit_length

WINDOW = cfg.Window(cfg.parse_start("2023-01-01"), 24)


def test_pursuit_cost_to_come_is_the_expectation_over_the_length_still_to_run():
    """Against a Monte Carlo of the generator's law: lengths drawn as draw_prospects draws
    them, kept when longer than the age, each priced call by call, visit by visit."""
    rng = np.random.default_rng(3)
    wage = 1.0 + cfg.WAGE_RISE  # the second year's pay
    sales, vehicle = 1.10 * wage, 0.35 * wage
    for seg, age, q in ((0, 0, 0.3), (0, 120, 0.2), (1, 30, 0.5), (2, 10, 0.6)):
        length = pursuit_length(np.full(400_000, seg), rng.gamma(2.0, 0.5, 400_000))
        length = length[length > age]
        days = length - age
        visits = VISITS[seg] * (q + LOST_VISITS * (1 - q)) * (length - 1 - age) / length
        cost = sales * (days / 10 * 30 + (seg < 2) * 240) + visits * 120 * (sales + vehicle)
        pros = {
            "seg": np.array([seg]),
            "q": np.array([q]),
            "created_day": np.array([WINDOW.as_of_day - age]),
        }
        assert pt.remaining_pursuit_cost(pros, WINDOW)[0] == pytest.approx(cost.mean(), rel=0.01)


def test_a_pursuit_beyond_every_length_still_has_a_day_and_its_proposal():
    pros = {"seg": np.array([1]), "q": np.array([0.5]), "created_day": np.array([-10_000])}
    wage = 1.0 + cfg.WAGE_RISE
    assert pt.remaining_pursuit_cost(pros, WINDOW)[0] == pytest.approx(1.10 * wage * (3 + 240))


def test_default_cost_by_hand():
    cust = {
        "seg": np.array([1, 1]),
        "order_median": np.array([500.0, 500.0]),
        "payer": np.array([3, 0]),
        "p": np.array([0.3, 0.3]),
    }
    sigma = cfg.SEGMENTS[1].order_sigma
    invoice = 500.0 * np.exp(sigma**2 / 2) * cfg.SEASONALITY.mean()
    delay = (cfg.SEGMENTS[1].terms_days + 120.0) / 365.25
    # chronic payers (weight 4) and prompt ones (0.2); two invoices less p / 3 on average
    expected = cfg.DEFAULTER_SHARE * np.array([4.0, 0.2]) * (2 - 0.1) * invoice * 1.1**-delay
    assert pt._default_cost(cust) == pytest.approx(expected)


def test_turning_chance_turns_the_planted_share():
    chance = pt.turning_chance(WINDOW, customers=20_000)
    assert cfg.TURNING_SHARE < chance <= 1.0


def test_the_stories_lower_the_lifetime_profit(monkeypatch):
    with_stories = pt.lifetime_profit(WINDOW)
    monkeypatch.setattr(pt, "turning_chance", lambda window: 0.0)
    monkeypatch.setattr(pt, "_default_cost", lambda cust: np.zeros(len(cust["lam"])))
    without = pt.lifetime_profit(WINDOW)
    assert (with_stories < without).all()
    assert without[0] > without[1] > without[2]  # enterprise, mid-market, smb
