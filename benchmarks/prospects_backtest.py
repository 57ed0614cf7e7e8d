"""Prospect scores checked on generated companies: against the planted truth, and in a backtest.

For each seed, a company is generated (``profitlens generate``: customers, 24 months) and

1. **Against the planted truth** at the as-of date: every open prospect's score is compared
   with what the generator planted (``truth/prospect_value``): Spearman correlation of
   ``expected_return`` with the planted expected return; expected calibration error (ECE, 10
   equal-width bins of p_convert, weighted by prospects) against the planted conversion
   probabilities and against the drawn outcomes; Brier score against the drawn outcomes;
   and the share of the gap closed: (planted return of the prospects the tool does not skip
   - of all) / (of the prospects with a positive planted return - of all).
   Acceptance (issue 24): Spearman >= 0.9, ECE <= 0.05, gap closed >= 80%.
2. **Backtest**: the models are trained on the history as known ``--holdout`` months before
   the as-of date (a full run's staging at that date: later events are not there yet) and the
   prospects open then are scored; their outcomes by the as-of date say what following the
   recommendations would have done: profit captured (operating profit to date of the
   customers won among the pursued) and pursuit cost spent, against pursuing every one; and
   the calibration on the resolved ones (Brier, ECE, reliability table).

The time of the prospects stage (history + models + scores) is printed beside the whole
model-fitting part of the run it needs (contract tables and lifetime value), as a baseline.

Usage::

    python benchmarks/prospects_backtest.py --customers 10000 --seeds 1 2 3 --work /tmp/bt
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from profitlens.engine import cache
from profitlens.generate.company import generate_company
from profitlens.pipeline.features import Features, clv_feature
from profitlens.pipeline.stages import contract_tables, load_data
from profitlens.prospects import prospect_history, run_outcomes, score_prospects, tenure_history


def ece(p: np.ndarray, target: np.ndarray, bins: int = 10) -> tuple[float, pd.DataFrame]:
    """Expected calibration error and the reliability table (equal-width bins)."""
    k = np.minimum((np.asarray(p) * bins).astype(int), bins - 1)
    frame = pd.DataFrame({"bin": k, "p": p, "y": np.asarray(target, float)})
    table = frame.groupby("bin").agg(
        n=("p", "size"), predicted=("p", "mean"), observed=("y", "mean")
    )
    table.index = [f"{b / bins:.1f}-{(b + 1) / bins:.1f}" for b in table.index]
    error = float((table.n * (table.predicted - table.observed).abs()).sum() / table.n.sum())
    return error, table


def history_at(folder: Path, as_of: dt.date | None = None):
    """The prospects' history and the tenure correction as a run at ``as_of`` builds them, and
    the seconds it took: the contract tables and lifetime value first (the baseline), then the
    prospects' part."""
    start = time.perf_counter()
    staged = load_data(folder, as_of=as_of)
    contract = contract_tables(staged)
    features = Features()
    clv_feature(contract, features)
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    with cache(run_outcomes(contract, features.tables["customer_clv"])) as outcomes:
        history = prospect_history(contract, outcomes)
        tenure = tenure_history(contract, outcomes)
    return history, tenure, staged, baseline, time.perf_counter() - start


def against_truth(folder: Path) -> dict:
    history, tenure, staged, baseline, build = history_at(folder)
    start = time.perf_counter()
    scores = score_prospects(history, staged.model, tenure=tenure)
    fit = time.perf_counter() - start
    truth = pd.read_parquet(folder / "truth" / "prospect_value.parquet")
    joined = scores.table.merge(truth, on="prospect_id", suffixes=("", "_planted"))
    planted = joined["expected_return_planted"]
    everyone, perfect = planted.sum(), planted[planted > 0].sum()
    kept = planted[joined["recommendation"] != "skip"].sum()
    p = joined["p_convert"].to_numpy()
    return {
        "open": len(joined),
        "won_history": scores.settings["won"],
        "method": scores.settings["method"],
        "calibration": scores.settings["calibration"],
        # tree depth of each model: conversion/first margin/profit/service/hazard/pursuit
        "depth": "/".join(str(d or "-") for d in scores.settings["depth"].values()),
        "tenure_correction": scores.settings["tenure_correction"],
        "spearman": spearmanr(joined["expected_return"], planted).statistic,
        "ece_planted": ece(p, joined["conversion_probability"])[0],
        "ece_outcome": ece(p, joined["converts"])[0],
        "brier_outcome": float(np.mean((p - joined["converts"]) ** 2)),
        "gap_closed": (kept - everyone) / (perfect - everyone) if perfect > everyone else 1.0,
        "skipped": int((joined["recommendation"] == "skip").sum()),
        "baseline_s": baseline,
        "prospects_s": build + fit,
    }


def backtest(folder: Path, holdout_months: int) -> tuple[dict, pd.DataFrame]:
    final, _, staged, _, _ = history_at(folder)
    as_of = staged.as_of
    month = as_of.year * 12 + as_of.month - 1 - holdout_months
    cutoff = dt.date(month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)
    then, tenure, staged_then, _, _ = history_at(folder, cutoff)
    scores = score_prospects(then, staged_then.model, tenure=tenure).table
    outcome = final.set_index("prospect_id").loc[scores["prospect_id"]]
    won = (outcome["status"] == "won").to_numpy()
    resolved = (outcome["status"] != "open").to_numpy()
    profit = np.where(won, outcome["operating_profit"].fillna(0.0), 0.0)
    cost = outcome["pursuit_cost"].to_numpy(float)
    pursue = (scores["recommendation"] != "skip").to_numpy()
    p = scores["p_convert"].to_numpy()[resolved]
    error, table = ece(p, won[resolved])
    return (
        {
            "cutoff": cutoff.isoformat(),
            "scored": len(scores),
            "resolved": int(resolved.sum()),
            "pursued": int(pursue.sum()),
            "profit_all": profit.sum(),
            "profit_pursued": profit[pursue].sum(),
            "cost_all": cost.sum(),
            "cost_pursued": cost[pursue].sum(),
            "net_all": profit.sum() - cost.sum(),
            "net_pursued": profit[pursue].sum() - cost[pursue].sum(),
            "brier": float(np.mean((p - won[resolved]) ** 2)),
            "ece": error,
        },
        table,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--holdout", type=int, default=6, help="backtest holdout, months")
    parser.add_argument("--work", type=Path, default=Path("/tmp/prospects_backtest"))
    parser.add_argument(
        "--no-backtest", action="store_true", help="only the check against the planted truth"
    )
    args = parser.parse_args()
    rows, backs = [], []
    for seed in args.seeds:
        folder = args.work / f"c{args.customers}_s{seed}"
        if not (folder / "truth" / "generation.json").exists():
            generate_company(folder, customers=args.customers, months=args.months, seed=seed)
        rows.append({"seed": seed, **against_truth(folder)})
        print(rows[-1], flush=True)
        if args.no_backtest:
            continue
        back, table = backtest(folder, args.holdout)
        backs.append({"seed": seed, **back})
        print(f"seed {seed}: reliability of p_convert on the backtest's resolved prospects")
        print(table.round(3).to_string(), flush=True)
    pd.set_option("display.width", 200)
    print("\nAgainst the planted truth (open prospects at the as-of date)")
    print(pd.DataFrame(rows).round(3).to_string(index=False))
    if backs:
        print(f"\nBacktest: trained {args.holdout} months before the as-of date, outcomes by it")
        print(pd.DataFrame(backs).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
