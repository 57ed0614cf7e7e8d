"""Referrals: each customer won through the ``referral`` channel names an earlier customer.

The referrer is drawn among the chunk's customers acquired strictly before, with weight 1, or
``HEAVY_REFERRER_WEIGHT`` for the planted heavy referrers; referred customers refer in their turn,
so chains form. The referrer is paid a reward that depends on the referred customer's segment.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as cfg
from .ids import dates, floats
from .value_to_come import (
    DAYS_PER_MONTH,
    first_order_margin,
    monthly_margin_and_cost,
    profit_to_come,
)


def draw_referrals(rng: np.random.Generator, cust: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Referral rows, one per referred customer; a referral customer with no earlier customer
    in the chunk is moved to the ``web`` channel."""
    acquired = cust["acquired_day"]
    order = np.argsort(acquired, kind="stable")
    weight = np.where(cust["heavy_referrer"], cfg.HEAVY_REFERRER_WEIGHT, 1.0)[order]
    cum = np.cumsum(weight)
    referred = np.flatnonzero(cust["channel"] == 3)
    before = np.searchsorted(acquired[order], acquired[referred], side="left")
    orphan = before == 0
    cust["channel"][referred[orphan]] = 2
    referred, before = referred[~orphan], before[~orphan]
    u = rng.random(referred.size) * cum[before - 1]
    referrer = order[np.minimum(np.searchsorted(cum, u, side="right"), before - 1)]
    return {
        "referrer": referrer,
        "referred": referred,
        "day": acquired[referred],
        "reward": cfg.seg_param("referral_reward")[cust["seg"][referred]],
    }


def referrals_table(refs: dict[str, np.ndarray], cust_ids: pa.Array) -> pa.Table:
    """``referrals`` rows of a chunk, in date order."""
    order = np.lexsort((refs["referred"], refs["day"]))
    return pa.table(
        {
            "referrer_id": cust_ids.take(pa.array(refs["referrer"][order])),
            "referred_id": cust_ids.take(pa.array(refs["referred"][order])),
            "referred_on": dates(refs["day"][order]),
            "reward": floats(refs["reward"][order]),
        }
    )


def plant_advocates_customers(cust: dict[str, np.ndarray], refs: dict[str, np.ndarray]) -> None:
    """The customers a heavy referrer brought are like it: loyal to the supplier and easy to
    serve (referred customers are more valuable: Schmitt, Skiera & Van den Bulte 2011). None of
    them is a high-service customer; their service propensity is scaled by
    ``ADVOCATE_SERVICE_FACTOR``, their typical order by ``ADVOCATE_ORDER_FACTOR``, and they pay
    promptly; none of them turns (``cust["advocate_brought"]``, read by the turning plant).
    Their purchase process (BG/NBD rates) is untouched."""
    referred = refs["referred"][cust["heavy_referrer"][refs["referrer"]]]
    cust["advocate_brought"] = np.zeros(len(cust["lam"]), bool)
    cust["advocate_brought"][referred] = True
    high = cust["high_service"][referred]
    cust["service"][referred] *= cfg.ADVOCATE_SERVICE_FACTOR / np.where(
        high, cfg.HIGH_SERVICE_FACTOR, 1.0
    )
    cust["high_service"][referred] = False
    cust["order_median"][referred] *= cfg.ADVOCATE_ORDER_FACTOR
    cust["payer"][referred] = 0


def referred_value(
    cust: dict[str, np.ndarray], refs: dict[str, np.ndarray], window: cfg.Window
) -> np.ndarray:
    """The planted value of each referred customer: its expected operating profit to date and
    to come, from the generator's own laws (not from what profitlens estimates).

    To date: its first order's gross margin, plus its expected gross margin per month
    (``planted.expected_monthly_margin``) for the months it was alive inside the window (to its
    last purchase when it dropped out), less its expected cost to serve per month
    (``planted.expected_monthly_cost_to_serve``) for the months it was served. To come, when it
    is alive at the as-of date: its discounted expected operating profit over the 36-month
    horizon (``value_to_come.profit_to_come``). Both at the as-of date's wages; rewards and
    acquisition effort (one-offs) are left out.
    """
    j = refs["referred"]
    margin, cost = monthly_margin_and_cost(cust, j, window)
    first = first_order_margin(cust, j, margin)
    alive = cust["alive"][j]
    start = cust["acquired_day"][j]
    bought = (np.where(alive, window.as_of_day, cust["dropout_day"][j]) - start) / DAYS_PER_MONTH
    served = (np.minimum(cust["active_end"][j], window.as_of_day) - start + 1) / DAYS_PER_MONTH
    to_date = first + margin * bought - cost * served
    return to_date + np.where(alive, profit_to_come(cust, j, margin, cost), 0.0)
