"""Convert the CDNOW transaction log into a profitlens data folder.

CDNOW is the standard public benchmark of lifetime-value models (Fader, Hardie & Lee 2005):
customers of an online CD store who made a first purchase in Q1 1997, with every purchase up
to 1998-06-30. This script writes the contract's required tables from it:

- ``customers.csv``: customer_id, name, segment, acquired_on. ``customer_id`` is the
  sample id of ``CDNOW_sample.txt`` (``0001`` ... ``2357``, the numbering of the papers'
  spreadsheets) or the master id for ``CDNOW_master.txt``; ``name`` keeps the master id;
  ``acquired_on`` is the first purchase date; ``segment`` is ``cdnow``.
- ``invoice_lines.csv``: one invoice per input row (``<customer>-<yyyymmdd>-<n>``), one
  line each, with quantity (number of CDs) and revenue (dollar value). CDNOW has no cost of
  goods: ``cost`` = revenue x ``--cogs-ratio`` (default 0.7, an assumption, not data), rounded to
  4 decimals, so that margins exist for the margin models.
- ``costmodel.yaml``: currency USD, monthly periods, 10% annual discount rate, no commission,
  one order-handling activity (a minimal valid cost model; CDNOW has no activity data).

Usage::

    python scripts/cdnow_to_contract.py /work/shared/data/cdnow/CDNOW_sample.txt OUT_DIR
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

COSTMODEL = """\
# CDNOW has no cost data: this is a minimal valid cost model, not a description of CDNOW.
currency: USD
period: month
annual_discount_rate: 0.10
annual_carrying_rate: 0.08
payment_terms_days: 0
resources:
  ops_team: {cost: 1000, capacity_minutes: 10000}
activities:
  order_handling: {category: fulfilment, resources: [ops_team], per: invoice, minutes: 2}
commission:
  default_rate: 0.0
"""


def read_cdnow(path: Path) -> pd.DataFrame:
    """Read CDNOW_sample.txt (5 columns) or CDNOW_master.txt (4 columns) as text ids."""
    raw = pd.read_csv(path, sep=r"\s+", header=None, dtype=str)
    if raw.shape[1] == 5:
        raw.columns = ["master_id", "customer_id", "date", "cds", "dollars"]
    elif raw.shape[1] == 4:
        raw.columns = ["master_id", "date", "cds", "dollars"]
        raw["customer_id"] = raw["master_id"]
    else:
        raise SystemExit(f"{path}: expected 4 or 5 whitespace-separated columns")
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d").dt.date
    raw["cds"] = raw["cds"].astype(int)
    raw["dollars"] = raw["dollars"].astype(float)
    return raw


def convert(path: Path, out: Path, cogs_ratio: float = 0.7) -> None:
    """Write customers.csv, invoice_lines.csv and costmodel.yaml for one CDNOW file."""
    raw = read_cdnow(path)
    out.mkdir(parents=True, exist_ok=True)
    first = (
        raw.groupby("customer_id", sort=True)
        .agg(master_id=("master_id", "first"), acquired_on=("date", "min"))
        .reset_index()
    )
    customers = pd.DataFrame(
        {
            "customer_id": first["customer_id"],
            "name": "CDNOW master " + first["master_id"],
            "segment": "cdnow",
            "acquired_on": first["acquired_on"].astype(str),
        }
    )
    raw = raw.sort_values(["customer_id", "date"], kind="stable")
    seq = raw.groupby(["customer_id", "date"]).cumcount() + 1
    lines = pd.DataFrame(
        {
            "invoice_id": raw["customer_id"]
            + "-"
            + pd.to_datetime(raw["date"]).dt.strftime("%Y%m%d")
            + "-"
            + seq.astype(str),
            "line_id": "1",
            "customer_id": raw["customer_id"],
            "invoice_date": raw["date"].astype(str),
            "product_id": "cd",
            "quantity": raw["cds"],
            "revenue": raw["dollars"].round(2),
            "cost": (raw["dollars"] * cogs_ratio).round(4),
        }
    )
    customers.to_csv(out / "customers.csv", index=False)
    lines.to_csv(out / "invoice_lines.csv", index=False)
    (out / "costmodel.yaml").write_text(COSTMODEL)
    print(f"{out}: {len(customers)} customers, {len(lines)} invoice lines")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path, help="CDNOW_sample.txt or CDNOW_master.txt")
    parser.add_argument("out", type=Path, help="folder to write the contract tables into")
    parser.add_argument(
        "--cogs-ratio",
        type=float,
        default=0.7,
        help="cost of goods as a share of revenue (CDNOW has none; default 0.7)",
    )
    args = parser.parse_args()
    convert(args.source, args.out, args.cogs_ratio)


if __name__ == "__main__":
    main()
