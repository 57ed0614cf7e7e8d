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
"""
from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

__all__ = ["TIME_UNITS", "purchases", "rfm_summary", "holdout_summary",
           "calibration_holdout_summary"]

#: length of one time unit in days
TIME_UNITS = {"day": 1.0, "week": 7.0, "month": 365.25 / 12}


def _unit_days(time_unit: str) -> float:
    try:
        return TIME_UNITS[time_unit]
    except KeyError:
        raise ValueError(f"time_unit must be one of {sorted(TIME_UNITS)}, "
                         f"not {time_unit!r}") from None


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None


def purchases(invoice_lines: ir.Table) -> ir.Table:
    """Purchases: one row per customer and day whose net revenue is not negative.

    Columns: customer_id, purchase_date, revenue (net, summed over the day's lines), margin
    (revenue - cost), first_purchase (the customer's first purchase date), is_repeat.
    """
    t = invoice_lines
    days = t.group_by([t.customer_id, t.invoice_date.name("purchase_date")]).aggregate(
        revenue=t.revenue.sum(), margin=(t.revenue - t.cost).sum())
    days = days.filter(days.revenue >= 0)
    first = days.purchase_date.min().over(ibis.window(group_by=days.customer_id))
    days = days.mutate(first_purchase=first)
    return days.mutate(is_repeat=days.purchase_date > days.first_purchase)


def rfm_summary(invoice_lines: ir.Table, calibration_end, time_unit: str = "week") -> ir.Table:
    """Calibration summary: one row per customer with a purchase on or before ``calibration_end``.

    Columns: customer_id, first_purchase, last_purchase, frequency (repeat purchases, float64),
    recency (last - first purchase), T (calibration_end - first purchase), both in
    ``time_unit``; revenue_mean and margin_mean (mean revenue / margin of the repeat purchases,
    null without repeats); revenue_first and margin_first (the first purchase's).
    """
    unit = _unit_days(time_unit)
    end = ibis.date(_as_date(calibration_end))
    p = purchases(invoice_lines)
    p = p.filter(p.purchase_date <= end)
    g = p.group_by(p.customer_id).aggregate(
        first_purchase=p.first_purchase.min(),
        last_purchase=p.purchase_date.max(),
        n=p.count(),
        repeat_revenue=p.revenue.sum(where=p.is_repeat),
        repeat_margin=p.margin.sum(where=p.is_repeat),
        revenue_first=p.revenue.sum(where=~p.is_repeat),
        margin_first=p.margin.sum(where=~p.is_repeat),
    )
    frequency = (g.n - 1).cast("float64")
    has_repeat = g.n > 1
    return g.select(
        "customer_id", "first_purchase", "last_purchase",
        frequency=frequency,
        recency=g.last_purchase.delta(g.first_purchase, unit="day").cast("float64") / unit,
        T=end.delta(g.first_purchase, unit="day").cast("float64") / unit,
        revenue_mean=ibis.ifelse(has_repeat, g.repeat_revenue / frequency, ibis.null("float64")),
        margin_mean=ibis.ifelse(has_repeat, g.repeat_margin / frequency, ibis.null("float64")),
        revenue_first="revenue_first", margin_first="margin_first",
    )


def holdout_summary(invoice_lines: ir.Table, calibration_end, observation_end,
                    time_unit: str = "week") -> ir.Table:
    """Holdout figures: one row per customer with purchases in (calibration_end, observation_end].

    Columns: customer_id, frequency_holdout (purchases, float64), revenue_holdout,
    margin_holdout (sums over those purchases).
    """
    _unit_days(time_unit)
    start, stop = ibis.date(_as_date(calibration_end)), ibis.date(_as_date(observation_end))
    p = purchases(invoice_lines)
    p = p.filter((p.purchase_date > start) & (p.purchase_date <= stop)
                 & (p.first_purchase <= start))
    return p.group_by(p.customer_id).aggregate(
        frequency_holdout=p.count().cast("float64"),
        revenue_holdout=p.revenue.sum(), margin_holdout=p.margin.sum())


def calibration_holdout_summary(invoice_lines: ir.Table, calibration_end, observation_end,
                                time_unit: str = "week") -> ir.Table:
    """Calibration summary plus holdout columns: one row per calibration customer.

    Adds frequency_holdout, revenue_holdout, margin_holdout (0 without holdout purchases) and
    duration_holdout (observation_end - calibration_end, in ``time_unit``) to
    :func:`rfm_summary`.
    """
    cal_end, obs_end = _as_date(calibration_end), _as_date(observation_end)
    if obs_end <= cal_end:
        raise ValueError(f"observation_end {obs_end} must be after calibration_end {cal_end}")
    cal = rfm_summary(invoice_lines, cal_end, time_unit)
    hold = holdout_summary(invoice_lines, cal_end, obs_end, time_unit)
    joined = cal.left_join(hold, cal.customer_id == hold.customer_id).drop("customer_id_right")
    return joined.mutate(
        frequency_holdout=joined.frequency_holdout.fill_null(0.0),
        revenue_holdout=joined.revenue_holdout.fill_null(0.0),
        margin_holdout=joined.margin_holdout.fill_null(0.0),
        duration_holdout=ibis.literal((obs_end - cal_end).days / _unit_days(time_unit)),
    )
