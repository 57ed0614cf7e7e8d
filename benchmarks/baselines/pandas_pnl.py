"""The contract's customer P&L written in plain pandas: the baseline an analyst would write.

Computes ``customer_pnl``, ``customer_summary`` (the P&L columns, rank and whale curve only) and
``resource_usage`` of DATA_CONTRACT.md section 3 from a data folder (CSV or Parquet), assuming
the data is valid: no quarantine, no checks. It does not import profitlens.

How it is written (what a competent analyst would do, no more):

* vectorised ``groupby``/``merge``/``map``; periods are integer keys (``year*12 + month - 1``
  or ``year*4 + quarter - 1``) turned into ``YYYY-MM`` / ``YYYY-Qn`` labels only at the end;
* activity minutes are summed per (activity, period, customer, line) first and priced once
  with the sum of the activity's resources' cost per minute;
* carrying cost by **intervals**, not by exploding days: each invoice's balance is cut into
  runs of constant balance (cumulative sum of invoice amount and payments per invoice, next
  move date by ``shift``), each run is repeated once per period it touches (``np.repeat``) and
  its days in that period counted. Exploding one row per open invoice-day would be simpler but
  is hundreds of millions of rows at a million customers.

Run: ``python benchmarks/baselines/pandas_pnl.py DATA_DIR OUT_DIR [--as-of YYYY-MM-DD]
[--no-csv]``; prints a JSON line of phase timings.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

TEXT = {
    "customer_id",
    "prospect_id",
    "invoice_id",
    "line_id",
    "payment_id",
    "activity_id",
    "activity",
    "product_id",
    "segment",
    "converted_customer_id",
    "kind",
    "referrer_id",
    "referred_id",
    "period",
    "resource",
    "sales_rep_id",
    "currency",
    "employee_id",
    "channel",
    "name",
    "industry",
    "region",
}
DATES = {
    "acquired_on",
    "created_on",
    "invoice_date",
    "due_date",
    "paid_on",
    "occurred_on",
    "referred_on",
    "ended_on",
}
NUMBERS = {
    "revenue",
    "cost",
    "amount",
    "minutes",
    "quantity",
    "reward",
    "capacity_minutes",
    "employees",
    "annual_revenue",
}
# the columns each table needs here (optional ones filled with nulls when absent)
NEEDED = {
    "customers": ["customer_id", "acquired_on", "segment"],
    "prospects": ["prospect_id", "converted_customer_id"],
    "invoice_lines": ["invoice_id", "customer_id", "invoice_date", "revenue", "cost", "product_id"],
    "payments": ["invoice_id", "paid_on", "amount", "kind"],
    "activities": ["activity", "occurred_on", "customer_id", "prospect_id", "minutes", "quantity"],
    "resource_costs": ["period", "resource", "cost", "capacity_minutes"],
    "commissions": ["customer_id", "paid_on", "amount"],
    "referrals": ["referrer_id", "referred_on", "reward"],
}
COST_LINES = [
    "commission",
    "acquisition_cost",
    "sales_cost",
    "service_cost",
    "fulfilment_cost",
    "credit_cost",
    "referral_cost",
]
PNL_COLUMNS = ["revenue", "cogs", "gross_margin", *COST_LINES, "profit"]
DECIMALS = 6


def read_table(data_dir: Path, name: str) -> pd.DataFrame | None:
    """One table of the folder with the columns this baseline uses, typed; None if absent."""
    columns = NEEDED[name]
    parquet, text = data_dir / f"{name}.parquet", data_dir / f"{name}.csv"
    if parquet.exists():
        present = set(pq.read_schema(parquet).names)
        frame = pd.read_parquet(parquet, columns=[c for c in columns if c in present])
    elif text.exists():
        with open(text, newline="", encoding="utf-8-sig") as fh:
            header = next(csv.reader(fh))
        frame = pd.read_csv(
            text,
            usecols=[c for c in columns if c in header],
            dtype={c: str for c in header if c in TEXT},
        )
    else:
        return None
    for col in columns:
        if col not in frame.columns:
            frame[col] = pd.Series(
                np.nan if col in NUMBERS else None,
                index=frame.index,
                dtype="float64" if col in NUMBERS else object,
            )
        if col in DATES:
            frame[col] = pd.to_datetime(frame[col])
        elif col in NUMBERS:
            frame[col] = pd.to_numeric(frame[col]).astype("float64")
    return frame


def period_key(dates: pd.Series, kind: str) -> pd.Series:
    """Integer period of each date: months or quarters since year 0."""
    if kind == "month":
        return dates.dt.year * 12 + dates.dt.month - 1
    return dates.dt.year * 4 + (dates.dt.month - 1) // 3


def period_bounds(keys: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """First and last day (datetime64[D]) of integer periods."""
    months = keys if kind == "month" else keys * 3
    step = 1 if kind == "month" else 3
    first = (months - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    nxt = (months + step - 1970 * 12).astype("datetime64[M]").astype("datetime64[D]")
    return first, nxt - np.timedelta64(1, "D")


def period_labels(keys: np.ndarray, kind: str) -> np.ndarray:
    if kind == "month":
        return np.array([f"{k // 12:04d}-{k % 12 + 1:02d}" for k in keys], dtype=object)
    return np.array([f"{k // 4:04d}-Q{k % 4 + 1}" for k in keys], dtype=object)


def load(data_dir: Path) -> tuple[dict, dict]:
    data_dir = Path(data_dir)
    model = yaml.safe_load((data_dir / "costmodel.yaml").read_text())
    return {name: read_table(data_dir, name) for name in NEEDED}, model


def compute(data: dict, model: dict, as_of: pd.Timestamp | None = None) -> dict:
    """customer_pnl, customer_summary and resource_usage as DataFrames."""
    kind = model["period"]
    empty = {"prospects", "payments", "activities", "resource_costs", "referrals"}
    data = {n: (read_empty(n) if f is None and n in empty else f) for n, f in data.items()}
    lines, customers = data["invoice_lines"], data["customers"]
    pays, acts, refs = data["payments"], data["activities"], data["referrals"]
    events = [lines.invoice_date, pays.paid_on, acts.occurred_on, refs.referred_on]
    if data["commissions"] is not None:
        events.append(data["commissions"].paid_on)
    if as_of is None:
        as_of = max(s.max() for s in events if len(s))
    as_of = pd.Timestamp(as_of)
    first_day = min(s.min() for s in events[:4] if len(s))
    first_key = int(period_key(pd.Series([first_day]), kind).iloc[0])
    last_key = int(period_key(pd.Series([as_of]), kind).iloc[0])
    keys = np.arange(first_key, last_key + 1)

    parts = []  # long frames: customer_id, pk, line, amount

    # revenue and cost of goods
    lines = lines.assign(pk=period_key(lines.invoice_date, kind))
    sales = lines.groupby(["customer_id", "pk"], sort=False)[["revenue", "cost"]].sum()
    sales = sales.rename(columns={"cost": "cogs"}).reset_index()
    parts += [
        sales[["customer_id", "pk"]].assign(line=line, amount=sales[line])
        for line in ("revenue", "cogs")
    ]

    # commission
    com = model.get("commission") or {}
    if data["commissions"] is not None:
        c = data["commissions"]
        paid = (
            c.assign(pk=period_key(c.paid_on, kind))
            .groupby(["customer_id", "pk"], sort=False)
            .amount.sum()
            .reset_index()
        )
        parts.append(paid.assign(line="commission"))
    else:
        segment = lines.customer_id.map(customers.set_index("customer_id").segment)
        rate = lines.product_id.map(com.get("by_product") or {}).astype("float64")
        rate = rate.fillna(segment.map(com.get("by_segment") or {}).astype("float64"))
        rate = rate.fillna(float(com.get("default_rate", 0.0)))
        earned = lines[["customer_id", "pk"]].assign(amount=lines.revenue * rate)
        earned = earned.groupby(["customer_id", "pk"], sort=False).amount.sum().reset_index()
        parts.append(earned.assign(line="commission"))

    # invoices
    inv = (
        lines.groupby("invoice_id", sort=False)
        .agg(
            customer_id=("customer_id", "first"),
            invoice_date=("invoice_date", "min"),
            amount=("revenue", "sum"),
            n_lines=("revenue", "size"),
        )
        .reset_index()
    )

    # activities -> minutes per occurrence
    defs = pd.DataFrame(
        [
            {
                "activity": n,
                "category": a["category"],
                "base": float(a.get("minutes", 0) or 0),
                "per_unit": float(a.get("minutes_per_unit", 0) or 0),
                "per": a.get("per", "row"),
            }
            for n, a in model["activities"].items()
        ]
    )
    occ = acts.merge(defs[["activity", "category", "base", "per_unit"]], on="activity")
    occ["minutes"] = occ.minutes.fillna(occ.base + occ.per_unit * occ.quantity.fillna(1.0))
    occ = occ[["activity", "category", "occurred_on", "customer_id", "prospect_id", "minutes"]]
    per_invoice = defs[defs.per == "invoice"]
    if len(per_invoice):
        extra = [
            pd.DataFrame(
                {
                    "activity": d.activity,
                    "category": d.category,
                    "occurred_on": inv.invoice_date,
                    "customer_id": inv.customer_id,
                    "prospect_id": None,
                    "minutes": d.base + d.per_unit * inv.n_lines,
                }
            )
            for d in per_invoice.itertuples()
        ]
        occ = pd.concat([occ, *extra], ignore_index=True)
    won = data["prospects"].set_index("prospect_id").converted_customer_id
    owner = occ.customer_id.fillna(occ.prospect_id.map(won))
    acquired = owner.map(customers.set_index("customer_id").acquired_on)
    line = occ.category + "_cost"
    line = line.mask((occ.category == "sales") & (occ.occurred_on < acquired), "acquisition_cost")
    line = line.mask(occ.prospect_id.notna(), "acquisition_cost")
    line = line.mask(owner.isna(), "pursuit")
    occ = pd.DataFrame(
        {
            "activity": occ.activity,
            "pk": period_key(occ.occurred_on, kind),
            "owner": owner.fillna(""),
            "line": line,
            "minutes": occ.minutes,
        }
    )
    minutes = occ.groupby(["activity", "pk", "owner", "line"], sort=False).minutes.sum()
    minutes = minutes.reset_index()

    # resource rates per period (cost model, replaced by resource_costs)
    res = pd.DataFrame(
        [
            {
                "resource": n,
                "cost": float(r["cost"]),
                "capacity_minutes": float(r["capacity_minutes"]),
            }
            for n, r in model["resources"].items()
        ]
    )
    grid = res.merge(pd.DataFrame({"pk": keys}), how="cross")
    rc = data["resource_costs"]
    if len(rc):
        labels = dict(zip(period_labels(keys, kind), keys))
        rc = rc.assign(pk=rc.period.map(labels)).dropna(subset=["pk"])
        rc = rc.astype({"pk": "int64"}).set_index(["resource", "pk"])
        grid = grid.set_index(["resource", "pk"])
        grid.update(rc[["cost", "capacity_minutes"]])
        grid = grid.reset_index()
    grid["rate"] = grid.cost / grid.capacity_minutes
    uses = pd.DataFrame(
        [(n, r) for n, a in model["activities"].items() for r in a["resources"]],
        columns=["activity", "resource"],
    )
    act_rate = (
        uses.merge(grid[["resource", "pk", "rate"]], on="resource")
        .groupby(["activity", "pk"])
        .rate.sum()
        .rename("act_rate")
        .reset_index()
    )

    charged = minutes[minutes.line != "pursuit"].merge(act_rate, on=["activity", "pk"])
    charged["amount"] = charged.minutes * charged.act_rate
    costs = charged.groupby(["owner", "pk", "line"], sort=False).amount.sum().reset_index()
    parts.append(costs.rename(columns={"owner": "customer_id"}))

    # credit cost: write-offs + carrying cost by intervals of constant balance
    offs = pays[pays.kind.fillna("payment") == "write_off"]
    offs = pd.DataFrame(
        {
            "customer_id": offs.invoice_id.map(inv.set_index("invoice_id").customer_id),
            "pk": period_key(offs.paid_on, kind),
            "amount": offs.amount,
        }
    )
    parts.append(
        offs.groupby(["customer_id", "pk"], sort=False)
        .amount.sum()
        .reset_index()
        .assign(line="credit_cost")
    )
    parts.append(
        carrying_cost(inv, pays, as_of, float(model["annual_carrying_rate"]), kind).assign(
            line="credit_cost"
        )
    )

    # referral rewards
    paid = pd.DataFrame(
        {
            "customer_id": refs.referrer_id,
            "pk": period_key(refs.referred_on, kind),
            "amount": refs.reward.fillna(0.0),
        }
    )
    parts.append(
        paid.groupby(["customer_id", "pk"], sort=False)
        .amount.sum()
        .reset_index()
        .assign(line="referral_cost")
    )

    # assemble: long -> wide
    long = pd.concat([p[["customer_id", "pk", "line", "amount"]] for p in parts], ignore_index=True)
    wide = (
        long.groupby(["customer_id", "pk", "line"], sort=False)
        .amount.sum()
        .unstack("line", fill_value=0.0)
    )
    wide = wide.reindex(columns=["revenue", "cogs", *COST_LINES], fill_value=0.0)
    wide["gross_margin"] = wide.revenue - wide.cogs
    wide["profit"] = wide.gross_margin - wide[COST_LINES].sum(axis=1)
    wide = wide[PNL_COLUMNS].round(DECIMALS)
    wide = wide[(wide.drop(columns=["gross_margin", "profit"]) != 0).any(axis=1)]
    pnl = wide.reset_index().sort_values(["customer_id", "pk"], ignore_index=True)

    summary = customer_summary(pnl, customers)
    usage = resource_usage(minutes, grid, uses)
    label = dict(zip(keys, period_labels(keys, kind)))
    pnl.insert(1, "period", pnl.pop("pk").map(label))
    usage.insert(1, "period", usage.pop("pk").map(label))
    return {"customer_pnl": pnl, "customer_summary": summary, "resource_usage": usage}


def read_empty(name: str) -> pd.DataFrame:
    cols = NEEDED[name]
    return pd.DataFrame(
        {
            c: pd.Series(
                dtype="datetime64[ns]" if c in DATES else "float64" if c in NUMBERS else object
            )
            for c in cols
        }
    )


def carrying_cost(
    inv: pd.DataFrame, pays: pd.DataFrame, as_of: pd.Timestamp, rate: float, kind: str
) -> pd.DataFrame:
    """balance × rate / 365 for every day an invoice's end-of-day balance is positive."""
    p = pays.merge(inv[["invoice_id", "invoice_date"]], on="invoice_id")
    moves = pd.concat(
        [
            pd.DataFrame(
                {"invoice_id": inv.invoice_id, "day": inv.invoice_date, "delta": inv.amount}
            ),
            pd.DataFrame(
                {
                    "invoice_id": p.invoice_id,
                    "day": p[["paid_on", "invoice_date"]].max(axis=1),
                    "delta": -p.amount,
                }
            ),
        ],
        ignore_index=True,
    )
    steps = moves.groupby(["invoice_id", "day"]).delta.sum().reset_index()  # sorted
    steps["balance"] = steps.groupby("invoice_id", sort=False).delta.cumsum()
    nxt = steps.groupby("invoice_id", sort=False).day.shift(-1)
    end = (nxt - pd.Timedelta(days=1)).fillna(as_of).clip(upper=as_of)
    keep = (steps.balance > 0) & (steps.day <= end)
    runs = pd.DataFrame(
        {
            "invoice_id": steps.invoice_id[keep],
            "start": steps.day[keep],
            "end": end[keep],
            "balance": steps.balance[keep],
        }
    )
    runs["customer_id"] = runs.invoice_id.map(inv.set_index("invoice_id").customer_id)
    k0 = period_key(runs.start, kind).to_numpy()
    k1 = period_key(runs.end, kind).to_numpy()
    n = k1 - k0 + 1
    idx = np.repeat(np.arange(len(runs)), n)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(n) - n, n)
    pk = k0[idx] + offset
    p_first, p_last = period_bounds(pk, kind)
    start = runs.start.to_numpy().astype("datetime64[D]")[idx]
    stop = runs.end.to_numpy().astype("datetime64[D]")[idx]
    days = (np.minimum(stop, p_last) - np.maximum(start, p_first)).astype("int64") + 1
    out = pd.DataFrame(
        {
            "customer_id": runs.customer_id.to_numpy()[idx],
            "pk": pk,
            "amount": runs.balance.to_numpy()[idx] * days * (rate / 365.0),
        }
    )
    return out.groupby(["customer_id", "pk"], sort=False).amount.sum().reset_index()


def customer_summary(pnl: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """Lifetime totals per customer, rank on profit in cents (ties by id), whale curve."""
    totals = pnl.groupby("customer_id")[PNL_COLUMNS].sum()
    out = customers[["customer_id", "segment"]].merge(
        totals, how="left", left_on="customer_id", right_index=True
    )
    out[PNL_COLUMNS] = out[PNL_COLUMNS].fillna(0.0).round(DECIMALS)
    cents = out.profit.to_numpy() * 100  # to the cent, halves away from zero (as SQL round)
    out["_cents"] = (np.sign(cents) * np.floor(np.abs(cents) + 0.5)).astype("int64")
    out = out.sort_values(["_cents", "customer_id"], ascending=[False, True], ignore_index=True)
    out["rank"] = np.arange(1, len(out) + 1, dtype="int64")
    total = out._cents.sum()
    out["cumulative_profit_share"] = (out._cents.cumsum() / total).round(6) if total else np.nan
    return out.drop(columns="_cents")


def resource_usage(minutes: pd.DataFrame, grid: pd.DataFrame, uses: pd.DataFrame) -> pd.DataFrame:
    """Used, charged, pursuit and unused cost of every resource and period."""
    flagged = minutes.assign(pursuit=np.where(minutes.line == "pursuit", minutes.minutes, 0.0))
    per_act = flagged.groupby(["activity", "pk"])[["minutes", "pursuit"]].sum().reset_index()
    used = per_act.merge(uses, on="activity")
    used = used.groupby(["resource", "pk"])[["minutes", "pursuit"]].sum()
    out = grid.merge(used, how="left", left_on=["resource", "pk"], right_index=True)
    used_m, pursuit_m = out.minutes.fillna(0.0), out.pursuit.fillna(0.0)
    out = pd.DataFrame(
        {
            "resource": out.resource,
            "pk": out.pk,
            "cost": out.cost.round(DECIMALS),
            "capacity_minutes": out.capacity_minutes,
            "used_minutes": used_m,
            "customer_cost": ((used_m - pursuit_m) * out.rate).round(DECIMALS),
            "pursuit_cost": (pursuit_m * out.rate).round(DECIMALS),
        }
    )
    out["unused_cost"] = (out.cost - out.customer_cost - out.pursuit_cost).round(DECIMALS)
    return out.sort_values(["resource", "pk"], ignore_index=True)


def write(tables: dict, out_dir: Path, csv_too: bool = True) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(out_dir / f"{name}.parquet", index=False)
        if csv_too:
            frame.to_csv(out_dir / f"{name}.csv", index=False)


def run(data_dir: Path, out_dir: Path, as_of=None, csv_too: bool = True) -> dict:
    """Read, compute, write; returns phase timings in seconds."""
    t0 = time.perf_counter()
    data, model = load(Path(data_dir))
    t1 = time.perf_counter()
    tables = compute(data, model, as_of)
    t2 = time.perf_counter()
    write(tables, Path(out_dir), csv_too)
    t3 = time.perf_counter()
    return {
        "read": t1 - t0,
        "compute": t2 - t1,
        "write": t3 - t2,
        "total": t3 - t0,
        "rows": {n: len(f) for n, f in tables.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--as-of", type=pd.Timestamp, default=None)
    parser.add_argument("--no-csv", action="store_true", help="write Parquet only")
    args = parser.parse_args()
    print(json.dumps(run(args.data_dir, args.out_dir, args.as_of, not args.no_csv)))


if __name__ == "__main__":
    main()
