"""``profitlens credit OUT_DIR``: the receivables aging report of an output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from profitlens.io.outputs import read_output

from ..credit.summaries import aging_by_bucket, ecl_by_segment, liability_list
from ..errors import ProfitlensError
from .app import console

RECEIVABLES = "receivables"
CUSTOMER_CREDIT = "customer_credit"
PROVISION_MATRIX = "provision_matrix"


def credit(
    out_dir: Path = typer.Argument(..., help="Output folder of `profitlens run`."),
    top: int = typer.Option(
        20, "--top", "-n", min=1, help="How many liable customers to list (largest exposure first)."
    ),
) -> None:
    """Print the receivables aging, expected credit loss by segment and the liability list.

    Open invoices are aged by days past due (current, 1-30, 31-60, 61-90, over 90); the
    expected credit loss applies the provision matrix (IFRS 9 simplified approach) estimated
    from the company's own payment and write-off history. A customer is a liability when
    it is overdue beyond the limit, its expected credit loss exceeds its expected margin, or
    its lateness is worsening.

    Example: profitlens credit ./out --top 10
    """
    receivables = read_output(out_dir, RECEIVABLES)
    customers = read_output(out_dir, CUSTOMER_CREDIT)
    info = _run_info(out_dir)
    currency = info.get("currency", "")
    buckets = _buckets(out_dir)
    as_of = f" as of {info['as_of']}" if "as_of" in info else ""
    console.print(f"\n[bold]Receivables{as_of}[/] ({currency or 'amounts'})")
    console.print(aging_table(aging_by_bucket(receivables, buckets)))
    console.print(segment_table(ecl_by_segment(receivables)))
    liable = liability_list(customers)
    if liable.empty:
        console.print("No customer is flagged as a liability.")
        return
    console.print(liability_table(liable.head(top), len(liable)))


def aging_table(aging: pd.DataFrame) -> Table:
    """A Rich table of :func:`aging_by_bucket`."""
    table = Table(title="Aging of open invoices", title_justify="left")
    for name in ("bucket", "invoices", "open balance", "share", "loss rate", "expected loss"):
        table.add_column(name, justify="left" if name == "bucket" else "right")
    for r in aging.itertuples(index=False):
        style = "bold" if r.bucket == "total" else None
        table.add_row(
            str(r.bucket),
            f"{int(r.invoices):,}",
            _money(r.open_balance),
            f"{r.share:.1%}",
            f"{r.loss_rate:.2%}",
            _money(r.expected_credit_loss),
            style=style,
        )
    return table


def segment_table(segments: pd.DataFrame) -> Table:
    """A Rich table of :func:`ecl_by_segment`."""
    table = Table(title="Expected credit loss by segment", title_justify="left")
    for name in ("segment", "customers", "exposure", "overdue", "expected loss", "coverage"):
        table.add_column(name, justify="left" if name == "segment" else "right")
    for r in segments.itertuples(index=False):
        table.add_row(
            str(r.segment),
            f"{int(r.customers):,}",
            _money(r.credit_exposure),
            _money(r.overdue_balance),
            _money(r.expected_credit_loss),
            f"{r.coverage:.2%}",
            style="bold" if r.segment == "total" else None,
        )
    return table


def liability_table(rows: pd.DataFrame, total: int) -> Table:
    """A Rich table of :func:`liability_list` rows."""
    table = Table(
        title=f"Liabilities: {len(rows)} of {total} customers, largest exposure first",
        title_justify="left",
    )
    for name, justify in (
        ("customer", "left"),
        ("segment", "left"),
        ("exposure", "right"),
        ("overdue", "right"),
        ("days past due", "right"),
        ("expected loss", "right"),
        ("expected margin", "right"),
        ("reasons", "left"),
    ):
        table.add_column(name, justify=justify)
    for r in rows.itertuples(index=False):
        table.add_row(
            str(r.customer_id),
            _text(r.segment),
            _money(r.credit_exposure),
            _money(r.overdue_balance),
            f"{int(r.max_days_past_due):,}",
            _money(r.expected_credit_loss),
            _money(r.expected_margin),
            _text(r.liability_reasons),
        )
    return table


def _run_info(out_dir: Path) -> dict:
    path = Path(out_dir) / "run_info.json"
    try:
        return json.loads(path.read_text()) if path.is_file() else {}
    except (OSError, ValueError):
        return {}


def _buckets(out_dir: Path) -> list[str] | None:
    """Bucket order from the provision matrix output, when written."""
    try:
        matrix = read_output(out_dir, PROVISION_MATRIX)
    except ProfitlensError:
        return None
    return list(matrix.sort_values("bucket_order")["bucket"].drop_duplicates())


def _money(x: float) -> str:
    return "" if x is None or pd.isna(x) else f"{x:,.2f}"


def _text(x) -> str:
    return "" if x is None or (isinstance(x, float) and pd.isna(x)) else str(x)


__all__ = ["credit", "aging_table", "segment_table", "liability_table"]
