"""Compare the P&L tables of two output folders: same keys, numbers within a tolerance.

Run: ``python benchmarks/baselines/compare.py DIR_A DIR_B [--tol 0.01]``; exit status 1 when
they disagree.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

PNL = ["revenue", "cogs", "gross_margin", "commission", "acquisition_cost", "sales_cost",
       "service_cost", "fulfilment_cost", "credit_cost", "referral_cost", "profit"]
TABLES = {
    "customer_pnl": (["customer_id", "period"], PNL),
    "customer_summary": (["customer_id"], [*PNL, "rank", "cumulative_profit_share"]),
    "resource_usage": (["resource", "period"], ["cost", "capacity_minutes", "used_minutes",
                                                "customer_cost", "pursuit_cost",
                                                "unused_cost"]),
}


def read(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = Path(folder) / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path, columns=columns)
    return pd.read_csv(Path(folder) / f"{name}.csv", usecols=columns,
                       dtype={c: str for c in ("customer_id", "period", "resource")})


def compare_table(a_dir: Path, b_dir: Path, name: str) -> dict:
    """Rows only in A, only in B, and the largest absolute difference of every column."""
    key, values = TABLES[name]
    a = read(a_dir, name, key + values)
    b = read(b_dir, name, key + values)
    both = a.merge(b, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    out = {"rows_a": len(a), "rows_b": len(b),
           "only_a": int((both._merge == "left_only").sum()),
           "only_b": int((both._merge == "right_only").sum()), "max_diff": {}}
    matched = both[both._merge == "both"]
    for col in values:
        diff = (matched[f"{col}_a"].astype("float64") - matched[f"{col}_b"].astype("float64"))
        diff = diff.abs()
        nan_mismatch = int((matched[f"{col}_a"].isna() != matched[f"{col}_b"].isna()).sum())
        out["max_diff"][col] = float(np.nanmax(diff)) if diff.notna().any() else 0.0
        if nan_mismatch:
            out["max_diff"][col] = float("inf")
    return out


def compare(a_dir: Path, b_dir: Path, tol: float = 0.01,
            tables: tuple[str, ...] = tuple(TABLES)) -> tuple[bool, dict]:
    """Whether every table agrees (same keys, every number within ``tol``; rank exactly)."""
    result, ok = {}, True
    for name in tables:
        r = compare_table(a_dir, b_dir, name)
        bad = [c for c, d in r["max_diff"].items() if d > (0 if c == "rank" else tol)]
        r["ok"] = not bad and r["only_a"] == 0 and r["only_b"] == 0
        r["bad_columns"] = bad
        ok &= r["ok"]
        result[name] = r
    return ok, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--tol", type=float, default=0.01)
    args = parser.parse_args()
    ok, result = compare(args.a, args.b, args.tol)
    for name, r in result.items():
        worst = max(r["max_diff"].items(), key=lambda kv: kv[1])
        print(f"{name}: rows {r['rows_a']:,} / {r['rows_b']:,}, only in A {r['only_a']}, "
              f"only in B {r['only_b']}, largest difference {worst[1]:.3g} ({worst[0]})"
              f"{'' if r['ok'] else '  MISMATCH ' + ', '.join(r['bad_columns'])}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
