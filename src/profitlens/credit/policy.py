"""Credit policy: the thresholds behind aging, the provision matrix and the liability flag."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreditPolicy:
    """Defaults of the receivables and credit-risk analysis.

    Parameters
    ----------
    bucket_edges : tuple of int, default (0, 30, 60, 90)
        Upper days-past-due bound of each aging bucket but the last: an invoice ``d`` days past
        due is ``current`` when ``d <= 0``, ``1-30`` when ``0 < d <= 30``, ... and ``over 90``
        when ``d > 90``. Must start at 0 and increase strictly.
    overdue_days_limit : int, default 60
        A customer with an open balance more than this many days past due is a liability.
    forward_looking_adjustment : float, default 0.0
        Relative change applied to the historical loss rates for expected conditions
        (IFRS 9 B5.5.52): 0.10 raises every rate by 10 % (capped at 100 %), -0.05 lowers it.
    lookback_days : int, default 730
        History used for the provision matrix and the lateness trend: invoices issued
        (matrix) or due (trend) within this many days before the as-of date.
    dso_window_days : int, default 90
        DSO = credit exposure / revenue invoiced in this many days before the as-of date
        x this many days.
    trend_window_days : int, default 90
        Lateness trend = average days late of the invoices due in the last
        ``trend_window_days`` minus that of the invoices due earlier within ``lookback_days``.
    lateness_worsening_days : float, default 15.0
        A lateness trend above this is "lateness worsening", a liability reason.
    min_trend_invoices : int, default 2
        Invoices needed in each of the two trend windows for a trend to be computed.
    min_segment_invoices : int, default 50
        Matured invoices a segment needs in the history for a provision matrix of its own;
        smaller segments use the portfolio's loss rates.

    Examples
    --------
    >>> CreditPolicy().bucket_labels
    ('current', '1-30', '31-60', '61-90', 'over 90')
    >>> CreditPolicy(bucket_edges=(0, 45)).bucket_labels
    ('current', '1-45', 'over 45')
    """

    bucket_edges: tuple[int, ...] = (0, 30, 60, 90)
    overdue_days_limit: int = 60
    forward_looking_adjustment: float = 0.0
    lookback_days: int = 730
    dso_window_days: int = 90
    trend_window_days: int = 90
    lateness_worsening_days: float = 15.0
    min_trend_invoices: int = 2
    min_segment_invoices: int = 50

    def __post_init__(self) -> None:
        edges = tuple(int(e) for e in self.bucket_edges)
        if not edges or edges[0] != 0 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(
                f"bucket_edges must start at 0 and increase strictly, got {self.bucket_edges!r}")
        object.__setattr__(self, "bucket_edges", edges)
        if self.forward_looking_adjustment <= -1:
            raise ValueError("forward_looking_adjustment must be greater than -1 (a rate cannot "
                             f"fall below zero), got {self.forward_looking_adjustment}")
        for name in ("overdue_days_limit", "lookback_days", "dso_window_days",
                     "trend_window_days", "min_trend_invoices", "min_segment_invoices"):
            if getattr(self, name) < (0 if name == "overdue_days_limit" else 1):
                raise ValueError(f"{name} must be positive, got {getattr(self, name)}")
        if self.trend_window_days >= self.lookback_days:
            raise ValueError("trend_window_days must be shorter than lookback_days "
                             f"({self.trend_window_days} >= {self.lookback_days})")

    @property
    def bucket_labels(self) -> tuple[str, ...]:
        """Names of the aging buckets, from ``current`` to ``over <last edge>``."""
        return bucket_labels(self.bucket_edges)


def bucket_labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    """Aging bucket names for days-past-due ``edges`` (see :class:`CreditPolicy`)."""
    inner = [f"{lo + 1}-{hi}" for lo, hi in zip(edges, edges[1:])]
    return ("current", *inner, f"over {edges[-1]}")


def bucket_lower_bounds(edges: tuple[int, ...]) -> tuple[int | None, ...]:
    """Days past due at the end of which an invoice enters each bucket (None: issued)."""
    return (None, *edges)
