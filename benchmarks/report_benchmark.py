"""Time the HTML report on a synthetic run folder with a million customers.

Builds (once, in a temporary folder unless --folder is given) customer_summary with N customers,
customer_pnl with N x PERIODS rows, resource_usage, quarantine and run_info.json, then times
``write_report`` and prints the figures.

Run: .venv/bin/python benchmarks/report_benchmark.py [--customers 1000000] [--periods 3]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from profitlens.contract import COST_LINES, PNL_COLUMNS


def build(folder: Path, customers: int, periods: int, seed: int = 7) -> None:
    rng = np.random.default_rng(seed)
    n = customers
    revenue = rng.lognormal(7, 1.2, n)
    cols = {"revenue": revenue, "cogs": revenue * rng.uniform(0.4, 0.8, n)}
    cols["gross_margin"] = cols["revenue"] - cols["cogs"]
    for line, scale in zip(COST_LINES, (0.05, 0.1, 0.04, 0.08, 0.03, 0.02, 0.01)):
        cols[line] = revenue * scale * rng.exponential(1.0, n)
    cols["profit"] = cols["gross_margin"] - sum(cols[c] for c in COST_LINES)
    summary = pd.DataFrame({"customer_id": [f"C{i:07d}" for i in range(n)], **cols})
    summary["segment"] = rng.choice(["enterprise", "mid-market", "smb", "public", "partner"], n)
    order = np.lexsort((summary["customer_id"].to_numpy(), -summary["profit"].round(2).to_numpy()))
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(1, n + 1)
    summary["rank"] = rank
    summary["cumulative_profit_share"] = (
        pd.Series(
            summary["profit"].to_numpy()[order].cumsum() / summary["profit"].sum(), index=order
        )
        .sort_index()
        .to_numpy()
    )
    pq.write_table(
        pa.Table.from_pandas(summary, preserve_index=False), folder / "customer_summary.parquet"
    )
    labels = [f"2025-{m:02d}" for m in range(1, periods + 1)]
    pnl = pa.Table.from_pandas(
        pd.DataFrame(
            {
                "customer_id": np.repeat(summary["customer_id"].to_numpy(), periods),
                "period": np.tile(labels, n),
                **{c: np.repeat(summary[c].to_numpy() / periods, periods) for c in PNL_COLUMNS},
            }
        ),
        preserve_index=False,
    )
    pq.write_table(pnl, folder / "customer_pnl.parquet")
    resources = ["sales_team", "support_team", "ops_team", "field_vehicles"]
    usage = pd.DataFrame(
        [(r, p, 1e6, 1e5, 8e4, 7e5, 5e4, 2.5e5) for r in resources for p in labels],
        columns=[
            "resource",
            "period",
            "cost",
            "capacity_minutes",
            "used_minutes",
            "customer_cost",
            "pursuit_cost",
            "unused_cost",
        ],
    )
    pq.write_table(
        pa.Table.from_pandas(usage, preserve_index=False), folder / "resource_usage.parquet"
    )
    quarantine = pd.DataFrame(
        {
            "table": "invoice_lines",
            "row": np.arange(2, 1002),
            "column": "customer_id",
            "value": "X",
            "reason": "unknown customer",
        }
    )
    pq.write_table(
        pa.Table.from_pandas(quarantine, preserve_index=False), folder / "quarantine.parquet"
    )
    (folder / "run_info.json").write_text(
        json.dumps(
            {
                "as_of": "2025-12-31",
                "currency": "EUR",
                "period": "month",
                "engine": "duckdb",
                "periods": labels,
                "rows": {
                    "invoice_lines": {"read": 10_001_000, "used": 10_000_000, "quarantined": 1000}
                },
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=3)
    parser.add_argument("--folder", type=Path)
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="profitlens-report-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "customer_summary.parquet").exists():
        t = time.perf_counter()
        build(folder, args.customers, args.periods)
        print(
            f"built {args.customers:,} customers x {args.periods} periods in "
            f"{time.perf_counter() - t:.1f} s: {folder}"
        )

    import vl_convert

    t = time.perf_counter()
    vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{}]}})
    warm = time.perf_counter() - t
    from profitlens.report import write_report

    t = time.perf_counter()
    path = write_report(folder)
    total = time.perf_counter() - t
    print(f"vl-convert start-up: {warm:.2f} s (once per process)")
    print(
        f"write_report: {total:.2f} s for {args.customers:,} customers "
        f"-> {path} ({path.stat().st_size / 1e6:.2f} MB)"
    )


if __name__ == "__main__":
    main()
