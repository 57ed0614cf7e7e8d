"""The terminal summary of a run: what a finance person reads at a glance."""

from __future__ import annotations

from pathlib import Path

from rich.markup import escape
from rich.table import Table

from profitlens.io.outputs import DATABASE, read_output
from profitlens.report.headline import COST_OF_ACTIVITIES, headline

from .app import console


def money(value: float, currency: str | None = None) -> str:
    """``1,234.50 EUR`` with a minus sign that shows."""
    text = f"{value:,.2f}"
    return f"{text} {currency}" if currency else text


def print_summary(out: Path, info: dict) -> None:
    """Print headline figures, unused capacity, reconciliation and row conservation."""
    summary = read_output(
        out, "customer_summary", ["customer_id", "revenue", "profit", "rank", *COST_OF_ACTIVITIES]
    )
    usage = read_output(out, "resource_usage")
    h = headline(summary, usage, read_output(out, "reconciliation"))
    cur = info.get("currency")
    console.print(
        f"\n[bold]profitlens[/] as of {info['as_of']} · {h.customers:,} customers · "
        f"{len(info['periods'])} {info['period']}s · engine {info['engine']}"
    )
    console.print(
        f"  total profit      [bold]{money(h.profit, cur)}[/] on revenue {money(h.revenue, cur)}"
    )
    if h.top20_share is not None:
        console.print(f"  top 20% earn      [bold]{h.top20_share:.0%}[/] of total profit")
    console.print(
        f"  losing money      [bold]{h.loss_makers:,}[/] "
        f"customer{'' if h.loss_makers == 1 else 's'}, "
        f"[red]{money(h.loss, cur)}[/]"
    )
    status = "[green]OK[/]" if h.reconciled else "[bold red]NOT OK[/]"
    console.print(
        f"  reconciliation    {status} (every resource: charged to customers + "
        "pursuits + unused capacity = cost, each summed apart)"
    )
    table = Table(
        "resource",
        "cost",
        "used",
        "customers",
        "pursuits",
        "unused",
        title="Capacity over the run",
        title_justify="left",
    )
    for r in h.unused.itertuples():
        table.add_row(
            r.resource,
            money(r.cost),
            f"{r.utilisation:.0%}",
            money(r.customer_cost),
            money(r.pursuit_cost),
            money(r.unused_cost),
        )
    console.print(table)
    rows = Table(
        "table",
        "read",
        "used",
        "quarantined",
        title="Rows (read = used + quarantined)",
        title_justify="left",
    )
    for name, c in info["rows"].items():
        flag = "" if c["read"] == c["used"] + c["quarantined"] else " [red]≠[/]"
        rows.add_row(name, f"{c['read']:,}", f"{c['used']:,}", f"{c['quarantined']:,}{flag}")
    console.print(rows)
    if "incremental" in info:
        print_increment(info["incremental"])
    database = ", profitlens.duckdb" if DATABASE in info.get("files", ()) else ""
    console.print(f"Outputs in {out} (CSV, Parquet{database})")
    if (out / "report.html").exists():
        console.print(f"Report: [bold]{(out / 'report.html').resolve()}[/]")
    if "report_error" in info:
        console.print(
            f"[yellow]report.html not written[/] ({escape(info['report_error'])}); the "
            "output tables are written"
        )


def print_increment(increment: dict) -> None:
    """How much of each period an incremental run recomputed, and why all if it did."""
    shares = increment["recomputed"]
    if increment["full_because"]:
        console.print(
            f"Incremental: computed all {len(shares)} periods ({increment['full_because']})"
        )
        return
    whole = [p for p, share in shares.items() if share == 1]
    part = [p for p, share in shares.items() if 0 < share < 1]
    console.print(
        f"Incremental: recomputed {len(whole)} period{'' if len(whole) == 1 else 's'}"
        f" in full ({', '.join(whole) or 'none'}) and {len(part)} in part "
        f"({sum(shares[p] for p in part):.2f} periods' worth of customers); "
        f"{len(shares) - len(whole) - len(part)} reused"
    )
