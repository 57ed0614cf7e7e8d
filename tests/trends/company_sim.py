"""A company simulated from the data contract's inputs alone, with planted turns.

Not made by ``profitlens generate``: its own order, ticket and cost processes, written as the CSV
files a user would hand ``profitlens run`` (``customers``, ``invoice_lines``, ``payments``,
``activities``, ``costmodel.yaml``), so that turn detection is checked end to end (the
activity-based costing, the acquisition period, the operating-profit series and the status
rules) on a company built another way. Used by ``tests/trends/test_other_company.py`` and
``benchmarks/turn_company_bench.py``.

The company (every number drawn per customer):

- segments smb / mid-market / enterprise (60 / 30 / 10%), with mean order values of about
  400 / 1,500 / 6,000 and gross margins of 22–45%; 55% of the customers were won before the
  24 months, the others in their first 15 months, with a first order on the day they were won
  and two to five sales calls in the 60 days before it (the acquisition cost), and nothing
  else before it;
- regular buyers (70%, 1–4 orders a month) and occasional ones (30%, 0.15–0.8 a month); a
  third of the customers order with a season (±50% over the year);
- support tickets (0.2–2 a month), complaints, account-management calls by segment, order
  handling per invoice; invoices paid 10–40 days after they are issued;
- a tenth of the customers *turn*, as in issue 22 ("a customer that made money for a year and
  now loses money every month"): customers that keep at least a fifth of their contribution as
  profit, from a month at least 12 months into their history, over 1, 3 or 6 months (a step or
  a slide), order 30–70% as much and raise tickets and complaints until their expected monthly
  profit is minus 50–150% of what it was (more where the fall in orders alone loses more). The
  planted turn is the first month of the stretch, running to the as-of month, in which the
  customer's expected profit (season included) is negative, at least 2 months before the as-of
  month. Every planted turn is a turn of section 5.1 in expectation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = 24
FIRST = dt.date(2025, 1, 1)
AS_OF = dt.date(2026, 12, 31)
#: share of customers, mean order value and account-management calls a month, by segment
SEGMENTS = {
    "smb": (0.6, 400.0, 0.2),
    "mid_market": (0.3, 1500.0, 0.7),
    "enterprise": (0.1, 6000.0, 1.5),
}
#: cost per minute of each resource; capacity is set well above what the customers use
RATES = {"sales_team": 1.2, "support_team": 0.9, "ops_team": 0.5}
#: activity: (category, resource, minutes, minutes per unit)
ACTIVITIES = {
    "sales_call": ("sales", "sales_team", 30, 0),
    "support_ticket": ("service", "support_team", 20, 0),
    "complaint": ("service", "support_team", 45, 0),
    "order_handling": ("fulfilment", "ops_team", 5, 2),
}
COMPLAINTS = 0.1  # complaints per support ticket
LINES = (1, 3)  # lines an invoice, drawn uniformly
LINE_SPREAD = 0.35  # sd of log line revenue around half the customer's order value
COGS_SPREAD = 0.05  # sd of log line cost around (1 - margin) × revenue
CARRYING = 0.05  # annual carrying rate
PAYMENT_DAYS = (10, 40)  # an invoice is paid this many days after issue, drawn uniformly
COMMISSION = 0.05
#: the share of its contribution a customer must keep as profit to be a candidate for a turn
TURN_MARGIN = 0.2
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}


def month_start(k: int) -> dt.date:
    """First day of month ``k`` of the simulation (0 = ``FIRST``)."""
    return dt.date(FIRST.year + (FIRST.month - 1 + k) // 12, (FIRST.month - 1 + k) % 12 + 1, 1)


def day_in_month(rng: np.random.Generator, k: int, after: dt.date | None = None) -> dt.date:
    """A uniformly drawn day of month ``k`` (on or after ``after`` when given)."""
    start = max(month_start(k), after or FIRST)
    return start + dt.timedelta(days=int(rng.integers(0, (month_start(k + 1) - start).days)))


def activity_cost(name: str, units: float = 0.0) -> float:
    """Cost of one occurrence of an activity of ``ACTIVITIES`` with ``units`` units."""
    _, resource, minutes, per_unit = ACTIVITIES[name]
    return (minutes + per_unit * units) * RATES[resource]


def ticket_cost() -> float:
    """Cost of a support ticket with the complaints that come with it (``COMPLAINTS`` each)."""
    return activity_cost("support_ticket") + COMPLAINTS * activity_cost("complaint")


def expected_profit(c: pd.DataFrame, orders, tickets) -> np.ndarray:
    """Expected operating profit a month of customers ``c`` at these order and ticket rates.

    Parameters
    ----------
    c : DataFrame or Series
        Customers (or one) with ``value`` (mean order value), ``margin`` and ``calls`` (account
        calls a month).
    orders, tickets : array-like
        Orders and support tickets a month (complaints come with tickets, ``COMPLAINTS`` each).

    Returns
    -------
    numpy.ndarray
        Gross margin less commission, carrying cost, order handling, service and account calls.
    """
    revenue = orders * c["value"] * np.exp(LINE_SPREAD**2 / 2) * np.mean(LINES) / 2
    margin = 1 - (1 - c["margin"]) * np.exp(COGS_SPREAD**2 / 2)
    carrying = CARRYING * np.mean(PAYMENT_DAYS) / 365  # a share of revenue
    handling = orders * activity_cost("order_handling", np.mean(LINES))
    service = tickets * ticket_cost()
    sales = c["calls"] * activity_cost("sales_call")
    return np.asarray(revenue * (margin - COMMISSION - carrying) - handling - service - sales)


def monthly_rates(row, k):
    """Orders and tickets a month of one customer (a row of :func:`customers_of`, a Series or
    a named tuple) in month(s) ``k``: its season, and its change once it has started."""
    way = 0.0 if row.change_start < 0 else np.clip((k - row.change_start + 1) / row.ramp, 0, 1)
    season = 1 + row.season * np.sin(2 * np.pi * (k + row.phase) / 12)
    orders = season * (row.orders + way * (row.orders_after - row.orders))
    return orders, row.tickets + way * (row.tickets_after - row.tickets)


def draw_customers(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Per-customer parameters before any turn (one row per customer)."""
    names = list(SEGMENTS)
    segment = rng.choice(names, n, p=[SEGMENTS[s][0] for s in names])
    occasional = rng.random(n) < 0.3
    won_before = rng.random(n) < 0.55
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i:05d}" for i in range(n)],
            "segment": segment,
            "kind": np.where(occasional, "occasional", "regular"),
            "value": np.array([SEGMENTS[s][1] for s in segment]) * rng.lognormal(0, 0.4, n),
            "orders": np.where(occasional, rng.uniform(0.15, 0.8, n), rng.uniform(1.0, 4.0, n)),
            "margin": rng.uniform(0.22, 0.45, n),
            "tickets": rng.uniform(0.2, 2.0, n),
            "calls": np.array([SEGMENTS[s][2] for s in segment]),
            "acquired_idx": np.where(won_before, -1, rng.integers(0, 15, n)),
            "season": np.where(rng.random(n) < 0.3, 0.5, 0.0),
            "phase": rng.integers(0, 12, n),
        }
    )
    frame["profit"] = expected_profit(frame, frame["orders"], frame["tickets"])
    return frame


def plant_turns(c: pd.DataFrame, rng: np.random.Generator, share: float = 0.1) -> pd.DataFrame:
    """Choose ``share`` of the customers to turn and add their change to ``c``.

    A candidate keeps at least ``TURN_MARGIN`` of its expected contribution (gross margin less
    commission, carrying cost and order handling) as profit, and has 12 months of history
    before the change starts. Over ``ramp`` (1, 3 or 6) months its orders
    fall to 30–70% and its tickets rise until its expected profit is minus 50–150% of what it
    was (more where the fall in orders alone loses more). The planted ``turn_idx`` is the first
    month of the stretch, running to the as-of month, in which its expected profit (season
    included) is negative; it must be at least 2 months before the as-of month.
    """
    n = len(c)
    c = c.assign(
        orders_after=c["orders"] * rng.uniform(0.3, 0.7, n),
        ramp=rng.choice([1, 3, 6], n),
        change_start=-1,
        turn_idx=-1,
    )
    loss = rng.uniform(0.5, 1.5, n)
    without_service = expected_profit(c, c["orders_after"], 0.0)
    c["tickets_after"] = np.maximum(
        (without_service + loss * c["profit"]) / ticket_cost(), c["tickets"]
    )
    margin = expected_profit(c.assign(calls=0.0), c["orders"], 0.0)  # before any cost to serve
    earliest = np.maximum(c["acquired_idx"], 0) + 12
    candidates = np.flatnonzero((c["profit"] >= TURN_MARGIN * margin) & (earliest <= MONTHS - 3))
    planted = 0
    for i in rng.permutation(candidates):
        if planted == round(share * n):
            break
        start = int(rng.integers(earliest[i], MONTHS - 2))
        turn = _turn_month(c.iloc[i].copy(), start)
        if start <= turn <= MONTHS - 3:
            c.loc[c.index[i], ["change_start", "turn_idx"]] = start, turn
            planted += 1
    keep = c["change_start"] < 0
    c.loc[keep, "orders_after"] = c.loc[keep, "orders"]
    c.loc[keep, "tickets_after"] = c.loc[keep, "tickets"]
    return c


def _turn_month(row: pd.Series, start: int) -> int:
    """First month of the trailing stretch of negative expected profit of a customer whose
    change starts in month ``start`` (``MONTHS`` when the last month is not negative)."""
    row["change_start"] = start
    negative = expected_profit(row, *monthly_rates(row, np.arange(MONTHS))) < 0
    turn = MONTHS
    while turn > 0 and negative[turn - 1]:
        turn -= 1
    return turn


def customers_of(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The customers of a company, with their planted turns (``turn_idx``, -1: none)."""
    return plant_turns(draw_customers(n, rng), rng)


def customer_rows(row, rng: np.random.Generator) -> tuple[dt.date, list, list, list]:
    """Acquisition date, invoice lines, payments and activities of one customer (a row of
    :func:`customers_of`). Invoice and payment ids are filled in by :func:`simulate`."""
    if row.acquired_idx >= 0:
        acquired = day_in_month(rng, int(row.acquired_idx))
    else:
        acquired = FIRST - dt.timedelta(days=int(rng.integers(30, 700)))
    lines, payments, activities = [], [], []
    for _ in range(int(rng.integers(2, 6))):  # the pursuit: sales calls before the win
        day = acquired - dt.timedelta(days=int(rng.integers(1, 60)))
        if day >= FIRST:
            activities.append(("sales_call", day))
    first = max(int(row.acquired_idx), 0)
    for k in range(first, MONTHS):
        after = acquired if k == row.acquired_idx else None
        orders, tickets = monthly_rates(row, k)
        dates = [day_in_month(rng, k, after) for _ in range(rng.poisson(orders))]
        if after:
            dates.append(acquired)  # the order that won the customer
        for date in dates:
            invoice = len(payments)
            count = int(rng.integers(LINES[0], LINES[1] + 1))
            revenue = np.round(row.value / 2 * rng.lognormal(0, LINE_SPREAD, count), 2)
            cost = np.round(revenue * (1 - row.margin) * rng.lognormal(0, COGS_SPREAD, count), 2)
            lines += [(invoice, j + 1, date, revenue[j], cost[j]) for j in range(count)]
            payments.append(
                (
                    invoice,
                    date
                    + dt.timedelta(days=int(rng.integers(PAYMENT_DAYS[0], PAYMENT_DAYS[1] + 1))),
                    round(revenue.sum(), 2),
                )
            )
        for activity, rate in (
            ("support_ticket", tickets),
            ("complaint", COMPLAINTS * tickets),
            ("sales_call", row.calls),
        ):
            activities += [
                (activity, day_in_month(rng, k, after)) for _ in range(rng.poisson(rate))
            ]
    return acquired, lines, payments, activities


def simulate(folder: Path, n: int, seed: int, period: str = "month") -> pd.DataFrame:
    """Write a company's data folder (CSV files and ``costmodel.yaml``, whose ``period`` is
    ``month`` or ``quarter``); return its customers (:func:`customers_of`)."""
    rng = np.random.default_rng(seed)
    c = customers_of(n, rng)
    customers, lines, payments, activities = [], [], [], []
    for row in c.itertuples():
        acquired, own_lines, own_payments, own_activities = customer_rows(row, rng)
        customers.append((row.customer_id, row.segment, acquired))
        offset = len(payments)
        lines += [
            (f"I{offset + i:07d}", j, row.customer_id, d, r, x) for i, j, d, r, x in own_lines
        ]
        payments += [(f"I{offset + i:07d}", d, a) for i, d, a in own_payments]
        activities += [(row.customer_id, a, d) for a, d in own_activities]
    folder.mkdir(parents=True, exist_ok=True)
    write = {
        "customers": (customers, ["customer_id", "segment", "acquired_on"]),
        "invoice_lines": (
            lines,
            ["invoice_id", "line_id", "customer_id", "invoice_date", "revenue", "cost"],
        ),
        "activities": (activities, ["customer_id", "activity", "occurred_on"]),
    }
    for name, (rows, columns) in write.items():
        frame = pd.DataFrame(rows, columns=columns)
        if name == "activities":
            frame.insert(0, "activity_id", [f"A{i:07d}" for i in range(len(frame))])
        frame.to_csv(folder / f"{name}.csv", index=False)
    paid = pd.DataFrame(payments, columns=["invoice_id", "paid_on", "amount"])
    paid = paid[paid["paid_on"] <= AS_OF]
    paid.insert(0, "payment_id", [f"P{i:07d}" for i in range(len(paid))])
    paid.to_csv(folder / "payments.csv", index=False)
    (folder / "costmodel.yaml").write_text(cost_model(capacity=200 * n, period=period))
    return c


def cost_model(capacity: int, period: str = "month") -> str:
    """The company's ``costmodel.yaml``: ``RATES`` at ``capacity`` minutes a period each."""
    resources = "".join(
        f"  {name}: {{cost: {rate * capacity:.0f}, capacity_minutes: {capacity}}}\n"
        for name, rate in RATES.items()
    )
    activities = "".join(
        f"  {name}: {{category: {category}, resources: [{resource}], minutes: {minutes}"
        + (f", per: invoice, minutes_per_unit: {per_unit}}}\n" if per_unit else "}\n")
        for name, (category, resource, minutes, per_unit) in ACTIVITIES.items()
    )
    return (
        f"currency: EUR\nperiod: {period}\nannual_discount_rate: 0.10\n"
        f"annual_carrying_rate: {CARRYING}\npayment_terms_days: 30\nresources:\n{resources}activities:\n{activities}"
        f"commission:\n  default_rate: {COMMISSION}\n"
    )


def scores(truth: pd.DataFrame, trends: pd.DataFrame, period: str = "month") -> dict[str, float]:
    """Precision, recall, turn period within one, false alarms of one company (or a part).

    ``period`` is the company's (``month`` or ``quarter``): a planted turn is scored in the
    period of its month, and counts for recall when that period is at least 2 before the as-of
    period (in months it always is); a flag on a later planted turn is neither right nor wrong.
    """
    months = MONTHS_PER_PERIOD[period]
    t = truth.merge(trends[["customer_id", "status", "turn_period"]], on="customer_id")
    flagged = t["status"] == "turned_unprofitable"
    planted = t["turn_idx"] >= 0
    turn = t["turn_idx"] // months
    scored = ~planted | (turn <= (MONTHS - 1) // months - 2)
    found = flagged & planted & scored
    label = t["turn_period"].str.replace(
        r"-Q(\d)", lambda m: f"-{3 * int(m[1]) - 2:02d}", regex=True
    )
    period = pd.to_datetime(label + "-01", errors="coerce")
    found_idx = ((period.dt.year - FIRST.year) * 12 + period.dt.month - FIRST.month) // months
    near = (found_idx - turn).abs() <= 1
    return {
        "customers": len(t),
        "planted": int((planted & scored).sum()),
        "flagged": int((flagged & scored).sum()),
        "precision": found.sum() / max((flagged & scored).sum(), 1),
        "recall": found.sum() / max((planted & scored).sum(), 1),
        "within_1": (near & found).sum() / max(found.sum(), 1),
        "false_alarms": (flagged & ~planted).sum() / max((~planted).sum(), 1),
    }


def scores_by_kind(truth: pd.DataFrame, trends: pd.DataFrame, period: str = "month") -> dict:
    """:func:`scores` of all customers (``"all"``) and of each kind of buyer."""
    parts = [("all", truth), *truth.groupby("kind")]
    return {kind: scores(part, trends, period) for kind, part in parts}


__all__ = ["AS_OF", "FIRST", "MONTHS", "simulate", "scores", "scores_by_kind"]
