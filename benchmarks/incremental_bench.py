"""Incremental runs (issue 8): a new month of data recomputes only what changed.

For the generated company of ``--size`` customers (the scale benchmark's: 24 months through
2024-12-31, cached under ``benchmarks/work/scale/``) it writes the same company as it stood on
2024-11-30 (``profitlens.generate.earlier.data_as_of``: one month less of everything), then
runs, each in a fresh process (wall time, peak RSS and CPU as in ``scale_bench.py``):

  full          profitlens run DATA --out FULL                          the plain run
  first         profitlens run NOVEMBER --out INC --incremental         everything, and the
                                                                        fingerprints kept
  new month     profitlens run DATA --out INC --incremental             December added

and compares every output table of INC with FULL's (``baselines/compare.py``,
``compare_folders``). Every run writes the report. Results are appended to
``benchmarks/work/scale/incremental.jsonl``.

    .venv/bin/python benchmarks/incremental_bench.py [--size 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

from scale_bench import AS_OF, HERE, PY, WORK, company, machine, measure

EARLIER = "2024-11-30"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    data = company(args.size)
    november = WORK / f"c{args.size}-{EARLIER}"
    done = november.with_suffix(".made")
    if not done.exists():
        # in a child: the parent's peak memory would count as its children's (Linux records
        # the memory a process had when it starts another program as the new one's peak)
        subprocess.run(
            [
                PY,
                "-c",
                "import datetime as dt, sys; "
                "from profitlens.generate.earlier import data_as_of; "
                "data_as_of(sys.argv[1], sys.argv[2], dt.date.fromisoformat(sys.argv[3]))",
                str(data),
                str(november),
                EARLIER,
            ],
            check=True,
        )
        done.touch()
    cli = str(Path(PY).with_name("profitlens"))
    full, inc = (WORK / "out" / str(args.size) / name for name in ("full", "incremental"))
    for folder in (full, inc):
        shutil.rmtree(folder, ignore_errors=True)
    runs = {
        "full": [cli, "run", str(data), "--out", str(full), "--as-of", AS_OF],
        "first": [
            cli,
            "run",
            str(november),
            "--out",
            str(inc),
            "--incremental",
            "--as-of",
            EARLIER,
        ],
        "new month": [cli, "run", str(data), "--out", str(inc), "--incremental", "--as-of", AS_OF],
    }
    info = machine()
    print(json.dumps(info))
    for name, cmd in runs.items():
        m = measure(cmd, 18 * 1024, args.timeout)
        m.update(
            customers=args.size,
            run=name,
            machine=info,
            when=dt.datetime.now().isoformat(timespec="seconds"),
        )
        with open(WORK / "incremental.jsonl", "a") as fh:
            fh.write(json.dumps(m) + "\n")
        failed = f"  FAILED ({m['status']}): {m['stderr_tail']}" if m["status"] else ""
        print(
            f"{name:10s} {m['seconds']:7.1f} s  {m['cpu_seconds']:7.1f} s CPU  "
            f"{m['peak_rss_mb']:6.0f} MB{failed}",
            flush=True,
        )
    increment = json.loads((inc / "run_info.json").read_text())["incremental"]
    shares = {p: share for p, share in increment["recomputed"].items() if share}
    print(f"share of each period's customers recomputed (the others reused): {shares}")
    sys.path.insert(0, str(HERE / "baselines"))
    from compare import compare_folders, describe

    ok, res = compare_folders(full, inc)
    for name, r in res.items():
        print(f"{name:20s} " + describe(r))
    print(f"incremental vs full: {'agree' if ok else 'DISAGREE'}")


if __name__ == "__main__":
    main()
