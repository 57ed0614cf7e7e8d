"""Credit position of each customer at the as-of date: exposure, lateness, ECL and liability.

Definitions (defaults from :class:`profitlens.settings.CreditPolicy`):

- ``credit_exposure``: sum of the customer's positive open invoice balances;
  ``unapplied_credit``: sum of its negative ones (credit notes, overpayments), as a positive
  amount; ``overdue_balance``: the part of ``credit_exposure`` past its due date.
- ``dso``: credit_exposure / revenue invoiced in the last ``dso_window_days`` x that many days
  (null when nothing was invoiced in the window).
- ``avg_days_late`` / ``late_share``: mean days late and share of invoices paid (or, still open,
  being) late, over invoices due within ``lookback_days`` whose lateness is known.
- ``lateness_trend``: mean days late of invoices due in the last ``trend_window_days`` minus
  that of the earlier ones within ``lookback_days`` (null with fewer than
  ``min_trend_invoices`` in either window).
- ``expected_credit_loss``: sum of the invoices' ECL (provision matrix).
- ``expected_margin``: from the table handed in (e.g. the P&L or lifetime value); without
  one, the gross margin (revenue - cost) invoiced in the 365 days up to the as-of date.
- ``liability`` is true when any reason holds; ``liability_reasons`` lists them:
  ``overdue beyond N days`` (an open balance more than ``overdue_days_limit`` days past due),
  ``ECL above expected margin``, ``lateness worsening`` (trend above
  ``lateness_worsening_days``).
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from profitlens.credit.receivables import CENT_TOLERANCE, epoch_day
from profitlens.settings import CreditPolicy

#: columns customer_summary takes from this mart
SUMMARY_COLUMNS = ("credit_exposure", "overdue_balance", "expected_credit_loss", "liability")
#: the columns of :func:`customer_credit`, in order
COLUMNS = (
    "customer_id",
    "segment",
    "credit_exposure",
    "unapplied_credit",
    "overdue_balance",
    "open_invoices",
    "max_days_past_due",
    "expected_credit_loss",
    "dso",
    "avg_days_late",
    "late_share",
    "lateness_trend",
    "expected_margin",
    "liability",
    "liability_reasons",
)
MARGIN_FALLBACK_DAYS = 365


def customer_credit(
    receivables: ir.Table,
    customers: ir.Table,
    as_of: dt.date,
    policy: CreditPolicy | None = None,
    expected_margin: ir.Table | None = None,
) -> ir.Table:
    """Credit figures and liability flag per customer.

    Grain: one row per customer of ``customers`` (zeros and nulls for a customer without
    invoices).

    Parameters
    ----------
    receivables : ibis Table
        :func:`profitlens.credit.receivables.receivables` with ``expected_credit_loss``
        added by :meth:`ProvisionMatrix.transform`.
    customers : ibis Table
        customer_id and optionally segment.
    expected_margin : ibis Table, optional
        customer_id, expected_margin. Without it, the trailing-year gross margin is used.

    Columns (:data:`COLUMNS`): customer_id, segment, credit_exposure, unapplied_credit,
    overdue_balance, open_invoices, max_days_past_due, expected_credit_loss, dso,
    avg_days_late, late_share, lateness_trend, expected_margin, liability, liability_reasons.
    """
    policy = policy or CreditPolicy()
    # every figure is one aggregate over the receivables: one pass, one grouping by customer
    r = receivables
    sums = {**_balance_sums(r, as_of, policy), **_lateness_sums(r, as_of, policy)}
    if expected_margin is None:
        sums["expected_margin"] = _trailing_margin(r, as_of)
    figures = _with_trend(_with_dso(r.group_by("customer_id").aggregate(**sums), policy), policy)

    segment = customers.segment if "segment" in customers.columns else ibis.null("string")
    base = customers.select("customer_id", segment=segment.cast("string"))
    t = base.left_join(figures, "customer_id").select(
        base, *[figures[c] for c in figures.columns if c != "customer_id"]
    )
    if expected_margin is not None:
        t = t.left_join(expected_margin, "customer_id").select(t, expected_margin.expected_margin)
    t = t.mutate(
        **{
            c: t[c].fill_null(0.0)
            for c in (
                "credit_exposure",
                "unapplied_credit",
                "overdue_balance",
                "expected_credit_loss",
            )
        },
        expected_margin=t.expected_margin.cast("float64"),
        open_invoices=t.open_invoices.fill_null(0).cast("int64"),
        max_days_past_due=t.max_days_past_due.fill_null(0).cast("int64"),
    )
    return _flag(t, policy).select(*COLUMNS).order_by("customer_id")


def customer_summary_columns(customer_credit: ir.Table) -> ir.Table:
    """The credit columns of ``customer_summary``: customer_id + :data:`SUMMARY_COLUMNS`.

    Grain: one row per customer.
    """
    return customer_credit.select("customer_id", *SUMMARY_COLUMNS)


def _balance_sums(r: ir.Table, as_of: dt.date, policy: CreditPolicy) -> dict[str, ir.Scalar]:
    """Per-customer aggregates: balances, ECL, revenue of the DSO window (see _with_dso)."""
    is_open = r.open_balance > CENT_TOLERANCE
    window_start = epoch_day(as_of) - policy.dso_window_days
    ecl = (
        r.expected_credit_loss
        if "expected_credit_loss" in r.columns
        else ibis.literal(0.0, "float64")
    )
    return dict(
        credit_exposure=is_open.ifelse(r.open_balance, 0.0).sum(),
        unapplied_credit=(r.open_balance < -CENT_TOLERANCE).ifelse(-r.open_balance, 0.0).sum(),
        overdue_balance=(is_open & (r.days_past_due > 0)).ifelse(r.open_balance, 0.0).sum(),
        open_invoices=is_open.ifelse(1, 0).sum(),
        max_days_past_due=is_open.ifelse(r.days_past_due, ibis.null("int64")).max(),
        expected_credit_loss=ecl.sum(),
        _window_revenue=(r.invoice_day > window_start).ifelse(r.amount, 0.0).sum(),
    )


def _with_dso(agg: ir.Table, policy: CreditPolicy) -> ir.Table:
    """``agg`` (with :func:`_balance_sums`) with dso."""
    dso = (agg.credit_exposure <= CENT_TOLERANCE).ifelse(
        0.0,
        (agg._window_revenue > CENT_TOLERANCE).ifelse(
            agg.credit_exposure / agg._window_revenue * policy.dso_window_days, ibis.null("float64")
        ),
    )
    return agg.mutate(dso=dso).drop("_window_revenue")


def _lateness_sums(r: ir.Table, as_of: dt.date, policy: CreditPolicy) -> dict[str, ir.Scalar]:
    """Per-customer aggregates over the invoices of known lateness due within the lookback:
    avg_days_late, late_share (null for a customer without any), counts and sums of days late
    in the two trend windows (for :func:`_with_trend`)."""
    as_of_day = epoch_day(as_of)
    known = r.days_late.notnull() & (r.due_day > as_of_day - policy.lookback_days)
    recent = known & (r.due_day > as_of_day - policy.trend_window_days)
    earlier = known & ~recent
    late = r.days_late.cast("float64")
    return dict(
        avg_days_late=known.ifelse(late, ibis.null("float64")).mean(),
        late_share=known.ifelse(r.paid_late.cast("float64"), ibis.null("float64")).mean(),
        _n_recent=recent.ifelse(1, 0).sum(),
        _n_earlier=earlier.ifelse(1, 0).sum(),
        _sum_recent=recent.ifelse(late, 0.0).sum(),
        _sum_earlier=earlier.ifelse(late, 0.0).sum(),
    )


def _with_trend(agg: ir.Table, policy: CreditPolicy) -> ir.Table:
    """``agg`` (with :func:`_lateness_sums`) with lateness_trend."""
    enough = (agg._n_recent >= policy.min_trend_invoices) & (
        agg._n_earlier >= policy.min_trend_invoices
    )
    trend = agg._sum_recent / agg._n_recent - agg._sum_earlier / agg._n_earlier
    return agg.mutate(lateness_trend=enough.ifelse(trend, ibis.null("float64"))).drop(
        "_n_recent", "_n_earlier", "_sum_recent", "_sum_earlier"
    )


def _trailing_margin(r: ir.Table, as_of: dt.date) -> ir.Scalar:
    """Gross margin invoiced in the year up to ``as_of`` (a per-customer aggregate)."""
    start = epoch_day(as_of) - MARGIN_FALLBACK_DAYS
    return (r.invoice_day > start).ifelse(r.amount - r.cost, 0.0).sum()


def _flag(t: ir.Table, policy: CreditPolicy) -> ir.Table:
    overdue = t.max_days_past_due > policy.overdue_days_limit
    ecl_over = (t.expected_credit_loss > CENT_TOLERANCE) & (
        t.expected_credit_loss > t.expected_margin
    ).fill_null(False)
    worsening = (t.lateness_trend > policy.lateness_worsening_days).fill_null(False)
    none = ibis.null("string")
    reasons = ibis.literal("; ").join(
        [
            overdue.ifelse(f"overdue beyond {policy.overdue_days_limit} days", none),
            ecl_over.ifelse("ECL above expected margin", none),
            worsening.ifelse("lateness worsening", none),
        ]
    )
    return t.mutate(liability=overdue | ecl_over | worsening, liability_reasons=reasons.nullif(""))
