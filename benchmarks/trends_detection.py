"""Detection of planted turning customers: precision, recall and delay, for several seeds.

For each seed: generate a company (``profitlens.generate``), run the pipeline (``profitlens
run``), compute ``customer_trends`` at the as-of date and compare the customers with status
``turned_unprofitable`` with the generator's ``truth/turning_customers``:

- precision: flagged customers that are planted turning customers / flagged customers;
- recall: planted customers whose turn began at least 2 periods before the as-of period that are
  flagged / such planted customers;
- delay: for each planted customer, the number of periods from its true turn period to the
  first as-of period at which the status rules (run on the data up to that period) flag it;
  median over the planted customers flagged by the as-of date;
- turn error: estimated turn_period minus the true one, median of absolute values; ``within_1``:
  share of the flagged planted customers whose turn_period is within one period of the truth;
  ``in_range``: share whose true turn lies in [turn_period_low, turn_period_high].

Usage: python benchmarks/trends_detection.py [--seeds 1 2 3] [--customers 5000] [--months 24]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run as run_pipeline
from profitlens.trends.mart import customer_trends, operating_profit_matrix
from profitlens.trends.status import TURNED, StatusRules, profit_status


def evaluate(folder: Path, seed: int, customers: int, months: int) -> dict:
    data, out = folder / "data", folder / "out"
    generate_company(data, customers=customers, months=months, seed=seed)
    run_pipeline(data, out)
    info = json.loads((out / "run_info.json").read_text())
    periods = info["periods"]
    con = ibis.duckdb.connect()
    pnl = con.read_parquet(out / "customer_pnl.parquet")
    activity = con.read_parquet(out / "customer_activity.parquet")
    cust = con.read_parquet(data / "customers.parquet")
    cust = cust.mutate(acquired_on=cust.acquired_on.cast("date"))
    trends = customer_trends(pnl, activity, cust, periods)

    truth = pd.read_parquet(data / "truth" / "turning_customers.parquet")
    pos = {p: i for i, p in enumerate(periods)}
    end = len(periods) - 1
    truth["turn_idx"] = truth["turn_period"].map(pos)
    eligible = truth[end - truth["turn_idx"] >= 2]
    flagged = trends.loc[
        trends["status"] == "turned_unprofitable",
        ["customer_id", "turn_period", "turn_period_low", "turn_period_high"],
    ]
    planted = set(truth["customer_id"])
    hits = flagged[flagged["customer_id"].isin(planted)]
    precision = len(hits) / max(len(flagged), 1)
    recall = eligible["customer_id"].isin(set(flagged["customer_id"])).mean()

    ids, Y = operating_profit_matrix(pnl, cust, periods)
    row = {c: i for i, c in enumerate(ids)}
    rows = truth["customer_id"].map(row).to_numpy()
    first_flag = np.full(len(truth), -1)
    for t in range(int(truth["turn_idx"].min()), end + 1):
        status = profit_status(Y[rows, : t + 1], StatusRules()).status
        new = (status == TURNED) & (first_flag < 0) & (truth["turn_idx"].to_numpy() <= t)
        first_flag[new] = t
    detected = first_flag >= 0
    delay = first_flag[detected] - truth["turn_idx"].to_numpy()[detected]
    est = hits.merge(truth, on="customer_id", suffixes=("", "_true"))
    turn_error = (est["turn_period"].map(pos) - est["turn_idx"]).abs()
    in_range = (est["turn_period_low"].map(pos) <= est["turn_idx"]) & (
        est["turn_idx"] <= est["turn_period_high"].map(pos)
    )
    return {
        "seed": seed,
        "customers": customers,
        "planted": len(truth),
        "eligible": len(eligible),
        "flagged": len(flagged),
        "precision": precision,
        "recall": recall,
        "median_delay": float(np.median(delay)) if len(delay) else np.nan,
        "median_turn_error": float(turn_error.median()) if len(turn_error) else np.nan,
        "within_1": float((turn_error <= 1).mean()) if len(turn_error) else np.nan,
        "in_range": float(in_range.mean()) if len(in_range) else np.nan,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--months", type=int, default=24)
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        start = time.perf_counter()
        with tempfile.TemporaryDirectory(prefix="trends-detect-") as tmp:
            rows.append(evaluate(Path(tmp), seed, args.customers, args.months))
        rows[-1]["seconds"] = round(time.perf_counter() - start, 1)
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    print(
        f"\nmean precision {table.precision.mean():.3f}, mean recall {table.recall.mean():.3f}, "
        f"median delay {table.median_delay.median():.1f} periods "
        "(targets: precision >= 0.9, recall >= 0.8)"
    )


if __name__ == "__main__":
    main()
