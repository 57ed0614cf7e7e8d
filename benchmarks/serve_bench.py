"""How fast ``profitlens serve`` answers at a million customers, with Datasette beside it.

Starts ``profitlens serve OUT_DIR`` and, as the yardstick, Datasette over a SQLite copy of the
same ``customer_summary`` with an index on every sort and filter column (``serve_servers.py``),
then times sequential requests to both in the same run, scenario by scenario (profitlens, then
Datasette, so both see the same load): the customer list sorted and filtered, first and deep
pages, JSON and HTML, a search, and one customer. Prints p50 / p95 per scenario for both.

Usage::

    flock /tmp/profitlens-heavy.lock python benchmarks/serve_bench.py /work/bench/26/out1m \\
        --datasette /work/bench/26/dsvenv/bin/datasette --work /work/bench/26

Datasette is optional and never a dependency of profitlens: install it in a venv of its own
(``python -m venv V && V/bin/pip install datasette``) and pass its executable with
``--datasette`` or ``PROFITLENS_BENCH_DATASETTE``; without it only profitlens is measured.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pyarrow.parquet as pq
from serve_servers import (
    INSTALL,
    datasette_command,
    find_datasette,
    free_port,
    running,
    sqlite_copy,
)


def timed(client: httpx.Client, urls: list[str]) -> tuple[float, float, float, float]:
    """first, p50, p95 and max in ms of GETting ``urls``: "first" is the first URL once, before
    an untimed pass over them all (caches and first-use work are warm, as in a server that has
    run); then each URL is timed in turn."""
    began = time.perf_counter()
    client.get(urls[0]).raise_for_status()
    first = (time.perf_counter() - began) * 1000
    for url in urls:
        client.get(url).raise_for_status()
    times = []
    for url in urls:
        began = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - began) * 1000)
        response.raise_for_status()
    times.sort()
    return first, statistics.median(times), times[max(int(0.95 * len(times)) - 1, 0)], times[-1]


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
    with SQL OFFSET: its table view only pages forward, with a keyset token. One customer is
    Datasette's row page (customer_id is the primary key): the summary row, where profitlens
    also reads the customer's P&L, trace, trend and credit.
    """
    rnd = random.Random(7)
    pick = rnd.choices(ids, k=n)
    combos = [(seg, st, col) for seg in segments for st in statuses for col in SORTS[:3]]
    rnd.shuffle(combos)
    filtered = [combos[i % len(combos)] for i in range(n)]
    sorts = [(SORTS[i % len(SORTS)], ("asc", "desc")[i // len(SORTS) % 2]) for i in range(n)]
    offsets = [rnd.randrange(total // 10, max(total - 50, total // 10 + 1)) for _ in range(n)]
    seg = segments[0]

    def sql(where: str, col: str, order: str, offset: int, **params: str) -> str:
        query = (
            f"select * from customer_summary {where}order by {col} {order} limit 50 offset {offset}"
        )
        return "/db.json?" + urlencode({"sql": query, **params, "_shape": "objects"})

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
            [sql("", "profit", "desc", o) for o in offsets],
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
            [sql("where segment = :segment ", c, o, seg_total // 2, segment=seg) for c, o in sorts],
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
            [f"/db/customer_summary/{i}.json" for i in pick],
        ),
        "one customer: the full page (HTML)": (
            [f"/customers/{i}" for i in pick],
            [f"/db/customer_summary/{i}" for i in pick],
        ),
    }


def measure(name: str, client: httpx.Client, urls: list[str]) -> tuple | str:
    """:func:`timed`, or why the server refused (the bench goes on with the other scenarios)."""
    try:
        return timed(client, urls)
    except httpx.HTTPStatusError as error:
        why = f"HTTP {error.response.status_code}: {error.response.text[:300]!r}"
    except httpx.TransportError as error:
        why = f"{type(error).__name__}: {error}"
    print(f"  {name} failed on {client.base_url}: {why}", flush=True)
    return "failed"


def run_scenarios(summary_path: Path, n: int) -> tuple[int, dict]:
    """How many customers the run has, and :func:`scenarios` for its segments and statuses."""
    summary = pq.read_table(summary_path, columns=["customer_id", "segment", "trend_status"])
    ids = summary.column("customer_id").to_pylist()
    counts = sorted(
        summary.column("segment").drop_null().value_counts().to_pylist(), key=lambda s: -s["counts"]
    )
    statuses = sorted(summary.column("trend_status").drop_null().unique().to_pylist())
    segments = [c["values"] for c in counts]
    return len(ids), scenarios(ids, n, segments, statuses, len(ids), counts[0]["counts"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument(
        "--datasette",
        help="the datasette executable, in a venv of its own (default: "
        "$PROFITLENS_BENCH_DATASETTE, else datasette on the PATH, else profitlens alone)",
    )
    parser.add_argument("--work", type=Path, default=Path("serve-bench"))
    parser.add_argument("--requests", type=int, default=100, help="timed requests per scenario")
    parser.add_argument(
        "--datasette-requests", type=int, help="per scenario to Datasette (default: --requests)"
    )
    parser.add_argument(
        "--wait", type=float, default=120, help="seconds a server may take to start"
    )
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    datasette = find_datasette(args.datasette)
    summary_path = args.out_dir / "customer_summary.parquet"
    customers, cases = run_scenarios(summary_path, args.requests)
    indexed = ["customer_id", "rank", "segment", "trend_status", *SORTS]
    if datasette is None:
        print(f"Datasette: not found, measuring profitlens alone ({INSTALL})")
    else:
        began = time.perf_counter()
        db = sqlite_copy(summary_path, args.work, indexed, datasette)
        print(
            f"Datasette: {db} (customer_summary, indexes on {', '.join(indexed)}; "
            f"{time.perf_counter() - began:.0f} s to build or check)"
        )

    results: dict[str, list] = {}
    with contextlib.ExitStack() as stack:
        port = free_port()
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
        command = [sys.executable, "-c", "from profitlens.cli import app; app()", "serve"]
        serve, ready = stack.enter_context(
            running(
                "profitlens serve",
                [*command, str(args.out_dir), "--port", str(port)],
                f"http://127.0.0.1:{port}/api/customers?limit=1",
                args.work / "profitlens-serve.log",
                env,
                args.wait,
            )
        )
        ours = stack.enter_context(httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60))
        print(f"profitlens serve: {customers:,} customers, ready in {ready:.1f} s")
        theirs = None
        if datasette is not None:
            dport = free_port()
            clean_env = {
                k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")
            }
            ds, ready = stack.enter_context(
                running(
                    "datasette",
                    datasette_command(datasette, db, args.work / "db-inspect.json", dport),
                    f"http://127.0.0.1:{dport}/-/versions.json",
                    args.work / "datasette.log",
                    clean_env,
                    args.wait,
                )
            )
            version = httpx.get(f"http://127.0.0.1:{dport}/-/versions.json", timeout=5).json()
            print(f"Datasette {version['datasette']['version']}: ready in {ready:.1f} s")
            theirs = stack.enter_context(
                httpx.Client(base_url=f"http://127.0.0.1:{dport}", timeout=60)
            )
        began = time.perf_counter()
        ours.get("/").raise_for_status()
        print(
            f"  profitlens portfolio page, first visit (figures and charts computed): "
            f"{time.perf_counter() - began:.1f} s"
        )
        load = [os.getloadavg()[0]]
        for name, (our_urls, their_urls) in cases.items():
            results[name] = [measure(name, ours, our_urls)]
            if theirs is not None:
                results[name].append(
                    measure(name, theirs, their_urls[: args.datasette_requests or args.requests])
                )
            load.append(os.getloadavg()[0])
            print(f"  {name}: " + " | ".join(map(brief, results[name])), flush=True)
        print(f"load average (1 min) during the runs: {min(load):.1f}-{max(load):.1f}")
        print(f"memory after the runs: profitlens {rss_mb(serve.pid):,.0f} MB", end="")
        print(f", Datasette {rss_mb(ds.pid):,.0f} MB" if theirs is not None else "")
    print_table(results, theirs is not None)


def brief(result: tuple | str) -> str:
    return result if isinstance(result, str) else f"p50 {result[1]:.1f} ms, p95 {result[2]:.1f} ms"


def print_table(results: dict[str, list], with_datasette: bool) -> None:
    """The scenarios' figures side by side, in ms."""
    head = f"{'scenario':<80} {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}"
    print(
        "\n"
        + head
        + (f" | Datasette {'first':>7} {'p50':>7} {'p95':>7} {'max':>7}" if with_datasette else "")
    )
    for name, measured in results.items():
        cells = [
            f"{'failed':>31}" if isinstance(m, str) else " ".join(f"{v:7.1f}" for v in m)
            for m in measured
        ]
        print(f"{name:<80} " + f" | {'':9} ".join(cells))
    print(
        "(ms; sequential requests, each scenario's URLs timed after one untimed pass; 'first' "
        "is the scenario's first request, before that pass)"
    )


if __name__ == "__main__":
    main()
