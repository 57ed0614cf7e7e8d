"""What the decisions are computed from: each customer's recent run rate, split by what a
decision can change.

For every customer, over the recent window (the last ``decisions.recent_periods`` P&L periods
through the as-of period, from the customer's acquisition period when later), the mean per
month of:

- ``revenue``, ``cogs``, ``commission``, ``credit_cost`` and ``margin`` = revenue - cogs -
  commission - credit_cost: what comes and goes with the customer;
- ``activity_cost`` = sales + service + fulfilment cost (activity-based, TDABC), of which
  ``fixed_cost`` lies on resources marked ``reducible: false`` (their cost stays when the use
  stops) and ``reducible_cost`` the rest;
- with ``serve_differently`` substitutions in the cost model: ``moved_cost`` and
  ``moved_reducible`` (what the customer's rows of the substituted activities cost, in all
  and on reducible resources), ``new_cost`` and ``new_reducible`` (what the same rows would
  cost as the activities they move to, by those activities' time equations, priced with the
  same TDABC rates per resource and period), ``moved_rows`` (how many rows) and
  ``substitutions`` (the substitutions used, with their rows).

Acquisition cost is left out: it is sunk. Referral rewards are left out: they pay for new
customers, not for serving this one.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.intermediate import activity_costs as allocation

from ..contract import CATEGORIES
from ..costmodel import CostModel
from ..periods import calendar_table, period_of

MONTHS_PER_PERIOD = {"month": 1, "quarter": 3}
SERVICE_LINES = tuple(f"{category}_cost" for category in CATEGORIES)
PNL_PARTS = ("revenue", "cogs", "commission", "credit_cost", *SERVICE_LINES)


def recent_periods(calendar: pd.DataFrame, count: int) -> list[str]:
    """The last ``count`` periods of the run's calendar."""
    return calendar["period"].tolist()[-count:]


def recent_pnl(
    customer_pnl: ir.Table, customers: ir.Table, periods: list[str], period_kind: str
) -> ir.Table:
    """Mean per month of the P&L parts over each customer's periods of the recent window.

    Columns: customer_id, months (months of the window the customer had: from its acquisition
    period, at least one period), and :data:`PNL_PARTS` per month. One row per customer.
    """
    pnl = customer_pnl.filter(customer_pnl.period.isin(periods))
    sums = pnl.group_by("customer_id").agg(**{c: pnl[c].sum() for c in PNL_PARTS})
    first = ibis.literal(periods[0])
    start = ibis.greatest(period_of(customers.acquired_on, period_kind), first)
    index = ibis.memtable(
        pd.DataFrame({"p": periods, "i": range(len(periods))}), schema={"p": "string", "i": "int64"}
    )
    c = customers.select("customer_id", _start=start)
    c = c.left_join(index, c._start == index.p)
    # acquired after the window's last period (or at none of its periods): one period
    had = (ibis.literal(len(periods)) - c.i.fill_null(len(periods) - 1)).cast("float64")
    months = ibis.greatest(had, ibis.literal(1.0)) * MONTHS_PER_PERIOD[period_kind]
    base = c.select("customer_id", months=months)
    joined = base.left_join(sums, base.customer_id == sums.customer_id)
    return joined.select(
        base.customer_id,
        base.months,
        **{p: joined[p].fill_null(0.0) / joined.months for p in PNL_PARTS},
    )


def _served(charged: ir.Table, periods: list[str]) -> ir.Table:
    """Charged occurrences of customers after the win, in the recent window."""
    return charged.filter(
        charged.customer_id.notnull()
        & (charged.line != "acquisition_cost")
        & charged.period.isin(periods)
    )


def _charged_cost(
    charged: ir.Table, model: CostModel, rates: ir.Table, resources: list[str] | None, name: str
) -> ir.Table:
    """customer_id, ``name``: what the occurrences cost on ``resources`` (all when None)."""
    if resources is not None:
        rates = rates.filter(rates.resource.isin(resources))
    charges = allocation.activity_charges(charged, allocation.activity_rates(model, rates))
    return charges.group_by("customer_id").agg(
        **{name: sum(charges[c] for c in SERVICE_LINES).sum()}
    )


def fixed_costs(contract, model: CostModel, rates: ir.Table, periods: list[str]) -> ir.Table:
    """customer_id, fixed_cost: the recent activity cost on non-reducible resources (sum)."""
    t = contract.staged.tables
    occurrences = allocation.activity_occurrences(t["activities"], contract.invoices, model)
    owned = allocation.owned_occurrences(occurrences, t["prospects"])
    charged = _served(allocation.charged_occurrences(owned, t["customers"]), periods)
    fixed = [name for name, r in model.resources.items() if not r.reducible]
    return _charged_cost(charged, model, rates, fixed, "fixed_cost")


def moved_costs(contract, model: CostModel, rates: ir.Table, periods: list[str]) -> ir.Table:
    """customer_id, moved_rows, moved_cost, moved_reducible, new_cost, new_reducible (sums),
    and ``_moved<i>``: the rows of the i-th substitution of ``serve_differently``."""
    t = contract.staged.tables
    moves = model.serve_differently
    rows = t["activities"].filter(
        t["activities"].activity.isin(list(moves)) & t["activities"].customer_id.notnull()
    )
    moved = rows.mutate(activity=rows.activity.substitute(moves), minutes=ibis.null("float64"))
    row_model = model.model_copy(update={"activities": model.activities_per("row")})
    reducible = [name for name, r in model.resources.items() if r.reducible]
    out = None
    for prefix, table in (("moved", rows), ("new", moved)):
        occurrences = allocation.activity_occurrences(table, contract.invoices, row_model)
        charged = _served(allocation.charged_occurrences(occurrences, t["customers"]), periods)
        if out is None:
            out = charged.group_by("customer_id").agg(
                moved_rows=charged.count(),
                **{
                    f"_moved{i}": charged.count(where=charged.activity == old)
                    for i, old in enumerate(moves)
                },
            )
        for part in (
            _charged_cost(charged, model, rates, None, f"{prefix}_cost"),
            _charged_cost(charged, model, rates, reducible, f"{prefix}_reducible"),
        ):
            out = out.left_join(part, "customer_id").drop("customer_id_right")
    return out


def substitutions_used(sums: pd.DataFrame, moves: dict[str, str]) -> pd.Series:
    """``3 site_visit -> video_call``: each substitution a customer has rows for, with how
    many rows it moves (from the ``_moved<i>`` counts of :func:`moved_costs`)."""
    parts = [
        np.where(
            sums[f"_moved{i}"].to_numpy() > 0,
            [f"{int(n)} {old} -> {new}" for n in sums[f"_moved{i}"]],
            "",
        )
        for i, (old, new) in enumerate(moves.items())
    ]
    text = [", ".join(p for p in row if p) or None for row in zip(*parts)]
    return pd.Series(text, index=sums.index, dtype=object)


def decision_inputs(contract, model: CostModel) -> pd.DataFrame:
    """One row per customer: months, the :data:`PNL_PARTS` per month, and ``fixed_cost`` and
    the ``serve_differently`` figures per month (0 without them). See the module docstring."""
    t = contract.staged.tables
    periods = recent_periods(contract.calendar, model.decisions.recent_periods)
    frame = recent_pnl(
        contract.tables["customer_pnl"], t["customers"], periods, model.period
    ).execute()
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame = frame.set_index("customer_id")
    rates = allocation.resource_rates(model, t["resource_costs"], calendar_table(contract.calendar))
    extra = []
    if any(not r.reducible for r in model.resources.values()):
        extra.append(fixed_costs(contract, model, rates, periods))
    if model.serve_differently:
        extra.append(moved_costs(contract, model, rates, periods))
    for table in extra:
        sums = table.execute()
        sums = sums.set_index(sums["customer_id"].astype(str)).drop(columns="customer_id")
        if "moved_rows" in sums:
            frame["substitutions"] = substitutions_used(sums, model.serve_differently).reindex(
                frame.index
            )
            sums = sums.drop(columns=[c for c in sums.columns if c.startswith("_moved")])
        for column in sums.columns:
            value = sums[column].reindex(frame.index).fillna(0.0).astype(float)
            frame[column] = value if column == "moved_rows" else value / frame["months"]
    for column in (
        "fixed_cost",
        "moved_rows",
        "moved_cost",
        "moved_reducible",
        "new_cost",
        "new_reducible",
    ):
        if column not in frame:
            frame[column] = 0.0
    if "substitutions" not in frame:
        frame["substitutions"] = None
    frame["margin"] = frame["revenue"] - frame["cogs"] - frame["commission"] - frame["credit_cost"]
    frame["activity_cost"] = frame[list(SERVICE_LINES)].sum(axis=1)
    frame["reducible_cost"] = frame["activity_cost"] - frame["fixed_cost"]
    return frame.reset_index()
