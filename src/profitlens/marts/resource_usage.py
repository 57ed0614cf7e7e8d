"""resource_usage: one row per resource and period, reconciled to the cent."""

from __future__ import annotations

import ibis.expr.types as ir

from ..contract import MONEY_DECIMALS


def resource_usage(minutes: ir.Table, rates: ir.Table) -> ir.Table:
    """Consumption, charges and unused capacity of every resource in every period.

    Parameters
    ----------
    minutes : ibis table
        resource, period, minutes, pursuit_minutes (from ``allocation.resource_minutes``).
    rates : ibis table
        resource, period, cost, capacity_minutes, rate — every period of the calendar.

    Returns
    -------
    ibis table
        resource, period, cost, capacity_minutes, used_minutes, customer_cost, pursuit_cost,
        unused_cost, with customer_cost + pursuit_cost + unused_cost = cost. Unused cost is
        negative when the resource ran over its practical capacity.
    """
    used = minutes.rename(used_minutes="minutes")
    joined = rates.left_join(used, ["resource", "period"])
    used_m = joined.used_minutes.fill_null(0.0)
    pursuit_m = joined.pursuit_minutes.fill_null(0.0)
    customer_cost = ((used_m - pursuit_m) * joined.rate).round(MONEY_DECIMALS)
    pursuit_cost = (pursuit_m * joined.rate).round(MONEY_DECIMALS)
    out = joined.select(
        joined.resource,
        joined.period,
        cost=joined.cost.round(MONEY_DECIMALS),
        capacity_minutes=joined.capacity_minutes,
        used_minutes=used_m,
        customer_cost=customer_cost,
        pursuit_cost=pursuit_cost,
    )
    return out.mutate(
        unused_cost=(out.cost - out.customer_cost - out.pursuit_cost).round(MONEY_DECIMALS)
    )
