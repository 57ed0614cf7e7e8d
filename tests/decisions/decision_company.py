"""A hand-built company whose every decision can be worked out on paper.

Month periods, as-of 2026-03-31, recent window = the three months 2026-01..03, discount rate 0
and fewer than 20 customers (no lifetime-value model): every customer is expected to stay the
36 months of the horizon, so A = 36 and an NPV is 36 x the monthly figure. No commission, no
carrying cost, no acquisition cost. Per month (one invoice and the same activities each month):

customer  revenue  cogs  activities                 profit  expected
P         1000     500   1 ticket (60 on team)        440   keep (profitable)
L           10       5   2 tickets (120 on team)     -115   end: nothing speaks for it
F           10       5   2 desk (120 on the lease)   -115   keep: the lease is not reducible
R           10       5   2 tickets                   -115   keep: referred Q, worth 4500
Q         4000    1000   -                           3000   keep
V          100      50   1 visit (120 on team)        -70   serve_differently: a call costs 15
W         1000     900   2 tickets                    -20   reprice: +2% breaks even
"""

from __future__ import annotations

from pathlib import Path

import yaml

MODEL = {
    "currency": "EUR",
    "period": "month",
    "annual_discount_rate": 0.0,
    "annual_carrying_rate": 0.0,
    "resources": {
        "team": {"cost": 6000, "capacity_minutes": 6000},
        "lease": {"cost": 3000, "capacity_minutes": 3000, "reducible": False},
        "cheap": {"cost": 1000, "capacity_minutes": 2000},
    },
    "activities": {
        "ticket": {"category": "service", "resources": ["team"], "minutes": 60},
        "desk": {"category": "service", "resources": ["lease"], "minutes": 60},
        "visit": {"category": "sales", "resources": ["team"], "minutes": 120},
        "call": {"category": "sales", "resources": ["cheap"], "minutes": 30},
    },
    "commission": {"default_rate": 0.0},
    "serve_differently": {"visit": "call"},
    "decisions": {"recent_periods": 3},
}
MONTHLY = {
    "P": (1000, 500, {"ticket": 1}),
    "L": (10, 5, {"ticket": 2}),
    "F": (10, 5, {"desk": 2}),
    "R": (10, 5, {"ticket": 2}),
    "Q": (4000, 1000, {}),
    "V": (100, 50, {"visit": 1}),
    "W": (1000, 900, {"ticket": 2}),
}
AS_OF = "2026-03-31"


def write_company(folder: Path, model: dict | None = None) -> Path:
    """Write the company as CSV files and its cost model (default :data:`MODEL`)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "costmodel.yaml").write_text(yaml.safe_dump(model or MODEL, sort_keys=False))
    customers = ["customer_id,acquired_on"] + [f"{c},2025-12-01" for c in MONTHLY]
    lines = ["invoice_id,customer_id,invoice_date,revenue,cost"]
    acts = ["activity_id,activity,occurred_on,customer_id"]
    for month in ("01", "02", "03"):
        for c, (revenue, cost, activities) in MONTHLY.items():
            lines.append(f"I{c}{month},{c},2026-{month}-15,{revenue},{cost}")
            for activity, count in activities.items():
                for k in range(count):
                    acts.append(f"A{c}{month}{activity}{k},{activity},2026-{month}-10,{c}")
    files = {
        "customers": customers,
        "invoice_lines": lines,
        "activities": acts,
        "referrals": ["referrer_id,referred_id,referred_on,reward", "R,Q,2025-12-01,0"],
    }
    for name, rows in files.items():
        (folder / f"{name}.csv").write_text("\n".join(rows) + "\n")
    return folder
