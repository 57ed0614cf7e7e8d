"""The planted value of a prospect: what winning it is worth, what its pursuit will still cost.

Computed from the generator's own laws, independently of profitlens's models:

- **Lifetime profit of a customer won from a prospect of segment s** (``lifetime_profit``):
  the mean, over a large fixed sample of customers drawn as the generator draws a won
  prospect's customer (segment s, the direct_sales channel), of the first order's gross margin
  plus, for each month m = 1..36 (the lifetime-value horizon), the discount factor
  ``1.1^(-m/12)`` times its expected operating profit per served month (``planted.
  expected_monthly_margin`` less ``planted.expected_monthly_cost_to_serve``: every cost to
  serve and commission) times the chance it is still alive, ``(S(m-1) + S(m)) / 2`` with
  ``S(t) = exp(-lambda p t)`` (under BG/NBD a customer drops out after a purchase with chance
  p, so at rate lambda p), less the cost of the few weeks it is still served after dropping
  out (``purchases._active_end``: 20-59 days).
- **Pursuit cost still to come** of an open prospect (``remaining_pursuit_cost``): one sales
  call per ten days from the as-of date to the pursuit's planted end and the closing proposal
  of an enterprise or mid-market pursuit, at the sales team's cost per capacity minute.
"""

from __future__ import annotations

import numpy as np

from . import config as cfg
from .customers import draw_customers
from .planted import expected_monthly_cost_to_serve, expected_monthly_margin

HORIZON_MONTHS = 36
ANNUAL_DISCOUNT_RATE = 0.10  # what costmodel_yaml writes
SAMPLE_PER_SEGMENT = 40_000
_SERVED_AFTER_DROPOUT_DAYS = 39.5  # mean of 20..59 days
_DAYS_PER_MONTH = 365.25 / 12


def lifetime_profit(window: cfg.Window) -> np.ndarray:
    """Expected discounted lifetime profit of a new customer won from a prospect, by segment."""
    rng = np.random.default_rng(np.random.SeedSequence(20240, spawn_key=(7,)))
    n_seg = len(cfg.SEGMENTS)
    n = SAMPLE_PER_SEGMENT * n_seg
    seg = np.repeat(np.arange(n_seg), SAMPLE_PER_SEGMENT)
    forced = {
        "idx": np.arange(n),
        "seg": seg,
        "acquired_day": np.full(n, window.as_of_day),
        "region": rng.integers(0, len(cfg.REGIONS), n),
        "industry": rng.integers(0, len(cfg.INDUSTRIES), n),
        "employees": np.ones(n),
    }
    cust = draw_customers(rng, n, window, forced)
    idx = np.arange(n)
    margin, cost = monthly_margin_and_cost(cust, idx, window)
    first = margin / np.maximum(cust["lam"] * 30.4, 1e-12)  # one order's gross margin
    return np.bincount(seg, first + profit_to_come(cust, idx, margin, cost)) / np.bincount(seg)


def monthly_margin_and_cost(
    cust: dict[str, np.ndarray], idx: np.ndarray, window: cfg.Window
) -> tuple[np.ndarray, np.ndarray]:
    """Expected gross margin and cost to serve per served month of customers ``idx``, at the
    mean seasonality and the as-of date's wages."""
    wage = (1.0 + cfg.WAGE_RISE) ** ((window.months - 1) // 12)
    margin = expected_monthly_margin(cust, idx) * cfg.SEASONALITY.mean()
    return margin, expected_monthly_cost_to_serve(cust, idx, wage=wage)


def profit_to_come(
    cust: dict[str, np.ndarray], idx: np.ndarray, margin: np.ndarray, cost: np.ndarray
) -> np.ndarray:
    """Discounted expected operating profit over the horizon of customers ``idx`` alive now
    (see the module docstring), from their monthly ``margin`` and ``cost``."""
    months = np.arange(HORIZON_MONTHS + 1, dtype=float)
    rate = cust["lam"][idx] * cust["p"][idx] * _DAYS_PER_MONTH
    alive = np.exp(-np.outer(rate, months))
    discount = (1.0 + ANNUAL_DISCOUNT_RATE) ** (-months[1:] / 12.0)
    alive_months = (0.5 * (alive[:, :-1] + alive[:, 1:])) @ discount
    dropouts = (alive[:, :-1] - alive[:, 1:]) @ discount
    served_after = cost * _SERVED_AFTER_DROPOUT_DAYS / _DAYS_PER_MONTH
    return (margin - cost) * alive_months - served_after * dropouts


def remaining_pursuit_cost(pros: dict[str, np.ndarray], window: cfg.Window) -> np.ndarray:
    """Expected cost of what each pursuit still has to do after the as-of date (0 once over)."""
    rate = cfg.RESOURCES["sales_team"][0] * (1.0 + cfg.WAGE_RISE) ** ((window.months - 1) // 12)
    days = np.maximum(pros["end_day"] - window.as_of_day, 0)
    proposal = (pros["seg"] < 2) & (days > 0)
    return rate * (days / 10.0 * 30.0 + proposal * 240.0)
