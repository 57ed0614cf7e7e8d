"""Headline figures of a run, read from its output tables (shared by terminal and report)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from .figures import reconciliation

COST_OF_ACTIVITIES = ("acquisition_cost", "sales_cost", "service_cost", "fulfilment_cost")


@dataclass(frozen=True)
class Headline:
    """What a finance person reads first.

    Attributes
    ----------
    customers, revenue, profit
        Number of customers, total revenue and total profit.
    top20_share : float or None
        Share of total profit earned by the most profitable 20% of customers (None when total
        profit is zero).
    loss_makers, loss : int, float
        Customers with negative lifetime profit, and the sum of their losses (negative).
    unused : pandas.DataFrame
        Per resource: cost, customer_cost, pursuit_cost, unused_cost, utilisation over all periods.
    reconciled : bool
        Every resource and period: charged to customers + pursuits + unused capacity = cost (to
        the cent), each computed apart (the ``reconciliation`` output), and the cost of
        activities in the customer P&L = the cost charged to customers there.
    """

    customers: int
    revenue: float
    profit: float
    top20_share: float | None
    loss_makers: int
    loss: float
    unused: pd.DataFrame
    reconciled: bool


def headline(summary: pd.DataFrame, usage: pd.DataFrame, recon: pd.DataFrame) -> Headline:
    """Compute the headline from ``customer_summary``, ``resource_usage`` and
    ``reconciliation`` frames."""
    n = len(summary)
    ranked = summary.sort_values("rank")
    top = ranked.head(math.ceil(0.2 * n)) if n else ranked
    total = float(summary["profit"].sum())
    losers = summary[summary["profit"] < 0]
    by_resource = usage.groupby("resource")[
        ["cost", "used_minutes", "capacity_minutes", "customer_cost", "pursuit_cost", "unused_cost"]
    ].sum()
    by_resource["utilisation"] = by_resource["used_minutes"] / by_resource["capacity_minutes"]
    return Headline(
        customers=n,
        revenue=float(summary["revenue"].sum()),
        profit=total,
        top20_share=float(top["profit"].sum()) / total if total else None,
        loss_makers=len(losers),
        loss=float(losers["profit"].sum()),
        unused=by_resource.reset_index(),
        reconciled=reconciled(summary, recon),
    )


def reconciled(summary: pd.DataFrame, recon: pd.DataFrame) -> bool:
    """Whether every resource reconciles to the cent and the P&L holds all charged cost.

    ``recon`` is the ``reconciliation`` output: its three parts are computed apart, so their
    sum meets the resource's cost only when the allocation is right.
    """
    per_resource = bool(reconciliation(recon)["ok"].all())
    in_pnl = float(summary[list(COST_OF_ACTIVITIES)].to_numpy().sum())
    charged = float(recon["charged_to_customers"].sum())
    return per_resource and abs(in_pnl - charged) <= 0.01 + 1e-9 * abs(charged)
