"""Time and peak memory of ``generate_company`` for 10k, 100k and 1M customers (24 months).

Each size runs in a fresh child process; its peak RSS comes from ``os.wait4`` (the child's own
rusage), its time from the wall clock. Output goes to a temporary folder that is removed.

    .venv/bin/python benchmarks/generate_bench.py [--sizes 10000 100000 1000000] [--format parquet]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

CHILD = """
import json, sys
from profitlens.generate import generate_company
c = generate_company(sys.argv[1], customers=int(sys.argv[2]), months=24, seed=0, fmt=sys.argv[3])
print(json.dumps(c.rows))
"""


def measure(customers: int, fmt: str) -> dict:
    out = tempfile.mkdtemp(prefix="plgen-")
    try:
        start = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, out, str(customers), fmt],
            stdout=subprocess.PIPE,
            text=True,
        )
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        rows = json.loads(child.stdout.read())
        if status != 0:
            raise SystemExit(f"generation of {customers} customers failed ({status})")
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(out) for f in fs)
    finally:
        shutil.rmtree(out, ignore_errors=True)
    return {
        "customers": customers,
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "invoice_lines": rows["invoice_lines"],
        "activities": rows["activities"],
        "payments": rows["payments"],
        "mb_written": size / 2**20,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--format", default="parquet", choices=["parquet", "csv"])
    args = parser.parse_args()
    print(
        f"| customers | invoice lines | activities | payments | seconds | peak RSS (MB) "
        f"| written (MB) |  format={args.format}"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.sizes:
        r = measure(n, args.format)
        print(
            f"| {r['customers']:,} | {r['invoice_lines']:,} | {r['activities']:,} | "
            f"{r['payments']:,} | {r['seconds']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['mb_written']:.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
