"""A scenario applied to the staged data: the price change, the customers ended, and the
reducible resources cut by what the ended customers used.

The P&L of the scenario is then the same engine's (:func:`profitlens.pipeline.stages.contract_tables`)
on these tables and the merged cost model: there is no second implementation of the P&L.
"""

from __future__ import annotations

import dataclasses

import ibis
import ibis.expr.types as ir

from profitlens.intermediate import activity_costs as allocation
from profitlens.intermediate.invoices import invoices

from ..costmodel import CostModel
from ..errors import ScenarioError
from ..periods import calendar_table
from ..staging import Staged, stage_data
from .scenario import PriceChange, Scenario


def staging_key(model: CostModel) -> tuple:
    """What staging checks rows against: a scenario that changes it is staged again."""
    return (
        model.currency,
        model.period,
        sorted(model.resources),
        sorted((name, a.per) for name, a in model.activities.items()),
    )


def priced(lines: ir.Table, customers: ir.Table, change: PriceChange) -> ir.Table:
    """Invoice lines with revenue x (1 + the change of the customer's segment, else the
    default); cost unchanged."""
    if not change.by_segment:
        if change.default == 0:
            return lines
        return lines.mutate(revenue=lines.revenue * (1.0 + change.default))
    seg = customers.select(
        _c="customer_id",
        _change=customers.segment.substitute(change.by_segment, else_=change.default).cast(
            "float64"
        ),
    )
    joined = lines.left_join(seg, lines.customer_id == seg._c)
    factor = 1.0 + joined._change.fill_null(change.default)
    return joined.mutate(revenue=joined.revenue * factor).drop("_c", "_change")


def check_customers(customers: ir.Table, ids: list[str], source) -> None:
    """Every id of ``end_customers`` is a (valid) customer of the data."""
    if not ids:
        return
    found = set(customers.filter(customers.customer_id.isin(ids)).customer_id.execute())
    unknown = [c for c in ids if c not in found]
    if unknown:
        raise ScenarioError(
            f"{source}: end_customers: unknown customer {unknown[0]!r}"
            + (f" (and {len(unknown) - 1} more)" if len(unknown) > 1 else "")
            + "; expected customer ids of the data's customers table"
        )


def without(t: dict[str, ir.Table | None], ids: list[str]) -> dict[str, ir.Table | None]:
    """The tables with the rows of customers ``ids`` removed: the customers, their invoice
    lines and the payments of those invoices, their activities and those of the pursuits that
    won them, those prospects, their commissions and the referrals they made."""

    def keep(column: ir.Column) -> ir.BooleanColumn:
        return ~column.isin(ids).fill_null(False)

    out = dict(t)
    lines = t["invoice_lines"]
    gone = lines.filter(~keep(lines.customer_id)).select("invoice_id").distinct()
    out["invoice_lines"] = lines.filter(keep(lines.customer_id))
    out["payments"] = t["payments"].anti_join(gone, "invoice_id")
    out["customers"] = t["customers"].filter(keep(t["customers"].customer_id))
    prospects = t["prospects"]
    won = prospects.filter(~keep(prospects.converted_customer_id)).select("prospect_id")
    out["prospects"] = prospects.filter(keep(prospects.converted_customer_id))
    acts = t["activities"]
    out["activities"] = acts.filter(keep(acts.customer_id)).anti_join(won, "prospect_id")
    if t["commissions"] is not None:
        out["commissions"] = t["commissions"].filter(keep(t["commissions"].customer_id))
    out["referrals"] = t["referrals"].filter(keep(t["referrals"].referrer_id))
    return out


def cut_resources(
    t: dict[str, ir.Table | None], ids: list[str], model: CostModel, calendar
) -> ir.Table:
    """``resource_costs`` with every reducible resource cut, per period, by what customers
    ``ids`` used of it: cost - minutes x rate and capacity - minutes, so its cost per minute
    (and every other customer's charge) stays. A non-reducible resource keeps its cost; the
    minutes freed become unused capacity. A reducible resource the ended customers used to
    its whole capacity or beyond is cut to no cost (and one minute of capacity)."""
    mine = {
        name: table.filter(table.customer_id.isin(ids))
        for name, table in (("activities", t["activities"]), ("invoice_lines", t["invoice_lines"]))
    }
    occurrences = allocation.activity_occurrences(
        mine["activities"].union(
            t["activities"].filter(
                t["activities"].prospect_id.isin(
                    t["prospects"]
                    .filter(t["prospects"].converted_customer_id.isin(ids))
                    .prospect_id
                )
            )
        ),
        invoices(mine["invoice_lines"], model.payment_terms_days),
        model,
    )
    owned = allocation.owned_occurrences(occurrences, t["prospects"])
    used = allocation.resource_minutes(owned.filter(owned.customer_id.isin(ids)), model)
    reducible = [name for name, r in model.resources.items() if r.reducible]
    rates = allocation.resource_rates(model, t["resource_costs"], calendar_table(calendar))
    cut = rates.filter(rates.resource.isin(reducible)).join(
        used.select("resource", "period", "minutes"), ["resource", "period"]
    )
    left = cut.capacity_minutes - cut.minutes
    cut = cut.select(
        "period",
        "resource",
        cost=ibis.ifelse(left > 0, cut.cost - cut.minutes * cut.rate, 0.0),
        capacity_minutes=ibis.greatest(left, ibis.literal(1.0)),
    )
    kept = t["resource_costs"].anti_join(cut, ["period", "resource"])
    return kept.select("period", "resource", "cost", "capacity_minutes").union(
        cut.select(
            "period",
            "resource",
            cost=cut.cost.cast("float64"),
            capacity_minutes=cut.capacity_minutes.cast("float64"),
        )
    )


def scenario_staged(
    staged: Staged, model: CostModel, scenario: Scenario, data_dir, calendar, source
) -> Staged:
    """The staged data of the scenario: staged again when the scenario changes what staging
    checks (currency, period, the names of resources and activities), then priced and with
    the ended customers removed."""
    if staging_key(model) != staging_key(staged.model):
        staged = stage_data(data_dir, staged.con, model, staged.as_of)
    else:
        staged = dataclasses.replace(staged, model=model)
    t = dict(staged.tables)
    check_customers(t["customers"], scenario.end_customers, source)
    t["invoice_lines"] = priced(t["invoice_lines"], t["customers"], scenario.price_change)
    if scenario.end_customers:
        ids = scenario.end_customers
        costs = cut_resources(t, ids, model, calendar)
        t = without(t, ids)
        t["resource_costs"] = costs
    return dataclasses.replace(staged, tables=t)
