"""``profitlens import`` and ``profitlens init``: from a company's own exports to a first run."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from ..errors import ProfitlensError
from ..importer import import_data
from ..importer.check import validate_folder
from ..importer.init import write_starting_model
from .app import console

COSTMODEL_NOTE = {
    "copied": "costmodel.yaml copied from the mapping",
    "kept": "costmodel.yaml already there, kept",
    "kept, differs": "costmodel.yaml already there and different from the mapping's; kept "
    "(delete it to take the mapping's)",
}


def import_(
    source_dir: Path = typer.Argument(
        ...,
        help="Folder with the exported files (CSV, Parquet, "
        "JSON, Excel .xlsx); each is a table named by its file "
        "name without extension.",
    ),
    mapping: Path = typer.Option(
        ...,
        "--mapping",
        "-m",
        help="Mapping YAML: a SQL SELECT per "
        "contract table, and parsing help for dates and numbers.",
    ),
    out: Path = typer.Option(
        ...,
        "--out",
        "-o",
        help="Data folder to write (one .parquet per "
        "contract table; the contract tables it held are replaced).",
    ),
) -> None:
    """Build a data folder of the contract from a company's own exports.

    Example: profitlens import ./exports --mapping mapping.yaml --out ./data
    """
    result = import_data(source_dir, mapping, out)
    table = Table(
        "table", "rows", "values not parsed", title=f"Written to {out}", title_justify="left"
    )
    for name, rows in result.rows.items():
        unparsed = result.unparsed.get(name, {})
        table.add_row(
            f"{name}.parquet", f"{rows:,}", ", ".join(f"{c}: {n:,}" for c, n in unparsed.items())
        )
    console.print(table)
    if result.costmodel == "none":
        console.print(
            f"Next: [bold]profitlens init {out}[/] writes a starting costmodel.yaml "
            f"to fill in; then [bold]profitlens run {out}[/]."
        )
        return
    console.print(COSTMODEL_NOTE[result.costmodel])
    try:
        validation = validate_folder(out)
    except ProfitlensError as exc:
        console.print(f"[yellow]not validated yet[/]: {exc}")
        return
    print_validation(validation)
    console.print(f"Next: [bold]profitlens run {out} --out OUT_DIR[/]")


def print_validation(validation) -> None:
    """Rows read, used and quarantined per table, and the reasons."""
    rows = Table(
        "table",
        "read",
        "used",
        "quarantined",
        title=f"What profitlens run will use ({validation.quarantined_share:.2%} of "
        "rows quarantined)",
        title_justify="left",
    )
    for name, c in validation.rows.items():
        rows.add_row(name, f"{c['read']:,}", f"{c['used']:,}", f"{c['quarantined']:,}")
    console.print(rows)
    for r in validation.reasons.itertuples(index=False):
        console.print(f"  {r.table}: {r.rows:,} row{'' if r.rows == 1 else 's'} {r.reason}")


def init(
    data_dir: Path = typer.Argument(
        ..., help="Data folder of the contract (from `profitlens import` or written by hand)."
    ),
) -> None:
    """Write a starting costmodel.yaml for a data folder: its activities, placeholder resources
    and its periods, with a comment on every number saying where to find it. Never overwrites.

    Example: profitlens init ./data
    """
    path, summary = write_starting_model(data_dir)
    console.print(f"Wrote {path}: {summary}")
    console.print(f"Fill in every TODO (see the comments), then [bold]profitlens run {data_dir}[/]")
