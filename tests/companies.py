"""Random valid companies for property tests, written as contract data folders."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

import yaml

START = dt.date(2025, 10, 20)
SEGMENTS = ["enterprise", "smb", None]
PRODUCTS = ["p1", "p2", "p3", None]


def random_company(
    seed: int,
    period: str = "month",
    with_commissions: bool = False,
    overrides: bool = True,
    by_product: bool = True,
):
    """A small valid company: (data, model, as_of), data = table -> list of row dicts."""
    rnd = random.Random(seed)

    def day(span=150):
        return START + dt.timedelta(days=rnd.randrange(span))

    def money(lo, hi):
        return round(rnd.uniform(lo, hi), 2)

    model = {
        "currency": "EUR",
        "period": period,
        "annual_discount_rate": 0.1,
        "annual_carrying_rate": rnd.choice([0.0, 0.08, 0.365]),
        "payment_terms_days": 30,
        "resources": {
            "sales": {"cost": 6000, "capacity_minutes": 4000},
            "support": {"cost": 3000, "capacity_minutes": 7000},
            "ops": {"cost": 900, "capacity_minutes": 300},
        },
        "activities": {
            "call": {"category": "sales", "resources": ["sales"], "minutes": 30},
            "visit": {
                "category": "sales",
                "resources": ["sales", "ops"],
                "minutes": 90,
                "minutes_per_unit": 10,
            },
            "ticket": {
                "category": "service",
                "resources": ["support"],
                "minutes": 20,
                "minutes_per_unit": 2,
            },
            "handling": {
                "category": "fulfilment",
                "resources": ["ops"],
                "per": "invoice",
                "minutes": 5,
                "minutes_per_unit": 2,
            },
        },
        "commission": {
            "default_rate": 0.05,
            "by_segment": {"enterprise": 0.03},
            "by_product": {"p2": 0.1} if by_product else {},
        },
    }
    customers = [
        {"customer_id": f"C{i:02d}", "acquired_on": day(60), "segment": rnd.choice(SEGMENTS)}
        for i in range(rnd.randint(1, 5))
    ]
    ids = [c["customer_id"] for c in customers]
    prospects = [
        {
            "prospect_id": f"P{i}",
            "created_on": day(60),
            "converted_customer_id": rnd.choice(ids + [None, None]),
        }
        for i in range(rnd.randint(0, 3))
    ]
    lines, payments = [], []
    for n in range(rnd.randint(1, 8)):
        customer, when = rnd.choice(ids), day()
        for k in range(rnd.randint(1, 3)):
            revenue = money(-80, 900) if rnd.random() < 0.15 else money(10, 2000)
            lines.append(
                {
                    "invoice_id": f"I{n:03d}",
                    "line_id": str(k + 1),
                    "customer_id": customer,
                    "invoice_date": when,
                    "product_id": rnd.choice(PRODUCTS),
                    "revenue": revenue,
                    "cost": round(revenue * rnd.uniform(0.3, 0.9), 2),
                }
            )
        total = sum(l["revenue"] for l in lines if l["invoice_id"] == f"I{n:03d}")
        for m in range(rnd.randint(0, 3)):
            payments.append(
                {
                    "payment_id": f"PAY{n}-{m}",
                    "invoice_id": f"I{n:03d}",
                    "paid_on": when + dt.timedelta(days=rnd.randrange(-3, 90)),
                    "amount": round(max(total, 1) * rnd.uniform(0.1, 0.7), 2),
                    "kind": rnd.choice(["payment", "payment", "write_off", None]),
                }
            )
    activities = []
    for n in range(rnd.randint(0, 12)):
        owner = rnd.random()
        row = {
            "activity_id": f"A{n}",
            "activity": rnd.choice(["call", "visit", "ticket"]),
            "occurred_on": day(),
            "customer_id": None,
            "prospect_id": None,
            "minutes": rnd.choice([None, None, float(rnd.randrange(0, 200))]),
            "quantity": rnd.choice([None, float(rnd.randrange(0, 6))]),
        }
        if owner < 0.3 and prospects:
            row["prospect_id"] = rnd.choice(prospects)["prospect_id"]
        else:
            row["customer_id"] = rnd.choice(ids)
        activities.append(row)
    # a referrer is an earlier customer of the list: no self-referral, no cycle
    referrals = [
        {
            "referrer_id": rnd.choice(ids[: ids.index(referred)]),
            "referred_id": referred,
            "referred_on": day(),
            "reward": rnd.choice([None, money(5, 100)]),
        }
        for referred in rnd.sample(ids[1:], rnd.randint(0, len(ids) - 1))
    ]
    data = {
        "customers": customers,
        "prospects": prospects,
        "invoice_lines": lines,
        "payments": payments,
        "activities": activities,
        "referrals": referrals,
    }
    dates = (
        [l["invoice_date"] for l in lines]
        + [p["paid_on"] for p in payments]
        + [a["occurred_on"] for a in activities]
        + [r["referred_on"] for r in referrals]
    )
    if overrides:
        periods = sorted({_period(d, period) for d in dates})
        data["resource_costs"] = [
            {
                "period": p,
                "resource": r,
                "cost": float(rnd.randrange(100, 9000)),
                "capacity_minutes": float(rnd.randrange(50, 9000)),
            }
            for p in rnd.sample(periods, min(2, len(periods)))
            for r in ("sales", "ops")
        ]
    if with_commissions:
        data["commissions"] = [
            {"customer_id": rnd.choice(ids), "paid_on": day(), "amount": money(1, 300)}
            for _ in range(rnd.randint(0, 5))
        ]
        dates += [c["paid_on"] for c in data["commissions"]]
    for p in payments:
        if p["kind"] is None:
            p["kind"] = "payment"
    as_of = max(dates) + dt.timedelta(days=rnd.randrange(0, 40))
    return data, model, as_of


def _period(day: dt.date, kind: str) -> str:
    return day.strftime("%Y-%m") if kind == "month" else f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def write_company(folder: Path, data: dict, model: dict) -> Path:
    """Write ``data`` as CSV files and ``model`` as costmodel.yaml into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "costmodel.yaml").write_text(yaml.safe_dump(model, sort_keys=False))
    for name, rows in data.items():
        columns = list(dict.fromkeys(k for r in rows for k in r)) or _HEADERS[name]
        with open(folder / f"{name}.csv", "w", newline="") as fh:
            writer = csv.DictWriter(fh, columns)
            writer.writeheader()
            for r in rows:
                writer.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return folder


_HEADERS = {
    "prospects": ["prospect_id", "created_on"],
    "activities": ["activity_id", "activity", "occurred_on", "customer_id", "prospect_id"],
    "referrals": ["referrer_id", "referred_id", "referred_on"],
    "payments": ["payment_id", "invoice_id", "paid_on", "amount"],
    "resource_costs": ["period", "resource", "cost", "capacity_minutes"],
    "commissions": ["customer_id", "paid_on", "amount"],
}
