"""Are the planted defaulters flagged as liabilities before they are written off?

For each seed: generate a company (``profitlens.generate``), load it (``pipeline.load_data``),
and run the credit analysis at every month end from month 7 of the window on.

- ``detection_rate``: share of the defaulters (``truth/defaulters``) flagged at the last month
  end before their ``write_off_date``;
- ``detection_rate_60d_ahead``: flagged at the last month end at least 60 days before the
  write-off and on or after the first missed invoice (not flagged when there is none);
- ``median_lead_days``: from the first month end at which a detected defaulter was flagged (on
  or after its first missed invoice) to its write-off;
- ``fpr_open_balance`` / ``fpr_all_invoiced``: share of non-defaulters flagged, averaged over
  the month ends, among non-defaulters with an open balance / all invoiced by then.

Target (issue 7): detected >= 80 %, non-defaulters flagged <= 10 %.

Usage: python benchmarks/credit_detection.py [--seeds 1 2 3] [--customers 2000] [--months 24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import pandas as pd

from profitlens.credit import CreditPolicy, analyse_credit
from profitlens.generate import generate_company
from profitlens.pipeline.stages import load_data


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Last days of the months from ``first``'s to ``last``'s (inclusive)."""
    ends = pd.date_range(first, last, freq="ME")
    return [d.date() for d in ends]


def evaluate(data_dir: Path, policy: CreditPolicy, warmup_months: int = 6) -> dict:
    staged = load_data(data_dir)
    t = staged.tables
    defaulters = pd.read_parquet(data_dir / "truth" / "defaulters.parquet")
    defaulters["write_off_date"] = pd.to_datetime(defaulters["write_off_date"]).dt.date
    defaulters["first_missed_invoice_date"] = pd.to_datetime(
        defaulters["first_missed_invoice_date"]
    ).dt.date
    first_invoice = t["invoice_lines"].invoice_date.min().execute()
    first_invoice = pd.Timestamp(first_invoice).date()
    dates = month_ends(first_invoice, staged.as_of)[warmup_months:]

    flagged_at: dict[dt.date, set[str]] = {}
    reasons: dict[dt.date, pd.Series] = {}
    fp_open, fp_all, fp_reasons, tp_reasons = [], [], [], []
    bad = set(defaulters["customer_id"])
    first_invoices = _first_invoices(t)
    started = time.perf_counter()
    for as_of in dates:
        analysis = analyse_credit(
            t["invoice_lines"],
            t["payments"],
            t["customers"],
            as_of,
            staged.model.payment_terms_days,
            policy,
        )
        c = analysis.customer_credit.execute()
        flagged_at[as_of] = set(c.loc[c["liability"], "customer_id"])
        reasons[as_of] = c.set_index("customer_id")["liability_reasons"].dropna()
        good = c[~c["customer_id"].isin(bad)]
        fp_reasons.extend(_split(good["liability_reasons"].dropna()))
        invoiced = good[good["customer_id"].isin(first_invoices[first_invoices <= as_of].index)]
        with_open = good[good["credit_exposure"] > 0.005]
        fp_open.append(with_open["liability"].mean() if len(with_open) else 0.0)
        fp_all.append(invoiced["liability"].mean() if len(invoiced) else 0.0)
    seconds = (time.perf_counter() - started) / len(dates)

    detected, early, leads, evaluated = 0, 0, [], 0
    for d in defaulters.itertuples(index=False):
        before = [a for a in dates if a < d.write_off_date]
        if not before or before[-1] < d.first_missed_invoice_date:
            continue  # no month end to judge it at
        evaluated += 1
        if d.customer_id in flagged_at[before[-1]]:
            detected += 1
            tp_reasons.extend(_split([reasons[before[-1]][d.customer_id]]))
            first = next(
                a
                for a in before
                if a >= d.first_missed_invoice_date and d.customer_id in flagged_at[a]
            )
            leads.append((d.write_off_date - first).days)
        ahead = [
            a
            for a in before
            if a >= d.first_missed_invoice_date and (d.write_off_date - a).days >= 60
        ]
        early += bool(ahead) and d.customer_id in flagged_at[ahead[-1]]
    return {
        "customers": int(t["customers"].count().execute()),
        "defaulters": evaluated,
        "detected": detected,
        "detection_rate": detected / evaluated if evaluated else float("nan"),
        "detection_rate_60d_ahead": early / evaluated if evaluated else float("nan"),
        "median_lead_days": float(pd.Series(leads).median()) if leads else float("nan"),
        "fpr_open_balance": float(pd.Series(fp_open).mean()),
        "fpr_open_balance_max": float(pd.Series(fp_open).max()),
        "fpr_all_invoiced": float(pd.Series(fp_all).mean()),
        "as_of_dates": len(dates),
        "seconds_per_as_of": seconds,
        "reasons": {
            "defaulters (last month end)": pd.Series(tp_reasons).value_counts(),
            "non-defaulters (all month ends)": pd.Series(fp_reasons).value_counts(),
        },
    }


def _split(texts) -> list[str]:
    return [r for text in texts for r in text.split("; ")]


def _first_invoices(t) -> pd.Series:
    """Date of each customer's first invoice."""
    lines = t["invoice_lines"]
    first = lines.group_by("customer_id").aggregate(first=lines.invoice_date.min()).execute()
    return pd.to_datetime(first.set_index("customer_id")["first"]).dt.date


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--customers", type=int, default=2000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument(
        "--keep",
        type=Path,
        default=None,
        help="Folder to keep the generated companies in (default: temporary).",
    )
    args = parser.parse_args()
    policy = CreditPolicy()
    rows, reasons = [], []
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        for seed in args.seeds:
            data_dir = root / f"seed{seed}"
            if not (data_dir / "truth" / "defaulters.parquet").exists():
                generate_company(
                    data_dir,
                    customers=args.customers,
                    months=args.months,
                    seed=seed,
                    prospects=None,
                    fmt="parquet",
                    dirty=0.0,
                )
            result = evaluate(data_dir, policy)
            reasons.append(
                pd.DataFrame(result.pop("reasons")).fillna(0).astype(int).assign(seed=seed)
            )
            rows.append({"seed": seed, **result})
    table = pd.DataFrame(rows).set_index("seed")
    print(f"policy: {policy}")
    print(
        f"companies: {args.customers} customers, {args.months} months; "
        "targets: detection_rate >= 0.80, fpr <= 0.10"
    )
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(3).to_string())
        print("\nliability reasons of flagged customers (a customer may have several):")
        print(
            pd.concat(reasons)
            .rename_axis("reason")
            .reset_index()
            .set_index(["seed", "reason"])
            .to_string()
        )


if __name__ == "__main__":
    main()
