"""Planted stories the tests and the analyst can look for: turning customers and defaulters.

* A **turning** customer is clearly profitable before its turn and clearly loss-making after it.
  Candidates are alive at the end, were acquired at least 120 days before the turn month, buy
  at least once per four months on average, are neither high-service customers nor heavy
  referrers (nor brought by one), and their *expected operating profit* per month before the turn, P = expected gross
  margin (``expected_monthly_margin``, at the mean seasonality) minus their expected cost to
  serve under the generated cost model (``expected_monthly_cost_to_serve``: commission,
  account management, service, fulfilment, credit notes, returns, carrying cost), is at least
  ``TURNING_MIN_PROFIT`` EUR and ``TURNING_MIN_PROFIT_SHARE`` of their expected gross margin.
  From the turn month its order values shrink (to a quarter within six months, see
  ``invoices._turn_factor``; purchase counts are untouched) while escalation tickets add
  ``ramp x (1.3 M + 40)`` EUR of support time per month (M = expected gross margin, ramp =
  1/3, 2/3, 1 over the first three months, see ``activities._turning_service``). So from the
  third month of the turn its expected operating profit is below -(0.675 M + 40) and from the
  sixth below -(P + 40): the turn takes a customer from a clear profit to a clear loss.
* A **defaulter** is a customer whose business failed: it stops buying (a BG/NBD dropout, so the
  purchase process is untouched), its last one to three invoices are never paid, and they are
  written off 90-150 days after the first missed due date, inside the window.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from . import config as cfg

TURNING_COMPLAINTS = 3.0  # turning customers complain 3 times as often (activities._complaints)
TURNING_MIN_TENURE_DAYS = 120  # a customer turns no sooner than this after its acquisition
DEFAULT_WEIGHT = np.array([0.2, 0.6, 2.0, 4.0])  # by payer type: prompt .. chronic


def plant_turning(
    rng: np.random.Generator, cust: dict[str, np.ndarray], window: cfg.Window
) -> None:
    """Set ``cust['turn_month']``: window month of the turn, -1 for most customers.

    Candidates are clearly profitable before the turn month (see the module docstring); each
    candidate turns with the chance that makes ``TURNING_SHARE`` of all customers turn (all
    candidates, when fewer than that qualify).
    """
    n = len(cust["lam"])
    turn = np.full(n, -1, np.int64)
    lo, hi = turn_months(window)
    if hi >= lo:
        month = rng.integers(lo, hi + 1, n)
        ok = turning_candidates(cust, window, month)
        pick = ok & (rng.random(n) < cfg.TURNING_SHARE / max(ok.mean(), 1e-9))
        turn[pick] = month[pick]
    cust["turn_month"] = turn


def turn_months(window: cfg.Window) -> tuple[int, int]:
    """First and last window month a customer can turn in (none when last < first)."""
    return max(3, window.months // 4), window.months - 4


def turning_candidates(
    cust: dict[str, np.ndarray], window: cfg.Window, month: np.ndarray
) -> np.ndarray:
    """Customers that can turn in their window ``month``: alive at the end, won at least
    ``TURNING_MIN_TENURE_DAYS`` before the month starts, of the turning kind at its pay."""
    return (
        cust["alive"]
        & (cust["acquired_day"] <= window.month_starts[month] - TURNING_MIN_TENURE_DAYS)
        & turning_kind(cust, cfg.wage(month))
    )


def turning_kind(cust: dict[str, np.ndarray], wage: float | np.ndarray) -> np.ndarray:
    """Customers of the kind that can turn, whatever their tenure: buying at least once per
    four months, neither high-service nor heavy referrers (nor brought by one), and clearly
    profitable (see the module docstring) at the pay level ``wage``."""
    idx = np.arange(len(cust["lam"]))
    margin = expected_monthly_margin(cust, idx) * cfg.SEASONALITY.mean()
    profit = margin - expected_monthly_cost_to_serve(
        cust, idx, complaint_factor=TURNING_COMPLAINTS, wage=wage
    )
    brought = cust.get("advocate_brought", np.zeros(len(idx), bool))
    return (
        (cust["lam"] * 30.4 >= 0.25)
        & ~cust["high_service"]
        & ~cust["heavy_referrer"]
        & ~brought
        & (profit >= np.maximum(cfg.TURNING_MIN_PROFIT, cfg.TURNING_MIN_PROFIT_SHARE * margin))
    )


def expected_monthly_margin(cust: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    """Expected gross margin per month of customers ``idx`` before any turn (EUR)."""
    seg = cust["seg"][idx]
    mean_order = cust["order_median"][idx] * np.exp(cfg.seg_param("order_sigma")[seg] ** 2 / 2)
    margin = cfg.PRODUCT_MIX[seg] @ cfg.PRODUCT_MARGIN + cfg.seg_param("margin_shift")[seg]
    return cust["lam"][idx] * 30.4 * mean_order * margin


def expected_monthly_cost_to_serve(
    cust: dict[str, np.ndarray],
    idx: np.ndarray,
    complaint_factor: float | np.ndarray = 1.0,
    wage: float | np.ndarray = 1.0,
) -> np.ndarray:
    """Expected cost per served month of customers ``idx`` under the generated cost model (EUR).

    What the full cost model charges a customer besides its cost of goods, at the customer's own
    purchase rate, order size, service propensity, channel and payer type: commission, account
    management (sales calls, reviews, visits), service (tickets, call-center contacts,
    complaints, collection calls), fulfilment (order handling per document, returns), credit
    notes and returns, and the carrying cost of its receivables. Resources are priced at their
    cost per practical-capacity minute (``RESOURCES`` times ``wage``, the pay-rise factor),
    which is what the cost model charges because teams are staffed in whole units to demand.
    Referral rewards and acquisition effort (one-offs) are left out.
    """
    seg, service = cust["seg"][idx], cust["service"][idx]
    rate = {name: r[0] * wage for name, r in cfg.RESOURCES.items()}
    sales, support, ops = rate["sales_team"], rate["support_team"], rate["ops_team"]
    orders = cust["lam"][idx] * 30.4
    mean_order = cust["order_median"][idx] * np.exp(cfg.seg_param("order_sigma")[seg] ** 2 / 2)
    revenue = orders * mean_order * cfg.SEASONALITY.mean()
    margin_rate = cfg.PRODUCT_MIX[seg] @ cfg.PRODUCT_MARGIN + cfg.seg_param("margin_shift")[seg]
    product_rate = np.array([cfg.BY_PRODUCT_COMMISSION.get(p, np.nan) for p in cfg.PRODUCT_IDS])
    commission_rate = (
        cfg.PRODUCT_MIX[seg]
        * np.where(np.isnan(product_rate), cfg.seg_param("commission")[seg, None], product_rate)
    ).sum(axis=1)
    account = (
        cfg.seg_param("account_calls")[seg] * 30.0 * sales
        + cfg.ACCOUNT_REVIEWS[seg] * 90.0 * sales
        + cfg.seg_param("account_visits")[seg] * 120.0 * (sales + rate["field_vehicles"])
    )
    web = cust["channel"][idx] == 2
    # call-center minutes by channel share (phone ~ lognormal(log 9, 0.5), e-mail 8 + 1 x
    # messages, chat 8 + 1 x messages), as in ``activities._call_center``
    phone, email, chat = 9.0 * np.exp(0.125), 8.0 + 2.0, 8.0 + 5.0
    call_minutes = np.where(
        web, 0.25 * phone + 0.35 * email + 0.40 * chat, 0.60 * phone + 0.30 * email + 0.10 * chat
    )
    complaints = orders * np.minimum(
        cfg.seg_param("complaint_per_invoice")[seg] * service * complaint_factor, 0.9
    )
    late = _late_share(cust["payer"][idx])
    service_cost = support * (
        cfg.seg_param("tickets")[seg] * service * 20.0
        + cfg.seg_param("calls")[seg] * service * call_minutes
        + complaints * 0.5 * (45.0 + 50.0 * np.exp(0.08))
        + orders * late * 15.0
    )
    documents = 1.0 + cfg.seg_param("extra_lines")[seg] + cfg.RETURN_RATE
    fulfilment = ops * orders * (5.0 + 2.0 * documents + cfg.RETURN_RATE * 25.0)
    returned = orders * cfg.RETURN_RATE * 0.35 * 0.8 * mean_order * margin_rate
    credit_notes = complaints * cfg.CREDIT_NOTE_RATE * 0.15 * cust["order_median"][idx]
    carrying = revenue * 0.08 / 365.0 * _days_outstanding(cust["payer"][idx], seg)
    return (
        revenue * commission_rate
        + account
        + service_cost
        + fulfilment
        + returned
        + credit_notes
        + carrying
    )


def _late_share(payer: np.ndarray) -> np.ndarray:
    """Chance that an invoice of a payer type is settled more than 30 days after its due date."""
    mean = np.array([p[2] for p in cfg.PAYERS])
    sd = np.sqrt(np.array([p[3] for p in cfg.PAYERS]) ** 2 + 9.0)
    split = np.array([p[4] for p in cfg.PAYERS])
    whole = ndtr((mean - 30.0) / sd)  # P(days late > 30)
    parts = np.mean([ndtr((mean - (30.0 - d)) / sd) for d in range(15, 61)], axis=0)
    return ((1 - split) * whole + split * parts)[payer]


def _days_outstanding(payer: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Mean days from invoice to payment: terms, the payer type's delay, split payments."""
    mean = np.array([p[2] for p in cfg.PAYERS])[payer]
    split = np.array([p[4] for p in cfg.PAYERS])[payer]
    return cfg.seg_param("terms_days")[seg] + mean + split * 0.45 * 37.5


def plant_defaulters(
    rng: np.random.Generator,
    cust: dict[str, np.ndarray],
    inv: dict[str, np.ndarray],
    window: cfg.Window,
) -> None:
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
        90, 151, n
    )
    ok = ~cust["alive"] & (count > 0) & (write_off <= window.as_of_day) & (cust["turn_month"] < 0)
    chance = cfg.DEFAULTER_SHARE * DEFAULT_WEIGHT[cust["payer"]]
    pick = ok & (rng.random(n) < chance)
    cust["default_first"] = np.where(pick, first_inv, -1)
    cust["write_off_day"] = np.where(pick, write_off, -1)
    rank = np.empty(n_inv, np.int64)
    rank[by_cust] = np.arange(n_inv) - np.repeat(ends - count, count)
    from_rank = np.where(pick, first_pos - (ends - count), np.iinfo(np.int64).max)
    inv["defaulted"] = rank >= from_rank[inv["cust"]]
