"""A generated customer's expected profit to come, from the generator's own laws.

Shared by the planted truths that value customers: a prospect's lifetime profit if won
(:mod:`profitlens.generate.prospect_truth`) and the value of the customers a heavy referrer
brought (:mod:`profitlens.generate.referrals`). A customer alive now stays alive month by month
with the BG/NBD dropout rate ``lam × p`` per day; while alive it earns its expected gross margin
and costs its expected cost to serve each month, and after dropping out it is still served for
``SERVED_AFTER_DROPOUT_DAYS`` on average; months are discounted at ``ANNUAL_DISCOUNT_RATE``.
"""

from __future__ import annotations

import numpy as np

from . import config as cfg
from .planted import expected_monthly_cost_to_serve, expected_monthly_margin

HORIZON_MONTHS = 36
ANNUAL_DISCOUNT_RATE = 0.10  # what costmodel_yaml writes
SERVED_AFTER_DROPOUT_DAYS = 39.5  # mean of 20..59 days
DAYS_PER_MONTH = 365.25 / 12


def monthly_margin_and_cost(
    cust: dict[str, np.ndarray], idx: np.ndarray, window: cfg.Window
) -> tuple[np.ndarray, np.ndarray]:
    """Expected gross margin and cost to serve per served month of customers ``idx``, at the
    mean seasonality and the as-of date's wages."""
    margin = expected_monthly_margin(cust, idx) * cfg.SEASONALITY.mean()
    return margin, expected_monthly_cost_to_serve(cust, idx, wage=cfg.wage(window.months - 1))


def first_order_margin(cust: dict[str, np.ndarray], idx: np.ndarray, margin: np.ndarray):
    """Expected gross margin of one order of customers ``idx`` (their first), from their
    expected ``margin`` per month."""
    return margin / np.maximum(cust["lam"][idx] * 30.4, 1e-12)


def survival(cust: dict[str, np.ndarray], idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chance that customers ``idx``, alive now, are still alive after 0, 1, ... horizon
    months (customers × horizon + 1), and the discount factor of each month of the horizon."""
    months = np.arange(HORIZON_MONTHS + 1, dtype=float)
    rate = cust["lam"][idx] * cust["p"][idx] * DAYS_PER_MONTH
    return np.exp(-np.outer(rate, months)), (1.0 + ANNUAL_DISCOUNT_RATE) ** (-months[1:] / 12.0)


def profit_to_come(
    cust: dict[str, np.ndarray], idx: np.ndarray, margin: np.ndarray, cost: np.ndarray
) -> np.ndarray:
    """Discounted expected operating profit over the horizon of customers ``idx`` alive now
    (see the module docstring), from their monthly ``margin`` and ``cost``; before any turn
    and write-off (``prospect_truth.lifetime_profit`` takes those off)."""
    alive, discount = survival(cust, idx)
    served = (0.5 * (alive[:, :-1] + alive[:, 1:])) @ discount
    dropouts = (alive[:, :-1] - alive[:, 1:]) @ discount
    served_after = cost * SERVED_AFTER_DROPOUT_DAYS / DAYS_PER_MONTH
    return (margin - cost) * served - served_after * dropouts
