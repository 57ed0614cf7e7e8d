"""The two servers ``serve_bench.py`` times: starting them, waiting for them, stopping them.

``running`` starts a server as a subprocess with its output in a log file, polls a URL with a
short timeout until it answers, gives up after a limit with the server's own last words, and
always stops it. ``sqlite_copy`` builds the SQLite file Datasette serves: ``customer_summary``
with typed columns, customer_id as its primary key, an index on every sort and filter column
the benchmark uses, ``ANALYZE`` for the query planner and ``datasette inspect``'s cached row
count; it is rebuilt only when the run's Parquet file (or this layout) changed.

Datasette is not a dependency of profitlens; ``find_datasette`` looks for it where the user
put it (an option, ``PROFITLENS_BENCH_DATASETTE``, or ``datasette`` on the PATH).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pyarrow as pa
import pyarrow.parquet as pq

#: the environment variable naming the datasette executable (when --datasette is not given)
DATASETTE_ENV = "PROFITLENS_BENCH_DATASETTE"
#: bump when the SQLite layout below changes, so an older copy is rebuilt
LAYOUT = 2
INSTALL = (
    "install it in a venv of its own, never in profitlens's: "
    "python -m venv /tmp/dsvenv && /tmp/dsvenv/bin/pip install datasette, then pass "
    f"--datasette /tmp/dsvenv/bin/datasette or set {DATASETTE_ENV}"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_datasette(given: str | None) -> str | None:
    """The datasette executable: ``given``, else $PROFITLENS_BENCH_DATASETTE, else the PATH's;
    None when there is none. A path that was named but is not an executable stops the bench."""
    named = given or os.environ.get(DATASETTE_ENV)
    if named is None:
        return shutil.which("datasette")
    if not (os.path.isfile(named) and os.access(named, os.X_OK)):
        raise SystemExit(f"datasette: {named} is not an executable file; {INSTALL}")
    return named


def _tail(log: Path, chars: int = 3000) -> str:
    text = log.read_text(errors="replace") if log.exists() else ""
    return text[-chars:] or "(nothing)"


@contextlib.contextmanager
def running(
    name: str, command: list[str], url: str, log: Path, env: dict | None = None, wait: float = 120
) -> Iterator[tuple[subprocess.Popen, float]]:
    """Run ``command`` (stdout and stderr into ``log``) until the block ends; yields the
    process and how many seconds it took until ``url`` answered 200. Polls with a 2 s timeout per request; stops the
    bench with the server's output when it exits or has not answered within ``wait`` seconds."""
    began = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            command, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(
                    f"{name} exited with code {proc.returncode} before answering {url}; "
                    f"its output ({log}):\n{_tail(log)}"
                )
            if time.perf_counter() - began > wait:
                raise SystemExit(
                    f"{name} did not answer {url} within {wait:.0f} s; its output ({log}):\n"
                    f"{_tail(log)}"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        yield proc, time.perf_counter() - began
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _sqlite_type(kind: pa.DataType) -> str:
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return "INTEGER"
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "REAL"
    return "TEXT"


def sqlite_copy(summary: Path, work: Path, indexed: list[str], datasette: str) -> Path:
    """``work/db.db`` (Datasette serves it as ``/db``): ``summary`` as a SQLite table with an
    index per column of ``indexed``, plus ``work/db-inspect.json`` for ``--inspect-file``.
    Reused while ``work/db.stamp.json`` matches the Parquet file's size and time and the layout."""
    path, stamp, inspect = work / "db.db", work / "db.stamp.json", work / "db-inspect.json"
    source = summary.stat()
    wanted = {
        "source": str(summary.resolve()),
        "size": source.st_size,
        "mtime_ns": source.st_mtime_ns,
        "layout": LAYOUT,
        "indexed": indexed,
    }
    if path.exists() and inspect.exists() and stamp.exists():
        if json.loads(stamp.read_text()) == wanted:
            return path
    stamp.unlink(missing_ok=True)
    table = pq.read_table(summary)
    names = table.column_names
    tmp = work / "db.tmp"
    tmp.unlink(missing_ok=True)
    con = sqlite3.connect(tmp)
    columns = ", ".join(
        f'"{n}" {_sqlite_type(table.schema.field(n).type)}'
        + (" PRIMARY KEY" if n == "customer_id" else "")
        for n in names
    )
    con.execute(f"CREATE TABLE customer_summary ({columns})")
    marks = ", ".join("?" * len(names))
    for batch in table.to_batches(100_000):
        con.executemany(
            f"INSERT INTO customer_summary VALUES ({marks})",
            zip(*(c.to_pylist() for c in batch.columns)),
        )
    for column in indexed:
        if column in names and column != "customer_id":
            con.execute(f'CREATE INDEX "ix_{column}" ON customer_summary ("{column}")')
    con.commit()
    con.execute("ANALYZE")
    con.close()
    tmp.rename(path)
    done = subprocess.run(
        [datasette, "inspect", str(path), "--inspect-file", str(inspect)],
        capture_output=True,
        text=True,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )
    if done.returncode != 0:
        output = (done.stdout + done.stderr)[-3000:]
        raise SystemExit(f"datasette inspect {path} failed:\n{output}")
    stamp.write_text(json.dumps(wanted, indent=1))
    return path


def datasette_command(datasette: str, db: Path, inspect: Path, port: int) -> list[str]:
    """``datasette serve`` as the yardstick runs it: the file immutable with its row count
    cached (``--inspect-file``), no facet suggestions (each costs a query per column per
    request), a 30 s query limit so a deep OFFSET is not cut at the default 1 s."""
    return [
        datasette,
        "serve",
        "--immutable",
        str(db),
        "--inspect-file",
        str(inspect),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "sql_time_limit_ms",
        "30000",
        "--setting",
        "max_returned_rows",
        "1000",
    ]
