"""Referral value, decisions and what-if at scale: their share of a run, and whatif against a run.

Usage (heavy at 1M customers: run it under the shared lock)::

    flock /tmp/profitlens-heavy.lock python benchmarks/decisions_bench.py DATA_DIR WORK_DIR \
        [--as-of YYYY-MM-DD]

Runs ``profitlens run`` once (no report, no DuckDB file: the smallest whole run, so the share
is the largest it can be), timing every stage the run announces; the referral and decision
stages, and writing the two tables they add (referral_chains, decisions), are their cost.
Then ``profitlens whatif`` with a 10 % price rise, timed against the run (the baseline, in the
same session on the same data).
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

from profitlens.pipeline.stages import run
from profitlens.whatif import run_whatif

OURS = ("referral", "decision", "write referral_chains", "write decisions")


def timed_run(data: Path, out: Path, as_of: dt.date | None) -> tuple[float, dict[str, float]]:
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    run(
        data,
        out,
        as_of=as_of,
        progress=lambda s: marks.append((s, time.perf_counter())),
        report=False,
        database=False,
    )
    end = time.perf_counter()
    stages: dict[str, float] = {}
    for (name, t0), (_, t1) in zip(marks, marks[1:] + [("end", end)]):
        stages[name] = stages.get(name, 0.0) + t1 - t0
    return end - start, stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    total, stages = timed_run(args.data, args.work / "run", args.as_of)
    for name, seconds in stages.items():
        print(f"  {name:<28} {seconds:8.1f} s")
    ours = sum(stages.get(name, 0.0) for name in OURS)
    print(
        f"run: {total:.1f} s; referral value + decisions: {ours:.1f} s = "
        f"{ours / (total - ours):.1%} on top of the rest of the run (target <= 15%)"
    )
    scenario = args.work / "price.yaml"
    scenario.write_text("price_change: {default: 0.1}\n")
    start = time.perf_counter()
    run_whatif(args.data, scenario, args.work / "whatif", as_of=args.as_of)
    whatif = time.perf_counter() - start
    print(f"whatif (10% price rise): {whatif:.1f} s = {whatif / total:.2f} x the run (target <= 1)")


if __name__ == "__main__":
    main()
