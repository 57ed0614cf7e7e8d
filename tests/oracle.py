"""An independent, deliberately naive reading of DATA_CONTRACT.md section 3.

Plain Python over dicts, day by day (the carrying cost walks every day), sharing no code with
profitlens: the tests compare the engine with it on random valid companies.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

LINES = (
    "revenue",
    "cogs",
    "commission",
    "acquisition_cost",
    "sales_cost",
    "service_cost",
    "fulfilment_cost",
    "credit_cost",
    "referral_cost",
)


def period(day: dt.date, kind: str) -> str:
    if kind == "month":
        return day.strftime("%Y-%m")
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def days(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)


def expected_outputs(data: dict, model: dict, as_of: dt.date):
    """Return (pnl, usage): pnl[(customer, period)][line], usage[(resource, period)][field]."""
    kind = model.get("period", "month")
    customers = {c["customer_id"]: c for c in data["customers"]}
    prospects = {p["prospect_id"]: p for p in data.get("prospects", [])}
    pnl = defaultdict(lambda: defaultdict(float))

    firsts = (
        [l["invoice_date"] for l in data["invoice_lines"]]
        + [a["occurred_on"] for a in data.get("activities", [])]
        + [p["paid_on"] for p in data.get("payments", [])]
        + [r["referred_on"] for r in data.get("referrals", [])]
    )
    calendar = sorted({period(d, kind) for d in days(min(firsts, default=as_of), as_of)})

    def rate_parts(resource, per):
        override = [
            r
            for r in data.get("resource_costs", [])
            if r["resource"] == resource and r["period"] == per
        ]
        if override:
            return override[0]["cost"], override[0]["capacity_minutes"]
        res = model["resources"][resource]
        return res["cost"], res["capacity_minutes"]

    def rate(resource, per):
        cost, capacity = rate_parts(resource, per)
        return cost / capacity

    used = defaultdict(float)  # (resource, period) -> minutes
    pursuit = defaultdict(float)  # (resource, period) -> minutes

    def charge(activity, day, minutes, customer, line):
        per = period(day, kind)
        for resource in model["activities"][activity]["resources"]:
            used[(resource, per)] += minutes
            if customer is None:
                pursuit[(resource, per)] += minutes
            else:
                pnl[(customer, per)][line] += minutes * rate(resource, per)

    for a in data.get("activities", []):
        spec = model["activities"][a["activity"]]
        if a.get("minutes") is not None:
            minutes = a["minutes"]
        else:
            quantity = a.get("quantity") if a.get("quantity") is not None else 1
            minutes = spec.get("minutes", 0) + spec.get("minutes_per_unit", 0) * quantity
        if a.get("prospect_id"):
            won = prospects[a["prospect_id"]].get("converted_customer_id")
            charge(a["activity"], a["occurred_on"], minutes, won or None, "acquisition_cost")
            continue
        customer = customers[a["customer_id"]]
        if spec["category"] == "sales" and a["occurred_on"] < customer["acquired_on"]:
            line = "acquisition_cost"
        else:
            line = spec["category"] + "_cost"
        charge(a["activity"], a["occurred_on"], minutes, a["customer_id"], line)

    invoices = defaultdict(list)
    for l in data["invoice_lines"]:
        invoices[l["invoice_id"]].append(l)
    for name, spec in model["activities"].items():
        if spec.get("per") != "invoice":
            continue
        for lines in invoices.values():
            minutes = spec.get("minutes", 0) + spec.get("minutes_per_unit", 0) * len(lines)
            charge(
                name,
                lines[0]["invoice_date"],
                minutes,
                lines[0]["customer_id"],
                spec["category"] + "_cost",
            )

    rates = model.get("commission", {})
    for l in data["invoice_lines"]:
        key = (l["customer_id"], period(l["invoice_date"], kind))
        pnl[key]["revenue"] += l["revenue"]
        pnl[key]["cogs"] += l["cost"]
        if "commissions" not in data:
            segment = customers[l["customer_id"]].get("segment")
            r = rates.get("by_product", {}).get(l.get("product_id"))
            if r is None:
                r = rates.get("by_segment", {}).get(segment)
            if r is None:
                r = rates.get("default_rate", 0.0)
            pnl[key]["commission"] += r * l["revenue"]
    for c in data.get("commissions", []):
        pnl[(c["customer_id"], period(c["paid_on"], kind))]["commission"] += c["amount"]

    daily_rate = model.get("annual_carrying_rate", 0.0) / 365
    for invoice_id, lines in invoices.items():
        customer = lines[0]["customer_id"]
        total = sum(l["revenue"] for l in lines)
        paid = [p for p in data.get("payments", []) if p["invoice_id"] == invoice_id]
        for day in days(lines[0]["invoice_date"], as_of):
            balance = total - sum(p["amount"] for p in paid if p["paid_on"] <= day)
            if balance > 0:
                pnl[(customer, period(day, kind))]["credit_cost"] += balance * daily_rate
        for p in paid:
            if p.get("kind") == "write_off":
                pnl[(customer, period(p["paid_on"], kind))]["credit_cost"] += p["amount"]

    for r in data.get("referrals", []):
        pnl[(r["referrer_id"], period(r["referred_on"], kind))]["referral_cost"] += (
            r.get("reward") or 0.0
        )

    usage = {}
    for resource in model["resources"]:
        for per in calendar:
            cost, capacity = rate_parts(resource, per)
            minutes = used[(resource, per)]
            usage[(resource, per)] = {
                "cost": cost,
                "capacity_minutes": capacity,
                "used_minutes": minutes,
                "customer_cost": (minutes - pursuit[(resource, per)]) * cost / capacity,
                "pursuit_cost": pursuit[(resource, per)] * cost / capacity,
                "unused_cost": cost - minutes * cost / capacity,
            }
    pnl = {k: dict(v) for k, v in pnl.items() if any(abs(v[x]) > 1e-9 for x in LINES)}
    for v in pnl.values():
        for line in LINES:
            v.setdefault(line, 0.0)
        v["gross_margin"] = v["revenue"] - v["cogs"]
        v["profit"] = v["gross_margin"] - sum(v[x] for x in LINES[2:])
    return pnl, usage
