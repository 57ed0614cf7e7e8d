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

from profitlens.contract import CATEGORIES
from profitlens.costmodel import CostModel
from profitlens.intermediate.sums import exact
from profitlens.periods import period_of

PURSUIT = "pursuit"
#: the P&L lines activities are charged to: acquisition, and one line per activity category
ACTIVITY_LINES = ("acquisition_cost", *(f"{category}_cost" for category in CATEGORIES))


def activity_definitions(model: CostModel) -> ir.Table:
    """One row per activity of the cost model: activity, category, base_minutes,
    minutes_per_unit."""
    rows = [
        (name, a.category, a.minutes, a.minutes_per_unit) for name, a in model.activities.items()
    ]
    frame = pd.DataFrame(rows, columns=["activity", "category", "base_minutes", "minutes_per_unit"])
    return ibis.memtable(
        frame,
        schema={
            "activity": "string",
            "category": "string",
            "base_minutes": "float64",
            "minutes_per_unit": "float64",
        },
    )


def activity_resources(model: CostModel) -> ir.Table:
    """One row per (activity, resource) the activity consumes."""
    rows = [(name, r) for name, a in model.activities.items() for r in a.resources]
    return ibis.memtable(
        pd.DataFrame(rows, columns=["activity", "resource"]),
        schema={"activity": "string", "resource": "string"},
    )


def resource_rates(model: CostModel, resource_costs: ir.Table, calendar: ir.Table) -> ir.Table:
    """One row per resource and period: cost, capacity_minutes and rate (cost per minute),
    the cost model's values replaced by ``resource_costs`` where it has the (period, resource)."""
    defaults = ibis.memtable(
        pd.DataFrame(
            [(n, r.cost, r.capacity_minutes) for n, r in model.resources.items()],
            columns=["resource", "base_cost", "base_capacity"],
        ),
        schema={"resource": "string", "base_cost": "float64", "base_capacity": "float64"},
    )
    grid = defaults.cross_join(calendar.select("period"))
    overrides = resource_costs.select(
        o_period="period", o_resource="resource", o_cost="cost", o_capacity="capacity_minutes"
    )
    joined = grid.left_join(
        overrides, (grid.period == overrides.o_period) & (grid.resource == overrides.o_resource)
    )
    cost = joined.o_cost.fill_null(joined.base_cost)
    capacity = joined.o_capacity.fill_null(joined.base_capacity)
    return joined.select(
        "resource", "period", cost=cost, capacity_minutes=capacity, rate=cost / capacity
    )


def activity_occurrences(activities: ir.Table, invoices: ir.Table, model: CostModel) -> ir.Table:
    """One row per activity occurrence with its minutes (contract section 3).

    Row activities take their ``minutes`` when given, else the activity's
    ``minutes + minutes_per_unit * quantity``; ``per: invoice`` activities happen once per invoice
    with quantity = its number of lines.

    Columns: activity, category, occurred_on, period, customer_id, prospect_id, minutes.
    """
    defs = activity_definitions(model)
    rows = row_occurrences(activities, model, defs)
    per_invoice = list(model.activities_per("invoice"))
    if per_invoice:
        inv = invoices.cross_join(defs.filter(defs.activity.isin(per_invoice)))
        rows = rows.union(
            inv.select(
                "activity",
                "category",
                occurred_on=inv.invoice_date,
                customer_id=inv.customer_id,
                prospect_id=ibis.null("string"),
                minutes=inv.base_minutes + inv.minutes_per_unit * inv.n_lines,
            )
        )
    return rows.mutate(period=period_of(rows.occurred_on, model.period))


def row_occurrences(
    activities: ir.Table, model: CostModel, definitions: ir.Table | None = None
) -> ir.Table:
    """The occurrences of the activity rows: activity, category, occurred_on, customer_id,
    prospect_id and minutes (its ``minutes`` when given, else the activity's
    ``minutes + minutes_per_unit * quantity``); no period, no ``per: invoice`` activities."""
    defs = activity_definitions(model) if definitions is None else definitions
    rows = activities.join(defs, "activity")
    return rows.select(
        "activity",
        "category",
        "occurred_on",
        "customer_id",
        "prospect_id",
        minutes=rows.minutes.fill_null(rows.base_minutes + rows.minutes_per_unit * rows.quantity),
    )


def owned_occurrences(occurrences: ir.Table, prospects: ir.Table) -> ir.Table:
    """The occurrences with their owner as ``customer_id``: the customer's own, or the customer
    the prospect became; null for a prospect that did not convert (a pursuit)."""
    won = prospects.select(p_prospect="prospect_id", p_customer="converted_customer_id")
    occ = occurrences.left_join(won, occurrences.prospect_id == won.p_prospect)
    return occ.mutate(customer_id=occ.customer_id.fill_null(occ.p_customer)).drop(
        "p_prospect", "p_customer"
    )


def charged_occurrences(owned: ir.Table, customers: ir.Table) -> ir.Table:
    """The P&L line each owned occurrence is charged to.

    A customer's ``sales`` activity before its ``acquired_on`` and every activity of the prospect
    that became the customer are ``acquisition_cost``; later sales are ``sales_cost``;
    ``service`` and ``fulfilment`` go to their lines; pursuits (no owner) are charged to no
    customer: line ``pursuit``.

    Parameters
    ----------
    owned : ibis table
        From :func:`owned_occurrences`.
    customers : ibis table
        Staged customers (``acquired_on``).

    Returns
    -------
    ibis table
        activity, period, customer_id, line, minutes: one row per occurrence.
    """
    acquired = customers.select(a_customer="customer_id", acquired_on="acquired_on")
    occ = owned.left_join(acquired, owned.customer_id == acquired.a_customer)
    line = ibis.cases(
        (occ.customer_id.isnull(), ibis.literal(PURSUIT)),
        (occ.prospect_id.notnull(), "acquisition_cost"),
        ((occ.category == "sales") & (occ.occurred_on < occ.acquired_on), "acquisition_cost"),
        else_=occ.category + "_cost",
    )
    return occ.select("activity", "period", "customer_id", line=line, minutes=occ.minutes)


def activity_rates(model: CostModel, rates: ir.Table) -> ir.Table:
    """Cost per minute of each activity in each period: the sum of its resources' rates.

    Columns: activity, period, rate.
    """
    uses = activity_resources(model).join(rates.select("resource", "period", "rate"), "resource")
    return uses.group_by(["activity", "period"]).agg(rate=uses.rate.sum())


def resource_minutes(owned: ir.Table, model: CostModel) -> ir.Table:
    """Minutes per resource and period, and how many of them went to lost pursuits.

    Parameters
    ----------
    owned : ibis table
        From :func:`owned_occurrences` (a pursuit has no owner).

    Returns
    -------
    ibis table
        resource, period, minutes, pursuit_minutes.
    """
    minutes = exact(owned.minutes)  # tens of millions of rows: summed the same every run
    by_activity = owned.group_by(["activity", "period"]).agg(
        minutes=minutes.sum(), pursuit_minutes=minutes.sum(where=owned.customer_id.isnull())
    )
    uses = by_activity.join(activity_resources(model), "activity")
    sums = uses.group_by(["resource", "period"]).agg(
        minutes=uses.minutes.sum(), pursuit_minutes=uses.pursuit_minutes.sum()
    )
    return sums.select(
        "resource",
        "period",
        minutes=sums.minutes.cast("float64"),
        pursuit_minutes=sums.pursuit_minutes.cast("float64").fill_null(0.0),
    )


def activity_charges(charged: ir.Table, rates: ir.Table) -> ir.Table:
    """What each customer's activities cost in each period, and the attention they asked for.

    Parameters
    ----------
    charged : ibis table
        From :func:`charged_occurrences`.
    rates : ibis table
        From :func:`activity_rates`.

    Returns
    -------
    ibis table
        One row per customer and period with activity (pursuits excluded): customer_id,
        period, one cost column per activity line (acquisition_cost, sales_cost, service_cost,
        fulfilment_cost: minutes times the activity's cost per minute), the minutes of each
        category after the win (sales_minutes, service_minutes, fulfilment_minutes), tickets
        (service occurrences) and own_occurrences (occurrences after the win). One aggregate
        over the occurrences gives both the P&L's activity lines and
        :func:`customer_activity`.
    """
    priced = charged.filter(charged.customer_id.notnull()).join(rates, ["activity", "period"])
    amount = priced.minutes * priced.rate
    costs = {line: amount.sum(where=priced.line == line) for line in ACTIVITY_LINES}
    minutes = {
        f"{category}_minutes": priced.minutes.sum(where=priced.line == f"{category}_cost")
        for category in CATEGORIES
    }
    sums = priced.group_by(["customer_id", "period"]).agg(
        **costs,
        **minutes,
        tickets=priced.count(where=priced.line == "service_cost"),
        own_occurrences=priced.count(where=priced.line != "acquisition_cost"),
    )
    return sums.mutate(**{c: sums[c].fill_null(0.0) for c in (*costs, *minutes)})


def customer_activity(charges: ir.Table) -> ir.Table:
    """Attention each customer asks for: minutes by category and period, and service contacts.

    Parameters
    ----------
    charges : ibis table
        From :func:`activity_charges`.

    Returns
    -------
    ibis table
        One row per customer and period with activity after the win: customer_id, period,
        sales_minutes, service_minutes, fulfilment_minutes, tickets (service occurrences).
    """
    own = charges.filter(charges.own_occurrences > 0)
    return own.select(
        "customer_id", "period", *(f"{category}_minutes" for category in CATEGORIES), "tickets"
    )
