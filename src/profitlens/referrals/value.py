"""Customer referral value (Kumar, Petersen & Leone 2007, 2010) and the value quadrant.

For every customer i, over the customers j it referred (DATA_CONTRACT.md section 5.3)::

    referral_value_i = sum_j  a * (profit_j + clv_profit_j) + (1 - a) * acquisition_saved_j

- a = ``referrals.attribution`` of the cost model (default 0.5): the share of j credited to
  the referral, the chance j would not have come otherwise;
- profit_j: j's profit to date (its ``customer_summary.profit``, acquisition cost included);
- clv_profit_j: j's expected future profit, already discounted at ``annual_discount_rate``
  over the lifetime-value horizon (0 when j has no lifetime value);
- acquisition_saved_j: for the share that would have come anyway, what winning j would have
  cost: the mean ``acquisition_cost`` of the customers of j's segment not won by referral (of
  all customers not won by referral when the segment has none; 0 when there are none).

Rewards paid to i are already in i's own P&L (``referral_cost``), so they are not deducted
again. ``value_quadrant`` crosses lifetime value (``clv_profit``; profit to date when no
lifetime-value model could be fitted) with referral value at their medians over all customers:
``champion`` (both above), ``affluent`` (lifetime value only), ``advocate`` (referral value
only), ``miser`` (neither). A value equal to its median counts as not above, so when most
customers referred no one (median referral value 0) only customers whose referrals are worth
something are advocates or champions.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from ..contract import MONEY_DECIMALS

QUADRANTS = ("champion", "affluent", "advocate", "miser")
_NO_SEGMENT = "(no segment)"


def acquisition_cost_saved(summary: ir.Table, referrals: ir.Table) -> ir.Table:
    """Mean acquisition cost of the customers not won by referral, per segment.

    Columns: segment_key (the segment, a placeholder for none), acquisition_saved. One more
    row, segment_key null, holds the mean over every such customer.
    """
    own = summary.anti_join(referrals, summary.customer_id == referrals.referred_id)
    key = own.segment.fill_null(_NO_SEGMENT)
    by_segment = own.group_by(segment_key=key).agg(acquisition_saved=own.acquisition_cost.mean())
    overall = own.aggregate(
        segment_key=ibis.null("string"), acquisition_saved=own.acquisition_cost.mean()
    )
    return by_segment.union(overall)


def referred_values(
    referrals: ir.Table, summary: ir.Table, clv: ir.Table | None, attribution: float
) -> ir.Table:
    """The value of each referral to its referrer.

    Parameters
    ----------
    referrals : ibis table
        Valid ``referrals`` rows (referrer_id, referred_id).
    summary : ibis table
        ``customer_summary`` (customer_id, segment, profit, acquisition_cost).
    clv : ibis table or None
        customer_id, clv_profit; None or missing customers count 0.
    attribution : float
        Share credited to the referral.

    Returns
    -------
    ibis table
        One row per referral: referrer_id, referred_id, profit_to_date, clv_profit,
        acquisition_saved, value.
    """
    saved = acquisition_cost_saved(summary, referrals)
    by_segment = saved.filter(saved.segment_key.notnull())
    overall = (
        saved.filter(saved.segment_key.isnull())
        .select(_all="acquisition_saved")
        .mutate(_one=ibis.literal(1))
    )
    j = summary.select(
        r_id="customer_id", r_profit="profit", r_segment=summary.segment.fill_null(_NO_SEGMENT)
    )
    rows = referrals.select("referrer_id", "referred_id", _one=ibis.literal(1))
    rows = rows.left_join(j, rows.referred_id == j.r_id).drop("r_id")
    rows = rows.left_join(by_segment, rows.r_segment == by_segment.segment_key)
    rows = rows.left_join(overall, "_one").drop("_one", "_one_right")
    if clv is not None:
        future = clv.select(c_id="customer_id", c_profit="clv_profit")
        rows = rows.left_join(future, rows.referred_id == future.c_id)
        clv_profit = rows.c_profit.fill_null(0.0)
    else:
        clv_profit = ibis.literal(0.0)
    profit = rows.r_profit.fill_null(0.0)
    acquisition = rows.acquisition_saved.fill_null(rows._all).fill_null(0.0)
    a = ibis.literal(float(attribution))
    out = rows.select(
        "referrer_id",
        "referred_id",
        profit_to_date=profit,
        clv_profit=clv_profit.cast("float64"),
        acquisition_saved=acquisition,
    )
    return out.mutate(
        value=a * (out.profit_to_date + out.clv_profit) + (1.0 - a) * out.acquisition_saved
    )


def customer_referral_value(values: ir.Table) -> ir.Table:
    """Referral value per referrer: customer_id, referrals_made, referral_value."""
    return values.group_by(customer_id=values.referrer_id).agg(
        referrals_made=values.count(), referral_value=values.value.sum().round(MONEY_DECIMALS)
    )


def value_quadrants(lifetime_value, referral_value) -> np.ndarray:
    """``champion``, ``affluent``, ``advocate`` or ``miser`` for each customer.

    Examples
    --------
    >>> value_quadrants([5, 1, 9, 0], [0, 30, 8, 0]).tolist()
    ['affluent', 'advocate', 'champion', 'miser']
    """
    lv = np.asarray(lifetime_value, dtype=float)
    rv = np.asarray(referral_value, dtype=float)
    if lv.size == 0:
        return np.array([], dtype=object)
    high_lv, high_rv = lv > np.median(lv), rv > np.median(rv)
    names = np.array(QUADRANTS, dtype=object)
    return names[np.where(high_lv, np.where(high_rv, 0, 1), np.where(high_rv, 2, 3))]


def referral_summary(
    summary: pd.DataFrame, by_referrer: pd.DataFrame, clv: pd.DataFrame | None
) -> pd.DataFrame:
    """The referral columns of ``customer_summary``.

    Parameters
    ----------
    summary : DataFrame
        customer_id, profit (to date), one row per customer.
    by_referrer : DataFrame
        :func:`customer_referral_value` rows.
    clv : DataFrame or None
        customer_id, clv_profit; None when no lifetime-value model was fitted.

    Returns
    -------
    DataFrame
        customer_id, referrals_made, referral_value, value_quadrant (one row per customer).
    """
    ids = summary["customer_id"].astype(str)
    made = by_referrer.set_index(by_referrer["customer_id"].astype(str))
    referral = made["referral_value"].reindex(ids).fillna(0.0).to_numpy(float)
    count = made["referrals_made"].reindex(ids).fillna(0).to_numpy(np.int64)
    if clv is None or clv.empty:
        lifetime = summary["profit"].to_numpy(float)
    else:
        lifetime = (
            clv.set_index(clv["customer_id"].astype(str))["clv_profit"]
            .reindex(ids)
            .fillna(0.0)
            .to_numpy(float)
        )
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "referrals_made": count,
            "referral_value": referral,
            "value_quadrant": value_quadrants(lifetime, referral),
        }
    )
