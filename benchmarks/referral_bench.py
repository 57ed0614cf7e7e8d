"""Planted advocates on generated companies: their rank in referral value and their decision.

Usage (50,000 customers and more: run it under the shared lock)::

    python benchmarks/referral_bench.py WORK_DIR [--customers 5000] [--seeds 3 5 7] [--months 24]

For every seed: ``profitlens generate`` a company, run it (no report, no DuckDB file), and read
``truth/heavy_referrers`` against ``customer_summary``. A customer is in the top decile when at
most a tenth of all customers have a referral value at least as high as its own. Printed per
seed: the heavy referrers that referred anyone inside the window and the share of them in the
top decile; the advocates among them (``advocate``: the customers they brought are planted to
earn money, ``referred_value`` > 0) and their share in the top decile, how many are recommended
``end`` and how many of those are in the top decile; and, as the baseline of the same run, the
share of the other customers that referred anyone in the top decile.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run

HEADER = (
    "| customers | seed | referrers (others) | in top decile | heavy referrers | in top decile "
    "| advocates | in top decile | ended (in top decile) |"
)


def advocate_figures(summary: pd.DataFrame, heavy: pd.DataFrame) -> dict[str, float]:
    """The figures of one company (see the module docstring)."""
    summary = summary.set_index("customer_id")
    rank = summary["referral_value"].rank(ascending=False, method="max")
    top = rank <= 0.1 * len(summary)
    heavy = heavy.set_index("customer_id")
    referred = heavy.index[heavy["referrals"] > 0]
    advocates = heavy.index[heavy["advocate"]]
    others = summary.index[(summary["referrals_made"] > 0) & ~summary.index.isin(heavy.index)]
    ended = advocates[(summary.loc[advocates, "recommendation"] == "end").to_numpy()]
    return {
        "others": len(others),
        "others_top": top.loc[others].mean(),
        "heavy": len(referred),
        "heavy_top": top.loc[referred].mean(),
        "advocates": len(advocates),
        "advocates_top": top.loc[advocates].mean(),
        "ended": len(ended),
        "ended_top": int(top.loc[ended].sum()),
    }


def _share(value: float) -> str:
    """A share as a percentage; "n/a" for the share of an empty group."""
    return "n/a" if pd.isna(value) else f"{value:.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path)
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--seeds", type=int, nargs="+", default=[3, 5, 7])
    args = parser.parse_args()
    print(HEADER)
    for seed in args.seeds:
        work = args.work / f"c{args.customers}-s{seed}"
        company = generate_company(
            work / "data", customers=args.customers, months=args.months, seed=seed
        )
        run(company.out_dir, work / "out", report=False, database=False)
        f = advocate_figures(
            pd.read_parquet(work / "out" / "customer_summary.parquet"),
            pd.read_parquet(company.out_dir / "truth" / "heavy_referrers.parquet"),
        )
        print(
            f"| {args.customers:,} | {seed} | {f['others']} | {_share(f['others_top'])} "
            f"| {f['heavy']} | {_share(f['heavy_top'])} | {f['advocates']} "
            f"| {_share(f['advocates_top'])} | {f['ended']} ({f['ended_top']}) |",
            flush=True,
        )


if __name__ == "__main__":
    main()
