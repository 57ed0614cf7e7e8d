"""Speed of the customer_trends mart: 1M customers × 24 periods (target: under a minute).

Writes a synthetic ``customer_pnl`` (every customer in every period from its first, about
21M rows), ``customer_activity`` and ``customers`` as Parquet, reads them with DuckDB through
Ibis, and times :func:`profitlens.trends.mart.customer_trends` end to end (Ibis series,
windows and bridge, numpy statistics, forecast, output frame).

Usage: python benchmarks/trends_bench.py [--customers 1000000] [--periods 24]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from profitlens.contract import COST_LINES
from profitlens.trends.mart import customer_trends


def write_inputs(folder: Path, n: int, n_periods: int, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    periods = [f"{2023 + i // 12}-{i % 12 + 1:02d}" for i in range(n_periods)]
    first = rng.integers(0, n_periods // 2, n)
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7))
    count = n_periods - first
    cust = np.repeat(np.arange(n), count)
    period = np.arange(cust.size) - np.repeat(np.cumsum(count) - count, count) + first[cust]
    scale = rng.lognormal(6, 1, n)[cust]
    revenue = np.round(scale * rng.lognormal(0, 0.5, cust.size), 2)
    cogs = np.round(revenue * rng.uniform(0.4, 0.8, cust.size), 2)
    lines = {c: np.round(rng.exponential(0.02, cust.size) * scale, 2) for c in COST_LINES}
    turn = rng.random(n) < 0.05
    lines["service_cost"] += np.where(turn[cust] & (period >= n_periods - 6), scale, 0.0)
    profit = revenue - cogs - sum(lines.values())
    pnl = pa.table(
        {
            "customer_id": ids[cust],
            "period": np.asarray(periods)[period],
            "revenue": revenue,
            "cogs": cogs,
            "gross_margin": revenue - cogs,
            **lines,
            "profit": profit,
        }
    )
    pq.write_table(pnl, folder / "customer_pnl.parquet")
    minutes = np.round(lines["service_cost"] / 0.55, 1)
    pq.write_table(
        pa.table(
            {
                "customer_id": ids[cust],
                "period": pnl["period"],
                "sales_minutes": np.zeros(cust.size),
                "service_minutes": minutes,
                "fulfilment_minutes": np.zeros(cust.size),
                "tickets": np.ceil(minutes / 20),
            }
        ),
        folder / "customer_activity.parquet",
    )
    acquired = [dt.date(2023 + f // 12, f % 12 + 1, 1) for f in first]
    pq.write_table(
        pa.table(
            {
                "customer_id": ids,
                "acquired_on": acquired,
                "segment": rng.choice(["smb", "mid_market", "enterprise"], n),
            }
        ),
        folder / "customers.parquet",
    )
    return periods


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=24)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="trends-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        periods = write_inputs(folder, args.customers, args.periods)
        t1 = time.perf_counter()
        con = ibis.duckdb.connect()
        pnl = con.read_parquet(folder / "customer_pnl.parquet")
        activity = con.read_parquet(folder / "customer_activity.parquet")
        customers = con.read_parquet(folder / "customers.parquet")
        rows = pnl.count().execute()
        t2 = time.perf_counter()
        trends = customer_trends(pnl, activity, customers, periods)
        t3 = time.perf_counter()
    print(f"customers {args.customers:,}  periods {args.periods}  customer_pnl rows {rows:,}")
    print(f"write inputs {t1 - t0:.1f} s (not counted)")
    print(f"customer_trends {t3 - t2:.1f} s  ({len(trends):,} rows; target < 60 s)")
    print(trends["status"].value_counts().to_string())


if __name__ == "__main__":
    main()
