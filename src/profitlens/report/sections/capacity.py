"""Section on resources: what their cost was spent on, unused capacity, reconciliation."""

from __future__ import annotations

from .. import charts, figures
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, lead, paragraph, register

_USAGE_COLUMNS = [
    "resource",
    "period",
    "cost",
    "capacity_minutes",
    "used_minutes",
    "customer_cost",
    "pursuit_cost",
    "unused_cost",
]


@register("capacity", "Resource use and unused capacity", requires=("resource_usage",), order=80)
def capacity(ctx: ReportContext) -> str | None:
    """Stacked customer / pursuit / unused cost per resource and period, totals, reconciliation."""
    usage = ctx.folder.table("resource_usage", _USAGE_COLUMNS)
    if usage.empty:
        return None
    fmt = ctx.fmt
    usage = usage.assign(period=usage["period"].astype(str))
    totals = figures.resource_totals(usage)
    cost = totals["cost"].sum()
    share = (lambda x: x / cost) if cost else (lambda x: float("nan"))
    message = (
        f"Resources cost {signed(fmt.money(cost))} over "
        f"{fmt.count(usage['period'].nunique())} periods: "
        f"{signed(fmt.money(totals['customer_cost'].sum()))} "
        f"({fmt.percent(share(totals['customer_cost'].sum()))}) charged to customers, "
        f"{signed(fmt.money(totals['pursuit_cost'].sum()))} to pursuits of prospects "
        f"that did not convert, and {signed(fmt.money(totals['unused_cost'].sum()))} "
        f"({fmt.percent(share(totals['unused_cost'].sum()))}) of unused capacity."
    )
    chart = ctx.chart(
        charts.capacity_chart(figures.capacity_by_period(usage), fmt.currency),
        "Cost per resource and period split into customers, pursuits and unused",
    )
    table = html_table(
        totals,
        [
            Column("resource", "Resource", str, numeric=False),
            Column("cost", "Cost", fmt.number),
            Column("customer_cost", "Customers", fmt.number),
            Column("pursuit_cost", "Pursuits", fmt.number),
            Column("unused_cost", "Unused", fmt.number),
            Column("capacity_minutes", "Capacity (min)", fmt.count),
            Column("used_minutes", "Used (min)", fmt.count),
            Column("utilisation", "Utilisation", fmt.percent),
        ],
        caption=f"Totals over all periods, {fmt.currency}",
    )
    over = usage[usage["unused_cost"] < -figures.CENT]
    notes = [
        paragraph(
            "Unused capacity is a resource's cost less the minutes consumed at its cost per minute; "
            "it is negative when a resource ran over its practical capacity."
        )
    ]
    if not over.empty:
        notes.append(
            paragraph(
                f"{plural(len(over), 'resource-period')} ran over capacity, by "
                f"{fmt.money(-over['unused_cost'].sum())} in total."
            )
        )
    return lead(message) + chart + table + "".join(notes) + _reconciliation(ctx)


def _reconciliation(ctx: ReportContext) -> str:
    if not ctx.folder.has("reconciliation"):
        return ""
    fmt, recon = ctx.fmt, figures.reconciliation(ctx.folder.table("reconciliation"))
    bad = recon[~recon["ok"]]
    if bad.empty:
        return (
            '<p class="status ok"><b>Reconciled.</b> In all '
            f"{fmt.count(len(recon))} resource-periods, cost charged to customers + cost of "
            "pursuits + unused capacity equals the resource's cost to the cent.</p>"
        )
    head = (
        f'<p class="status bad"><b>Not reconciled.</b> {fmt.count(len(bad))} of '
        f"{fmt.count(len(recon))} resource-periods differ from the resource's cost by more "
        f"than half a cent (largest gap {fmt.money(bad['gap'].abs().max())}).</p>"
    )
    worst = bad.reindex(bad["gap"].abs().sort_values(ascending=False).index).head(20)
    return head + html_table(
        worst,
        [
            Column("resource", "Resource", str, numeric=False),
            Column("period", "Period", str, numeric=False),
            Column("cost", "Cost", fmt.number),
            Column("gap", "Customers + pursuits + unused − cost", fmt.number),
        ],
    )
