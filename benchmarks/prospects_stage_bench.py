"""The prospects stage's share of a whole run: time and peak memory (issue 24's scale check).

Runs ``profitlens run`` on a data folder once, timing every stage through the run's progress
callback, and reads the process's peak resident memory at each stage boundary. The prospects
stage is the time from its start to the next stage's; its memory check is whether the peak
rose during it (the run's peak is usually set by the P&L and the outputs).

Acceptance (issue 24): at a million customers, the prospects stage adds at most 15% to the
whole run's time and stays within its memory.

Usage::

    flock /tmp/profitlens-heavy.lock python benchmarks/prospects_stage_bench.py DATA_DIR OUT_DIR
"""
from __future__ import annotations

import argparse
import itertools
import resource
import time
from pathlib import Path

from profitlens.pipeline import run


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    marks = []
    start = time.perf_counter()
    run(args.data, args.out, progress=lambda stage: marks.append(
        (stage, time.perf_counter(), peak_mb())))
    end = time.perf_counter()
    marks.append(("end", end, peak_mb()))
    print(f"{'stage':<20}{'seconds':>10}{'peak MB after':>16}")
    for (stage, t0, _), (_, t1, peak) in itertools.pairwise(marks):
        print(f"{stage:<20}{t1 - t0:>10.1f}{peak:>16.0f}")
    total = end - start
    at = next(i for i, m in enumerate(marks) if m[0] == "prospects")
    stage = marks[at + 1][1] - marks[at][1]
    rose = marks[at + 1][2] > marks[at][2]
    print(f"\nwhole run {total:.1f} s; prospects stage {stage:.1f} s = "
          f"{stage / (total - stage):.1%} added to the rest; peak memory "
          f"{'rose' if rose else 'did not rise'} during it "
          f"({marks[at][2]:.0f} -> {marks[at + 1][2]:.0f} MB; run peak {marks[-1][2]:.0f} MB)")


if __name__ == "__main__":
    main()
