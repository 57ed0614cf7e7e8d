"""Scale benchmark (issue 8): profitlens against hand-written pandas and DuckDB SQL P&Ls.

For companies of 10k, 100k and 1M customers (24 months, ``profitlens generate DIR --customers N
--months 24 --seed 1``, Parquet, cached under ``benchmarks/work/scale/``) it measures, each in a
fresh child process (wall time from the parent's clock, peak RSS from ``os.wait4``):

  pandas     benchmarks/baselines/pandas_pnl.py        plain pandas P&L (customer_pnl,
                                                        customer_summary, resource_usage)
  sql        benchmarks/baselines/duckdb_sql_pnl.py    the same P&L hand-written in DuckDB SQL
  contract   this file, ``child-contract``             profitlens load_data + contract_tables +
                                                        writing those three tables
  stages     this file, ``child-stages``               the whole pipeline.run(report=True) in
                                                        one process, timestamped per stage
  stages-nodb  ``child-stages ... --no-database``      the same without profitlens.duckdb
                                                        (``profitlens run --no-database``)
  cli        ``profitlens run DIR --out OUT``          the whole command (report included)

All runs use ``--as-of`` = the generator's as-of date (2024-12-31) and write Parquet + CSV.
A watchdog kills a child whose resident set exceeds ``--guard-gb`` (pandas, default 10 GB) or
``--other-guard-gb`` (the others, default 18 GB; the machine has 23 GB) and reports it, so a
runaway run cannot take the shared machine down.

    .venv/bin/python benchmarks/scale_bench.py [--sizes 10000 100000] [--methods pandas sql ...]
        [--repeat 1] [--check]
    .venv/bin/python benchmarks/scale_bench.py profile 1000000      # cProfile of the whole run

Results are appended to ``benchmarks/work/scale/results.jsonl`` and printed as a table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work" / "scale"
PY = sys.executable
AS_OF = "2024-12-31"
METHODS = ("pandas", "sql", "contract", "stages", "stages-nodb", "cli")


# ---------------------------------------------------------------- children (run in a fresh process)


def child_contract(data: Path, out: Path, as_of: str) -> dict:
    """profitlens's contract P&L stage only: load_data + contract_tables + write three tables."""
    t0 = time.perf_counter()
    from profitlens.io.outputs import write_table
    from profitlens.pipeline.stages import contract_tables, load_data

    t1 = time.perf_counter()
    staged = load_data(data, "duckdb", dt.date.fromisoformat(as_of))
    t2 = time.perf_counter()
    contract = contract_tables(staged)
    t3 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    writes = {}
    for name in ("customer_pnl", "customer_summary", "resource_usage"):
        start = time.perf_counter()
        write_table(contract.tables[name], out, name)
        writes[name] = time.perf_counter() - start
    t4 = time.perf_counter()
    return {
        "import": t1 - t0,
        "load_data": t2 - t1,
        "contract_tables": t3 - t2,
        "write": writes,
        "total": t4 - t0,
    }


def child_stages(data: Path, out: Path, as_of: str, database: bool = True) -> dict:
    """The whole pipeline.run with its report (and the DuckDB file unless ``database`` is
    False): per stage its wall time, the CPU time of every thread of the process (DuckDB's and
    Arrow's included) and the peak RSS so far."""
    import resource

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    t0, c0 = time.perf_counter(), cpu()
    from profitlens.pipeline.stages import run

    marks = [("import", t0, c0, 0)]

    def say(stage: str) -> None:
        marks.append(
            (
                stage,
                time.perf_counter(),
                cpu(),
                resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            )
        )

    run(
        data,
        out,
        "duckdb",
        dt.date.fromisoformat(as_of),
        progress=say,
        report=True,
        database=database,
    )
    say("end")
    stages = []
    for (name, start, cpu_start, _), (_, stop, cpu_stop, rss) in zip(marks, marks[1:]):
        stages.append(
            {
                "stage": name,
                "seconds": stop - start,
                "cpu_seconds": cpu_stop - cpu_start,
                "peak_rss_mb_so_far": rss,
            }
        )
    return {"stages": stages, "total": marks[-1][1] - t0, "total_cpu": marks[-1][2] - c0}


# ---------------------------------------------------------------- measuring


def machine() -> dict:
    import duckdb
    import ibis
    import pandas
    import pyarrow

    mem = next(line for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in open("/proc/cpuinfo")
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "src"], capture_output=True, text=True
    ).stdout.strip()
    import hashlib

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
        "pandas": pandas.__version__,
        "pyarrow": pyarrow.__version__,
        "kernel": platform.release(),
        "commit": commit + (" (src modified)" if dirty else ""),
        "src_sha1": digest.hexdigest()[:12],
    }


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(cmd: list[str], guard_mb: float | None, timeout: float) -> dict:
    """Run ``cmd`` in a fresh process: wall seconds, its own peak RSS (``os.wait4``), the JSON
    line it printed last. A watchdog kills it (and its process group) beyond ``guard_mb`` of
    resident memory or ``timeout`` seconds."""
    load_before = os.getloadavg()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd, stdout=out, stderr=err, text=True, cwd=ROOT, start_new_session=True
        )
        done, killed = threading.Event(), []

        def watch() -> None:
            while not done.wait(0.2):
                reason = (
                    f"RSS above {guard_mb:.0f} MB"
                    if guard_mb and _rss_mb(child.pid) > guard_mb
                    else f"timeout {timeout:.0f} s"
                    if time.perf_counter() - start > timeout
                    else None
                )
                if reason and not done.is_set():
                    killed.append(reason)
                    os.killpg(child.pid, signal.SIGKILL)
                    return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        watcher.join()
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    parsed = None
    for line in reversed(stdout.strip().splitlines()):
        try:
            parsed = json.loads(line)
            break
        except ValueError:
            continue
    return {
        "cmd": cmd,
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_seconds": usage.ru_utime + usage.ru_stime,
        "status": child.returncode,
        "killed": killed[0] if killed else None,
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "child": parsed,
        "stderr_tail": stderr.strip().splitlines()[-5:] if child.returncode else [],
    }


def command(method: str, data: Path, out: Path) -> list[str]:
    base = HERE / "baselines"
    return {
        "pandas": [PY, str(base / "pandas_pnl.py"), str(data), str(out), "--as-of", AS_OF],
        "sql": [PY, str(base / "duckdb_sql_pnl.py"), str(data), str(out), "--as-of", AS_OF],
        "contract": [PY, str(Path(__file__)), "child-contract", str(data), str(out), AS_OF],
        "stages": [PY, str(Path(__file__)), "child-stages", str(data), str(out), AS_OF],
        "stages-nodb": [
            PY,
            str(Path(__file__)),
            "child-stages",
            str(data),
            str(out),
            AS_OF,
            "--no-database",
        ],
        "cli": [
            str(Path(PY).with_name("profitlens")),
            "run",
            str(data),
            "--out",
            str(out),
            "--as-of",
            AS_OF,
        ],
    }[method]


def company(customers: int) -> Path:
    """The cached generated company of ``customers`` customers (generated when missing)."""
    data = WORK / f"c{customers}"
    if not (data / "costmodel.yaml").exists() or not (data / "truth").exists():
        shutil.rmtree(data, ignore_errors=True)
        WORK.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                str(Path(PY).with_name("profitlens")),
                "generate",
                str(data),
                "--customers",
                str(customers),
                "--months",
                "24",
                "--seed",
                "1",
            ],
            check=True,
            cwd=ROOT,
        )
    return data


def rows_of(data: Path) -> dict:
    import pyarrow.parquet as pq

    return {p.stem: pq.ParquetFile(p).metadata.num_rows for p in sorted(data.glob("*.parquet"))}


def bench(
    sizes: list[int],
    methods: list[str],
    repeat: int,
    guard_gb: float,
    check: bool,
    timeout: float,
    other_guard_gb: float = 18.0,
) -> list[dict]:
    results = []
    info = machine()
    print(json.dumps(info))
    for n in sizes:
        data = company(n)
        print(f"\n{n:,} customers: {rows_of(data)}", flush=True)
        for method in methods:
            for r in range(repeat):
                out = WORK / "out" / str(n) / method
                shutil.rmtree(out, ignore_errors=True)
                out.parent.mkdir(parents=True, exist_ok=True)
                guard = guard_gb if method == "pandas" else other_guard_gb
                m = measure(command(method, data, out), guard * 1024, timeout)
                m.update(
                    customers=n,
                    method=method,
                    repeat=r,
                    when=dt.datetime.now().isoformat(timespec="seconds"),
                    machine=info,
                )
                results.append(m)
                with open(WORK / "results.jsonl", "a") as fh:
                    fh.write(json.dumps(m) + "\n")
                flag = (
                    f"  KILLED: {m['killed']}"
                    if m["killed"]
                    else (f"  FAILED ({m['status']}): {m['stderr_tail']}" if m["status"] else "")
                )
                print(
                    f"  {method:9s} {m['seconds']:8.1f} s  {m['cpu_seconds']:8.1f} s CPU  "
                    f"{m['peak_rss_mb']:8.0f} MB  "
                    f"load {m['load_before'][0]:.1f}->{m['load_after'][0]:.1f}{flag}",
                    flush=True,
                )
                if m["child"] and method != "cli":
                    print(f"            {json.dumps(m['child'])}", flush=True)
        if check:
            sys.path.insert(0, str(HERE / "baselines"))
            from compare import compare

            ref = WORK / "out" / str(n) / "contract"
            for other in ("sql", "pandas"):
                target = WORK / "out" / str(n) / other
                if ref.exists() and (target / "customer_pnl.parquet").exists():
                    ok, res = compare(ref, target)
                    worst = {t: max(r["max_diff"].values()) for t, r in res.items()}
                    print(
                        f"  profitlens vs {other}: {'agree' if ok else 'DISAGREE'} "
                        f"(largest differences {worst})",
                        flush=True,
                    )
    return results


def table(results: list[dict]) -> str:
    """Markdown table: best time and its peak RSS per size and method, plus ratios."""
    best: dict = {}
    for r in results:
        key = (r["customers"], r["method"])
        if r["status"] == 0 and (key not in best or r["seconds"] < best[key]["seconds"]):
            best[key] = r
    lines = [
        "| customers | method | wall s | CPU s | peak RSS MB | load avg (1 min, before→after) |",
        "|---:|---|---:|---:|---:|---|",
    ]
    for (n, method), r in sorted(best.items()):
        lines.append(
            f"| {n:,} | {method} | {r['seconds']:.1f} | {r.get('cpu_seconds', 0):.1f} | "
            f"{r['peak_rss_mb']:.0f} | "
            f"{r['load_before'][0]:.1f}→{r['load_after'][0]:.1f} |"
        )
    sizes = sorted({n for n, _ in best})
    for n in sizes:
        c, s, p = (best.get((n, m)) for m in ("contract", "sql", "pandas"))
        parts = []
        if c and s:
            parts.append(f"profitlens/SQL {c['seconds'] / s['seconds']:.2f}x")
        if c and p:
            parts.append(f"pandas/profitlens {p['seconds'] / c['seconds']:.2f}x")
        if parts:
            lines.append(f"\n{n:,}: " + ", ".join(parts))
    return "\n".join(lines)


def profile(customers: int, top: int) -> None:
    """cProfile the whole run (pipeline.run + report) and print where the time goes.

    DuckDB works in C++ threads, so its time is charged to the Python call that waited for it;
    the callers of those calls (``to_arrow_table``, ``fetch_record_batch``, ``execute``) name the
    profitlens function whose query it was.
    """
    import pstats

    data = company(customers)
    out = WORK / "out" / str(customers) / "profile"
    shutil.rmtree(out, ignore_errors=True)
    stats_file = WORK / f"profile_{customers}.pstats"
    cmd = [
        PY,
        "-m",
        "cProfile",
        "-o",
        str(stats_file),
        str(Path(__file__)),
        "child-stages",
        str(data),
        str(out),
        AS_OF,
    ]
    m = measure(cmd, None, 7200)
    print(
        f"profiled run: {m['seconds']:.1f} s wall, {m['cpu_seconds']:.1f} s CPU, "
        f"{m['peak_rss_mb']:.0f} MB, load {m['load_before'][0]:.1f}->{m['load_after'][0]:.1f}"
    )
    if m["child"]:
        for st in m["child"]["stages"]:
            print(
                f"  {st['stage']:28s} {st['seconds']:8.1f} s  {st['cpu_seconds']:8.1f} s CPU  "
                f"peak so far "
                f"{st['peak_rss_mb_so_far']:6.0f} MB"
            )
    stats = pstats.Stats(str(stats_file))
    stats.sort_stats("cumulative").print_stats(r"profitlens", top)
    stats.sort_stats("tottime").print_stats(top)
    stats.print_callers(
        r"to_arrow_table|fetch_record_batch|DuckDBPyConnection.*execute|"
        r"to_pylist|to_pandas"
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "profile":
        profile(int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 40)
        return
    if len(sys.argv) > 1 and sys.argv[1] in ("child-contract", "child-stages"):
        args = (Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4])
        print(
            json.dumps(
                child_contract(*args)
                if sys.argv[1] == "child-contract"
                else child_stages(*args, database="--no-database" not in sys.argv[5:])
            )
        )
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--guard-gb",
        type=float,
        default=10.0,
        help="kill the pandas child when its RSS exceeds this (default 10)",
    )
    parser.add_argument(
        "--other-guard-gb",
        type=float,
        default=18.0,
        help="the same for the other children (default 18; DuckDB's own "
        "memory limit is 80%% of RAM)",
    )
    parser.add_argument("--timeout", type=float, default=1800.0)
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare profitlens's tables with the baselines' after each size",
    )
    parser.add_argument(
        "--table", action="store_true", help="only print the table of results.jsonl"
    )
    args = parser.parse_args()
    if args.table:
        rows = [json.loads(line) for line in open(WORK / "results.jsonl")]
        print(table([r for r in rows if r["customers"] in args.sizes]))
        return
    results = bench(
        args.sizes,
        args.methods,
        args.repeat,
        args.guard_gb,
        args.check,
        args.timeout,
        args.other_guard_gb,
    )
    print()
    print(table(results))


if __name__ == "__main__":
    main()
