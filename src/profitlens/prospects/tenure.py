"""What the company's customers earned month by month of tenure: the correction of the
constant-rate lifetime profit.

:mod:`.scoring` values a win as ``first margin + profit per month x A(hazard)``: one profit
rate and one churn hazard for the whole horizon. Both are averages over the tenures seen,
mostly a customer's first year, and a customer's profit need not stay level: customers that
turn unprofitable, write-offs when a business fails, a mix that shifts as the short-lived
leave (a constant hazard fitted to a mixture of customers leaving at different rates
understates how long the survivors stay). Those show in the history as the profit a cohort
makes in its m-th month of tenure.

For each group (segment) of the company's customers, over every tenure month m = 0, 1, ...
that at least ``min_customers`` of them have reached by the as-of date:

- the **cohort value**: sum over those months of d^m x (operating profit the customers made
  in their m-th month / customers that reached it), the ones gone counting as zero;
- the **constant-rate value** of the same customers over the same months: their mean first
  margin at m = 0, then ``profit per month x d^m (S(m - 1) + S(m)) / 2`` with the rates
  :mod:`.scoring` fits (weighted by months of tenure, ``S(t) = exp(-hazard t)``).

Their difference is added to each prospect's ``expected_lifetime_profit`` (a group the
customers do not have gets the difference over all customers). Months no cohort has reached
keep the constant-rate value. The correction is in money, not a ratio: a segment whose
customers lose money has no stable ratio. The month m of a customer counts once the as-of
period has reached it (periods other than months: no correction). Only customers won since the
P&L's first period count (:func:`observed_customers`): the early months of one won before it
are not in the data, and counting them as zero would read an extract's start as losses.
Customers without a segment form the group ``""`` (as prospects without one do); ``ALL`` is
every customer.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .model import GROUP

#: customers that must have reached a tenure month for it to be corrected
MIN_CUSTOMERS = 30
#: the key of the correction over all customers (not a segment's name)
ALL = "(all)"
NO_GROUP = ""


def _month_number(period: ir.StringValue) -> ir.IntegerValue:
    """Months since year 0 of a ``YYYY-MM`` period label."""
    return period.substr(0, 4).cast("int64") * 12 + period.substr(5, 2).cast("int64") - 1


def observed_customers(customer_pnl: ir.Table, customers: ir.Table, as_of: dt.date) -> ir.Table:
    """The customers whose every month of tenure up to ``as_of`` is in ``customer_pnl``: won
    on or before ``as_of`` and not before the P&L's first period (monthly P&L).

    Returns
    -------
    ibis table
        customer_id, group (the segment, ``NO_GROUP`` without one), start (the month number of
        the acquisition month, as :func:`_month_number`).
    """
    first = customer_pnl.aggregate(first=_month_number(customer_pnl.period).min())
    won = customers.filter(customers.acquired_on <= ibis.literal(as_of))
    won = won.select(
        "customer_id",
        group=(
            won[GROUP].cast("string").fill_null(NO_GROUP)
            if GROUP in won.columns
            else ibis.literal(NO_GROUP)
        ),
        start=won.acquired_on.year() * 12 + won.acquired_on.month() - 1,
    ).cross_join(first)
    return won.filter(won.start >= won.first).drop("first")


def cohort_profits(customer_pnl: ir.Table, customers: ir.Table, as_of: dt.date) -> pd.DataFrame:
    """Operating profit (profit before acquisition cost and referral rewards, as in
    :func:`.history.customer_outcomes`) by group and month of tenure, and
    how many customers of the group had reached each month by ``as_of`` (monthly P&L), over
    the :func:`observed_customers`.

    Returns
    -------
    DataFrame
        group, tenure (months since the acquisition month), customers, profit.
    """
    c = observed_customers(customer_pnl, customers, as_of).rename(c_id="customer_id")
    now = as_of.year * 12 + as_of.month - 1
    pnl = customer_pnl.mutate(at=_month_number(customer_pnl.period))
    joined = pnl.join(c, pnl.customer_id == c.c_id)
    profit = (
        joined.group_by(["group", (joined.at - joined.start).name("tenure")])
        .agg(profit=(joined.profit + joined.acquisition_cost + joined.referral_cost).sum())
        .execute()
    )
    reached = c.group_by(["group", (now - c.start).name("months")]).agg(n=c.c_id.count()).execute()
    rows = []
    for g, part in reached.groupby("group"):
        months, n = part["months"].to_numpy(), part["n"].to_numpy()
        for m in range(int(months.max()) + 1):
            rows.append((g, m, int(n[months >= m].sum())))
    frame = pd.DataFrame(rows, columns=["group", "tenure", "customers"])
    frame = frame.merge(profit, on=["group", "tenure"], how="left").fillna({"profit": 0.0})
    return frame.astype({"group": object, "tenure": int, "customers": int, "profit": float})


def tenure_correction(
    cohorts: pd.DataFrame,
    values: pd.DataFrame,
    annual_discount_rate: float,
    horizon_months: int,
    min_customers: int = MIN_CUSTOMERS,
) -> dict[str, float]:
    """Cohort value less constant-rate value of each group (and ``ALL``: all customers).

    Parameters
    ----------
    cohorts : DataFrame
        :func:`cohort_profits`.
    values : DataFrame
        Per customer: group and ``scoring.value_rows``' first_margin, profit_rate, hazard,
        months.

    Examples
    --------
    A level customer (no first margin) earning 10 a month and never leaving: no correction;
    one whose profit falls to 0 after the first month loses the months after it.

    >>> cohorts = pd.DataFrame({"group": ["a"] * 3, "tenure": [0, 1, 2],
    ...                         "customers": [40] * 3, "profit": [0.0, 400.0, 400.0]})
    >>> values = pd.DataFrame({"group": ["a"], "first_margin": [0.0], "profit_rate": [10.0],
    ...                        "hazard": [0.0], "months": [2.0]})
    >>> tenure_correction(cohorts, values, 0.0, 36)["a"]
    0.0
    >>> cohorts["profit"] = [0.0, 400.0, 0.0]
    >>> tenure_correction(cohorts, values, 0.0, 36)["a"]
    -10.0
    """
    discount = (1.0 + annual_discount_rate) ** (-np.arange(horizon_months + 1) / 12.0)
    out = {}
    for g, rows in [(ALL, values), *values.groupby("group")]:
        part = cohorts if g == ALL else cohorts[cohorts["group"] == g]
        part = part.groupby("tenure")[["customers", "profit"]].sum()
        part = part[(part.index <= horizon_months) & (part["customers"] >= min_customers)]
        if part.empty or rows.empty:
            continue
        weight = rows["months"].to_numpy(float)
        rate = float(np.sum(rows["profit_rate"] * weight) / np.sum(weight))
        hazard = float(np.clip(np.sum(rows["hazard"] * weight) / np.sum(weight), 0.0, None))
        alive = np.exp(-hazard * np.arange(horizon_months + 1))
        level = np.r_[rows["first_margin"].mean(), rate * 0.5 * (alive[:-1] + alive[1:])]
        m = part.index.to_numpy()
        cohort = part["profit"].to_numpy() / part["customers"].to_numpy()
        out[g] = float(np.sum(discount[m] * cohort) - np.sum(discount[m] * level[m]))
    return out
