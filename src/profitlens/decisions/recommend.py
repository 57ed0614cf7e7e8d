"""``recommendation`` and ``recommendation_reason``: the chosen option in plain words.

A reason names what the customer earns or loses a month and through what, its referrals, the
price rise that would make it break even and what ending would (not) save, e.g.
``loses 190 a month, mostly through service (230 a month); no referrals; a 14% price rise
breaks even (churn risk 14%)``. Amounts are in the cost model's currency, rounded to units.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costmodel import Decisions
from .options import choose

#: the cost lines a loss is put down to, as a reader calls them
DRIVERS = {
    "sales_cost": "sales effort",
    "service_cost": "service",
    "fulfilment_cost": "fulfilment",
    "credit_cost": "credit cost",
    "commission": "commission",
}


def _money(x: float) -> str:
    return f"{x:,.0f}"


def _reason(row, chosen: str, settings: Decisions) -> str:
    if row.alive_months < 1:
        return (
            "less than a month of business expected over the horizon (it has most likely "
            "left); nothing to gain by acting"
        )
    parts = []
    if round(row.profit, 2) >= 0:
        parts.append(f"earns {_money(row.profit)} a month")
        if chosen == "keep" and row.monthly_saving > 0:
            parts.append(
                f"serving it differently ({row.substitutions}) would save "
                f"{_money(row.monthly_saving)} a month"
            )
        return "; ".join(parts)
    driver = max(DRIVERS, key=lambda c: getattr(row, c))
    parts.append(
        f"loses {_money(-row.profit)} a month, mostly through {DRIVERS[driver]} "
        f"({_money(getattr(row, driver))} a month)"
    )
    parts.append(
        "no referrals"
        if row.referrals_made == 0
        else f"referred {int(row.referrals_made)} customer"
        f"{'s' if row.referrals_made != 1 else ''} worth {_money(row.referral_value)}"
    )
    if np.isfinite(row.churn_risk):
        parts.append(
            f"a {row.price_change:.0%} price rise breaks even (churn risk {row.churn_risk:.0%})"
        )
    else:
        parts.append(f"no price rise up to {settings.max_price_rise:.0%} breaks even")
    if row.moved_rows > 0:
        parts.append(
            f"serving it differently ({row.substitutions}) saves "
            f"{_money(row.monthly_saving)} a month"
        )
    if row.fixed_cost > 0:
        parts.append(
            f"ending saves only {_money(row.reducible_cost)} of its "
            f"{_money(row.activity_cost)} activity cost a month: the rest is on "
            "resources that are not reduced"
        )
    if chosen == "keep" and row.referral_value_lost > 0 and row.npv_end < row.npv_keep:
        parts.append("its referrals are worth more than ending would save")
    return "; ".join(parts)


def recommendations(values: pd.DataFrame, settings: Decisions) -> pd.DataFrame:
    """customer_id, recommendation, recommendation_reason of :func:`option_values` rows."""
    chosen = choose(values)
    profit = values["profit"].to_numpy(float)
    simple = (
        (np.round(profit, 2) >= 0)
        & (values["alive_months"].to_numpy(float) >= 1)
        & ~(values["monthly_saving"].to_numpy(float) > 0)
    )
    reasons = np.array([f"earns {_money(x)} a month" for x in profit], dtype=object)
    rest = ~simple
    reasons[rest] = [
        _reason(row, option, settings)
        for row, option in zip(values.loc[rest].itertuples(index=False), chosen[rest])
    ]
    return pd.DataFrame(
        {
            "customer_id": values["customer_id"].to_numpy(),
            "recommendation": chosen,
            "recommendation_reason": reasons,
        }
    )
