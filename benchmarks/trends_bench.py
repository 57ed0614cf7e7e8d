"""Speed of the customer_trends mart: 1M customers × 24 periods (target: under a minute).

Writes a synthetic ``customer_pnl`` (every customer in every period from its first, about
21M rows), ``customer_activity`` and ``customers`` as Parquet, reads them with DuckDB through
Ibis, and times :func:`profitlens.trends.mart.customer_trends` end to end (Ibis series,
windows and bridge, numpy statistics, forecast, output frame).

With ``--baseline COMMIT`` the same inputs are also run through the ``customer_trends`` of
that commit (its ``src/`` taken with ``git archive``), each version in its own fresh process,
alternating, best of ``--repeat``; the ratio is the issue-22 figure (the trends stage at most
half of the time of commit c98223e, before the change-point detector).

Usage: python benchmarks/trends_bench.py [--customers 1000000] [--periods 24]
       python benchmarks/trends_bench.py --baseline c98223e [--repeat 2]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
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


ROOT = Path(__file__).resolve().parents[1]

# times customer_trends on the inputs of a folder, in whichever layout the code on PYTHONPATH
# has (profitlens.trends.mart today, profitlens.marts.trends before issue 23)
_TIMER = """
import json, sys, time, ibis
try:
    from profitlens.trends.mart import customer_trends
except ImportError:
    from profitlens.marts.trends import customer_trends
folder, periods = sys.argv[1], json.loads(sys.argv[2])
con = ibis.duckdb.connect()
tables = [con.read_parquet(f"{folder}/{n}.parquet") for n in ("customer_pnl", "customer_activity", "customers")]
start = time.perf_counter()
trends = customer_trends(*tables, periods)
print(json.dumps({"seconds": time.perf_counter() - start, "turned": int((trends["status"] == "turned_unprofitable").sum())}))
"""


def timed_in_process(folder: Path, periods: list[str], src: Path) -> dict:
    """``customer_trends`` of the code in ``src`` on ``folder``, in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _TIMER, str(folder), json.dumps(periods)],
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        sys.exit(f"customer_trends of {src} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def compare(folder: Path, periods: list[str], baseline: str, repeat: int) -> None:
    """Today's ``customer_trends`` against ``baseline``'s, alternating, best of ``repeat``."""
    with tempfile.TemporaryDirectory(prefix="trends-baseline-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", baseline, "src"], capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        sources = {"today": ROOT / "src", baseline: Path(tmp) / "src"}
        best = {name: None for name in sources}
        for round_ in range(repeat):
            for name, src in sources.items():
                res = timed_in_process(folder, periods, src)
                print(
                    f"  round {round_ + 1} {name:>9}: {res['seconds']:.1f} s "
                    f"({res['turned']:,} turned)",
                    flush=True,
                )
                if best[name] is None or res["seconds"] < best[name]:
                    best[name] = res["seconds"]
    ratio = best["today"] / best[baseline]
    print(
        f"customer_trends, best of {repeat}: today {best['today']:.1f} s, {baseline} "
        f"{best[baseline]:.1f} s, ratio {ratio:.2f} (target <= 0.5); load average "
        f"{os.getloadavg()[0]:.1f}"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--baseline", help="also time this commit's customer_trends")
    parser.add_argument("--repeat", type=int, default=2)
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
        if args.baseline:
            print(f"customers {args.customers:,}  periods {args.periods}  rows {rows:,}")
            compare(folder, periods, args.baseline, args.repeat)
            return
        t2 = time.perf_counter()
        trends = customer_trends(pnl, activity, customers, periods)
        t3 = time.perf_counter()
    print(f"customers {args.customers:,}  periods {args.periods}  customer_pnl rows {rows:,}")
    print(f"write inputs {t1 - t0:.1f} s (not counted)")
    print(f"customer_trends {t3 - t2:.1f} s  ({len(trends):,} rows; target < 60 s)")
    print(trends["status"].value_counts().to_string())


if __name__ == "__main__":
    main()
