"""How fast ``profitlens serve`` answers at a million customers, with Datasette beside it.

Starts ``profitlens serve OUT_DIR`` and, as the yardstick, Datasette over a SQLite copy of the
same ``customer_summary`` with indexes on the sort and filter columns, then times sequential
requests to both in the same run: the customer list sorted and filtered, first and deep pages,
JSON and HTML, a search, and one customer (page and API). Prints p50 / p95 per scenario.

Usage::

    flock /tmp/profitlens-heavy.lock python benchmarks/serve_bench.py /work/bench/26/out1m \\
        --datasette /work/bench/26/dsvenv/bin/datasette --work /work/bench/26

Datasette is not a dependency of profitlens: install it in a venv of its own
(``python -m venv V && V/bin/pip install datasette``) and pass its ``datasette`` executable.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyarrow.parquet as pq

INDEXED = ("profit", "revenue", "rank", "customer_id", "segment", "trend_status")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sqlite_copy(out_dir: Path, work: Path) -> Path:
    """customer_summary as SQLite with an index per column of :data:`INDEXED` (built once)."""
    path = work / "db.db"  # Datasette names the database after the file: /db/...
    if path.exists():
        return path
    table = pq.read_table(out_dir / "customer_summary.parquet")
    tmp = path.with_suffix(".tmp")
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    names = table.column_names
    con.execute(f"CREATE TABLE customer_summary ({', '.join(names)})")
    marks = ", ".join("?" * len(names))
    for batch in table.to_batches(100_000):
        con.executemany(
            f"INSERT INTO customer_summary VALUES ({marks})",
            zip(*(c.to_pylist() for c in batch.columns)),
        )
    for column in INDEXED:
        if column in names:
            con.execute(f"CREATE INDEX ix_{column} ON customer_summary ({column})")
    con.commit()
    con.close()
    tmp.rename(path)
    return path


def start(
    command: list[str], url: str, env: dict | None = None, timeout: float = 600
) -> tuple[subprocess.Popen, float]:
    """Start a server and wait until ``url`` answers; returns it and how long that took."""
    began = time.perf_counter()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    while time.perf_counter() - began < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"{command[0]} stopped: {proc.stderr.read().decode()[-2000:]}")
        try:
            if httpx.get(url, timeout=600).status_code == 200:
                return proc, time.perf_counter() - began
        except httpx.TransportError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"{command[0]} did not answer {url} in {timeout:.0f} s")


def timed(client: httpx.Client, urls: list[str]) -> tuple[float, float, float]:
    """p50, p95 and max in ms of GETting ``urls`` in turn, after one untimed pass over them
    (both servers get it: caches and first-use work are warm, as in a server that has run)."""
    for url in urls:
        client.get(url).raise_for_status()
    times = []
    for url in urls:
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    times.sort()
    return statistics.median(times), times[max(int(0.95 * len(times)) - 1, 0)], times[-1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


SORTS = (
    "profit",
    "revenue",
    "gross_margin",
    "cogs",
    "commission",
    "service_cost",
    "credit_cost",
    "clv_profit",
    "credit_exposure",
    "cumulative_profit_share",
)


def scenarios(
    ids: list[str], n: int, segments: list[str], statuses: list[str], total: int, seg_total: int
) -> dict:
    """profitlens and Datasette URLs for the same questions.

    Filtered scenarios cycle through more (filter, sort) combinations than profitlens keeps
    selections of (16), so each request computes its selection afresh. Datasette pages deep
    with SQL OFFSET: its table view only pages forward, with a keyset token.
    """
    rnd = random.Random(7)
    pick = rnd.choices(ids, k=n)
    combos = [(seg, st, col) for seg in segments for st in statuses for col in SORTS[:3]]
    rnd.shuffle(combos)
    filtered = [combos[i % len(combos)] for i in range(n)]
    sorts = [(SORTS[i % len(SORTS)], ("asc", "desc")[i // len(SORTS) % 2]) for i in range(n)]
    offsets = [rnd.randrange(total // 10, max(total - 50, total // 10 + 1)) for _ in range(n)]
    seg = segments[0]
    sql = (
        "/db.json?sql=select+*+from+customer_summary+{where}order+by+{col}+{order}"
        "+limit+50+offset+{offset}&_shape=objects"
    )
    return {
        "list by profit desc, first page (JSON)": (
            ["/api/customers?sort=profit&order=desc&limit=50"] * n,
            ["/db/customer_summary.json?_sort_desc=profit&_size=50&_shape=objects"] * n,
        ),
        "list by profit desc, first page (HTML)": (
            ["/customers?sort=profit&order=desc"] * n,
            ["/db/customer_summary?_sort_desc=profit&_size=50"] * n,
        ),
        "list by profit desc, deep pages (random offsets) (JSON)": (
            [f"/api/customers?sort=profit&order=desc&offset={o}" for o in offsets],
            [sql.format(where="", col="profit", order="desc", offset=o) for o in offsets],
        ),
        "list filtered (segment, status, loss makers), new filter each request (JSON)": (
            [f"/api/customers?segment={a}&status={b}&loss=1&sort={c}" for a, b, c in filtered],
            [
                f"/db/customer_summary.json?segment={a}&trend_status={b}&profit__lt=-0.005"
                f"&_sort={c}&_size=50&_shape=objects"
                for a, b, c in filtered
            ],
        ),
        "list filtered (segment, status, loss makers), new filter each request (HTML)": (
            [f"/customers?segment={a}&status={b}&loss=1&sort={c}" for a, b, c in filtered],
            [
                f"/db/customer_summary?segment={a}&trend_status={b}&profit__lt=-0.005"
                f"&_sort={c}&_size=50"
                for a, b, c in filtered
            ],
        ),
        f"list segment={seg}, new sort each request, deep page (offset {seg_total // 2:,})": (
            [
                f"/api/customers?segment={seg}&sort={c}&order={o}&offset={seg_total // 2}"
                for c, o in sorts
            ],
            [
                sql.format(where=f"where+segment='{seg}'+", col=c, order=o, offset=seg_total // 2)
                for c, o in sorts
            ],
        ),
        "search by id (JSON)": (
            [f"/api/customers?q={i[-5:]}" for i in pick],
            [
                f"/db/customer_summary.json?customer_id__contains={i[-5:]}&_shape=objects"
                for i in pick
            ],
        ),
        "one customer: summary, P&L and trace (JSON)": (
            [f"/api/customers/{i}" for i in pick],
            [f"/db/customer_summary.json?customer_id={i}&_shape=objects" for i in pick],
        ),
        "one customer: the full page (HTML)": (
            [f"/customers/{i}" for i in pick],
            [f"/db/customer_summary?customer_id={i}" for i in pick],
        ),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--datasette", help="the datasette executable (its own venv)")
    parser.add_argument("--work", type=Path, default=Path("serve-bench"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument(
        "--datasette-requests",
        type=int,
        default=40,
        help="requests per scenario to Datasette (its deep pages and unindexed "
        "sorts take seconds each)",
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    summary = pq.read_table(
        args.out_dir / "customer_summary.parquet",
        columns=["customer_id", "segment", "trend_status"],
    )
    ids = summary.column("customer_id").to_pylist()
    counts = sorted(
        summary.column("segment").drop_null().value_counts().to_pylist(), key=lambda s: -s["counts"]
    )
    statuses = sorted(summary.column("trend_status").drop_null().unique().to_pylist())
    cases = scenarios(
        ids, args.requests, [c["values"] for c in counts], statuses, len(ids), counts[0]["counts"]
    )

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    serve, ready = start(
        [
            sys.executable,
            "-c",
            "from profitlens.cli import app; app()",
            "serve",
            str(args.out_dir),
            "--port",
            str(port),
        ],
        f"http://127.0.0.1:{port}/api/customers",
        env,
    )
    print(f"profitlens serve: {len(ids):,} customers, ready in {ready:.1f} s")
    results = {}
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=600) as client:
            began = time.perf_counter()
            client.get("/").raise_for_status()
            print(
                f"  portfolio page, first visit (figures and charts computed): "
                f"{time.perf_counter() - began:.1f} s"
            )
            for name, (ours, _) in cases.items():
                began = time.perf_counter()
                client.get(ours[0]).raise_for_status()
                first = (time.perf_counter() - began) * 1000
                results[name] = [first, timed(client, ours)]
                print(
                    f"  {name}: p50 {results[name][1][0]:.1f} ms, p95 {results[name][1][1]:.1f} ms",
                    flush=True,
                )
            print(f"  load average during the runs: {os.getloadavg()[0]:.1f}")
            print(f"  memory after the runs: {rss_mb(serve.pid):,.0f} MB")
    finally:
        serve.terminate()
        serve.wait()
    if args.datasette:
        started = time.perf_counter()
        db = sqlite_copy(args.out_dir, args.work)
        print(
            f"Datasette: SQLite copy with indexes on {', '.join(INDEXED)} "
            f"({time.perf_counter() - started:.0f} s, once)"
        )
        dport = free_port()
        ds, ready = start(
            [
                args.datasette,
                "serve",
                str(db),
                "--port",
                str(dport),
                "--setting",
                "sql_time_limit_ms",
                "60000",
                "--setting",
                "max_returned_rows",
                "1000",
            ],
            f"http://127.0.0.1:{dport}/db.json",
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{dport}", timeout=600) as client:
                for name, (_, theirs) in cases.items():
                    results[name].append(timed(client, theirs[: args.datasette_requests]))
                    print(
                        f"  {name}: p50 {results[name][-1][0]:.1f} ms, "
                        f"p95 {results[name][-1][1]:.1f} ms",
                        flush=True,
                    )
        finally:
            ds.terminate()
            ds.wait()
    print(
        f"\n{'scenario':<80} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}"
        f" | Datasette {'p50':>7} {'p95':>7}"
    )
    for name, (first, ours, *theirs) in results.items():
        line = f"{name:<80} {first:7.1f} {ours[0]:7.1f} {ours[1]:7.1f} {ours[2]:7.1f}"
        if theirs:
            line += f" | {'':9} {theirs[0][0]:7.1f} {theirs[0][1]:7.1f}"
        print(line)
    print(
        "(ms; sequential requests, each scenario's URLs timed after one untimed pass; 'first' "
        "is profitlens's first request of the scenario, before that pass)"
    )


if __name__ == "__main__":
    main()
