"""Turn detection on a bench of series families, and the speed of the status rules.

Quality: the families of ``tests/trends/turn_families.py`` (made there, not by ``profitlens
generate``), ``--size`` series per family, noise level and length, scored as in the issue:
precision and recall of ``turned_unprofitable`` for turns at least 2 periods before the as-of
period, false alarms on series without a turn, the share of found turns whose ``turn_period``
is within one period of the truth, and the share whose truth lies in
``[turn_period_low, turn_period_high]``. Printed per family and noise level, per family, per
noise level and per length.

Speed (``--speed``): :func:`profitlens.trends.status.profit_status` against the rules of commit
``--baseline`` (loaded from git into a temporary module), in the same run, on a synthetic
customers × periods operating-profit matrix shaped like ``benchmarks/trends_bench.py``'s
company (revenue, cost of goods, seven cost lines, 5% of customers turning), interleaved,
best of ``--repeat``.

With ``--run OUT --data DATA`` the speed is measured on the operating-profit matrix of a real
run instead (``customer_pnl`` of OUT, ``customers`` of DATA, the periods of its
``run_info.json``).

Usage: python benchmarks/turn_bench.py [--size 300] [--seed 1]
       python benchmarks/turn_bench.py --speed [--customers 1000000] [--periods 24]
       python benchmarks/turn_bench.py --speed --run /work/bench/out1m --data /work/bench/c1000000
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "trends"))

from turn_families import make_bench, scores  # noqa: E402 (tests/trends on sys.path first)

from profitlens.trends.status import TURNED, profit_status  # noqa: E402


def quality(size: int, seed: int) -> None:
    bench = make_bench(size, seed)
    start = time.perf_counter()
    res = profit_status(bench.Y)
    seconds = time.perf_counter() - start
    flagged = res.status == TURNED
    args = (bench, flagged, res.turn_idx, res.turn_low, res.turn_high)
    pd.set_option("display.width", 200)
    fmt = {"float_format": lambda x: f"{x:.3f}"}
    print(f"{len(bench.Y):,} series, width {bench.Y.shape[1]}, status rules {seconds:.1f} s\n")
    print(scores(*args).to_string(**fmt), "\n")
    for by in ("family", "noise", "length"):
        print(scores(*args, by=(by,)).to_string(**fmt), "\n")
    overall = scores(*args, by=("bench",)).iloc[0]
    print(
        f"overall: precision {overall.precision:.3f}, recall {overall.recall:.3f}, false "
        f"alarms {overall.false_alarms:.4f}, within one period {overall.within_1:.3f}, "
        f"in range {overall.in_range:.3f}"
    )


def company_matrix(n: int, n_periods: int, seed: int = 0) -> np.ndarray:
    """Operating profit of a synthetic company like ``benchmarks/trends_bench.py``'s."""
    rng = np.random.default_rng(seed)
    Y = np.empty((n, n_periods))
    for lo in range(0, n, 100_000):
        rows = min(100_000, n - lo)
        scale = rng.lognormal(6, 1, (rows, 1))
        revenue = scale * rng.lognormal(0, 0.5, (rows, n_periods))
        cogs = revenue * rng.uniform(0.4, 0.8, (rows, n_periods))
        lines = rng.exponential(0.02, (7, rows, n_periods)).sum(axis=0) * scale
        turn = rng.random((rows, 1)) < 0.05
        lines += np.where(turn & (np.arange(n_periods) >= n_periods - 6), scale, 0.0)
        Y[lo : lo + rows] = revenue - cogs - lines
    first = rng.integers(0, n_periods // 2, n)
    Y[np.arange(n_periods)[None, :] < first[:, None]] = np.nan
    return Y


def baseline_rules(commit: str):
    """The status module of ``commit``, imported from a temporary file."""
    repo = ROOT if (ROOT / ".git").exists() else Path.cwd()  # a copy of benchmarks/
    source = subprocess.run(
        ["git", "-C", str(repo), "show", f"{commit}:src/profitlens/trends/status.py"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="turn-bench-")) / "baseline_status.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("baseline_status", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def run_matrix(out: Path, data: Path) -> np.ndarray:
    """The operating-profit matrix the trends mart builds for a run's outputs."""
    import json

    import ibis

    from profitlens.trends.mart import operating_profit_matrix

    periods = json.loads((out / "run_info.json").read_text())["periods"]
    con = ibis.duckdb.connect()
    customers = con.read_parquet(data / "customers.parquet")
    customers = customers.mutate(acquired_on=customers.acquired_on.cast("date"))
    return operating_profit_matrix(
        con.read_parquet(out / "customer_pnl.parquet"), customers, periods
    )[1]


def speed(Y: np.ndarray, what: str, baseline: str, repeat: int) -> None:
    old = baseline_rules(baseline)
    times = {"baseline": [], "new": []}
    for _ in range(repeat):
        for name, rules in (("baseline", old.profit_status), ("new", profit_status)):
            start = time.perf_counter()
            res = rules(Y)
            times[name].append(time.perf_counter() - start)
    old_s, new_s = min(times["baseline"]), min(times["new"])
    labels, counts = np.unique(res.labels, return_counts=True)
    print(f"{len(Y):,} customers × {Y.shape[1]} periods ({what}), best of {repeat}")
    print(
        f"status rules at {baseline}: {old_s:.2f} s; new: {new_s:.2f} s; "
        f"ratio {new_s / old_s:.2f} (target <= 0.5)"
    )
    print(
        f"run tests on {np.isfinite(res.noise).mean():.1%} of customers; statuses: "
        + ", ".join(f"{label} {count:,}" for label, count in zip(labels, counts))
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--speed", action="store_true")
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--periods", type=int, default=24)
    parser.add_argument("--baseline", default="c98223e")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--run", type=Path, help="output folder of a run (with --data)")
    parser.add_argument("--data", type=Path, help="data folder of that run")
    args = parser.parse_args(argv)
    if args.speed and args.run:
        speed(run_matrix(args.run, args.data), f"run {args.run}", args.baseline, args.repeat)
    elif args.speed:
        speed(
            company_matrix(args.customers, args.periods),
            "synthetic company",
            args.baseline,
            args.repeat,
        )
    else:
        quality(args.size, args.seed)


if __name__ == "__main__":
    main()
