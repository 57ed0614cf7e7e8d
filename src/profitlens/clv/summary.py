"""Recency-frequency-monetary summaries of invoice lines, as Ibis expressions.

The lifetime-value models see each customer through a few numbers measured from their first
purchase: how many repeat purchases (frequency x), when the last one was (recency t_x), how long
they have been observed (age T) and what their repeat purchases were worth. Conventions
(Fader, Hardie & Lee 2005):

- a *purchase* is a customer's calendar day with invoice lines and a net revenue that is not
  negative: lines on the same day are merged; a day whose lines net to a negative amount (returns,
  credit notes) is not a purchase, a zero-value order (free goods) is;
- the first purchase is the customer's birth, not a repeat: x = purchases - 1;
- times are in a chosen unit, counted from exact day differences (a week is 7 days, a month
  365.25 / 12 days), so T for a first purchase on 1997-01-01 and a calibration end of
  1997-09-30 is 272 / 7 = 38.86 weeks;
- the calibration period ends at the end of ``calibration_end`` (purchases on that day count);
  customers whose first purchase is later are not in the calibration summary.

Every summary takes the invoice lines or their :func:`purchases`: grouping the lines into
purchases is the bulk of the work, so a caller computing several summaries of the same lines
computes (and caches) the purchases once and passes them to each.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pandas as pd

from profitlens.contract import MONEY_DECIMALS

__all__ = [
    "TIME_UNITS",
    "purchases",
    "purchase_counts",
    "rfm_summary",
    "holdout_summary",
    "calibration_holdout_summary",
    "in_customer_order",
]

#: length of one time unit in days
TIME_UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def _unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ValueError(
            f"time_unit must be one of {sorted(TIME_UNITS)}, not {time_unit!r}"
        ) from None


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def in_customer_order(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` sorted by ``customer_id``, with a fresh index.

    Engines hand groups over in any order, and a model's likelihood (or any other float sum)
    over customers taken in that order differs in its last bits from run to run, and so do
    the fitted parameters; in customer order a rerun gives the same values.
    """
    return frame.sort_values("customer_id", kind="stable", ignore_index=True)


def purchases(invoice_lines: ir.Table) -> ir.Table:
    """Purchases: one row per customer and day whose net revenue is not negative.

    Columns: customer_id, purchase_date, revenue (net, summed over the day's lines), margin
    (revenue - cost), first_purchase (the customer's first purchase date), is_repeat.
    """
    t = invoice_lines
    days = t.group_by([t.customer_id, t.invoice_date.name("purchase_date")]).aggregate(
        revenue=t.revenue.sum(), margin=(t.revenue - t.cost).sum()
    )
    days = days.filter(days.revenue >= 0)
    # a join rather than a window: engines group by a key faster than they partition by it
    first = days.group_by("customer_id").aggregate(first_purchase=days.purchase_date.min())
    days = days.inner_join(first, "customer_id")
    return days.mutate(is_repeat=days.purchase_date > days.first_purchase)


def _purchases_of(table: ir.Table) -> ir.Table:
    """:func:`purchases` of invoice lines; a purchases table as it is."""
    return table if "first_purchase" in table.columns else purchases(table)


def purchase_counts(invoice_lines: ir.Table) -> ir.Table:
    """Purchases counted per day and first-purchase day: the cohort's purchases in brief.

    ``invoice_lines`` are invoice lines or their :func:`purchases`. Columns: purchase_date,
    first_purchase, is_repeat, n (purchases, int64). At most one row per pair of days, so a
    few hundred thousand rows at most over a few years, where :func:`purchases` has one per
    customer and day; :func:`~profitlens.clv.validation.tracking_data` takes either.
    """
    p = _purchases_of(invoice_lines)
    return p.group_by(["purchase_date", "first_purchase", "is_repeat"]).aggregate(n=p.count())


def rfm_summary(invoice_lines: ir.Table, calibration_end, time_unit: str = "week") -> ir.Table:
    """Calibration summary: one row per customer with a purchase on or before ``calibration_end``.

    ``invoice_lines`` are invoice lines (customer_id, invoice_date, revenue, cost) or their
    :func:`purchases`. Columns: customer_id, first_purchase, last_purchase, frequency (repeat
    purchases, float64), recency (last - first purchase), T (calibration_end - first
    purchase), both in ``time_unit``; revenue_mean and margin_mean (mean revenue / margin of
    the repeat purchases, null without repeats); revenue_first and margin_first (the first
    purchase's).
    """
    unit = _unit_days(time_unit)
    end = ibis.date(_as_date(calibration_end))
    p = _purchases_of(invoice_lines)
    p = p.filter(p.purchase_date <= end)
    # money sums to the millionth: an engine's float sums differ in their last bits with the
    # order it adds in, and the models fitted on them would differ from run to run
    g = p.group_by(p.customer_id).aggregate(
        first_purchase=p.first_purchase.min(),
        last_purchase=p.purchase_date.max(),
        n=p.count(),
        repeat_revenue=p.revenue.sum(where=p.is_repeat).round(MONEY_DECIMALS),
        repeat_margin=p.margin.sum(where=p.is_repeat).round(MONEY_DECIMALS),
        revenue_first=p.revenue.sum(where=~p.is_repeat).round(MONEY_DECIMALS),
        margin_first=p.margin.sum(where=~p.is_repeat).round(MONEY_DECIMALS),
    )
    frequency = (g.n - 1).cast("float64")
    has_repeat = g.n > 1
    return g.select(
        "customer_id",
        "first_purchase",
        "last_purchase",
        frequency=frequency,
        recency=g.last_purchase.delta(g.first_purchase, unit="day").cast("float64") / unit,
        T=end.delta(g.first_purchase, unit="day").cast("float64") / unit,
        revenue_mean=ibis.ifelse(has_repeat, g.repeat_revenue / frequency, ibis.null("float64")),
        margin_mean=ibis.ifelse(has_repeat, g.repeat_margin / frequency, ibis.null("float64")),
        revenue_first="revenue_first",
        margin_first="margin_first",
    )


def holdout_summary(
    invoice_lines: ir.Table, calibration_end, observation_end, time_unit: str = "week"
) -> ir.Table:
    """Holdout figures: one row per customer with purchases in (calibration_end, observation_end].

    ``invoice_lines`` are invoice lines or their :func:`purchases`. Columns: customer_id,
    frequency_holdout (purchases, float64), revenue_holdout, margin_holdout (sums over those
    purchases).
    """
    _unit_days(time_unit)
    start, stop = ibis.date(_as_date(calibration_end)), ibis.date(_as_date(observation_end))
    p = _purchases_of(invoice_lines)
    p = p.filter(
        (p.purchase_date > start) & (p.purchase_date <= stop) & (p.first_purchase <= start)
    )
    return p.group_by(p.customer_id).aggregate(
        frequency_holdout=p.count().cast("float64"),
        revenue_holdout=p.revenue.sum(),
        margin_holdout=p.margin.sum(),
    )


def calibration_holdout_summary(
    invoice_lines: ir.Table, calibration_end, observation_end, time_unit: str = "week"
) -> ir.Table:
    """Calibration summary plus holdout columns: one row per calibration customer.

    ``invoice_lines`` are invoice lines or their :func:`purchases`. Adds frequency_holdout,
    revenue_holdout, margin_holdout (0 without holdout purchases) and duration_holdout
    (observation_end - calibration_end, in ``time_unit``) to :func:`rfm_summary`.
    """
    cal_end, obs_end = _as_date(calibration_end), _as_date(observation_end)
    if obs_end <= cal_end:
        raise ValueError(f"observation_end {obs_end} must be after calibration_end {cal_end}")
    bought = _purchases_of(invoice_lines)
    cal = rfm_summary(bought, cal_end, time_unit)
    hold = holdout_summary(bought, cal_end, obs_end, time_unit)
    joined = cal.left_join(hold, cal.customer_id == hold.customer_id).drop("customer_id_right")
    return joined.mutate(
        frequency_holdout=joined.frequency_holdout.fill_null(0.0),
        revenue_holdout=joined.revenue_holdout.fill_null(0.0),
        margin_holdout=joined.margin_holdout.fill_null(0.0),
        duration_holdout=ibis.literal((obs_end - cal_end).days / _unit_days(time_unit)),
    )
