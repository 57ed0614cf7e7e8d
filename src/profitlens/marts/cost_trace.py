"""cost_trace: where every activity-costed P&L amount came from.

One row per customer, period, P&L line, activity and resource: the minutes the customer's
occurrences of the activity took in the period, the resource's cost per minute then, and their
product. Summed over activities and resources, a (customer, period, line) gives the P&L's
``acquisition_cost``, ``sales_cost``, ``service_cost`` or ``fulfilment_cost`` (contract
section 5.6): the P&L prices an occurrence at minutes x the sum of its activity's resource rates,
the trace splits that sum back into its resources.

Rounding: like every amount of the outputs, ``cost`` is written to the millionth; a trace row is
therefore within half a millionth of minutes x cost_per_minute, and the trace rows of a
(customer, period, line) add up to the P&L line within half a millionth per row, far inside a
cent. Minutes are summed in fixed point (:func:`profitlens.intermediate.sums.exact`), so a rerun writes the
same trace.
"""

from __future__ import annotations

import ibis.expr.types as ir

from profitlens.intermediate.activity_costs import activity_resources
from profitlens.intermediate.sums import exact

from ..costmodel import CostModel

COLUMNS = (
    "customer_id",
    "period",
    "line",
    "activity",
    "resource",
    "minutes",
    "cost_per_minute",
    "cost",
)


def cost_trace(charged: ir.Table, rates: ir.Table, model: CostModel) -> ir.Table:
    """The activity-level costing of every customer's P&L lines.

    Parameters
    ----------
    charged : ibis table
        From :func:`profitlens.intermediate.activity_costs.charged_occurrences`: activity, period, customer_id,
        line, minutes (one row per occurrence; pursuits, with no customer, are left out).
    rates : ibis table
        From :func:`profitlens.intermediate.activity_costs.resource_rates`: resource, period, rate.
    model : CostModel
        Which resources each activity consumes.

    Returns
    -------
    ibis table
        customer_id, period, line (a P&L column: acquisition_cost, sales_cost, service_cost or
        fulfilment_cost), activity, resource, minutes, cost_per_minute, cost = minutes x
        cost_per_minute.

    Examples
    --------
    >>> import ibis
    >>> from profitlens.costmodel import cost_model_from_text
    >>> model = cost_model_from_text('''
    ... currency: EUR
    ... period: month
    ... resources:
    ...   sales_team: {cost: 6000, capacity_minutes: 6000}
    ...   field_vehicles: {cost: 600, capacity_minutes: 1200}
    ... activities:
    ...   site_visit: {category: sales, resources: [sales_team, field_vehicles], minutes: 120}
    ... ''', "costmodel.yaml")
    >>> charged = ibis.memtable({"activity": ["site_visit"], "period": ["2026-01"],
    ...                          "customer_id": ["A"], "line": ["acquisition_cost"],
    ...                          "minutes": [100.0]})
    >>> rates = ibis.memtable({"resource": ["sales_team", "field_vehicles"],
    ...                        "period": ["2026-01", "2026-01"], "rate": [1.0, 0.5]})
    >>> trace = cost_trace(charged, rates, model).order_by("resource").execute()
    >>> trace[["resource", "minutes", "cost_per_minute", "cost"]].to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'resource': 'field_vehicles', 'minutes': 100.0, 'cost_per_minute': 0.5, 'cost': 50.0},
     {'resource': 'sales_team', 'minutes': 100.0, 'cost_per_minute': 1.0, 'cost': 100.0}]
    """
    own = charged.filter(charged.customer_id.notnull())
    keys = ["customer_id", "period", "line", "activity"]
    minutes = own.group_by(keys).agg(minutes=exact(own.minutes).sum().cast("float64"))
    uses = minutes.join(activity_resources(model), "activity")
    priced = uses.join(rates.select("resource", "period", "rate"), ["resource", "period"])
    return priced.select(
        *keys, "resource", "minutes", cost_per_minute=priced.rate, cost=priced.minutes * priced.rate
    )
