"""DuckDB and Spark engines give the same P&L: ``profitlens run`` on each, tables compared.

Runs ``profitlens run DATA --out OUT --engine duckdb|spark --as-of 2024-12-31 --no-report`` on
the cached 100k-customer company of ``scale_bench.py`` (generated when missing), each in a fresh
process, and compares customer_pnl, customer_summary (P&L columns, rank, whale curve) and
resource_usage: same keys, every number within ``--tol`` (default 0.01), rank exactly.
Spark runs in local mode on every core; its driver gets ``--driver-memory`` (default 6g) through
``PYSPARK_SUBMIT_ARGS`` unless that is already set.

    .venv/bin/python benchmarks/spark_compare.py [--customers 100000] [--tol 0.01]

Prints wall time (and peak RSS of the Python process; Spark's JVM is not counted) per engine,
the largest difference per table and column, and exits 1 when the engines disagree.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "baselines"))

from compare import compare  # noqa: E402
from scale_bench import AS_OF, PY, WORK, company, machine, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tol", type=float, default=0.01)
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--timeout", type=float, default=3600.0)
    args = parser.parse_args()
    os.environ.setdefault("PYSPARK_SUBMIT_ARGS",
                          f"--driver-memory {args.driver_memory} pyspark-shell")
    data = company(args.customers)
    print(json.dumps(machine()))
    outs, runs = {}, {}
    for engine in ("duckdb", "spark"):
        out = WORK / "out" / str(args.customers) / f"engine-{engine}"
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [str(Path(PY).with_name("profitlens")), "run", str(data), "--out", str(out),
               "--as-of", AS_OF, "--engine", engine, "--no-report"]
        m = measure(cmd, None, args.timeout)
        runs[engine], outs[engine] = m, out
        with open(WORK / "spark_compare.jsonl", "a") as fh:
            fh.write(json.dumps({**m, "customers": args.customers, "engine": engine}) + "\n")
        state = "ok" if m["status"] == 0 else f"FAILED ({m['status']}, {m['killed']}): " \
                                               f"{m['stderr_tail']}"
        print(f"{engine:7s} {m['seconds']:8.1f} s  python peak RSS {m['peak_rss_mb']:6.0f} MB  "
              f"load {m['load_before'][0]:.1f}->{m['load_after'][0]:.1f}  {state}", flush=True)
        if m["status"]:
            sys.exit(1)
    ok, result = compare(outs["duckdb"], outs["spark"], args.tol)
    for name, r in result.items():
        print(f"\n{name}: rows duckdb {r['rows_a']:,} spark {r['rows_b']:,}, only in duckdb "
              f"{r['only_a']}, only in spark {r['only_b']}"
              f"{'' if r['ok'] else '  MISMATCH: ' + ', '.join(r['bad_columns'])}")
        print("  largest |duckdb - spark|: " + ", ".join(
            f"{c} {d:.3g}" for c, d in r["max_diff"].items()))
    print(f"\nspark/duckdb wall time: {runs['spark']['seconds'] / runs['duckdb']['seconds']:.2f}x; "
          f"engines {'agree' if ok else 'DISAGREE'} within {args.tol}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
