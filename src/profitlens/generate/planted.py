"""Planted stories the tests and the analyst can look for: turning customers and defaulters.

* A **turning** customer is alive at the end and has bought for at least four months when, in
  its turn month, its orders start shrinking (to a quarter within six months, see
  ``invoices._turn_factor``) while its service demand jumps (``activities``), so that its monthly
  profit goes below zero a few months after the turn.
* A **defaulter** is a customer whose business failed: it stops buying (a BG/NBD dropout, so the
  purchase process is untouched), its last one to three invoices are never paid, and they are
  written off 90-150 days after the first missed due date, inside the window.
"""
from __future__ import annotations

import numpy as np

from . import config as cfg

_DEFAULT_WEIGHT = np.array([0.2, 0.6, 2.0, 4.0])     # by payer type: prompt .. chronic


def plant_turning(rng: np.random.Generator, cust: dict[str, np.ndarray],
                  window: cfg.Window) -> None:
    """Set ``cust['turn_month']``: window month of the turn, -1 for most customers."""
    n = len(cust["lam"])
    turn = np.full(n, -1, np.int64)
    lo, hi = max(3, window.months // 4), window.months - 4
    if hi >= lo:
        month = rng.integers(lo, hi + 1, n)
        starts = window.month_starts[month]
        ok = (cust["alive"] & (cust["acquired_day"] <= starts - 120)
              & (cust["lam"] * 30.4 >= 0.25) & ~cust["high_service"])
        pick = ok & (rng.random(n) < cfg.TURNING_SHARE / max(ok.mean(), 1e-9))
        turn[pick] = month[pick]
    cust["turn_month"] = turn


def expected_monthly_margin(cust: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Expected gross margin per month of customers ``idx`` before any turn (EUR)."""
    seg = cust["seg"][idx]
    mean_order = cust["order_median"][idx] * np.exp(cfg.seg_param("order_sigma")[seg] ** 2 / 2)
    margin = cfg.PRODUCT_MIX[seg] @ cfg.PRODUCT_MARGIN + cfg.seg_param("margin_shift")[seg]
    return cust["lam"][idx] * 30.4 * mean_order * margin


def plant_defaulters(rng: np.random.Generator, cust: dict[str, np.ndarray],
                     inv: dict[str, np.ndarray], window: cfg.Window) -> None:
    """Mark defaulters' unpaid invoices (``inv['defaulted']``) and their write-off day.

    Sets ``cust['default_first']`` (invoice index of the first missed invoice or -1) and
    ``cust['write_off_day']`` (-1 when not a defaulter).
    """
    n, n_inv = len(cust["lam"]), len(inv["day"])
    count = np.bincount(inv["cust"], minlength=n)
    by_cust = np.lexsort((inv["day"], inv["cust"]))
    ends = np.cumsum(count)
    missed = np.minimum(rng.integers(1, 4, n), count)
    first_pos = ends - np.maximum(missed, 1)
    first_inv = np.where(count > 0, by_cust[np.clip(first_pos, 0, max(n_inv - 1, 0))], -1)
    write_off = np.where(count > 0, inv["due_day"][np.maximum(first_inv, 0)], 0) + rng.integers(
        90, 151, n)
    ok = (~cust["alive"] & (count > 0) & (write_off <= window.as_of_day)
          & (cust["turn_month"] < 0))
    chance = cfg.DEFAULTER_SHARE * _DEFAULT_WEIGHT[cust["payer"]]
    pick = ok & (rng.random(n) < chance)
    cust["default_first"] = np.where(pick, first_inv, -1)
    cust["write_off_day"] = np.where(pick, write_off, -1)
    rank = np.empty(n_inv, np.int64)
    rank[by_cust] = np.arange(n_inv) - np.repeat(ends - count, count)
    from_rank = np.where(pick, first_pos - (ends - count), np.iinfo(np.int64).max)
    inv["defaulted"] = rank >= from_rank[inv["cust"]]
