"""Turn detection end to end on companies that ``profitlens generate`` did not make.

Issue 22 was found by a user who built a company of their own (600 customers, 60 of whom turn:
revenue falls while support demands rise), ran ``profitlens run`` on it and counted how many of
the turning customers were reported ``turned_unprofitable``. This script does the same on the
companies of ``tests/trends/company_sim.py`` (simulated from the data contract's inputs alone;
what they hold is in its docstring): per seed it writes the CSV files, runs ``profitlens run``
(no report) and scores ``customer_trends`` against the planted turns, as in the issue:
precision and recall of ``turned_unprofitable``, the share of found turns whose ``turn_period``
is within one period of the planted month, and the false alarms among the customers that did
not turn, overall and by kind of buyer (regular or occasional).

With ``--period quarter`` the companies' cost model is by quarter (8 periods); a planted turn
counts for recall when its quarter is at least 2 before the as-of quarter.

Usage: python benchmarks/turn_company_bench.py WORK_DIR [--customers 1000] [--seeds 1 2 3 4 5 6]
       [--period month|quarter]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "trends"))

from company_sim import AS_OF, scores_by_kind, simulate  # noqa: E402 (tests/trends on sys.path first)

from profitlens.pipeline.stages import run  # noqa: E402


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--period", choices=["month", "quarter"], default="month")
    args = parser.parse_args(argv)
    rows = []
    for seed in args.seeds:
        work = args.work / f"k{args.customers}-s{seed}-{args.period}"
        truth = simulate(work / "data", args.customers, seed, args.period)
        run(work / "data", work / "out", as_of=AS_OF, report=False, database=False)
        trends = pd.read_parquet(work / "out" / "customer_trends.parquet")
        for part, figures in scores_by_kind(truth, trends, args.period).items():
            rows.append({"seed": seed, "part": part, **figures})
    table = pd.DataFrame(rows)
    pd.set_option("display.width", 200)
    print(table.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    total = table[table["part"] == "all"]
    print(
        f"\nprecision {total.precision.min():.3f}-{total.precision.max():.3f}, recall "
        f"{total.recall.min():.3f}-{total.recall.max():.3f}, false alarms up to "
        f"{total.false_alarms.max():.4f} (seeds {args.seeds}, {args.customers} customers, by "
        f"{args.period})"
    )


if __name__ == "__main__":
    main()
