"""DuckDB and Spark engines give the same P&L: ``profitlens run`` on each, tables compared.

Runs ``profitlens run DATA --out OUT --engine duckdb|spark --as-of 2024-12-31 --no-report`` on
the cached 100k-customer company of ``scale_bench.py`` (generated when missing), each in a fresh
process, and compares every output table (``compare.compare_folders``): the same rows, every
text, integer, boolean and date value equal, every float within ``--tol`` (default 0.01); it also
says which CSV files are byte-identical.
Spark runs as a user gets it from ``profitlens.engine.connect``: local mode on every core with
its local-mode settings (few shuffle partitions). The driver gets ``--driver-memory`` (default
6g) through a ``spark-defaults.conf`` in a temporary ``SPARK_CONF_DIR``, not through
``PYSPARK_SUBMIT_ARGS``, which ``connect`` takes as "configured by the user" and then leaves
Spark's cluster defaults (200 shuffle partitions) alone. When ``PYSPARK_SUBMIT_ARGS`` or
``SPARK_CONF_DIR`` is already set it is used as it is. ``--event-log DIR`` records Spark's event
log (jobs, stages, tasks with timings) there for profiling.

    .venv/bin/python benchmarks/spark_compare.py [--customers 100000] [--tol 0.01]

Prints wall time, the peak RSS of the Python process and the peak summed RSS of its whole
process tree (which includes Spark's JVM, sampled every 0.5 s) per engine, the largest
difference of each table, and exits 1 when the engines disagree. Runs no git command
(the machine line carries a hash of ``src`` instead of the commit).
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import platform
import shutil
import sys
import tempfile
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE / "baselines"))

from compare import compare_folders, describe  # noqa: E402
from scale_bench import AS_OF, PY, ROOT, WORK, company, measure  # noqa: E402


def machine() -> dict:
    """Like ``scale_bench.machine`` without calling git."""
    import duckdb
    import ibis

    mem = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    digest = hashlib.sha1()
    for path in sorted((ROOT / "src").rglob("*.py")):
        digest.update(path.read_bytes())
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "ram_gb": int(mem.split()[1]) / 2**20,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "ibis": ibis.__version__,
        "kernel": platform.release(),
        "src_sha1": digest.hexdigest()[:12],
    }


class TreeRss:
    """Peak summed RSS of every descendant of this process, sampled every ``every`` seconds."""

    def __init__(self, every: float = 0.5):
        self.every, self.peak_mb, self._stop = every, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.every):
            parents, rss = {}, {}
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/status") as fh:
                        fields = dict(line.split(":", 1) for line in fh if ":" in line)
                except OSError:
                    continue
                pid = int(entry.name)
                parents[pid] = int(fields.get("PPid", "0").strip() or 0)
                rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
            total = 0.0
            for pid in rss:
                p = parents.get(pid)
                while p and p != me:
                    p = parents.get(p)
                if p == me:
                    total += rss[pid]
            self.peak_mb = max(self.peak_mb, total)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--tol", type=float, default=0.01)
    parser.add_argument("--driver-memory", default="6g")
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument("--event-log", type=Path, help="write Spark's event log to this folder")
    args = parser.parse_args()
    if "PYSPARK_SUBMIT_ARGS" not in os.environ and "SPARK_CONF_DIR" not in os.environ:
        conf = {"spark.driver.memory": args.driver_memory}
        if args.event_log:
            args.event_log.mkdir(parents=True, exist_ok=True)
            conf.update(
                {
                    "spark.eventLog.enabled": "true",
                    "spark.eventLog.compress": "false",
                    "spark.eventLog.dir": args.event_log.resolve().as_uri(),
                }
            )
        conf_dir = Path(tempfile.mkdtemp(prefix="spark-conf-"))
        (conf_dir / "spark-defaults.conf").write_text(
            "".join(f"{k} {v}\n" for k, v in conf.items())
        )
        os.environ["SPARK_CONF_DIR"] = str(conf_dir)
        atexit.register(shutil.rmtree, conf_dir, True)
    data = company(args.customers)
    print(json.dumps(machine()))
    outs, runs = {}, {}
    for engine in ("duckdb", "spark"):
        out = WORK / "out" / str(args.customers) / f"engine-{engine}"
        shutil.rmtree(out, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        cmd = [
            str(Path(PY).with_name("profitlens")),
            "run",
            str(data),
            "--out",
            str(out),
            "--as-of",
            AS_OF,
            "--engine",
            engine,
            "--no-report",
        ]
        with TreeRss() as tree:
            m = measure(cmd, None, args.timeout)
        m["tree_peak_rss_mb"] = tree.peak_mb
        runs[engine], outs[engine] = m, out
        with open(WORK / "spark_compare.jsonl", "a") as fh:
            fh.write(json.dumps({**m, "customers": args.customers, "engine": engine}) + "\n")
        state = (
            "ok"
            if m["status"] == 0
            else f"FAILED ({m['status']}, {m['killed']}): {m['stderr_tail']}"
        )
        print(
            f"{engine:7s} {m['seconds']:8.1f} s  python peak RSS {m['peak_rss_mb']:6.0f} MB  "
            f"process tree peak RSS {m['tree_peak_rss_mb']:6.0f} MB  "
            f"load {m['load_before'][0]:.1f}->{m['load_after'][0]:.1f}  {state}",
            flush=True,
        )
        if m["status"]:
            sys.exit(1)
    ok, result = compare_folders(outs["duckdb"], outs["spark"], args.tol)
    print()
    for name, r in result.items():
        print(f"{name:20s} " + describe(r))
    same = sum(r.get("same_csv", False) for r in result.values())
    print(f"CSV files byte-identical: {same} of {len(result)}")
    print(
        f"\nspark/duckdb wall time: {runs['spark']['seconds'] / runs['duckdb']['seconds']:.2f}x; "
        f"engines {'agree' if ok else 'DISAGREE'} within {args.tol}"
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
