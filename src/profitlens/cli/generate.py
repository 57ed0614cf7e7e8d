"""``profitlens generate``: write a synthetic company (data folder + planted truth)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..generate import generate_company
from .app import console


def generate(
    out_dir: Path = typer.Argument(..., help="Folder to write the data (and truth/) into."),
    customers: int = typer.Option(1000, "--customers", min=1, help="Number of customers."),
    months: int = typer.Option(
        24, "--months", min=1, help="Months of data; the as-of date is the last day of the last."
    ),
    seed: int = typer.Option(0, "--seed", help="Random seed: same seed, same bytes."),
    prospects: int | None = typer.Option(
        None, "--prospects", min=0, help="Number of prospects; default 40 percent of customers."
    ),
    format: str = typer.Option("parquet", "--format", help="parquet or csv."),
    dirty: float = typer.Option(
        0.0,
        "--dirty",
        min=0.0,
        max=0.99,
        help="Share of bad rows to plant in every table (listed in truth/dirty_rows).",
    ),
) -> None:
    """Write a synthetic company: contract tables, costmodel.yaml and the planted truth.

    Example: profitlens generate ./demo --customers 3000 --months 24 --seed 7
    """
    if format not in ("parquet", "csv"):
        raise typer.BadParameter("expected parquet or csv", param_hint="--format")
    columns = (
        TextColumn("generating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("customers"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("customers", total=customers)
        company = generate_company(
            out_dir,
            customers=customers,
            months=months,
            seed=seed,
            prospects=prospects,
            fmt=format,
            dirty=dirty,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    rows = ", ".join(f"{name} {n:,}" for name, n in company.rows.items())
    console.print(f"Wrote {out_dir} (as of {company.as_of}): {rows}.")
    if company.dirty_rows:
        console.print(
            f"Planted {company.dirty_rows:,} bad rows (truth/dirty_rows); "
            f"run with --as-of {company.as_of}."
        )
    console.print(f"Planted truth in {Path(out_dir) / 'truth'} (see README.md there).")
