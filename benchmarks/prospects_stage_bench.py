"""The prospects stage's share of a whole run: time and peak memory (issue 24's scale check).

Runs ``profitlens run`` on a data folder once, timing every stage through the run's progress
callback, and reads the process's peak resident memory at each stage boundary. The prospects
stage is the time from its start to the next stage's; its memory check is whether the peak
rose during it (the run's peak is usually set by the P&L and the outputs).

Acceptance (issue 24): at a million customers, the prospects stage adds at most 15% to the
whole run's time and stays within its memory.

With ``--outputs RUN_DIR`` (the outputs of a finished run of the same data), only the prospects
stage is run, on that run's ``customer_pnl`` and ``customer_clv``, after staging the data (lazy,
as in a run): its time and the process's peak memory, to set beside the finished run's
(``/usr/bin/time -v`` of it).

Usage::

    flock /tmp/profitlens-heavy.lock python benchmarks/prospects_stage_bench.py DATA_DIR OUT_DIR
    flock /tmp/profitlens-heavy.lock python benchmarks/prospects_stage_bench.py DATA_DIR \
        --outputs RUN_DIR
"""

from __future__ import annotations

import argparse
import itertools
import resource
import time
from pathlib import Path

from profitlens.pipeline.stages import Contract, load_data, period_range, run
from profitlens.prospects import run_prospect_scores


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage_only(data: Path, outputs: Path) -> None:
    """Time the prospects stage alone on the P&L and lifetime values of a finished run."""
    start = time.perf_counter()
    staged = load_data(data)
    con = staged.con
    pnl = con.read_parquet(outputs / "customer_pnl.parquet")
    clv = con.read_parquet(outputs / "customer_clv.parquet")
    contract = Contract({"customer_pnl": pnl}, period_range(staged), staged, None)
    staging = time.perf_counter() - start
    before = peak_mb()
    start = time.perf_counter()
    scores = run_prospect_scores(contract, clv)
    stage = time.perf_counter() - start
    print(
        f"staging (lazy) {staging:.1f} s; prospects stage {stage:.1f} s; peak memory "
        f"{before:.0f} MB before it, {peak_mb():.0f} MB after; "
        f"{'no scores: ' + scores.note if scores.table is None else len(scores.table)} "
        f"open prospects scored; {scores.settings}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path, nargs="?")
    parser.add_argument("--outputs", type=Path, help="outputs of a finished run of DATA")
    args = parser.parse_args()
    if args.outputs is not None:
        stage_only(args.data, args.outputs)
        return
    marks = []
    start = time.perf_counter()
    run(
        args.data,
        args.out,
        progress=lambda stage: marks.append((stage, time.perf_counter(), peak_mb())),
    )
    end = time.perf_counter()
    marks.append(("end", end, peak_mb()))
    print(f"{'stage':<20}{'seconds':>10}{'peak MB after':>16}")
    for (stage, t0, _), (_, t1, peak) in itertools.pairwise(marks):
        print(f"{stage:<20}{t1 - t0:>10.1f}{peak:>16.0f}")
    total = end - start
    at = next(i for i, m in enumerate(marks) if m[0] == "prospects")
    stage = marks[at + 1][1] - marks[at][1]
    rose = marks[at + 1][2] > marks[at][2]
    print(
        f"\nwhole run {total:.1f} s; prospects stage {stage:.1f} s = "
        f"{stage / (total - stage):.1%} added to the rest; peak memory "
        f"{'rose' if rose else 'did not rise'} during it "
        f"({marks[at][2]:.0f} -> {marks[at + 1][2]:.0f} MB; run peak {marks[-1][2]:.0f} MB)"
    )


if __name__ == "__main__":
    main()
