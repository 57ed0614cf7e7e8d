"""Typed sections of ``costmodel.yaml`` for the analyses: ``credit:``, ``trends:``, ``clv:``,
``prospects:``, ``referrals:`` and ``decisions:``.

Every section has defaults, so a cost model without it behaves as documented; a key that is not
listed here is refused with its location (``credit: unknown key 'bucket_days'``) instead of being
silently ignored.

Examples
--------
>>> CreditPolicy().bucket_labels
('current', '1-30', '31-60', '61-90', 'over 90')
>>> CreditPolicy(bucket_edges=(0, 45)).bucket_labels
('current', '1-45', 'over 45')
>>> TrendSettings(window=4).attention.min_fall
0.3
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Section(BaseModel):
    """A section of the cost model: frozen, and unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class CreditPolicy(Section):
    """Receivables and credit-risk settings (``credit:``).

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
        Greater than -1.
    lookback_days : int, default 730
        History used for the provision matrix and the lateness trend: invoices issued
        (matrix) or due (trend) within this many days before the as-of date.
    dso_window_days : int, default 90
        DSO = credit exposure / revenue invoiced in this many days before the as-of date
        x this many days.
    trend_window_days : int, default 90
        Lateness trend = average days late of the invoices due in the last
        ``trend_window_days`` minus that of the invoices due earlier within ``lookback_days``;
        shorter than ``lookback_days``.
    lateness_worsening_days : float, default 15.0
        A lateness trend above this is "lateness worsening", a liability reason.
    min_trend_invoices : int, default 2
        Invoices needed in each of the two trend windows for a trend to be computed.
    min_segment_invoices : int, default 50
        Matured invoices a segment needs in the history for a provision matrix of its own;
        smaller segments use the portfolio's loss rates.
    """

    bucket_edges: tuple[int, ...] = (0, 30, 60, 90)
    overdue_days_limit: int = Field(default=60, ge=0)
    forward_looking_adjustment: float = Field(default=0.0, gt=-1)
    lookback_days: int = Field(default=730, ge=1)
    dso_window_days: int = Field(default=90, ge=1)
    trend_window_days: int = Field(default=90, ge=1)
    lateness_worsening_days: float = 15.0
    min_trend_invoices: int = Field(default=2, ge=1)
    min_segment_invoices: int = Field(default=50, ge=1)

    @field_validator("bucket_edges")
    @classmethod
    def _increasing_from_zero(cls, edges: tuple[int, ...]) -> tuple[int, ...]:
        if not edges or edges[0] != 0 or any(b <= a for a, b in zip(edges, edges[1:])):
            raise ValueError(
                f"bucket_edges must start at 0 and increase strictly, got {list(edges)}"
            )
        return edges

    @model_validator(mode="after")
    def _trend_inside_lookback(self) -> CreditPolicy:
        if self.trend_window_days >= self.lookback_days:
            raise ValueError(
                "trend_window_days must be shorter than lookback_days "
                f"({self.trend_window_days} >= {self.lookback_days})"
            )
        return self

    @property
    def bucket_labels(self) -> tuple[str, ...]:
        """Names of the aging buckets, from ``current`` to ``over <last edge>``."""
        return bucket_labels(self.bucket_edges)


def bucket_labels(edges: tuple[int, ...]) -> tuple[str, ...]:
    """Aging bucket names for days-past-due ``edges`` (see :class:`CreditPolicy`).

    >>> bucket_labels((0, 30))
    ('current', '1-30', 'over 30')
    """
    inner = [f"{lo + 1}-{hi}" for lo, hi in zip(edges, edges[1:])]
    return ("current", *inner, f"over {edges[-1]}")


def bucket_lower_bounds(edges: tuple[int, ...]) -> tuple[int | None, ...]:
    """Days past due at the end of which an invoice enters each bucket (None: issued).

    >>> bucket_lower_bounds((0, 30))
    (None, 0, 30)
    """
    return (None, *edges)


class AttentionSettings(Section):
    """The volume-versus-attention flag (:func:`profitlens.trends.signals.attention_signal`):
    revenue per service minute fell by at least ``min_fall`` and is among the ``flag_share``
    largest falls, for customers with at least ``min_minutes`` of service recently."""

    min_fall: float = Field(default=0.3, ge=0)
    flag_share: float = Field(default=0.1, gt=0, le=1)
    min_minutes: float = Field(default=30.0, ge=0)


class StatusRules(Section):
    """The rules of a customer's trend status (``trends: status:``): see
    :mod:`profitlens.trends.status` and ``docs/trends.md``; defaults chosen on the bench of
    ``benchmarks/turn_bench.py``. ``window`` is the rolling sum's, set from ``trends.window``."""

    min_history: int = 6
    window: int = Field(default=3, ge=1)
    min_before: int = 3
    min_after: int = 2
    min_size: int = 2
    penalty: float = Field(default=2.0, gt=0)
    spike: float = 3.0
    z_loss: float = 1.25
    z_gain: float = 0.5
    range_level: float = Field(default=0.95, gt=0, lt=1)
    slope_periods: int = Field(default=12, ge=2)
    slope_t_crit: float = 2.5
    min_decline: float = 0.25

    @model_validator(mode="after")
    def _consistent(self) -> StatusRules:
        if self.min_before < 2 or self.min_after < 2:
            raise ValueError("min_before and min_after must be at least 2 periods")
        if not 1 <= self.min_size <= self.min_after:
            raise ValueError("min_size must be between 1 and min_after")
        if self.min_history < self.min_before + self.min_after:
            raise ValueError("min_history must be at least min_before + min_after")
        return self


class TrendSettings(Section):
    """Profitability over time (``trends:``).

    Parameters
    ----------
    window : int, default 3
        Periods of the rolling profit.
    compare_window : int, default 6
        Length of each of the two windows the profit bridge compares.
    attention : AttentionSettings
    status : StatusRules
        The turn detector's settings (its ``window`` is this section's).
    """

    window: int = Field(default=3, ge=1)
    compare_window: int = Field(default=6, ge=1)
    attention: AttentionSettings = Field(default_factory=AttentionSettings)
    status: StatusRules = Field(default_factory=StatusRules)


class LifetimeValueSettings(Section):
    """Lifetime value (``clv:``).

    Parameters
    ----------
    contractual_segments : list of str, default []
        Segments whose customers are valued as contracts (shifted-beta-geometric durations of
        ``customers.ended_on``); the others by the best transaction model.
    model : {"auto", "bgnbd", "mbgnbd", "pareto"}, default "auto"
        The transaction model; ``auto`` picks the best by held-out log-likelihood.
    horizon_months : int, default 36
        The horizon of every lifetime value (and of what the later features value over it).
    shrinkage_periods : float, default 6.0
        Periods of evidence a segment's cost-to-serve rate counts for against a customer's own.
    """

    contractual_segments: list[str] = Field(default_factory=list)
    model: Literal["auto", "bgnbd", "mbgnbd", "pareto"] = "auto"
    horizon_months: int = Field(default=36, ge=1)
    shrinkage_periods: float = Field(default=6.0, ge=0)

    @field_validator("contractual_segments", mode="before")
    @classmethod
    def _text(cls, value):
        return [str(v) for v in value or []]


class Referrals(Section):
    """``referrals:`` settings: the share of a referred customer credited to its referral."""

    attribution: float = Field(default=0.5, ge=0, le=1)


class Decisions(Section):
    """``decisions:`` settings of keep / reprice / serve differently / end (docs/decisions.md).

    recent_periods
        P&L periods (ending with the as-of period) whose mean is a customer's run rate.
    churn_per_price_rise
        Chance that a price rise of 100 % loses the customer; a rise p carries
        min(1, churn_per_price_rise x p).
    max_price_rise
        The largest price rise offered; a customer needing more is not repriced.
    referral_loss_share
        Share of the referral value of the customers it brought that is lost (they may follow
        it out) when a customer is ended; its referrals to come are lost besides.
    """

    recent_periods: int = Field(default=12, ge=1)
    churn_per_price_rise: float = Field(default=1.0, ge=0)
    max_price_rise: float = Field(default=0.5, gt=0)
    referral_loss_share: float = Field(default=1.0, ge=0, le=1)


class Prospects(Section):
    """How open prospects are told apart and judged (``prospects:``, DATA_CONTRACT.md 5.2).

    ``stale_after_days``: without ``prospects.closed_on``, a prospect with no activity in this
    many days before the as-of date is taken as given up. ``deprioritise_below``: a prospect
    whose expected return is positive but less than this many times its expected remaining
    pursuit cost is ``deprioritise`` (the return is small for the effort), not ``pursue``.
    """

    stale_after_days: int = Field(default=180, ge=1)
    deprioritise_below: float = Field(default=1.0, ge=0)
