"""Volume against attention: is a customer's revenue keeping up with the service it takes?

Over the same two windows as the profit bridge (prior and recent, see
:mod:`profitlens.trends.decomposition`), with ``R`` revenue and ``S`` service minutes:

- ``revenue_growth = R1 / R0 - 1`` (NaN when ``R0 <= 0``),
- ``service_minutes_growth = S1 / S0 - 1`` (NaN when ``S0 = 0``),
- ``revenue_per_service_minute = R1 / S1`` (NaN when ``S1 = 0``),
- ``revenue_per_service_minute_change = (R1 / S1) / (R0 / S0) - 1``, defined when
  ``R0 > 0``, ``S0 > 0`` and ``S1 > 0``; negative recent revenue counts as zero, so a customer who
  stopped buying but still calls support has a change of -100%. A customer who needed no service
  before (``S0 = 0``) has no prior rate to fall from and gets NaN.

``attention_flag`` marks the customers whose revenue per service minute falls fastest: a change
of at most ``-min_fall`` that is also among the ``flag_share`` lowest of all defined changes, for
customers with at least ``min_minutes`` service minutes in the recent window (a few minutes of
support are not a pattern).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.trends.decomposition import window_bounds
from profitlens.trends.series import period_index

SIGNAL_COLUMNS = (
    "revenue_growth",
    "service_minutes_growth",
    "revenue_per_service_minute",
    "revenue_per_service_minute_change",
    "attention_flag",
)


def customer_service_window_totals(
    customer_activity: ir.Table, periods: Sequence[str], as_of_period: str, window: int = 6
) -> ir.Table:
    """Service minutes over the prior and the recent window.

    Grain: one row per customer with any ``customer_activity`` row up to the as-of period.
    Columns: ``customer_id``, ``service_minutes_prior``, ``service_minutes_recent``.
    """
    prior_start, recent_start, end = window_bounds(periods, as_of_period, window)
    rows = customer_activity.join(period_index(periods), "period")
    rows = rows.filter(rows.period_idx <= end)
    recent = rows.period_idx >= recent_start
    prior = (rows.period_idx >= prior_start) & (rows.period_idx < recent_start)
    return rows.group_by("customer_id").aggregate(
        service_minutes_prior=ibis.ifelse(prior, rows.service_minutes, 0.0).sum(),
        service_minutes_recent=ibis.ifelse(recent, rows.service_minutes, 0.0).sum(),
    )


def attention_signal(
    revenue_prior,
    revenue_recent,
    minutes_prior,
    minutes_recent,
    *,
    min_fall: float = 0.3,
    flag_share: float = 0.1,
    min_minutes: float = 30.0,
) -> pd.DataFrame:
    """The volume-versus-attention columns of the module docstring, one row per input element."""
    r0, r1 = np.asarray(revenue_prior, float), np.asarray(revenue_recent, float)
    s0, s1 = np.asarray(minutes_prior, float), np.asarray(minutes_recent, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        rev_growth = np.where(r0 > 0, r1 / r0 - 1.0, np.nan)
        min_growth = np.where(s0 > 0, s1 / s0 - 1.0, np.nan)
        rate_recent = np.where(s1 > 0, r1 / s1, np.nan)
        defined = (r0 > 0) & (s0 > 0) & (s1 > 0)
        change = np.where(defined, np.maximum(r1, 0.0) / s1 / (r0 / s0) - 1.0, np.nan)
    eligible = defined & (s1 >= min_minutes)
    flag = np.zeros(len(r0), dtype=bool)
    if eligible.any():
        cut = np.quantile(change[eligible], flag_share)
        flag = eligible & (change <= -min_fall) & (change <= cut)
    return pd.DataFrame(
        {
            "revenue_growth": rev_growth,
            "service_minutes_growth": min_growth,
            "revenue_per_service_minute": rate_recent,
            "revenue_per_service_minute_change": change,
            "attention_flag": flag,
        },
        copy=False,  # the arrays as they are, not copied into one block
    )


__all__ = ["SIGNAL_COLUMNS", "customer_service_window_totals", "attention_signal"]
