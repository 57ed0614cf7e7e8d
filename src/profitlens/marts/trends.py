"""The ``customer_trends`` mart: profitability over time, one row per customer.

Grain: one row per customer (of ``customers`` or ``customer_pnl``), as of the as-of period.

How it is made (each step documented in its module):

1. :mod:`profitlens.trends.series` (Ibis): each customer's span from its first period through
   the as-of period; its customer_pnl rows scattered into a zero-filled dense customers ×
   periods matrix (the same series as ``customer_period_series``), rolling profit over
   ``window`` periods.
2. :mod:`profitlens.trends.status` (numpy): status, turn period and trend slope, from profit
   before acquisition cost ("operating profit") from the acquisition period on: months of
   pursuit before a customer was won are not part of its track record.
3. :mod:`profitlens.trends.decomposition` (Ibis): the bridge of the profit change from the prior
   ``compare_window`` periods to the recent ones, in parts that add up to it exactly.
4. :mod:`profitlens.trends.signals`: revenue per service minute, recent against prior, and the
   flag for the customers on whom it falls fastest.
5. :mod:`profitlens.trends.forecast` (numpy): operating profit for the next ``horizon``
   periods with an interval.
6. ``profit_at_risk = max(0, horizon × baseline - Σ forecast)``, where ``baseline`` is the
   customer's mean operating profit per period over the prior window (the periods of it within
   the customer's series; 0 when none): what the customer is expected to earn less over the
   next periods than it used to. ``main_driver`` is the bridge part, acquisition excepted (the
   forecast excludes it), with the most negative value; empty when no part is negative.

Columns: see ``TREND_COLUMNS``. ``turn_period`` is the first period after the turn for
``turned_unprofitable`` and ``recovered`` customers, else null.
"""
from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.trends.decomposition import (
    PART_COLUMNS, PARTS, customer_profit_bridge, customer_window_totals, window_bounds)
from profitlens.trends.forecast import DampedTrendForecaster
from profitlens.trends.series import customer_spans, period_index
from profitlens.trends.signals import (
    SIGNAL_COLUMNS, attention_signal, customer_service_window_totals)
from profitlens.trends.status import StatusRules, profit_status

FORECAST_COLUMNS = (("forecast_1", "forecast_2", "forecast_3"),
                    ("forecast_lo_1", "forecast_lo_2", "forecast_lo_3"),
                    ("forecast_hi_1", "forecast_hi_2", "forecast_hi_3"))
TREND_COLUMNS = (
    "customer_id", "segment", "status", "turn_period", "history_periods", "rolling_profit",
    "trend_slope", "profit_prior", "profit_recent", "profit_change", *PART_COLUMNS,
    *SIGNAL_COLUMNS, *(c for cols in FORECAST_COLUMNS for c in cols), "profit_at_risk",
    "main_driver")
#: columns the trends mart contributes to customer_summary (renamed: status -> trend_status)
SUMMARY_COLUMNS = ("trend_status", "turn_period", "profit_at_risk", "main_driver")


def customer_trends(customer_pnl: ir.Table, customer_activity: ir.Table, customers: ir.Table,
                    periods: Sequence[str], as_of_period: str | None = None, *,
                    window: int = 3, compare_window: int = 6,
                    rules: StatusRules | None = None,
                    forecaster: DampedTrendForecaster | None = None,
                    attention: dict | None = None) -> pd.DataFrame:
    """Build the ``customer_trends`` table.

    Parameters
    ----------
    customer_pnl, customer_activity, customers : ibis Table
        The pipeline's tables (contract columns; ``customers`` needs ``customer_id``,
        ``acquired_on`` and ``segment``).
    periods : sequence of str
        The run's periods in order; ``as_of_period`` (default: the last) must be one of them.
    window : int
        Periods of the rolling profit (and of the status rules' recent rolling sum).
    compare_window : int
        Length of each of the two windows the profit bridge compares.
    rules : StatusRules, optional
    forecaster : DampedTrendForecaster, optional
        Unfitted; its forecast horizon is 3 periods.
    attention : dict, optional
        Keyword arguments of :func:`profitlens.trends.signals.attention_signal`.

    Returns
    -------
    pandas.DataFrame with ``TREND_COLUMNS``, one row per customer, in customer_id order.
    """
    periods = list(periods)
    if not periods:
        raise ValueError("customer_trends needs at least one period")
    as_of_period = as_of_period or periods[-1]
    prior_start, recent_start, end = window_bounds(periods, as_of_period, compare_window)
    rules = rules or StatusRules(window=window)
    forecaster = forecaster or DampedTrendForecaster()

    spans, Y, rolling = _series_matrices(customer_pnl, customer_activity, customers, periods,
                                         as_of_period, window)
    frame = _customer_frame(spans, customer_pnl, customer_activity, customers, periods,
                            as_of_period, compare_window, attention or {})

    status = profit_status(Y, rules)
    frame["status"] = status.labels
    turn = np.asarray(periods, dtype=object)[np.maximum(status.turn_idx, 0)]
    frame["turn_period"] = np.where(status.turn_idx >= 0, turn, None)
    frame["history_periods"] = status.history.astype(np.int64)
    frame["rolling_profit"] = np.nan_to_num(rolling)
    frame["trend_slope"] = status.slope

    groups = pd.factorize(frame["segment"])[0]
    forecaster.fit(Y, groups=groups)
    horizon = len(FORECAST_COLUMNS[0])
    point = forecaster.predict(horizon)
    lo, hi = forecaster.predict_interval(horizon)
    for cols, values in zip(FORECAST_COLUMNS, (point, lo, hi)):
        for j, c in enumerate(cols):
            frame[c] = values[:, j]

    prior = Y[:, max(prior_start, 0):recent_start]
    counted = (~np.isnan(prior)).sum(axis=1)
    baseline = np.nansum(prior, axis=1) / np.maximum(counted, 1)
    frame["profit_at_risk"] = np.maximum(0.0, horizon * baseline - point.sum(axis=1))
    frame["main_driver"] = main_driver(frame[list(PART_COLUMNS)].to_numpy())
    return frame[list(TREND_COLUMNS)]


def _series_matrices(customer_pnl, customer_activity, customers, periods, as_of_period,
                     window):
    """Spans (as a memtable), the operating-profit matrix and rolling profit at the as-of period.

    The dense matrix is the zero-filled series of :func:`customer_period_series`, built by
    scattering the customer_pnl rows (indexed by an Ibis join) into a zero matrix: at 1M
    customers this is several times faster than materialising the zero-filled long table.
    Operating profit is profit before acquisition cost, NaN before the acquisition period: the
    months of pursuit before a customer was won are not part of its track record. Rolling
    profit (with acquisition cost) is the sum of the last ``window`` periods, as in
    :func:`customer_period_series`.
    """
    end = list(periods).index(as_of_period)
    spans_arrow = customer_spans(customer_pnl, customers, periods, as_of_period).to_pyarrow()
    spans = ibis.memtable(spans_arrow)
    n = spans_arrow.num_rows
    pnl = customer_pnl.filter(customer_pnl.period <= as_of_period)
    rows = (pnl.join(period_index(periods), "period")
            .join(spans.select("customer_id", "customer_idx"), "customer_id")
            .select("customer_idx", "period_idx", "profit", "acquisition_cost").to_pyarrow())
    r = rows["customer_idx"].to_numpy()
    c = rows["period_idx"].to_numpy()
    profit = np.zeros((n, end + 1))
    profit[r, c] = rows["profit"].to_numpy()
    rolling = profit[:, max(end + 1 - window, 0):].sum(axis=1)
    profit[r, c] += rows["acquisition_cost"].to_numpy()
    acquired = np.empty(n, dtype=np.int64)
    acquired[spans_arrow["customer_idx"].to_numpy()] = spans_arrow["acquired_idx"].to_numpy()
    profit[np.arange(end + 1)[None, :] < acquired[:, None]] = np.nan
    return spans, profit, rolling


def operating_profit_matrix(customer_pnl: ir.Table, customers: ir.Table,
                            periods: Sequence[str], as_of_period: str | None = None
                            ) -> tuple[np.ndarray, np.ndarray]:
    """Customer ids (sorted) and their customers × periods operating-profit matrix.

    The matrix the status rules and the forecast work on (NaN before a customer's acquisition
    period; columns are ``periods`` up to the as-of period). Truncating its columns gives the
    matrix as of an earlier period, which is how detection delays are measured.
    """
    periods = list(periods)
    as_of_period = as_of_period or periods[-1]
    spans, Y, _ = _series_matrices(customer_pnl, None, customers, periods, as_of_period, 1)
    ids = spans.order_by("customer_idx").customer_id.to_pyarrow().to_numpy(zero_copy_only=False)
    return ids, Y


def _customer_frame(spans, customer_pnl, customer_activity, customers, periods, as_of_period,
                    compare_window, attention) -> pd.DataFrame:
    """One row per customer in customer_idx order: segment, bridge and attention columns."""
    bridge = customer_profit_bridge(
        customer_window_totals(customer_pnl, periods, as_of_period, compare_window))
    service = customer_service_window_totals(customer_activity, periods, as_of_period,
                                             compare_window)
    seg = customers.select("customer_id", "segment")
    t = spans.left_join(seg, "customer_id").drop("customer_id_right")
    t = t.left_join(bridge, "customer_id").drop("customer_id_right")
    t = t.left_join(service, "customer_id").drop("customer_id_right")
    money = ("profit_prior", "profit_recent", "profit_change", *PART_COLUMNS,
             "revenue_prior", "revenue_recent", "service_minutes_prior",
             "service_minutes_recent")
    t = t.mutate(segment=t.segment.fill_null("(none)"),
                 **{c: t[c].fill_null(0.0) for c in money})
    frame = t.order_by("customer_idx").drop("customer_idx", "first_idx").to_pandas()
    signal = attention_signal(frame.pop("revenue_prior"), frame.pop("revenue_recent"),
                              frame.pop("service_minutes_prior"),
                              frame.pop("service_minutes_recent"), **attention)
    return pd.concat([frame, signal], axis=1)


def main_driver(parts: np.ndarray) -> np.ndarray:
    """Name of the most negative bridge part of each row (acquisition excepted), else None.

    A part must be below -0.005 (half a cent) to count: floating-point dust is not a driver.

    ``parts`` has one column per entry of ``PARTS``, in that order.
    """
    parts = np.asarray(parts, dtype=float)
    usable = np.array([p != "acquisition" for p in PARTS])
    values = np.where(usable[None, :], parts, np.inf)
    worst = np.argmin(values, axis=1)
    names = np.asarray(PARTS, dtype=object)[worst]
    return np.where(values[np.arange(len(parts)), worst] < -0.005, names, None)


def customer_summary_trend_columns(trends: pd.DataFrame) -> pd.DataFrame:
    """The trend columns of ``customer_summary``: customer_id plus ``SUMMARY_COLUMNS``."""
    out = trends[["customer_id", "status", "turn_period", "profit_at_risk", "main_driver"]]
    return out.rename(columns={"status": "trend_status"}).reset_index(drop=True)


__all__ = ["TREND_COLUMNS", "SUMMARY_COLUMNS", "FORECAST_COLUMNS", "customer_trends",
           "operating_profit_matrix", "main_driver", "customer_summary_trend_columns"]
