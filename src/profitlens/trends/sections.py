"""Data of the report's "Profitability over time" section, as plain pandas frames.

Three pure functions, each from tables the run writes (``customer_pnl`` and ``customer_trends``),
so the report can be rebuilt from an output folder without recomputing anything:

- :func:`portfolio_profit_by_period`: the P&L of the whole portfolio per period;
- :func:`profit_bridge`: the bridge of the profit change from the prior to the recent window,
  for the portfolio or per segment (the sum of the customers' bridges, see
  :mod:`profitlens.trends.decomposition`);
- :func:`early_warning_list`: the customers ranked by profit at risk, with what drives it.

:func:`over_periods` puts a per-period frame over the run's periods, :func:`first_rows` takes
the first rows of a large frame in an order without sorting all of it.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import numpy as np
import pandas as pd

from profitlens.contract import PNL_COLUMNS
from profitlens.trends.decomposition import PARTS

PART_LABELS = {
    "volume": "Volume",
    "price_mix": "Price / mix",
    "commission": "Commission",
    "acquisition": "Acquisition cost",
    "sales": "Sales cost",
    "service": "Service cost",
    "fulfilment": "Fulfilment cost",
    "credit": "Credit cost",
    "referral": "Referral cost",
}
WARNING_COLUMNS = (
    "rank",
    "customer_id",
    "segment",
    "status",
    "turn_period",
    "profit_prior",
    "profit_recent",
    "forecast_next",
    "profit_at_risk",
    "main_driver",
    "attention_flag",
)


def portfolio_profit_by_period(
    customer_pnl, periods: Sequence[str] | None = None, lines: Sequence[str] = PNL_COLUMNS
) -> pd.DataFrame:
    """The portfolio's P&L per period.

    Parameters
    ----------
    customer_pnl : ibis table or pandas.DataFrame
        The ``customer_pnl`` output (aggregated where it lives: an Ibis table over a Parquet
        file is never loaded whole).
    lines : sequence of str
        The P&L columns to sum (all of them by default; fewer read less of a file).

    Returns
    -------
    pandas.DataFrame
        One row per period (every period of ``periods`` when given, zero where nothing
        happened; else the periods present). Columns: ``period``, the ``lines`` summed
        over customers, ``customers`` (with a P&L row in the period) and
        ``unprofitable_customers`` (with negative profit in the period).
    """
    pnl = ibis.memtable(customer_pnl) if isinstance(customer_pnl, pd.DataFrame) else customer_pnl
    # customer_pnl has one row per customer and period: counting rows counts customers
    sums = pnl.group_by(period=pnl.period.cast("string")).agg(
        **{c: pnl[c].sum() for c in lines},
        customers=pnl.count(),
        unprofitable_customers=pnl.count(where=pnl.profit < 0),
    )
    return over_periods(sums.order_by("period").execute(), periods)


def over_periods(by_period: pd.DataFrame, periods: Sequence[str] | None = None) -> pd.DataFrame:
    """A :func:`portfolio_profit_by_period` frame over ``periods`` (every one of them, zero where
    nothing happened; when None, the periods it has), e.g. over the run's periods."""
    out = by_period.set_index("period")
    if periods is not None:
        out = out.reindex(list(periods))
    out = out.fillna(0)
    out[["customers", "unprofitable_customers"]] = out[
        ["customers", "unprofitable_customers"]
    ].astype("int64")
    return out.rename_axis("period").reset_index()


def profit_bridge(customer_trends: pd.DataFrame, by_segment: bool = False) -> pd.DataFrame:
    """The profit bridge from the prior window's profit to the recent window's.

    Grain: one row per step of the bridge (and per segment when ``by_segment``): first
    ``prior`` (profit of the prior window), then one row per part of ``PARTS``, then
    ``recent``. Columns: ``segment`` (when ``by_segment``), ``step``, ``label``, ``kind``
    (``total`` or ``part``), ``amount``, and ``running`` (the bridge's level after the step).
    The parts add up to ``recent - prior``.
    """
    keys = ["segment"] if by_segment else []
    cols = ["profit_prior", *(f"change_{p}" for p in PARTS), "profit_recent"]
    sums = (
        customer_trends.groupby(keys)[cols].sum()
        if keys
        else customer_trends[cols].sum().to_frame().T
    )
    frames = []
    for key, row in sums.iterrows():
        parts = np.array([row[f"change_{p}"] for p in PARTS])
        frame = pd.DataFrame(
            {
                "step": ["prior", *PARTS, "recent"],
                "label": [
                    "Profit, prior window",
                    *(PART_LABELS[p] for p in PARTS),
                    "Profit, recent window",
                ],
                "kind": ["total", *(["part"] * len(PARTS)), "total"],
                "amount": [row["profit_prior"], *parts, row["profit_recent"]],
                "running": [
                    row["profit_prior"],
                    *(row["profit_prior"] + np.cumsum(parts)),
                    row["profit_recent"],
                ],
            }
        )
        if keys:
            frame.insert(0, "segment", key)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def early_warning_list(customer_trends: pd.DataFrame, top: int | None = 20) -> pd.DataFrame:
    """Customers with profit at risk, most at risk first (ties by customer_id).

    Grain: one row per customer with ``profit_at_risk > 0``, at most ``top`` (all when None).
    Columns: ``WARNING_COLUMNS``; ``forecast_next`` is the forecast profit of the next three
    periods together.
    """
    t = first_rows(customer_trends, top, ["profit_at_risk", "customer_id"], [False, True])
    t = t[t["profit_at_risk"] > 0].copy()  # the first ones at risk: fewer when fewer are
    t["forecast_next"] = t[["forecast_1", "forecast_2", "forecast_3"]].sum(axis=1)
    t["rank"] = range(1, len(t) + 1)
    return t[list(WARNING_COLUMNS)].reset_index(drop=True)


def first_rows(
    frame: pd.DataFrame, n: int | None, by: list[str], ascending: list[bool]
) -> pd.DataFrame:
    """``frame.sort_values(by, ascending=ascending).head(n)`` (all rows when ``n`` is None),
    sorting only the rows that can be among the first ``n``: those up to the ``n``-th on the
    first key, ties included.

    The later keys must tell apart the rows the first key ties (end them with an id): the
    candidates reach the sort in another order than ``frame``'s. Sorting a million rows on a
    text key takes seconds; the candidates are a few.
    """
    if n is None:
        return frame.sort_values(by, ascending=ascending)
    key = frame[by[0]]
    cut = key.nsmallest(n, keep="all") if ascending[0] else key.nlargest(n, keep="all")
    candidates = frame.loc[cut.index] if len(cut) >= n else frame
    return candidates.sort_values(by, ascending=ascending).head(n)


__all__ = [
    "PART_LABELS",
    "WARNING_COLUMNS",
    "portfolio_profit_by_period",
    "over_periods",
    "profit_bridge",
    "early_warning_list",
    "first_rows",
]
