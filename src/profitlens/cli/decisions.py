"""``profitlens decisions OUT_DIR``: what to do with each customer that does not pay off."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from profitlens.io.outputs import read_output

from ..decisions.options import OPTIONS
from ..errors import ProfitlensError
from .app import console


def decisions(
    out_dir: Path = typer.Argument(..., help="Output folder of `profitlens run`."),
    top: int = typer.Option(20, "--top", "-n", min=1, help="How many customers to list."),
    recommendation: str = typer.Option(
        None,
        "--recommendation",
        "-r",
        help="Only customers with this recommendation: " + ", ".join(OPTIONS) + ".",
    ),
    every: bool = typer.Option(False, "--all", help="Also list the customers to keep."),
) -> None:
    """List the customers to act on: reprice, serve differently or end, largest stake first.

    Each option is valued as an NPV over the lifetime-value horizon; ending saves only the
    cost of resources that are reducible, and loses the customer's referral value. The
    stake is how much the recommended option is worth over keeping the customer as is.

    Example: profitlens decisions ./out --top 10 --recommendation end
    """
    summary = read_output(out_dir, "customer_summary")
    if "recommendation" not in summary:
        raise ProfitlensError(
            f"{out_dir}: customer_summary has no recommendation; run "
            "`profitlens run` again with this version"
        )
    options = read_output(out_dir, "decisions")
    npv = options.pivot_table(index="customer_id", columns="option", values="npv", aggfunc="first")
    chosen = summary.set_index("customer_id")
    stake = pd.Series(
        {
            c: npv.at[c, r] - npv.at[c, "keep"] if c in npv.index else 0.0
            for c, r in chosen["recommendation"].items()
        },
        dtype=float,
    )
    chosen["stake"] = stake.reindex(chosen.index).fillna(0.0)
    counts = chosen["recommendation"].value_counts()
    console.print(
        "Recommendations: "
        + ", ".join(f"{option} {int(counts.get(option, 0)):,}" for option in OPTIONS)
    )
    if recommendation is not None:
        if recommendation not in OPTIONS:
            raise ProfitlensError(
                f"unknown recommendation {recommendation!r}; expected one of " + ", ".join(OPTIONS)
            )
        chosen = chosen[chosen["recommendation"] == recommendation]
    elif not every:
        chosen = chosen[chosen["recommendation"] != "keep"]
    if chosen.empty:
        console.print("No customer to list.")
        return
    rows = chosen.sort_values(["stake", "profit"], ascending=[False, True]).head(top)
    table = Table(
        title=f"Decisions: {len(rows)} of {len(chosen):,} customers, largest stake first",
        title_justify="left",
    )
    for name, justify in (
        ("customer", "left"),
        ("segment", "left"),
        ("do", "left"),
        ("stake (NPV)", "right"),
        ("profit to date", "right"),
        ("referral value", "right"),
        ("why", "left"),
    ):
        table.add_column(name, justify=justify)
    for customer, r in rows.iterrows():
        table.add_row(
            str(customer),
            "" if pd.isna(r.segment) else str(r.segment),
            r.recommendation,
            f"{r.stake:,.0f}",
            f"{r.profit:,.2f}",
            f"{r.referral_value:,.0f}",
            str(r.recommendation_reason),
        )
    console.print(table)
