"""``profitlens trends OUT_DIR``: the early-warning list of an output folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from profitlens.io.outputs import read_output

from ..errors import ProfitlensError
from ..trends.sections import early_warning_list
from ..trends.status import STATUSES
from .app import console


def trends(
    out_dir: Path = typer.Argument(..., help="Output folder of `profitlens run`."),
    top: int = typer.Option(20, "--top", "-n", min=1, help="How many customers to list."),
    status: str = typer.Option(
        None, "--status", help="Only customers with this status: " + ", ".join(STATUSES) + "."
    ),
    segment: str = typer.Option(None, "--segment", help="Only customers of this segment."),
) -> None:
    """List the customers with the most profit at risk over the next three periods.

    Profit at risk is how much less a customer is forecast to earn over the next three periods
    than it did per period in the prior window; the driver is the part of the profit change
    that explains most of it.

    Example: profitlens trends ./out --top 10 --status turned_unprofitable
    """
    frame = read_output(out_dir, "customer_trends")
    if status is not None:
        if status not in STATUSES:
            raise ProfitlensError(
                f"unknown status {status!r}; expected one of " + ", ".join(STATUSES)
            )
        frame = frame[frame["status"] == status]
    if segment is not None:
        frame = frame[frame["segment"] == segment]
    rows = early_warning_list(frame, top=top)
    if rows.empty:
        console.print("No customer has profit at risk" + _filters(status, segment) + ".")
        return
    console.print(warning_table(rows, len(frame[frame["profit_at_risk"] > 0])))


def warning_table(rows: pd.DataFrame, total: int) -> Table:
    """A Rich table of :func:`early_warning_list` rows."""
    table = Table(
        title=f"Profit at risk: top {len(rows)} of {total} customers", title_justify="left"
    )
    for name, justify in (
        ("#", "right"),
        ("customer", "left"),
        ("segment", "left"),
        ("status", "left"),
        ("turned", "left"),
        ("profit prior", "right"),
        ("profit recent", "right"),
        ("forecast next 3", "right"),
        ("at risk", "right"),
        ("driver", "left"),
        ("attention", "left"),
    ):
        table.add_column(name, justify=justify)
    for r in rows.itertuples(index=False):
        table.add_row(
            str(r.rank),
            str(r.customer_id),
            str(r.segment),
            str(r.status),
            _text(r.turn_period),
            _money(r.profit_prior),
            _money(r.profit_recent),
            _money(r.forecast_next),
            _money(r.profit_at_risk),
            _text(r.main_driver),
            "falling" if r.attention_flag else "",
        )
    return table


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


def _filters(status, segment) -> str:
    parts = [f"status {status}" if status else "", f"segment {segment}" if segment else ""]
    parts = [p for p in parts if p]
    return " with " + " and ".join(parts) if parts else ""


__all__ = ["trends", "warning_table"]
