"""reconciliation: every resource's cost against three sums computed apart from each other.

One row per resource and period. The cost charged to customers is added up from the P&L's own
activity charges, traced back to each resource (``cost_trace``); the cost of pursuits from the
minutes of prospects that did not convert; unused capacity from the minutes not used
(capacity - used) at the resource's cost per minute. None of them is the remainder of another,
so ``gap`` = charged + pursuits + unused - cost is zero only when the allocation put every
minute it counted on a customer or a pursuit, at the right rate: a check that can fail.
(``resource_usage.unused_cost`` is, by the contract's definition, cost - used minutes x rate.)
"""

from __future__ import annotations

import ibis.expr.types as ir

from profitlens.contract import MONEY_DECIMALS
from profitlens.intermediate.sums import exact_sum


def reconciliation(cost_trace: ir.Table, resource_usage: ir.Table) -> ir.Table:
    """Columns: resource, period, cost, charged_to_customers, pursuit_cost, unused_capacity, gap.

    Parameters
    ----------
    cost_trace : ibis table
        One row per customer, period, line, activity and resource with its ``cost``.
    resource_usage : ibis table
        resource, period, cost, capacity_minutes, used_minutes, pursuit_cost.
    """
    charged = cost_trace.group_by(["resource", "period"]).aggregate(
        charged_to_customers=exact_sum(cost_trace.cost)
    )
    usage = resource_usage.select(
        "resource", "period", "cost", "capacity_minutes", "used_minutes", "pursuit_cost"
    )
    joined = usage.left_join(charged, ["resource", "period"])
    per_minute = joined.cost / joined.capacity_minutes
    parts = {
        "charged_to_customers": joined.charged_to_customers.fill_null(0.0),
        "pursuit_cost": joined.pursuit_cost,
        "unused_capacity": (joined.capacity_minutes - joined.used_minutes) * per_minute,
    }
    gap = (
        parts["charged_to_customers"]
        + parts["pursuit_cost"]
        + parts["unused_capacity"]
        - joined.cost
    )
    return joined.select(
        "resource",
        "period",
        "cost",
        **{name: value.round(MONEY_DECIMALS) for name, value in parts.items()},
        gap=gap.round(MONEY_DECIMALS),
    )
