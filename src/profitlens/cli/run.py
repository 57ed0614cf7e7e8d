"""``profitlens run``: the customer P&L of a data folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from profitlens.guard.stop import terminated_as_exit
from profitlens.pipeline.stages import run as run_pipeline

from ..engine import data_location, is_uri
from ..errors import ContractError
from .app import app, console, user_errors
from .summary import print_summary


@app.command()
@user_errors
def run(
    data_dir: str = typer.Argument(
        ...,
        help="Folder with costmodel.yaml and the contract's tables "
        "(.csv or .parquet): a local path, or with --engine spark a URI "
        "such as s3a://bucket/company/.",
    ),
    out: str = typer.Option(
        "profitlens-output",
        "--out",
        "-o",
        help="Local output folder on the machine running profitlens (its "
        "earlier outputs are replaced; other files are kept).",
    ),
    as_of: dt.datetime = typer.Option(
        None,
        "--as-of",
        formats=["%Y-%m-%d"],
        help="As-of date YYYY-MM-DD; default the latest event.",
    ),
    engine: str = typer.Option("duckdb", help="duckdb (embedded) or spark (local or cluster)."),
    report: bool = typer.Option(True, help="Also write report.html in the output folder."),
    database: bool = typer.Option(
        True,
        help="Also write profitlens.duckdb, every output table in one file to query with "
        "SQL (a copy of the Parquet, 5-10% of a large run's time).",
    ),
    incremental: bool = typer.Option(
        False,
        "--incremental",
        help="Recompute only the cells (period x customer group) whose "
        "data changed since the last --incremental run into --out (e.g. a new month) and reuse "
        "the others; the first such run computes everything. DuckDB engine only.",
    ),
) -> None:
    """Compute every customer's profit and loss per period and write the outputs.

    Example: profitlens run ./data --out ./out --as-of 2026-03-31
    """
    data, out = data_location(data_dir), _local_output(out)
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with terminated_as_exit(), Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("starting", total=None)

        def stage(name: str) -> None:
            progress.update(task, description=name)

        info = run_pipeline(
            data,
            out,
            engine=engine,
            as_of=as_of.date() if as_of else None,
            progress=stage,
            report=report,
            incremental=incremental,
            database=database,
        )
    print_summary(out, info)


def _local_output(out: str) -> Path:
    """``--out`` as a local folder: outputs are written on the machine running profitlens (the
    Spark driver), never to a URI."""
    if is_uri(out):
        raise ContractError(
            f"--out {out}: outputs are written to a local folder on the machine "
            "running profitlens (the Spark driver); give a local path and copy "
            "the outputs to object storage afterwards"
        )
    return Path(out)
