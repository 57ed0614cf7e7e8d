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
  and two to five sales calls in the 60 days before it (the acquisition cost);
- regular buyers (70%, 1–4 orders a month) and occasional ones (30%, 0.15–0.8 a month); a
  third of the customers order with a season (±50% over the year);
- support tickets (0.2–2 a month), complaints, account-management calls by segment, order
  handling per invoice; invoices paid 10–40 days after they are issued;
- a tenth of the customers *turn*, as in issue 22 ("a customer that made money for a year and
  now loses money every month"): from a month at least 12 months into their history, over 1,
  3 or 6 months (a step or a slide), their orders fall to 30–70% and their tickets and
  complaints rise until the customer's expected monthly profit is minus 50–150% of what it
  was. The planted turn is the first month whose expected profit is negative, at least 2
  months before the as-of month. Only customers expected to make money before the change are
  chosen, so every planted turn is a turn of section 5.1 in expectation.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

MONTHS = 24
FIRST = dt.date(2025, 1, 1)
AS_OF = dt.date(2026, 12, 31)
SEGMENTS = {
    "smb": (0.6, 400.0, 0.2),
    "mid_market": (0.3, 1500.0, 0.7),
    "enterprise": (0.1, 6000.0, 1.5),
}
#: cost per minute of each resource; capacity is set well above what the customers use
RATES = {"sales_team": 1.2, "support_team": 0.9, "ops_team": 0.5}
MINUTES = {"sales_call": 30, "support_ticket": 20, "complaint": 45}
COMMISSION = 0.05
COSTMODEL = """currency: EUR
period: month
annual_discount_rate: 0.10
annual_carrying_rate: 0.05
payment_terms_days: 30
resources:
{resources}
activities:
  sales_call:     {{category: sales,   resources: [sales_team], minutes: 30}}
  support_ticket: {{category: service, resources: [support_team], minutes: 20}}
  complaint:      {{category: service, resources: [support_team], minutes: 45}}
  order_handling: {{category: fulfilment, resources: [ops_team], per: invoice, minutes: 5, minutes_per_unit: 2}}
commission:
  default_rate: {commission}
"""


def month_start(k: int) -> dt.date:
    return dt.date(FIRST.year + (FIRST.month - 1 + k) // 12, (FIRST.month - 1 + k) % 12 + 1, 1)


def day_in_month(rng: np.random.Generator, k: int) -> dt.date:
    start = month_start(k)
    return start + dt.timedelta(days=int(rng.integers(0, (month_start(k + 1) - start).days)))


def customers_of(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Per-customer parameters (before any turn) and the planted turns."""
    names = list(SEGMENTS)
    segment = rng.choice(names, n, p=[SEGMENTS[s][0] for s in names])
    value = np.array([SEGMENTS[s][1] for s in segment]) * rng.lognormal(0, 0.4, n)
    calls = np.array([SEGMENTS[s][2] for s in segment])
    occasional = rng.random(n) < 0.3
    orders = np.where(occasional, rng.uniform(0.15, 0.8, n), rng.uniform(1.0, 4.0, n))
    margin = rng.uniform(0.22, 0.45, n)
    tickets = rng.uniform(0.2, 2.0, n)
    won_before = rng.random(n) < 0.55
    acquired_idx = np.where(won_before, -1, rng.integers(0, 15, n))
    frame = pd.DataFrame(
        {
            "customer_id": [f"K{i:05d}" for i in range(n)],
            "segment": segment,
            "kind": np.where(occasional, "occasional", "regular"),
            "value": value,
            "orders": orders,
            "margin": margin,
            "tickets": tickets,
            "calls": calls,
            "acquired_idx": acquired_idx,
        }
    )
    frame["profit"] = expected_profit(frame, orders, tickets)
    frame["season"] = np.where(rng.random(n) < 0.3, 0.5, 0.0)  # seasonal order rates
    frame["phase"] = rng.integers(0, 12, n)
    # the turners: expected to make money, at least 12 months of history before the change
    # starts; the change takes 1, 3 or 6 months (a step or a gradual slide), and the turn is
    # the first month whose expected profit is negative, at least 2 months before the as-of
    earliest = np.maximum(acquired_idx, 0) + 12
    loss = rng.uniform(0.5, 1.5, n)  # expected profit after: -(50-150%) of what it was
    frame["orders_after"] = orders * rng.uniform(0.3, 0.7, n)
    # tickets after the change: enough for that loss (never fewer than before)
    without_service = expected_profit(frame, frame["orders_after"], 0.0)
    ticket_cost = MINUTES["support_ticket"] * RATES["support_team"]
    frame["tickets_after"] = np.maximum(
        (without_service + loss * frame["profit"]) / ticket_cost, tickets
    )
    after = expected_profit(frame, frame["orders_after"], frame["tickets_after"])
    ramp = rng.choice([1, 3, 6], n)
    # the month of the change in which expected profit first falls below zero (0: the first)
    positive = frame["profit"].to_numpy() > 0
    share = np.where(positive, frame["profit"] / np.where(positive, frame["profit"] - after, 1), 0)
    crossing = np.ceil(ramp * share).astype(int) - 1
    latest = MONTHS - 3 - crossing  # the latest start that turns 2 months before the as-of
    can_turn = positive & (earliest <= latest)
    chosen = rng.choice(np.flatnonzero(can_turn), min(n // 10, int(can_turn.sum())), replace=False)
    start = np.full(n, -1)
    start[chosen] = [rng.integers(earliest[i], latest[i] + 1) for i in chosen]
    frame["change_start"], frame["ramp"] = start, ramp
    frame["turn_idx"] = np.where(start >= 0, start + crossing, -1)
    not_turning = start < 0
    frame.loc[not_turning, "orders_after"] = orders[not_turning]
    frame.loc[not_turning, "tickets_after"] = tickets[not_turning]
    return frame


def expected_profit(c: pd.DataFrame, orders, tickets) -> np.ndarray:
    """Expected operating profit a month (after acquisition) of customers ``c``."""
    revenue = orders * c["value"]
    handling = orders * (5 + 2 * 2) * RATES["ops_team"]  # two lines an invoice on average
    service = tickets * MINUTES["support_ticket"] * RATES["support_team"]
    sales = c["calls"] * MINUTES["sales_call"] * RATES["sales_team"]
    return np.asarray(revenue * c["margin"] - COMMISSION * revenue - handling - service - sales)


def simulate(folder: Path, n: int, seed: int) -> pd.DataFrame:
    """Write a company's data folder; return the customers' parameters and planted turns."""
    rng = np.random.default_rng(seed)
    c = customers_of(n, rng)
    customers, lines, payments, activities = [], [], [], []
    for row in c.itertuples():
        if row.acquired_idx >= 0:
            acquired = day_in_month(rng, int(row.acquired_idx))
        else:
            acquired = FIRST - dt.timedelta(days=int(rng.integers(30, 700)))
        customers.append((row.customer_id, row.segment, acquired.isoformat()))
        for _ in range(int(rng.integers(2, 6))):  # the pursuit: sales calls before the win
            day = acquired - dt.timedelta(days=int(rng.integers(1, 60)))
            if day >= FIRST:
                activities.append((row.customer_id, "sales_call", day))
        start = max(int(row.acquired_idx), 0)
        for k in range(start, MONTHS):
            way = min(max((k - row.change_start + 1) / row.ramp, 0.0), 1.0)
            if row.change_start < 0:
                way = 0.0
            season = 1 + row.season * np.sin(2 * np.pi * (k + row.phase) / 12)
            orders_rate = season * (row.orders + way * (row.orders_after - row.orders))
            tickets_rate = row.tickets + way * (row.tickets_after - row.tickets)
            dates = [day_in_month(rng, k) for _ in range(rng.poisson(orders_rate))]
            if k == row.acquired_idx:
                dates.append(acquired)  # the order that won the customer
            for date in dates:
                invoice, total = f"I{len(lines):07d}", 0.0
                for line in range(int(rng.integers(1, 4))):
                    revenue = round(row.value * rng.lognormal(0, 0.35) / 2, 2)
                    cost = round(revenue * (1 - row.margin) * rng.lognormal(0, 0.05), 2)
                    lines.append((invoice, line + 1, row.customer_id, date, revenue, cost))
                    total += revenue
                paid = date + dt.timedelta(days=int(rng.integers(10, 41)))
                if paid <= AS_OF:
                    payments.append((f"P{len(payments):07d}", invoice, paid, round(total, 2)))
            n_tickets = rng.poisson(tickets_rate)
            n_complaints = rng.poisson(0.1 * tickets_rate)
            n_calls = rng.poisson(row.calls)
            for activity, count in (
                ("support_ticket", n_tickets),
                ("complaint", n_complaints),
                ("sales_call", n_calls),
            ):
                activities += [
                    (row.customer_id, activity, day_in_month(rng, k)) for _ in range(count)
                ]
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(customers, columns=["customer_id", "segment", "acquired_on"]).to_csv(
        folder / "customers.csv", index=False
    )
    pd.DataFrame(
        lines, columns=["invoice_id", "line_id", "customer_id", "invoice_date", "revenue", "cost"]
    ).to_csv(folder / "invoice_lines.csv", index=False)
    pd.DataFrame(payments, columns=["payment_id", "invoice_id", "paid_on", "amount"]).to_csv(
        folder / "payments.csv", index=False
    )
    acts = pd.DataFrame(activities, columns=["customer_id", "activity", "occurred_on"])
    acts.insert(0, "activity_id", [f"A{i:07d}" for i in range(len(acts))])
    acts.to_csv(folder / "activities.csv", index=False)
    capacity = 200 * n  # minutes a month: far above what the customers use
    resources = "\n".join(
        f"  {name}: {{cost: {rate * capacity:.0f}, capacity_minutes: {capacity}}}"
        for name, rate in RATES.items()
    )
    (folder / "costmodel.yaml").write_text(
        COSTMODEL.format(resources=resources, commission=COMMISSION)
    )
    return c


def scores(truth: pd.DataFrame, trends: pd.DataFrame) -> dict[str, float]:
    """Precision, recall, turn period within one, false alarms of one company (or a part)."""
    t = truth.merge(trends[["customer_id", "status", "turn_period"]], on="customer_id")
    flagged = t["status"] == "turned_unprofitable"
    planted = t["turn_idx"] >= 0
    found = flagged & planted
    period = pd.to_datetime(t["turn_period"] + "-01", errors="coerce")
    found_idx = (period.dt.year - FIRST.year) * 12 + period.dt.month - FIRST.month
    near = (found_idx - t["turn_idx"]).abs() <= 1
    return {
        "customers": len(t),
        "planted": int(planted.sum()),
        "flagged": int(flagged.sum()),
        "precision": found.sum() / max(flagged.sum(), 1),
        "recall": found.sum() / max(planted.sum(), 1),
        "within_1": (near & found).sum() / max(found.sum(), 1),
        "false_alarms": (flagged & ~planted).sum() / max((~planted).sum(), 1),
    }


__all__ = ["AS_OF", "FIRST", "MONTHS", "simulate", "scores"]
