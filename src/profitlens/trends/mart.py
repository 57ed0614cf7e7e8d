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

The engine answers one query at a time, in the calling thread: the spans, the rows of the
matrix, then the windows of steps 3 and 4. While it computes the windows, two worker threads
build the matrix and run the numpy steps (2 in one, 5 and 6 in the other), and a third lays
out the bridge by customer (with the main driver) while the engine sums the service minutes,
so that the engine and numpy work at once.

Columns: see ``TREND_COLUMNS``. ``turn_period`` is the first period after the turn for
``turned_unprofitable`` and ``recovered`` customers, else null; ``turn_period_low`` and
``turn_period_high`` bound where the turn plausibly began (see
:func:`profitlens.trends.changepoint.location_range`).
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from profitlens.engine import arrow_table
from profitlens.output_tables import OUTPUTS
from profitlens.trends.decomposition import (
    BRIDGE_LINES,
    PART_COLUMNS,
    PARTS,
    customer_profit_bridge,
    customer_window_totals,
    window_bounds,
)
from profitlens.trends.forecast import DampedTrendForecaster
from profitlens.trends.series import customer_spans, period_index
from profitlens.trends.signals import attention_signal, customer_service_window_totals
from profitlens.trends.status import STATUSES, StatusRules, profit_status

FORECAST_COLUMNS = (
    ("forecast_1", "forecast_2", "forecast_3"),
    ("forecast_lo_1", "forecast_lo_2", "forecast_lo_3"),
    ("forecast_hi_1", "forecast_hi_2", "forecast_hi_3"),
)
TREND_COLUMNS = tuple(OUTPUTS["customer_trends"].columns)
#: columns the trends mart contributes to customer_summary (renamed: status -> trend_status)
SUMMARY_COLUMNS = ("trend_status", "turn_period", "profit_at_risk", "main_driver")
NO_SEGMENT = "(none)"


def customer_trends(
    customer_pnl: ir.Table,
    customer_activity: ir.Table,
    customers: ir.Table,
    periods: Sequence[str],
    as_of_period: str | None = None,
    *,
    window: int = 3,
    compare_window: int = 6,
    rules: StatusRules | None = None,
    forecaster: DampedTrendForecaster | None = None,
    attention: dict | None = None,
) -> pd.DataFrame:
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
    prior_start, recent_start, _ = window_bounds(periods, as_of_period, compare_window)
    prior = slice(max(prior_start, 0), recent_start)
    spans = _segmented_spans(customer_pnl, customers, periods, as_of_period)
    ids = ibis.memtable(spans.select(["customer_id", "customer_idx"]))
    rows = _profit_rows(customer_pnl, ids, periods, as_of_period)
    groups = spans["segment"].combine_chunks().dictionary_encode().indices.to_numpy()
    with ThreadPoolExecutor(max_workers=3) as pool:
        statistics = pool.submit(
            _statistics,
            pool,
            rows,
            spans["acquired_idx"].to_numpy(),
            groups,
            periods[: periods.index(as_of_period) + 1],
            prior,
            window,
            rules or StatusRules(window=window),
            forecaster or DampedTrendForecaster(),
        )
        columns = _window_columns(
            pool,
            customer_pnl,
            customer_activity,
            ids,
            periods,
            periods[prior.start],
            as_of_period,
            compare_window,
            spans.num_rows,
        )
        columns.update(statistics.result())
    signal = attention_signal(
        columns.pop("revenue_prior"),
        columns.pop("revenue_recent"),
        columns.pop("service_minutes_prior"),
        columns.pop("service_minutes_recent"),
        **(attention or {}),
    )
    columns.update(
        customer_id=spans["customer_id"].to_pandas(),
        segment=spans["segment"].to_pandas(),
        **signal,
    )
    # the columns as they are: consolidating 28 float columns into one block would copy them
    return pd.DataFrame({c: columns[c] for c in TREND_COLUMNS}, copy=False)


def _segmented_spans(customer_pnl, customers, periods, as_of_period) -> pa.Table:
    """:func:`customer_spans` with each customer's segment (``NO_SEGMENT`` when it has none),
    in customer_idx order."""
    spans = customer_spans(customer_pnl, customers, periods, as_of_period, carry=("segment",))
    spans = spans.select(
        "customer_id", "customer_idx", "acquired_idx", segment=spans.segment.fill_null(NO_SEGMENT)
    )
    return arrow_table(spans.order_by("customer_idx"))


def _profit_rows(customer_pnl, ids, periods, as_of_period) -> pa.Table:
    """``cell`` (customer_idx × periods through the as-of period + period_idx), ``profit`` and
    ``operating`` (profit before acquisition cost) of each customer_pnl row up to the as-of
    period; ``ids`` maps customer_id to customer_idx."""
    width = list(periods).index(as_of_period) + 1
    pnl = customer_pnl.filter(customer_pnl.period <= as_of_period)
    return arrow_table(
        pnl.join(period_index(periods), "period")
        .join(ids, "customer_id")
        .select(
            cell=ibis._.customer_idx * width + ibis._.period_idx,
            profit=ibis._.profit,
            operating=ibis._.profit + ibis._.acquisition_cost,
        )
    )


def _profit_matrices(rows, acquired, width, window):
    """The operating-profit matrix and rolling profit at the as-of period.

    The dense matrix is the zero-filled series of :func:`customer_period_series`, built by
    scattering the rows of :func:`_profit_rows` into a zero matrix, chunk by chunk as the
    engine returned them: at 1M customers this is several times faster than materialising the
    zero-filled long table. Operating profit is profit before acquisition cost, NaN before the
    acquisition period (``acquired``, by row): the months of pursuit before a customer was won
    are not part of its track record. Rolling profit (with acquisition cost) is the sum of the
    last ``window`` periods, as in :func:`customer_period_series`.
    """
    profit = np.zeros((len(acquired), width))
    cells = [chunk.to_numpy() for chunk in rows["cell"].chunks]
    for column in ("profit", "operating"):
        for at, values in zip(cells, rows[column].chunks):
            profit.ravel()[at] = values.to_numpy()
        if column == "profit":
            rolling = profit[:, max(width - window, 0) :].sum(axis=1)
    for j in range(width):
        profit[acquired > j, j] = np.nan
    return profit, rolling


def operating_profit_matrix(
    customer_pnl: ir.Table,
    customers: ir.Table,
    periods: Sequence[str],
    as_of_period: str | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Customer ids (sorted) and their customers × periods operating-profit matrix.

    The matrix the status rules and the forecast work on (NaN before a customer's acquisition
    period; columns are ``periods`` up to the as-of period). Truncating its columns gives the
    matrix as of an earlier period, which is how detection delays are measured.
    """
    periods = list(periods)
    as_of_period = as_of_period or periods[-1]
    spans = customer_spans(customer_pnl, customers, periods, as_of_period)
    spans = arrow_table(spans.order_by("customer_idx"))
    ids = ibis.memtable(spans.select(["customer_id", "customer_idx"]))
    rows = _profit_rows(customer_pnl, ids, periods, as_of_period)
    Y, _ = _profit_matrices(
        rows, spans["acquired_idx"].to_numpy(), periods.index(as_of_period) + 1, 1
    )
    return spans["customer_id"].to_numpy(zero_copy_only=False), Y


def _statistics(
    pool, rows, acquired, groups, periods, prior, window, rules, forecaster
) -> dict[str, np.ndarray]:
    """Rolling profit, status, turn period, history, slope, forecast and profit at risk.

    The matrices are built from :func:`_profit_rows` ``rows`` for ``periods`` (through the
    as-of period); the forecast runs in a second thread of ``pool`` while this one applies the
    status rules. ``prior`` are the columns of the bridge's prior window (the baseline of profit
    at risk).
    """
    Y, rolling = _profit_matrices(rows, acquired, len(periods), window)
    forecast = pool.submit(_forecast, Y, groups, prior, forecaster)
    status = profit_status(Y, rules)
    columns = {
        "rolling_profit": np.nan_to_num(rolling),
        "status": _labels(STATUSES, status.status),
        **{
            column: _labels(periods, idx)
            for column, idx in (
                ("turn_period", status.turn_idx),
                ("turn_period_low", status.turn_low),
                ("turn_period_high", status.turn_high),
            )
        },
        "history_periods": status.history.astype(np.int64),
        "trend_slope": status.slope,
    }
    columns.update(forecast.result())
    return columns


def _forecast(Y, groups, prior, forecaster) -> dict[str, np.ndarray]:
    """The forecast columns of each row of ``Y`` and its profit at risk."""
    forecaster.fit(Y, groups=groups)
    horizon = len(FORECAST_COLUMNS[0])
    point = forecaster.predict(horizon)
    columns = {}
    for names, values in zip(FORECAST_COLUMNS, (point, *forecaster.predict_interval(horizon))):
        columns.update(zip(names, values.T))
    before = Y[:, prior]
    baseline = np.nansum(before, axis=1) / np.maximum((~np.isnan(before)).sum(axis=1), 1)
    columns["profit_at_risk"] = np.maximum(0.0, horizon * baseline - point.sum(axis=1))
    return columns


def _window_columns(
    pool, customer_pnl, customer_activity, ids, periods, first, as_of_period, compare_window, n
) -> dict[str, np.ndarray]:
    """The bridge and service-minute columns of the two windows and the main driver, by
    customer_idx.

    Only the rows from ``first`` (the prior window's first period) on are summed; a customer
    without any has zeros. The bridge's columns are laid out in a thread of ``pool`` while the
    engine sums the service minutes.
    """
    pnl = customer_pnl.filter(customer_pnl.period >= first)
    activity = customer_activity.filter(customer_activity.period >= first)
    bridge = customer_profit_bridge(
        customer_window_totals(pnl, periods, as_of_period, compare_window, BRIDGE_LINES)
    )
    service = customer_service_window_totals(activity, periods, as_of_period, compare_window)
    bridge = pool.submit(_bridge_columns, _idx_rows(bridge.drop("margin_rate_prior"), ids), n)
    columns = _by_idx(_idx_rows(service, ids), n)
    columns.update(bridge.result())
    return columns


def _idx_rows(table: ir.Table, ids: ir.Table) -> pa.Table:
    """The rows of ``table`` with customer_idx instead of customer_id."""
    return arrow_table(table.join(ids, "customer_id").drop("customer_id"))


def _bridge_columns(rows: pa.Table, n: int) -> dict[str, np.ndarray]:
    """:func:`_by_idx` of the bridge's rows, with each customer's main driver."""
    columns = _by_idx(rows, n)
    columns["main_driver"] = _labels(PARTS, _driver_index([columns[c] for c in PART_COLUMNS]))
    return columns


def _by_idx(rows: pa.Table, n: int) -> dict[str, np.ndarray]:
    """The columns of ``rows`` but customer_idx as arrays of ``n`` values by customer_idx (zero
    where a customer has no row or a null), scattered chunk by chunk."""
    at = [chunk.to_numpy() for chunk in rows["customer_idx"].chunks]
    columns = {}
    for name in (c for c in rows.column_names if c != "customer_idx"):
        values = rows[name].fill_null(0.0) if rows[name].null_count else rows[name]
        columns[name] = np.zeros(n)
        for where, chunk in zip(at, values.chunks):
            columns[name][where] = chunk.to_numpy()
    return columns


def main_driver(parts: np.ndarray) -> np.ndarray:
    """Name of the most negative bridge part of each row (acquisition excepted), else None.

    A part must be below -0.005 (half a cent) to count: floating-point dust is not a driver.
    Parts are compared rounded to the cent, so parts equal to the cent (a sales visit and a
    service call of the same cost) are a tie whatever the summation order, won by the first
    in ``PARTS``.

    ``parts`` has one column per entry of ``PARTS``, in that order.
    """
    parts = np.asarray(parts, dtype=float)
    worst = _driver_index(parts.reshape(len(parts), len(PARTS)).T)
    return np.where(worst >= 0, np.asarray(PARTS, dtype=object)[worst], None)


def _driver_index(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Position in ``PARTS`` of :func:`main_driver` of each row, -1 when none; ``parts`` holds
    one array per entry of ``PARTS`` (its values for every row); -1 too when one is NaN."""
    worst, lowest = np.full(len(parts[0]), -1), np.full(len(parts[0]), -0.005)
    unknown = np.zeros(len(parts[0]), dtype=bool)
    for i, part in enumerate(parts):
        if PARTS[i] != "acquisition":
            value = np.round(part, 2)
            lower = value < lowest
            worst[lower], lowest[lower] = i, value[lower]
            unknown |= np.isnan(value)
    return np.where(unknown, -1, worst)


def _labels(names: Sequence[str], idx: np.ndarray) -> pd.Series:
    """``names[idx]`` as a pandas string column, missing where ``idx`` is negative (taken by
    Arrow, without a Python string per row)."""
    taken = pa.array(list(names), pa.string()).take(pa.array(idx, mask=idx < 0))
    return taken.to_pandas()


def customer_summary_trend_columns(trends: pd.DataFrame) -> pd.DataFrame:
    """The trend columns of ``customer_summary``: customer_id plus ``SUMMARY_COLUMNS``."""
    out = trends[["customer_id", "status", "turn_period", "profit_at_risk", "main_driver"]]
    return out.rename(columns={"status": "trend_status"}).reset_index(drop=True)


__all__ = [
    "TREND_COLUMNS",
    "SUMMARY_COLUMNS",
    "FORECAST_COLUMNS",
    "customer_trends",
    "operating_profit_matrix",
    "main_driver",
    "customer_summary_trend_columns",
]
