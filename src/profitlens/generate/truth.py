"""The planted truth: what the generator knows and profitlens should find, as tables.

Built per chunk from the same numpy columns the data came from, written to ``truth/`` in the
data's format, and described in ``truth/README.md`` (``README`` below).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as cfg
from .ids import cents, dates, floats, labels
from .prospect_truth import remaining_pursuit_cost
from .prospects import STATUS, segment_margin_24m


def _period(days: np.ndarray, mask: np.ndarray) -> pa.Array:
    text = pc.utf8_slice_codeunits(dates(np.where(mask, 0, days)).cast(pa.string()), 0, 7)
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), text)


def customer_rates(cust: dict[str, np.ndarray], ids: pa.Array, purchases: np.ndarray) -> pa.Table:
    """One row per customer: its BG/NBD rates and what became of it."""
    dropped = cust["dropout_day"] < 0
    return pa.table(
        {
            "customer_id": ids,
            "segment": labels(cfg.SEGMENT_NAMES, cust["seg"]),
            "acquired_on": dates(cust["acquired_day"]),
            "lambda": floats(cust["lam"]),
            "p_dropout": floats(cust["p"]),
            "alive_at_end": pa.array(cust["alive"]),
            "dropout_date": dates(np.maximum(cust["dropout_day"], 0), dropped),
            "dropout_period": _period(cust["dropout_day"], dropped),
            "purchases": pa.array(1 + cust["repeat"], pa.int64()),
            "purchases_in_window": pa.array(purchases, pa.int64()),
            "contractual": pa.array(cust["contractual"]),
            "payer_type": labels([p[0] for p in cfg.PAYERS], cust["payer"]),
            "typical_order": floats(cents(cust["order_median"])),
        }
    )


def turning_customers(cust, ids, window: cfg.Window) -> pa.Table:
    idx = np.flatnonzero(cust["turn_month"] >= 0)
    return pa.table(
        {
            "customer_id": ids.take(pa.array(idx)),
            "segment": labels(cfg.SEGMENT_NAMES, cust["seg"][idx]),
            "turn_period": pa.array(
                [window.periods[m] for m in cust["turn_month"][idx]], pa.string()
            ),
        }
    )


def defaulters(cust, ids, inv, inv_ids: pa.Array) -> pa.Table:
    idx = np.flatnonzero(cust["default_first"] >= 0)
    first = cust["default_first"][idx]
    owed = np.bincount(
        inv["cust"], np.where(inv["defaulted"], inv["total"], 0.0), len(cust["lam"])
    )[idx]
    return pa.table(
        {
            "customer_id": ids.take(pa.array(idx)),
            "first_missed_invoice_id": inv_ids.take(pa.array(first)),
            "first_missed_invoice_date": dates(inv["day"][first]),
            "write_off_date": dates(cust["write_off_day"][idx]),
            "written_off": floats(cents(owed)),
        }
    )


def heavy_referrers(cust, ids, refs, referred_value) -> pa.Table:
    n = len(cust["lam"])
    count = np.bincount(refs["referrer"], minlength=n)
    rewards = np.bincount(refs["referrer"], refs["reward"], n)
    value = np.bincount(refs["referrer"], referred_value, n)
    idx = np.flatnonzero(cust["heavy_referrer"])
    return pa.table(
        {
            "customer_id": ids.take(pa.array(idx)),
            "referrals": pa.array(count[idx], pa.int64()),
            "rewards": floats(rewards[idx]),
            "referred_value": floats(cents(value[idx])),
            "advocate": pa.array((count[idx] > 0) & (value[idx] > 0)),
        }
    )


def high_service(cust, ids) -> pa.Table:
    idx = np.flatnonzero(cust["high_service"])
    return pa.table(
        {
            "customer_id": ids.take(pa.array(idx)),
            "segment": labels(cfg.SEGMENT_NAMES, cust["seg"][idx]),
            "service_factor": floats(np.round(cust["service"][idx], 3)),
        }
    )


def prospect_value(
    pros, prospect_ids: pa.Array, cust_ids: pa.Array, window: cfg.Window, lifetime: np.ndarray
) -> pa.Table:
    """One row per prospect; ``lifetime`` is :func:`~.prospect_truth.lifetime_profit`."""
    c = pros["customer"]
    value = pros["q"] * segment_margin_24m()[pros["seg"]]
    not_open = pros["status"] != 2
    remaining = remaining_pursuit_cost(pros, window)
    lifetime = lifetime[pros["seg"]]
    return pa.table(
        {
            "prospect_id": prospect_ids,
            "segment": labels(cfg.SEGMENT_NAMES, pros["seg"]),
            "conversion_probability": floats(np.round(pros["q"], 4)),
            "converts": pa.array(pros["converts"]),
            "status": labels(STATUS, pros["status"]),
            "converted_customer_id": pc.if_else(
                pa.array(c < 0),
                pa.scalar(None, pa.string()),
                cust_ids.take(pa.array(np.maximum(c, 0))),
            ),
            "expected_value": floats(cents(value)),
            "expected_lifetime_profit": floats(cents(lifetime)),
            "expected_pursuit_cost": floats(cents(remaining), not_open),
            "expected_return": floats(cents(pros["q"] * lifetime - remaining), not_open),
        }
    )


def population_parameters() -> pa.Table:
    p = cfg.POPULATION
    return pa.table(
        {
            "parameter": ["r", "alpha", "a", "b"],
            "value": [p.r, p.alpha, p.a, p.b],
            "meaning": [
                "shape of the Gamma of lambda",
                "rate of the Gamma of lambda (per day)",
                "Beta of p: a",
                "Beta of p: b",
            ],
        }
    )


README = """# Planted truth

What the generator planted in the data folder next to this one. The data never states any of
it; profitlens (and its tests) should find it. Tables are in the data's format.
As-of date: {as_of} (the last day of the last month; the data holds no event after it, and an
account review on that day, so profitlens's default as-of agrees). Window: {start} .. {as_of}.

## customer_rates
One row per customer. `lambda` (purchases per day while alive) and `p_dropout` (chance of
dropping out after each repeat purchase) are the customer's own BG/NBD parameters, drawn from
`population_parameters`. `purchases` counts the first purchase (on `acquired_on`) plus the
repeat purchases up to the as-of date, `purchases_in_window` those dated inside the window (a
customer acquired before the window has earlier purchases that are not in the data).
`alive_at_end` is false when the customer dropped out; then `dropout_date` is the date of its
last purchase (and `dropout_period` its month). Customers with `contractual` true end their
contract within 60 days of dropping out: that is `customers.ended_on` when it falls in the window.
Order values are lognormal around `typical_order`; payment behaviour is `payer_type`.

## population_parameters
r, alpha (lambda ~ Gamma(shape r, rate alpha), time unit: day) and a, b (p ~ Beta(a, b)): the
BG/NBD population of Fader, Hardie & Lee (2005). Turning customers buy smaller orders after their
turn, not fewer, and defaulters are chosen among dropouts, so the purchase counts follow this
process exactly; a fit on the customers acquired inside the window should recover these values.

## turning_customers
Customers who turn from clearly profitable to clearly unprofitable in `turn_period`. A planted
turn means, in terms of the customer's *operating profit* (profit before acquisition cost:
gross margin less commission, sales, service, fulfilment, credit and referral cost, as profitlens
computes it with the `costmodel.yaml` next to the data):

- **Before the turn it is clearly profitable.** Its expected operating profit per month, P =
  expected gross margin M (its own purchase rate x mean order value x its segment's product
  margin) minus its expected cost to serve under this cost model (commission; account
  management calls, reviews and visits; support tickets, call-center contacts, complaints and
  collection calls at its own service propensity; order handling and returns; credit notes;
  carrying cost of its receivables at its payer type; resources at cost per capacity minute)
  is at least 50 EUR and at least a quarter of M. Only customers that are alive at the end,
  were acquired at least 120 days before the turn month, buy at least once per four months on
  average and are neither high-service customers nor heavy referrers (nor brought by one) are
  candidates; the
  turn month is 1/4 into the window or later and at least four months before the as-of month.
- **From `turn_period` on it sells less and costs more.** It keeps buying as often as before
  (the purchase counts follow the BG/NBD process), but its order values shrink linearly to a
  quarter of their former size over six months, it complains three times as often per invoice
  (throughout its history), and escalation tickets add support time costing 1/3, 2/3 and
  then all of 1.3 M + 40 EUR per month in the first, second and later months of the turn.
- **After the turn it is clearly loss-making.** From the third month of the turn its expected
  operating profit per month is below -(0.675 M + 40) EUR, and from the sixth below -(P + 40)
  EUR: at least as large a loss as its former profit.

Expected values, not guarantees: a lumpy buyer's realised months scatter around them (5-7%
of turning customers show an operating profit <= 0 over their observed months before the turn).

## defaulters
Customers that stopped paying: every invoice from `first_missed_invoice_date` on (the last one
to three invoices of a customer who then stopped buying) is unpaid and written off in full
(`written_off`, payments of kind `write_off`) on `write_off_date`, 90-150 days after the first
missed invoice's due date and never after the as-of date.

## heavy_referrers
Customers planted with 25 times the usual chance of being named as referrer; `referrals` and
`rewards` are what they actually referred and were paid inside the window.
The customers they bring are like them: easy to serve and loyal (their service propensity is
0.3 times an ordinary customer's, none is a high-service customer, their typical order is 1.5
times what it would be, they pay promptly and none of them turns; their purchase process is
untouched). That does not make every one of them profitable: a customer that rarely buys still
costs its account management. `referred_value` is the planted value of the customers it
brought, from the generator's own laws: for each, its expected operating profit to date (its
first order's gross margin, its expected gross margin per month for the months it was alive
inside the window, less its expected cost to serve per month for the months it was served)
and, when it is alive at the as-of date, to come (discounted at 10% a year over 36 months, as
`prospect_value`'s lifetime profit), at the as-of date's wages. `advocate` is true when it
referred anyone and `referred_value` > 0: the customers it brought earn money, so its referral
value (profitlens's `customer_summary.referral_value`) should rank in the top decile. A heavy
referrer whose referrals are planted to lose money is no advocate; its referral value is
rightly low.

## high_service_customers
Customers whose service propensity is six times the usual (before customer-level noise);
`service_factor` multiplies their segment's ticket, call-center and complaint rates.

## prospect_value
One row per prospect: `conversion_probability` (planted), `converts` (the drawn outcome),
`status` (converted: won inside the window, `converted_customer_id` set, pursuit activities
dated before the customer's `acquired_on`; lost: abandoned after its pursuit; open: still in
pursuit on the as-of date, its outcome not yet in the data) and `expected_value` =
conversion_probability x the expected gross margin of a new customer of its segment over its
first 24 months (BG/NBD expected purchases x mean order value x mean margin).
`expected_lifetime_profit` is what winning it is worth: the expected discounted profit of a new
customer of its segment over the 36-month lifetime-value horizon at 10% a year, net of every
cost to serve and commission and of what the planted stories cost (customers turning
unprofitable, defaulters' write-offs; see `generate/prospect_truth.py`). For open prospects only:
`expected_pursuit_cost`, what the pursuit is expected to cost after the as-of date (a sales
call per ten days to its end, the closing proposal of an enterprise or mid-market pursuit, and
its site visits still to come: visits are spread over the whole pursuit), in expectation over
the pursuit's length given how long it has run (the drawn length is not used, as the drawn
outcome is not),
and `expected_return` = conversion_probability x expected_lifetime_profit -
expected_pursuit_cost, the figure `prospect_scores.expected_return` estimates. Lost prospects
carry `prospects.closed_on`, the day their pursuit was given up.

## dirty_rows
Rows planted by `--dirty SHARE` that profitlens must quarantine: `table`, `row` (1-based data
row of the written file, header not counted) and `reason`: ceil(SHARE x rows) per table and
chunk of 10,000 customers, at least one of every kind per table. Every bad row is an extra row,
so the clean rows and results are those of the same seed without `--dirty`. Run with
`--as-of {as_of}`: a future-dated bad row would otherwise move the default as-of date. Empty
when no bad rows were asked for. In Parquet, with bad rows, the columns that can hold an
unparseable value are text (ISO dates, plain decimals).
"""
