"""``scenario_comparison`` and ``scenario_totals``: the scenario's P&L against the base's.

Sums are added in fixed point (:func:`profitlens.intermediate.sums.exact_sum`), so a scenario that changes
nothing gives a change of exactly 0, whatever order the engine adds rows in.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import pandas as pd

from profitlens.intermediate.sums import exact_sum

from ..contract import MONEY_DECIMALS, PNL_COLUMNS

UNUSED = "unused_capacity"


def customer_totals(pnl: ir.Table, customers: ir.Table) -> ir.Table:
    """Lifetime P&L per customer (every customer, zeros without rows)."""
    sums = pnl.group_by("customer_id").agg(**{c: exact_sum(pnl[c]) for c in PNL_COLUMNS})
    base = customers.select("customer_id")
    joined = base.left_join(sums, "customer_id")
    return joined.select(base.customer_id, **{c: joined[c].fill_null(0.0) for c in PNL_COLUMNS})


def scenario_comparison(base: ir.Table, scenario: ir.Table) -> ir.Table:
    """One row per customer of either run: customer_id, base_profit, scenario_profit, change,
    and the change of every other P&L line (``<line>_change``); a customer missing from one
    run counts 0 there."""
    b = base.rename(**{f"b_{c}": c for c in PNL_COLUMNS})
    s = scenario.rename(**{f"s_{c}": c for c in PNL_COLUMNS}, s_id="customer_id")
    joined = b.outer_join(s, b.customer_id == s.s_id)
    ident = joined.customer_id.fill_null(joined.s_id)

    def side(prefix: str, column: str) -> ir.FloatingColumn:
        return joined[f"{prefix}_{column}"].fill_null(0.0)

    def change(column: str) -> ir.FloatingColumn:
        return (side("s", column) - side("b", column)).round(MONEY_DECIMALS)

    return joined.select(
        customer_id=ident,
        base_profit=side("b", "profit").round(MONEY_DECIMALS),
        scenario_profit=side("s", "profit").round(MONEY_DECIMALS),
        change=change("profit"),
        **{f"{c}_change": change(c) for c in PNL_COLUMNS if c != "profit"},
    )


def scenario_totals(base: dict[str, ir.Table], scenario: dict[str, ir.Table]) -> pd.DataFrame:
    """line, base, scenario, change: one row per P&L column (revenue .. profit) and
    unused_capacity, in statement order."""

    def totals(tables: dict[str, ir.Table]) -> pd.Series:
        pnl, usage = tables["customer_pnl"], tables["resource_usage"]
        parts = pnl.aggregate(**{c: exact_sum(pnl[c]) for c in PNL_COLUMNS}).execute()
        unused = usage.aggregate(u=exact_sum(usage.unused_cost)).execute()["u"]
        row = parts.iloc[0].fillna(0.0)
        row[UNUSED] = float(unused.fillna(0.0).iloc[0])
        return row.astype(float)

    b, s = totals(base), totals(scenario)
    lines = [*PNL_COLUMNS, UNUSED]
    frame = pd.DataFrame(
        {"line": lines, "base": b[lines].to_numpy(), "scenario": s[lines].to_numpy()}
    )
    frame["change"] = (frame["scenario"] - frame["base"]).round(MONEY_DECIMALS)
    return frame


def comparison_tables(base, scenario) -> dict[str, ir.Table]:
    """The two outputs of ``profitlens whatif`` from the base and scenario
    :class:`~profitlens.pipeline.stages.Contract`."""
    totals = [
        customer_totals(c.tables["customer_pnl"], c.staged.tables["customers"])
        for c in (base, scenario)
    ]
    frame = scenario_totals(base.tables, scenario.tables)
    return {
        "scenario_comparison": scenario_comparison(*totals),
        "scenario_totals": ibis.memtable(
            frame,
            schema={
                "line": "string",
                "base": "float64",
                "scenario": "float64",
                "change": "float64",
            },
        ),
    }
