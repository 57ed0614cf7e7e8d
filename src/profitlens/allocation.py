"""Time-driven activity-based costing (Kaplan & Anderson).

Every activity occurrence consumes minutes of each of its resources; a resource's minute costs
its period cost over its practical capacity. Minutes are summed first and priced once per
resource and period, so every resource reconciles: cost charged to customers + cost of pursuits
+ unused capacity = the resource's cost.
"""
from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from .contract import CATEGORIES
from .costmodel import CostModel
from .periods import period_of

PURSUIT = "pursuit"
#: the P&L lines activities are charged to: acquisition, and one line per activity category
ACTIVITY_LINES = ("acquisition_cost", *(f"{category}_cost" for category in CATEGORIES))


def activity_definitions(model: CostModel) -> ir.Table:
    """One row per activity of the cost model: activity, category, base_minutes,
    minutes_per_unit."""
    rows = [(name, a.category, a.minutes, a.minutes_per_unit)
            for name, a in model.activities.items()]
    frame = pd.DataFrame(rows, columns=["activity", "category", "base_minutes",
                                        "minutes_per_unit"])
    return ibis.memtable(frame, schema={"activity": "string", "category": "string",
                                        "base_minutes": "float64",
                                        "minutes_per_unit": "float64"})


def activity_resources(model: CostModel) -> ir.Table:
    """One row per (activity, resource) the activity consumes."""
    rows = [(name, r) for name, a in model.activities.items() for r in a.resources]
    return ibis.memtable(pd.DataFrame(rows, columns=["activity", "resource"]),
                         schema={"activity": "string", "resource": "string"})


def resource_rates(model: CostModel, resource_costs: ir.Table, calendar: ir.Table) -> ir.Table:
    """One row per resource and period: cost, capacity_minutes and rate (cost per minute),
    the cost model's values replaced by ``resource_costs`` where it has the (period, resource)."""
    defaults = ibis.memtable(
        pd.DataFrame([(n, r.cost, r.capacity_minutes) for n, r in model.resources.items()],
                     columns=["resource", "base_cost", "base_capacity"]),
        schema={"resource": "string", "base_cost": "float64", "base_capacity": "float64"})
    grid = defaults.cross_join(calendar.select("period"))
    overrides = resource_costs.select(
        o_period="period", o_resource="resource", o_cost="cost", o_capacity="capacity_minutes")
    joined = grid.left_join(overrides, (grid.period == overrides.o_period)
                            & (grid.resource == overrides.o_resource))
    cost = joined.o_cost.fill_null(joined.base_cost)
    capacity = joined.o_capacity.fill_null(joined.base_capacity)
    return joined.select("resource", "period", cost=cost, capacity_minutes=capacity,
                         rate=cost / capacity)


def activity_occurrences(activities: ir.Table, invoices: ir.Table, model: CostModel) -> ir.Table:
    """One row per activity occurrence with its minutes (contract section 3).

    Row activities take their ``minutes`` when given, else the activity's
    ``minutes + minutes_per_unit * quantity``; ``per: invoice`` activities happen once per invoice
    with quantity = its number of lines.

    Columns: activity, occurred_on, customer_id, prospect_id, quantity, minutes.
    """
    defs = activity_definitions(model)
    rows = activities.join(defs, "activity")
    rows = rows.select(
        "activity", "occurred_on", "customer_id", "prospect_id", "quantity",
        minutes=rows.minutes.fill_null(rows.base_minutes + rows.minutes_per_unit * rows.quantity))
    per_invoice = list(model.activities_per("invoice"))
    if not per_invoice:
        return rows
    inv = invoices.cross_join(defs.filter(defs.activity.isin(per_invoice)))
    charged = inv.select(
        "activity", occurred_on=inv.invoice_date, customer_id=inv.customer_id,
        prospect_id=ibis.null("string"), quantity=inv.n_lines.cast("float64"),
        minutes=inv.base_minutes + inv.minutes_per_unit * inv.n_lines)
    return rows.union(charged)


def charged_minutes(occurrences: ir.Table, customers: ir.Table, prospects: ir.Table,
                        model: CostModel) -> ir.Table:
    """Who bears the occurrences, and on which P&L line, summed per activity and period.

    A customer's ``sales`` activity before its ``acquired_on`` and every activity of the prospect
    that became the customer are ``acquisition_cost``; later sales are ``sales_cost``;
    ``service`` and ``fulfilment`` go to their lines; activities of prospects that did not
    convert are pursuits, charged to no customer (customer_id null, line ``pursuit``).

    Columns: activity, period, customer_id, line, minutes, occurrences (the activity's
    category is implied by its line for a customer's rows: ``<category>_cost``, or
    ``acquisition_cost`` for sales before the win).
    """
    defs = activity_definitions(model).select("activity", "category")
    occ = occurrences.join(defs, "activity")
    won = prospects.select(p_prospect="prospect_id", p_customer="converted_customer_id")
    occ = occ.left_join(won, occ.prospect_id == won.p_prospect)
    owner = occ.customer_id.fill_null(occ.p_customer)
    acquired = customers.select(a_customer="customer_id", acquired_on="acquired_on")
    occ = occ.mutate(owner=owner).left_join(acquired, owner == acquired.a_customer)
    line = (
        ibis.cases(
            (occ.owner.isnull(), ibis.literal(PURSUIT)),
            (occ.prospect_id.notnull(), "acquisition_cost"),
            ((occ.category == "sales") & (occ.occurred_on < occ.acquired_on), "acquisition_cost"),
            else_=occ.category + "_cost",
        )
    )
    charged = occ.select("activity",
                         period=period_of(occ.occurred_on, model.period),
                         customer_id=occ.owner, line=line, minutes=occ.minutes)
    return charged.group_by(["activity", "period", "customer_id", "line"]).agg(
        minutes=charged.minutes.sum(), occurrences=charged.count())


def activity_rates(model: CostModel, rates: ir.Table) -> ir.Table:
    """Cost per minute of each activity in each period: the sum of its resources' rates.

    Columns: activity, period, rate.
    """
    uses = activity_resources(model).join(rates.select("resource", "period", "rate"), "resource")
    return uses.group_by(["activity", "period"]).agg(rate=uses.rate.sum())


def resource_minutes(charged: ir.Table, model: CostModel) -> ir.Table:
    """Minutes per resource and period, and how many of them went to lost pursuits.

    Columns: resource, period, minutes, pursuit_minutes.
    """
    pursuit = charged.line == PURSUIT
    by_activity = charged.group_by(["activity", "period"]).agg(
        minutes=charged.minutes.sum(),
        pursuit_minutes=charged.minutes.sum(where=pursuit).fill_null(0.0))
    uses = by_activity.join(activity_resources(model), "activity")
    return uses.group_by(["resource", "period"]).agg(
        minutes=uses.minutes.sum(), pursuit_minutes=uses.pursuit_minutes.sum())


def activity_costs(charged: ir.Table, rates: ir.Table) -> ir.Table:
    """Cost of the charged minutes: minutes times the activity's cost per minute, on its line.

    Parameters
    ----------
    charged : ibis table
        From :func:`charged_minutes`.
    rates : ibis table
        From :func:`activity_rates`.

    Returns
    -------
    ibis table
        customer_id, period and one column per activity line (acquisition_cost, sales_cost,
        service_cost, fulfilment_cost), one row per charged row (pursuits excluded); summed
        per customer and period by :func:`profitlens.marts.customer_pnl.customer_pnl`.
    """
    priced = charged.filter(charged.customer_id.notnull()).join(rates, ["activity", "period"])
    amount = priced.minutes * priced.rate
    return priced.select("customer_id", "period", **{
        line: ibis.ifelse(priced.line == line, amount, 0.0) for line in ACTIVITY_LINES})


def customer_activity(charged: ir.Table) -> ir.Table:
    """Attention each customer asks for: minutes by category and period, and service contacts.

    One row per customer and period with activity: customer_id, period, sales_minutes
    (after the win), service_minutes, fulfilment_minutes, tickets (service occurrences).
    """
    own = charged.filter(charged.customer_id.notnull() & (charged.line != "acquisition_cost"))
    zero = ibis.literal(0.0)
    service = own.line == "service_cost"
    return own.group_by(["customer_id", "period"]).agg(
        sales_minutes=ibis.ifelse(own.line == "sales_cost", own.minutes, zero).sum(),
        service_minutes=ibis.ifelse(service, own.minutes, zero).sum(),
        fulfilment_minutes=ibis.ifelse(own.line == "fulfilment_cost", own.minutes, zero).sum(),
        tickets=ibis.ifelse(service, own.occurrences, 0).sum(),
    )
