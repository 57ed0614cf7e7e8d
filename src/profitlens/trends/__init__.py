"""Profitability over time: series, status, profit bridge, attention signal and forecast.

The ``customer_trends`` mart (:mod:`profitlens.trends.mart`) composes these modules; the report
sections are in :mod:`profitlens.trends.sections`.
"""

from profitlens.trends.decomposition import (
    PART_COLUMNS,
    PARTS,
    customer_profit_bridge,
    customer_window_totals,
    portfolio_profit_bridge,
    segment_profit_bridge,
)
from profitlens.trends.forecast import DampedTrendForecaster
from profitlens.trends.series import customer_period_series, customer_spans, period_index
from profitlens.trends.signals import attention_signal, customer_service_window_totals
from profitlens.trends.status import STATUSES, StatusRules, profit_status

__all__ = [
    "PARTS",
    "PART_COLUMNS",
    "STATUSES",
    "StatusRules",
    "DampedTrendForecaster",
    "attention_signal",
    "customer_period_series",
    "customer_profit_bridge",
    "customer_service_window_totals",
    "customer_spans",
    "customer_window_totals",
    "period_index",
    "portfolio_profit_bridge",
    "profit_status",
    "segment_profit_bridge",
]
