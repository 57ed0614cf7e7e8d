"""Run the hand-written DuckDB SQL P&L (duckdb_sql_pnl.sql) on a data folder.

Sets up typed views over the folder's files (``read_parquet`` / ``read_csv``; absent tables and
optional columns become empty / NULL), the cost model as small tables and variables, runs the
SQL file and writes customer_pnl, customer_summary and resource_usage as Parquet and CSV
(sorted like profitlens). Does not import profitlens.

Run: ``python benchmarks/baselines/duckdb_sql_pnl.py DATA_DIR OUT_DIR [--as-of YYYY-MM-DD]
[--no-csv] [--threads N] [--memory-limit 4GB]``; prints a JSON line of phase timings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import duckdb
import pandas as pd
import yaml

SQL = Path(__file__).with_name("duckdb_sql_pnl.sql")
V, D, F = "VARCHAR", "DATE", "DOUBLE"
SOURCES = {
    "customers": {"customer_id": V, "acquired_on": D, "segment": V},
    "prospects": {"prospect_id": V, "converted_customer_id": V},
    "invoice_lines": {
        "invoice_id": V,
        "customer_id": V,
        "invoice_date": D,
        "revenue": F,
        "cost": F,
        "product_id": V,
    },
    "payments": {"invoice_id": V, "paid_on": D, "amount": F, "kind": V},
    "activities": {
        "activity": V,
        "occurred_on": D,
        "customer_id": V,
        "prospect_id": V,
        "minutes": F,
        "quantity": F,
    },
    "resource_costs": {"period": V, "resource": V, "cost": F, "capacity_minutes": F},
    "commissions": {"customer_id": V, "paid_on": D, "amount": F},
    "referrals": {"referrer_id": V, "referred_on": D, "reward": F},
}
SORT = {
    "customer_pnl": "customer_id, period",
    "customer_summary": "rank",
    "resource_usage": "resource, period",
}


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def create_sources(con: duckdb.DuckDBPyConnection, data_dir: Path) -> bool:
    """Typed views over the folder's tables; returns whether ``commissions`` exists."""
    has_commissions = False
    for name, columns in SOURCES.items():
        parquet, text = data_dir / f"{name}.parquet", data_dir / f"{name}.csv"
        if parquet.exists():
            source = f"read_parquet({_quote(parquet)})"
        elif text.exists():
            source = f"read_csv({_quote(text)}, header = true, all_varchar = true)"
        else:
            source = None
        has_commissions |= name == "commissions" and source is not None
        if source is None:
            select = ", ".join(f"NULL::{t} AS {c}" for c, t in columns.items())
            con.execute(f"CREATE VIEW {name} AS SELECT {select} WHERE false")
            continue
        present = {r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        select = ", ".join(
            f"CAST({c} AS {t}) AS {c}" if c in present else f"NULL::{t} AS {c}"
            for c, t in columns.items()
        )
        con.execute(f"CREATE VIEW {name} AS SELECT {select} FROM {source}")
    return has_commissions


def create_model(con: duckdb.DuckDBPyConnection, model: dict) -> None:
    """The cost model as tables m_resources, m_activities, m_uses, m_*_rate and variables."""
    resources = pd.DataFrame(
        [
            (n, float(r["cost"]), float(r["capacity_minutes"]))
            for n, r in model["resources"].items()
        ],
        columns=["resource", "cost", "capacity_minutes"],
    )
    activities = pd.DataFrame(
        [
            (
                n,
                a["category"],
                float(a.get("minutes", 0) or 0),
                float(a.get("minutes_per_unit", 0) or 0),
                a.get("per", "row"),
            )
            for n, a in model["activities"].items()
        ],
        columns=["activity", "category", "base_minutes", "minutes_per_unit", "per"],
    )
    uses = pd.DataFrame(
        [(n, r) for n, a in model["activities"].items() for r in a["resources"]],
        columns=["activity", "resource"],
    )
    com = model.get("commission") or {}
    product = pd.DataFrame(
        list((com.get("by_product") or {}).items()), columns=["product_id", "rate"]
    ).astype({"product_id": str, "rate": float})
    segment = pd.DataFrame(
        list((com.get("by_segment") or {}).items()), columns=["segment", "rate"]
    ).astype({"segment": str, "rate": float})
    for name, frame in {
        "m_resources": resources,
        "m_activities": activities,
        "m_uses": uses,
        "m_product_rate": product,
        "m_segment_rate": segment,
    }.items():
        con.register(f"_{name}", frame)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
        con.unregister(f"_{name}")
    con.execute("SET VARIABLE period_unit = ?", [model["period"]])
    con.execute("SET VARIABLE carrying_rate = ?", [float(model["annual_carrying_rate"])])
    con.execute("SET VARIABLE default_rate = ?", [float(com.get("default_rate", 0.0))])


def run(
    data_dir: Path,
    out_dir: Path,
    as_of: dt.date | None = None,
    csv_too: bool = True,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> dict:
    """Set up, run the SQL, write the three tables; returns phase timings in seconds."""
    data_dir, out_dir = Path(data_dir), Path(out_dir)
    t0 = time.perf_counter()
    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    model = yaml.safe_load((data_dir / "costmodel.yaml").read_text())
    has_commissions = create_sources(con, data_dir)
    create_model(con, model)
    con.execute("SET VARIABLE has_commissions = ?", [has_commissions])
    con.execute("SET VARIABLE as_of_arg = ?::DATE", [as_of])
    t1 = time.perf_counter()
    con.execute(SQL.read_text())
    t2 = time.perf_counter()
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = {}
    for name, order in SORT.items():
        con.execute(f"CREATE TEMP TABLE out_{name} AS SELECT * FROM {name} ORDER BY {order}")
        target = out_dir / f"{name}"
        con.execute(f"COPY out_{name} TO {_quote(target.with_suffix('.parquet'))} (FORMAT parquet)")
        if csv_too:
            con.execute(
                f"COPY out_{name} TO {_quote(target.with_suffix('.csv'))} (FORMAT csv, HEADER)"
            )
        rows[name] = con.execute(f"SELECT count(*) FROM out_{name}").fetchone()[0]
    t3 = time.perf_counter()
    con.close()
    return {"setup": t1 - t0, "compute": t2 - t1, "write": t3 - t2, "total": t3 - t0, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--no-csv", action="store_true", help="write Parquet only")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--memory-limit", default=None)
    args = parser.parse_args()
    print(
        json.dumps(
            run(
                args.data_dir,
                args.out_dir,
                args.as_of,
                not args.no_csv,
                args.threads,
                args.memory_limit,
            )
        )
    )


if __name__ == "__main__":
    main()
