"""The features after the P&L: trends, credit risk, lifetime value and prospect scores.

Each feature adds its own output table and a few columns to ``customer_summary``. A feature that
cannot be computed on the data at hand (too little history for a lifetime-value model) leaves
its columns empty and says why in ``run_info.json``, rather than failing the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import pandas as pd

from profitlens.clv.cost_to_serve import customer_cost_to_serve
from profitlens.clv.selection import check_enough
from profitlens.clv.summary import (
    calibration_holdout_summary,
    in_customer_order,
    purchase_counts,
    purchases,
)
from profitlens.clv.validation import calibration_by_frequency, holdout_errors, tracking_data
from profitlens.clv.value import fit_lifetime_value
from profitlens.credit.analysis import analyse_credit
from profitlens.credit.customer_credit import customer_summary_columns
from profitlens.decisions.feature import decision_feature
from profitlens.engine import cache
from profitlens.errors import ProfitlensError
from profitlens.models import TRANSACTION_MODELS
from profitlens.output_tables import OUTPUTS
from profitlens.periods import period_calendar
from profitlens.prospects import run_prospect_scores
from profitlens.referrals.feature import referral_feature
from profitlens.staging import extreme_dates
from profitlens.trends.mart import customer_summary_trend_columns, customer_trends

#: the lifetime-value columns (of customer_clv) that customer_summary carries too
CLV_SUMMARY = {c: kind for c, kind in OUTPUTS["customer_clv"].columns.items() if c != "customer_id"}
HOLDOUT_MIN_WEEKS = 24  # a third of it (8 weeks) is the shortest holdout worth checking
HOLDOUT_UNIT = "week"


@dataclass
class Features:
    """Feature output tables, summary columns (customer_id + columns) and notes."""

    tables: dict[str, ir.Table] = field(default_factory=dict)
    summary_columns: list[ir.Table] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    #: per-customer frames a later feature reads (``clv``: the lifetime-value table)
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)


def trends_feature(contract, features: Features) -> None:
    """customer_trends, and trend_status, turn_period, profit_at_risk, main_driver."""
    t = contract.tables
    periods = trend_periods(contract)
    settings = contract.staged.model.trends
    trends = customer_trends(
        t["customer_pnl"],
        t["customer_activity"],
        contract.staged.tables["customers"],
        periods,
        window=settings.window,
        compare_window=settings.compare_window,
        rules=settings.status.model_copy(update={"window": settings.window}),
        attention=settings.attention.model_dump(),
    )
    features.tables["customer_trends"] = frame_table(trends)
    features.summary_columns.append(frame_table(customer_summary_trend_columns(trends)))


def trend_periods(contract) -> list[str]:
    """The periods of the customers' profit series: the run's calendar, from an earlier period
    when the ``commissions`` table has a commission paid before it.

    The calendar starts with the earliest invoice, activity, payment or referral (it is that
    of ``resource_usage``), but a commission paid earlier still has its P&L row.
    """
    calendar = contract.calendar
    commissions = contract.staged.tables["commissions"]
    paid = (
        []
        if commissions is None
        else extreme_dates({"commissions": commissions}, {"commissions": "paid_on"}, "min")
    )
    first = min([*paid, calendar["period_start"].iloc[0]])
    if first < calendar["period_start"].iloc[0]:
        calendar = period_calendar(
            first, calendar["period_end"].iloc[-1], contract.staged.model.period
        )
    return calendar["period"].tolist()


def credit_feature(contract, features: Features) -> None:
    """receivables, customer_credit, provision_matrix, and the credit summary columns."""
    staged = contract.staged
    t = staged.tables
    analysis = analyse_credit(
        t["invoice_lines"],
        t["payments"],
        t["customers"],
        staged.as_of,
        staged.model.payment_terms_days,
        policy=staged.model.credit,
        rolled_up=contract.invoices,
    )
    features.tables["receivables"] = analysis.receivables
    features.tables["customer_credit"] = analysis.customer_credit
    features.tables["provision_matrix"] = frame_table(analysis.provision_matrix_frame)
    features.summary_columns.append(customer_summary_columns(analysis.customer_credit))


def clv_feature(contract, features: Features) -> None:
    """customer_clv and p_alive, expected_purchases_12m, clv_revenue, clv_profit.

    Customers of the segments listed under ``clv: contractual_segments`` in the cost model are
    valued by the shifted-beta-geometric model of contract renewals; everyone else by the
    best transaction model. Without that setting nobody is taken for a contract customer: a
    running contract and a customer who has no contract look the same in the data.

    The transaction model is then checked on a holdout (see :func:`clv_holdout`):
    clv_tracking, clv_calibration and clv_holdout_errors, or ``notes["clv_holdout"]``
    saying why not. The purchases up to the as-of date, which the fit and the holdout check
    both summarise, are computed once and cached for the time of the feature.
    """
    staged = contract.staged
    t = staged.tables
    costs = customer_cost_to_serve(
        contract.tables["customer_pnl"], t["customers"], staged.as_of, staged.model.period
    )
    settings = staged.model.clv
    segments = settings.contractual_segments
    cohort = t["customers"].filter(t["customers"].segment.isin(segments)) if segments else None
    lines = t["invoice_lines"]
    seen = lines.filter(lines.invoice_date <= ibis.date(staged.as_of))
    with cache(purchases(seen)) as bought:
        try:
            result = fit_lifetime_value(
                lines,
                costs,
                staged.model.annual_discount_rate,
                as_of=staged.as_of,
                period=staged.model.period,
                customers=cohort,
                model=settings.model,
                horizon_months=settings.horizon_months,
                shrinkage_periods=settings.shrinkage_periods,
                contractual="auto" if segments else "none",
                purchases=bought,
            )
            clv = result.table.loc[:, ["customer_id", *CLV_SUMMARY]]
            features.frames["clv"] = result.table
            if result.notes:
                features.notes["clv"] = " ".join(result.notes)
        except ProfitlensError as exc:  # too little data, or a model that cannot be fitted
            features.notes["clv"] = str(exc)
            _, short = holdout_calibration_end(lines, staged.as_of)
            features.notes["clv_holdout"] = (
                short
                or "No holdout check: no lifetime-value model was fitted to the whole history."
            )
            clv = pd.DataFrame(
                {
                    "customer_id": pd.Series([], dtype=str),
                    **{c: pd.Series([], dtype=k) for c, k in CLV_SUMMARY.items()},
                }
            )
        else:
            clv_holdout(lines, bought, staged.as_of, result.settings["model"], features)
    table = ibis.memtable(clv, schema={"customer_id": "string", **CLV_SUMMARY})
    features.tables["customer_clv"] = table
    features.summary_columns.append(table)


def clv_holdout(
    invoice_lines: ir.Table, bought: ir.Table, as_of: dt.date, model: str, features: Features
) -> None:
    """Holdout check of the transaction model: clv_tracking, clv_calibration, clv_holdout_errors.

    ``bought`` are the :func:`~profitlens.clv.summary.purchases` of ``invoice_lines`` up to
    ``as_of``. The model named ``model`` (the one :func:`fit_lifetime_value` chose) is
    refitted, in weeks, on the purchases up to a calibration end one third of the history
    before ``as_of`` (the history runs from the first invoice date), and its forecast is
    compared with the purchases after it. Grains: clv_tracking one row per week since the
    cohort's first purchase (t, date, actual and model cumulative repeat purchases, period
    "calibration" or "holdout"); clv_calibration one row per calibration frequency
    (frequency, label, customers, mean holdout purchases actual and model; 7 and more
    pooled); clv_holdout_errors one row (calibration_end, observation_end, model, time_unit,
    then :func:`~profitlens.clv.validation.holdout_errors`). A history shorter than
    ``HOLDOUT_MIN_WEEKS`` weeks, or a model that cannot be fitted at the calibration end,
    gives ``notes["clv_holdout"]`` instead.
    """
    calibration_end, short = holdout_calibration_end(invoice_lines, as_of)
    if calibration_end is None:
        features.notes["clv_holdout"] = short
        return
    try:
        summary = calibration_holdout_summary(bought, calibration_end, as_of, HOLDOUT_UNIT)
        summary = summary.select(
            "customer_id", "frequency", "recency", "T", "duration_holdout", "frequency_holdout"
        ).execute()
        summary = in_customer_order(summary)
        x, t_x, age = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
        check_enough(x)
        tm = TRANSACTION_MODELS[model]().fit(x, t_x, age)
        track = tracking_data(
            purchase_counts(bought).execute(), tm, as_of, HOLDOUT_UNIT, calibration_end
        )
        calibration = calibration_by_frequency(summary, tm)
        errors = holdout_errors(summary, tm)
    except (ProfitlensError, ValueError) as exc:
        features.notes["clv_holdout"] = (
            f"No holdout check at calibration end {calibration_end}: {exc}"
        )
        return
    features.tables["clv_tracking"] = frame_table(track)
    features.tables["clv_calibration"] = frame_table(calibration)
    features.tables["clv_holdout_errors"] = frame_table(
        pd.DataFrame(
            [
                {
                    "calibration_end": pd.Timestamp(calibration_end),
                    "observation_end": pd.Timestamp(as_of),
                    "model": model,
                    "time_unit": HOLDOUT_UNIT,
                    **errors,
                }
            ]
        )
    )


def holdout_calibration_end(
    invoice_lines: ir.Table, as_of: dt.date
) -> tuple[dt.date | None, str | None]:
    """Calibration end of the holdout check, or None and the reason the history is too short.

    The history runs from the first invoice date to ``as_of``; its last third (whole days,
    rounded down) is held out. Histories shorter than ``HOLDOUT_MIN_WEEKS`` weeks are not
    checked.
    """
    first = (
        invoice_lines.filter(invoice_lines.invoice_date <= ibis.date(as_of))
        .invoice_date.min()
        .execute()
    )
    first = as_of if first is None or pd.isna(first) else pd.Timestamp(first).date()
    span = (as_of - first).days
    if span < 7 * HOLDOUT_MIN_WEEKS:
        return None, (
            f"No holdout check: the history from {first} to {as_of} is "
            f"{span / 7:.1f} weeks, shorter than the {HOLDOUT_MIN_WEEKS} weeks needed "
            f"(its last third, at least {HOLDOUT_MIN_WEEKS // 3} weeks, is held out)."
        )
    return as_of - dt.timedelta(days=span // 3), None


def frame_table(frame: pd.DataFrame) -> ir.Table:
    """A pandas result as an Ibis table; text columns stay text even when all empty."""
    schema = {}
    for name, column in frame.items():
        if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
            schema[name] = "string"
        else:
            schema[name] = (
                ibis.dtype(column.dtype)
                if column.notna().any() or pd.api.types.is_numeric_dtype(column.dtype)
                else "string"
            )
    text = [c for c, k in schema.items() if k == "string"]
    frame = frame.astype({c: object for c in text}).where(frame.notna(), None) if text else frame
    return ibis.memtable(frame, schema=schema)


def prospects_feature(contract, features: Features) -> None:
    """prospect_scores: the open prospects' expected return and recommendation (after
    :func:`clv_feature`, whose p_alive says how long a won customer stayed), or
    ``notes["prospects"]`` saying why there are none."""
    scores = run_prospect_scores(contract, features.tables["customer_clv"])
    if scores.table is not None:
        features.tables["prospect_scores"] = frame_table(scores.table)
    if scores.note:
        features.notes["prospects"] = scores.note


FEATURES = (
    trends_feature,
    credit_feature,
    clv_feature,
    prospects_feature,
    referral_feature,
    decision_feature,
)


def feature_tables(contract, progress=None) -> Features:
    """Run every feature on a :class:`~profitlens.pipeline.stages.Contract`."""
    features = Features()
    for feature in FEATURES:
        if progress:
            progress(feature.__name__.removesuffix("_feature").replace("_", " "))
        feature(contract, features)
    return features
