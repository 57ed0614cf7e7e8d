"""Compare the P&L tables of two output folders: same keys, numbers within a tolerance.

:func:`compare` matches the P&L tables on their keys, so it also compares profitlens with the
baselines, whose rows are in another order. :func:`compare_folders` compares every table two
profitlens runs wrote, row by row (profitlens sorts each table on its key), and their CSV files
byte for byte.

Run: ``python benchmarks/baselines/compare.py DIR_A DIR_B [--tol 0.01]``; exit status 1 when
they disagree.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

PNL = [
    "revenue",
    "cogs",
    "gross_margin",
    "commission",
    "acquisition_cost",
    "sales_cost",
    "service_cost",
    "fulfilment_cost",
    "credit_cost",
    "referral_cost",
    "profit",
]
TABLES = {
    "customer_pnl": (["customer_id", "period"], PNL),
    "customer_summary": (["customer_id"], [*PNL, "rank", "cumulative_profit_share"]),
    "resource_usage": (
        ["resource", "period"],
        [
            "cost",
            "capacity_minutes",
            "used_minutes",
            "customer_cost",
            "pursuit_cost",
            "unused_cost",
        ],
    ),
}


def read(folder: Path, name: str, columns: list[str]) -> pd.DataFrame:
    path = Path(folder) / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path, columns=columns)
    return pd.read_csv(
        Path(folder) / f"{name}.csv",
        usecols=columns,
        dtype={c: str for c in ("customer_id", "period", "resource")},
    )


def compare_table(a_dir: Path, b_dir: Path, name: str) -> dict:
    """Rows only in A, only in B, and the largest absolute difference of every column."""
    key, values = TABLES[name]
    a = read(a_dir, name, key + values)
    b = read(b_dir, name, key + values)
    both = a.merge(b, on=key, how="outer", suffixes=("_a", "_b"), indicator=True)
    out = {
        "rows_a": len(a),
        "rows_b": len(b),
        "only_a": int((both._merge == "left_only").sum()),
        "only_b": int((both._merge == "right_only").sum()),
        "max_diff": {},
    }
    matched = both[both._merge == "both"]
    for col in values:
        out["max_diff"][col] = _largest_difference(
            *(matched[f"{col}_{side}"].to_numpy("float64", na_value=np.nan) for side in "ab")
        )
    return out


def compare(
    a_dir: Path, b_dir: Path, tol: float = 0.01, tables: tuple[str, ...] = tuple(TABLES)
) -> tuple[bool, dict]:
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


def compare_folders(a_dir: Path, b_dir: Path, tol: float = 0.01) -> tuple[bool, dict]:
    """Whether two profitlens output folders hold the same tables with the same rows.

    Every ``.parquet`` table of either folder is compared row by row: the same column names and
    types, the same number of rows, text, integer, boolean and date values equal (a missing
    value equals only a missing value), float values within ``tol`` (a NaN only matches a NaN).

    Returns
    -------
    ok : bool
    result : dict
        Per table: ``rows_a``, ``rows_b``, ``schema_differs`` (the columns or their types
        differ: nothing else compared), ``max_diff`` (per float column), ``unequal`` (the number
        of differing rows of each other column), ``same_csv`` (the CSV files are byte-identical)
        and ``ok``; a table only one folder wrote has ``missing`` instead.
    """
    names = sorted({p.stem for d in (a_dir, b_dir) for p in Path(d).glob("*.parquet")})
    result = {}
    for name in names:
        paths = [Path(d) / f"{name}.parquet" for d in (a_dir, b_dir)]
        if not all(p.exists() for p in paths):
            result[name] = {"ok": False, "missing": [str(p) for p in paths if not p.exists()]}
            continue
        a, b = (pq.read_table(p) for p in paths)
        r = {
            "rows_a": a.num_rows,
            "rows_b": b.num_rows,
            "max_diff": {},
            "unequal": {},
            "schema_differs": not a.schema.equals(b.schema),
        }
        if not r["schema_differs"] and a.num_rows == b.num_rows:
            for col in a.column_names:
                x, y = a[col], b[col]
                if pa.types.is_floating(x.type):
                    r["max_diff"][col] = _largest_difference(x.to_numpy(), y.to_numpy())
                else:
                    same = pc.or_kleene(
                        pc.fill_null(pc.equal(x, y), False), pc.and_(pc.is_null(x), pc.is_null(y))
                    )
                    r["unequal"][col] = a.num_rows - pc.sum(same).as_py() if a.num_rows else 0
        r["ok"] = (
            not r["schema_differs"]
            and a.num_rows == b.num_rows
            and all(d <= tol for d in r["max_diff"].values())
            and not any(r["unequal"].values())
        )
        csvs = [Path(d) / f"{name}.csv" for d in (a_dir, b_dir)]
        r["same_csv"] = all(p.exists() for p in csvs) and filecmp.cmp(*csvs, shallow=False)
        result[name] = r
    return all(r["ok"] for r in result.values()), result


def _largest_difference(x: np.ndarray, y: np.ndarray) -> float:
    """The largest absolute difference of two float columns; infinite where only one side is
    NaN."""
    gaps = np.isnan(x) != np.isnan(y)
    if gaps.any():
        return float("inf")
    diff = np.abs(x - y)
    return float(np.nanmax(diff)) if (~np.isnan(diff)).any() else 0.0


def describe(r: dict) -> str:
    """One line on a table of :func:`compare_folders`: rows, largest differences."""
    if "missing" in r:
        return "MISSING " + ", ".join(r["missing"])
    line = f"rows {r['rows_a']:,} / {r['rows_b']:,}"
    if r["schema_differs"]:
        line += ", other columns or column types"
    elif r["max_diff"]:
        column, worst = max(r["max_diff"].items(), key=lambda kv: kv[1])
        line += f", largest float difference {worst:.3g}" + (f" ({column})" if worst else "")
    unequal = {c: n for c, n in r["unequal"].items() if n}
    if unequal:
        line += f", unequal values {unequal}"
    return line + ("" if r["ok"] else "  MISMATCH")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path)
    parser.add_argument("b", type=Path)
    parser.add_argument("--tol", type=float, default=0.01)
    args = parser.parse_args()
    ok, result = compare(args.a, args.b, args.tol)
    for name, r in result.items():
        worst = max(r["max_diff"].items(), key=lambda kv: kv[1])
        print(
            f"{name}: rows {r['rows_a']:,} / {r['rows_b']:,}, only in A {r['only_a']}, "
            f"only in B {r['only_b']}, largest difference {worst[1]:.3g} ({worst[0]})"
            f"{'' if r['ok'] else '  MISMATCH ' + ', '.join(r['bad_columns'])}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
