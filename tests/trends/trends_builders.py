"""Builders of small customer_pnl / customer_activity / customers tables with known answers."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

from profitlens.contract import COST_LINES, PNL_COLUMNS


def pnl_rows(rows: list[dict]) -> pd.DataFrame:
    """customer_pnl rows from partial dicts: missing lines are 0, gross margin and profit derived."""
    out = []
    for r in rows:
        full = {"customer_id": r["customer_id"], "period": r["period"]}
        for c in PNL_COLUMNS:
            full[c] = float(r.get(c, 0.0))
        full["gross_margin"] = full["revenue"] - full["cogs"]
        full["profit"] = full["gross_margin"] - sum(full[c] for c in COST_LINES)
        out.append(full)
    return pd.DataFrame(out, columns=["customer_id", "period", *PNL_COLUMNS])


def pnl_table(rows: list[dict]) -> ibis.Table:
    return ibis.memtable(pnl_rows(rows))


def activity_table(rows: list[dict]) -> ibis.Table:
    cols = [
        "customer_id",
        "period",
        "sales_minutes",
        "service_minutes",
        "fulfilment_minutes",
        "tickets",
    ]
    frame = pd.DataFrame([{c: r.get(c, 0.0) for c in cols} for r in rows], columns=cols)
    return ibis.memtable(
        frame,
        schema={"customer_id": "string", "period": "string", **{c: "float64" for c in cols[2:]}},
    )


def customers_table(rows: list[tuple[str, str, str | None]]) -> ibis.Table:
    """(customer_id, acquired_on ISO date, segment)."""
    frame = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "acquired_on": [dt.date.fromisoformat(r[1]) for r in rows],
            "segment": [r[2] for r in rows],
        }
    )
    return ibis.memtable(
        frame, schema={"customer_id": "string", "acquired_on": "date", "segment": "string"}
    )


def months(first_year: int, n: int) -> list[str]:
    return [f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(n)]
