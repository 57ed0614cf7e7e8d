"""``profitlens prospects OUT_DIR``: the open prospects of an output folder, best return first."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from profitlens.io.outputs import read_output

from ..errors import ProfitlensError
from .app import console

RECOMMENDATIONS = ("pursue", "deprioritise", "skip")


def prospects(
    out_dir: Path = typer.Argument(..., help="Output folder of `profitlens run`."),
    top: int = typer.Option(20, "--top", "-n", min=1, help="How many prospects to list."),
    recommendation: str = typer.Option(
        None,
        "--recommendation",
        help="Only prospects with this recommendation: " + ", ".join(RECOMMENDATIONS) + ".",
    ),
) -> None:
    """List the open prospects ranked by expected return, with what drives each score.

    Expected return = chance of winning x lifetime profit if won - pursuit cost still to
    spend; `skip` when it is not positive, `deprioritise` when it is small for the effort.

    Example: profitlens prospects ./out --top 10 --recommendation pursue
    """
    if recommendation is not None and recommendation not in RECOMMENDATIONS:
        raise ProfitlensError(
            f"unknown recommendation {recommendation!r}; expected one of "
            + ", ".join(RECOMMENDATIONS)
        )
    note = _note(out_dir)
    if (
        note
        and not (Path(out_dir) / "prospect_scores.parquet").is_file()
        and not (Path(out_dir) / "prospect_scores.csv").is_file()
    ):
        console.print(note)
        return
    frame = read_output(out_dir, "prospect_scores")
    total = len(frame)
    if recommendation is not None:
        frame = frame[frame["recommendation"] == recommendation]
    frame = frame.sort_values(
        ["expected_return", "prospect_id"], ascending=[False, True], kind="stable"
    )
    if frame.empty:
        console.print(
            "No open prospect" + (f" to {recommendation}" if recommendation else "") + "."
        )
        return
    console.print(prospect_table(frame.head(top), total))


def _note(out_dir: Path) -> str | None:
    """Why a run wrote no prospect scores (``run_info.json``), if it said."""
    path = Path(out_dir) / "run_info.json"
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("notes", {}).get("prospects")
    except (OSError, ValueError):
        return None


def prospect_table(rows: pd.DataFrame, total: int) -> Table:
    """A Rich table of ``prospect_scores`` rows, in their order."""
    table = Table(
        title=f"Open prospects by expected return: {len(rows)} of {total}", title_justify="left"
    )
    for name, justify in (
        ("#", "right"),
        ("prospect", "left"),
        ("p(win)", "right"),
        ("lifetime profit", "right"),
        ("service", "right"),
        ("pursuit left", "right"),
        ("expected return", "right"),
        ("recommendation", "left"),
        ("reasons", "left"),
    ):
        table.add_column(name, justify=justify)
    for rank, r in enumerate(rows.itertuples(index=False), start=1):
        table.add_row(
            str(rank),
            str(r.prospect_id),
            f"{r.p_convert:.0%}",
            _money(r.expected_lifetime_profit),
            _money(r.expected_service_cost),
            _money(r.expected_pursuit_cost),
            _money(r.expected_return),
            str(r.recommendation),
            str(r.reasons),
        )
    return table


def _money(x: float) -> str:
    return f"{x:,.0f}"


__all__ = ["prospect_table", "prospects"]
