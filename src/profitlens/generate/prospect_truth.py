"""The planted value of a prospect: what winning it is worth, what its pursuit will still cost.

Computed from the generator's own laws, independently of profitlens's models, as the
expectation of what the simulation produces: every cost the generated data shows for a
customer won from a prospect counts, the planted stories included, since profitlens learns
from data that contains them and a truth without them would be a different quantity.

- **Lifetime profit of a customer won from a prospect of segment s** (``lifetime_profit``):
  the mean, over a large fixed sample of customers drawn as the generator draws a won
  prospect's customer (segment s, the direct_sales channel), of

  * the first order's gross margin;
  * for each month m = 1..36 (the lifetime-value horizon), the discount factor
    ``1.1^(-m/12)`` times its expected operating profit per served month (``planted.
    expected_monthly_margin`` less ``planted.expected_monthly_cost_to_serve``: every cost to
    serve and commission) times the chance it is still alive, ``(S(m-1) + S(m)) / 2`` with
    ``S(t) = exp(-lambda p t)`` (under BG/NBD a customer drops out after a purchase with
    chance p, so at rate lambda p);
  * less the cost of the few weeks it is still served after dropping out
    (``purchases._active_end``: 20-59 days);
  * less what **turning** costs (``planted.plant_turning``), as the generator plants it in a
    window as long as the horizon that the customer is won at the start of: a customer of
    the kind that can turn (``planted.turning_kind``) still alive at the window's end turns
    with the chance the rule gives a candidate (:func:`turning_chance`), in a month drawn
    evenly among the window's turn months; from the turn its orders shrink to a quarter
    over six months, escalation tickets add ``ramp x (1.3 M + 40)`` a month and its
    complaints triple;
  * less what **defaulting** costs (``planted.plant_defaulters``): a customer that drops out
    defaults with chance ``DEFAULTER_SHARE x`` its payer type's weight, and its last one to
    three invoices (two on average, fewer for a customer of few purchases) are written off
    some 120 days after their due date.

  The turning rule is bound to a window (a share of a chunk's customers turns between a
  quarter of the window and its last four months), so it has no going rate to carry past the
  as-of date; following a customer through a window of the horizon's length is what the
  generator would produce for it. Referral rewards are left out: the generator pays them to a
  referrer drawn among all earlier customers of its chunk, a rate set by the chunk's mix
  rather than by the customer (about 2 EUR a month of a mid-market customer, under 3% of its
  lifetime profit).
- **Pursuit cost still to come** of an open prospect (``remaining_pursuit_cost``): one sales
  call per ten days from the as-of date to the pursuit's end, the closing proposal of an
  enterprise or mid-market pursuit, and the site visits of the pursuit that fall after the
  as-of date (``prospects.draw_pursuits`` spreads them over the whole pursuit; a lost pursuit
  takes 1.5 times as many: expected ``VISITS x (q + 1.5 (1 - q))``), each priced at the cost
  per capacity minute of its resources; in expectation over the pursuit's length given that
  it is still running, as the win is weighed by its planted probability rather than the
  drawn outcome.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import gamma

from . import config as cfg
from .customers import draw_customers
from .planted import (
    DEFAULT_WEIGHT,
    TURNING_COMPLAINTS,
    expected_monthly_cost_to_serve,
    expected_monthly_margin,
    turn_months,
    turning_candidates,
    turning_kind,
)
from .prospects import (
    LOST_VISITS,
    PURSUIT_SHAPE,
    VISITS,
    assign_customers,
    draw_prospects,
    pursuit_length,
)
from .purchases import simulate_purchases
from .referrals import draw_referrals, plant_advocates_customers
from .value_to_come import (
    ANNUAL_DISCOUNT_RATE,
    HORIZON_MONTHS,
    first_order_margin,
    monthly_margin_and_cost,
    profit_to_come,
    survival,
)

SAMPLE_PER_SEGMENT = 40_000
_WRITE_OFF_AFTER_DUE_DAYS = 120.0  # mean of 90..150 days
_LENGTH_GRID = 4000  # quantiles of a pursuit's length
#: order size of a turning customer s months after its turn (``invoices._turn_factor``)
_TURN_FACTOR = np.clip(1.0 - 0.75 * (np.arange(6) + 1) / 6.0, 0.25, 1.0)
#: share of the escalation a turning customer reaches s months after its turn
_TURN_RAMP = np.minimum(1.0, (np.arange(6) + 1) / 3.0)


def turning_chance(window: cfg.Window, customers: int = 40_000) -> float:
    """Chance that a customer who can turn, followed over a window of the lifetime-value
    horizon, turns in it: ``plant_turning``'s ``TURNING_SHARE / share of candidates`` in a
    chunk-like sample of ``customers`` (drawn as ``company._chunk`` draws them) generated over
    a window of ``HORIZON_MONTHS`` months from ``window``'s start."""
    horizon = cfg.Window(window.start, HORIZON_MONTHS)
    lo, hi = turn_months(horizon)
    rng = np.random.default_rng(np.random.SeedSequence(20240, spawn_key=(8,)))
    pros = draw_prospects(rng, round(0.4 * customers), customers, horizon)
    cust = draw_customers(rng, customers, horizon, assign_customers(rng, pros, customers))
    plant_advocates_customers(cust, draw_referrals(rng, cust))
    simulate_purchases(rng, cust, horizon)
    ok = turning_candidates(cust, horizon, rng.integers(lo, hi + 1, customers))
    return float(min(1.0, cfg.TURNING_SHARE / max(ok.mean(), 1e-9)))


def _turned_loss(cust: dict[str, np.ndarray], wage: float, base: np.ndarray) -> np.ndarray:
    """Operating profit a customer loses in its s-th month after a turn (s = 0..5; the same
    from then on): ``base`` less its shrunk margin, its costs at shrunk orders and tripled
    complaints, and the escalation."""
    idx = np.arange(len(cust["lam"]))
    escalation = 1.3 * expected_monthly_margin(cust, idx) + 40.0
    loss = np.empty((len(idx), _TURN_FACTOR.size))
    for s, (factor, ramp) in enumerate(zip(_TURN_FACTOR, _TURN_RAMP)):
        shrunk = {**cust, "order_median": cust["order_median"] * factor}
        turned = (
            expected_monthly_margin(shrunk, idx) * cfg.SEASONALITY.mean()
            - expected_monthly_cost_to_serve(
                shrunk, idx, complaint_factor=TURNING_COMPLAINTS, wage=wage
            )
            - ramp * escalation * wage
        )
        loss[:, s] = base - turned
    return loss


def _turning_cost(
    cust: dict[str, np.ndarray],
    wage: float,
    base: np.ndarray,
    alive: np.ndarray,
    discount: np.ndarray,
    chance: float,
) -> np.ndarray:
    """Expected discounted profit lost to a turn over the horizon, as ``plant_turning`` plants
    it in a window of the horizon's length that the customer is won at the start of: a
    customer of the turning kind still alive at the end turns with ``chance``, in a month t
    drawn evenly among the window's turn months, and loses from then on (served every month,
    being alive at the end)."""
    loss = _turned_loss(cust, wage, base)
    lo, hi = turn_months(cfg.Window(cfg.parse_start("2000-01-01"), HORIZON_MONTHS))
    total = np.zeros(len(base))
    for t in range(lo, hi + 1):  # window month t is month t + 1 of the customer's tenure
        since = np.minimum(np.arange(HORIZON_MONTHS - t), _TURN_FACTOR.size - 1)
        total += loss[:, since] @ discount[t:]
    # the first turn month (9) is well past the 120 days a customer must have been won
    return np.where(turning_kind(cust, wage), chance * alive[:, -1] * total / (hi - lo + 1), 0.0)


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
    first = first_order_margin(cust, idx, margin)
    alive, discount = survival(cust, idx)
    dropouts = (alive[:, :-1] - alive[:, 1:]) @ discount
    wage = cfg.wage(window.months - 1)
    turning = _turning_cost(cust, wage, margin - cost, alive, discount, turning_chance(window))
    value = (
        first + profit_to_come(cust, idx, margin, cost) - turning - _default_cost(cust) * dropouts
    )
    return np.bincount(seg, value) / np.bincount(seg)


def _default_cost(cust: dict[str, np.ndarray]) -> np.ndarray:
    """Expected write-off when a customer drops out, discounted from the dropout to the
    write-off: its chance of defaulting times the value of its last min(k, purchases)
    invoices, k uniform on 1..3 (a dropout follows a repeat purchase: at least two purchases,
    three or more with chance 1 - p, so E[min(k, purchases)] = 2 - p / 3)."""
    seg = cust["seg"]
    invoice = (
        cust["order_median"]
        * np.exp(cfg.seg_param("order_sigma")[seg] ** 2 / 2)
        * cfg.SEASONALITY.mean()
    )
    delay = (cfg.seg_param("terms_days")[seg] + _WRITE_OFF_AFTER_DUE_DAYS) / 365.25
    chance = cfg.DEFAULTER_SHARE * DEFAULT_WEIGHT[cust["payer"]]
    return chance * (2.0 - cust["p"] / 3.0) * invoice * (1.0 + ANNUAL_DISCOUNT_RATE) ** (-delay)


def remaining_pursuit_cost(pros: dict[str, np.ndarray], window: cfg.Window) -> np.ndarray:
    """Expected cost of what each open pursuit still has to do after the as-of date.

    An expectation over the pursuit's length D given what is known on the as-of date: its
    segment and that it has run a = as-of - created_on days without ending (D > a), D drawn
    by ``prospects.pursuit_length``'s law (a fine grid of its Gamma quantiles). The drawn
    length itself is not used, as the drawn outcome is not: the expected return weighs a
    win by its planted probability, and the cost to come by the planted law of its length.
    """
    wage = cfg.wage(window.months - 1)
    rate = {name: r[0] * wage for name, r in cfg.RESOURCES.items()}
    seg, q = pros["seg"], pros["q"]
    age = (window.as_of_day - pros["created_day"]).astype(float)
    draws = gamma.ppf(
        (np.arange(_LENGTH_GRID) + 0.5) / _LENGTH_GRID, PURSUIT_SHAPE, scale=1.0 / PURSUIT_SHAPE
    )
    days, later = np.zeros(len(seg)), np.zeros(len(seg))
    for s in range(len(cfg.SEGMENTS)):
        mine = seg == s
        length = np.sort(pursuit_length(np.full(_LENGTH_GRID, s), draws))
        tail = np.concatenate([np.cumsum(length[::-1])[::-1], [0.0]])
        inverse = np.concatenate([np.cumsum((1.0 / length)[::-1])[::-1], [0.0]])
        at = np.searchsorted(length, age[mine], side="right")
        n = np.maximum(_LENGTH_GRID - at, 1)  # none longer (beyond the grid): a day to go
        days[mine] = np.where(at < _LENGTH_GRID, (tail[at] - age[mine] * n) / n, 1.0)
        later[mine] = np.where(at < _LENGTH_GRID, 1.0 - (1.0 + age[mine]) * inverse[at] / n, 0.0)
    visits = VISITS[seg] * (q + LOST_VISITS * (1.0 - q)) * later
    return rate["sales_team"] * (days / 10.0 * 30.0 + (seg < 2) * 240.0) + visits * 120.0 * (
        rate["sales_team"] + rate["field_vehicles"]
    )
