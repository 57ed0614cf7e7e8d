"""``profitlens whatif DATA_DIR SCENARIO.yaml --out OUT_DIR``: the P&L under a scenario."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from ..contract import PNL_COLUMNS
from ..engine import data_location
from ..whatif import run_whatif
from .app import console

LINES = (*PNL_COLUMNS, "unused_capacity")


def whatif(
    data_dir: str = typer.Argument(..., help="Folder with costmodel.yaml and the tables."),
    scenario: Path = typer.Argument(
        ..., help="Scenario YAML: keys of costmodel.yaml to change, price_change and end_customers."
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Folder for scenario_comparison and scenario_totals (CSV and Parquet).",
    ),
    as_of: dt.datetime = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="As-of date YYYY-MM-DD; default the latest event.",
    ),
    top: int = typer.Option(
        10, "--top", "-n", min=0, help="How many customers to list (largest change first)."
    ),
) -> None:
    """Recompute the P&L with a scenario and show the change per P&L line and customer.

    The scenario holds any keys of costmodel.yaml, deep-merged over it (a resource's cost or
    capacity, an activity's minutes or resources, commission rates), and optionally
    price_change: {default: 0.05, by_segment: {smb: 0.1}} (each line's revenue x (1 +
    change)) and end_customers: [C001, ...] (their rows removed; a reducible resource is cut
    by what they used, a non-reducible one keeps its cost as unused capacity).

    Example: profitlens whatif ./data scenario.yaml --out ./whatif
    """
    run_whatif(data_location(data_dir), scenario, out, as_of=as_of.date() if as_of else None)
    totals = pd.read_csv(out / "scenario_totals.csv").set_index("line").loc[list(LINES)]
    table = Table(title="Change per P&L line", title_justify="left")
    for name in ("line", "base", "scenario", "change"):
        table.add_column(name, justify="left" if name == "line" else "right")
    for line, r in totals.iterrows():
        table.add_row(
            line,
            f"{r.base:,.2f}",
            f"{r.scenario:,.2f}",
            f"{r.change:+,.2f}",
            style="bold" if line == "profit" else None,
        )
    console.print(table)
    if top:
        rows = pd.read_csv(out / "scenario_comparison.csv", dtype={"customer_id": str})
        rows = rows.reindex(rows["change"].abs().sort_values(ascending=False).index).head(top)
        rows = rows[rows["change"] != 0]
        if rows.empty:
            console.print("No customer's profit changes.")
        else:
            per = Table(title="Customers whose profit changes most", title_justify="left")
            for name in ("customer", "base profit", "scenario profit", "change"):
                per.add_column(name, justify="left" if name == "customer" else "right")
            for r in rows.itertuples(index=False):
                per.add_row(
                    r.customer_id,
                    f"{r.base_profit:,.2f}",
                    f"{r.scenario_profit:,.2f}",
                    f"{r.change:+,.2f}",
                )
            console.print(per)
    console.print(f"Outputs in {out}")
