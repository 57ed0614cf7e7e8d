"""Every output table of a run, declared once: its name, grain (key), columns, types and order.

The writer sorts every table by its ``order`` (a table not declared here, by its first
column; one declared without an order, as it comes). ``tests/test_output_tables.py`` checks every output of
a run against these declarations (dbt's schema tests, in Python): key unique and not null,
columns and types as declared, rows in the declared order.

Examples
--------
>>> OUTPUTS["customer_pnl"].key
('customer_id', 'period')
>>> OUTPUTS["customer_pnl"].columns["profit"]
'double'
"""

from __future__ import annotations

from dataclasses import dataclass

from profitlens.contract import PNL_COLUMNS


@dataclass(frozen=True)
class OutputTable:
    """One output table.

    Parameters
    ----------
    name : str
    grain : str
        What one row is, in words.
    key : tuple of str
        Columns that identify a row (unique, never null); empty for a table without a key.
    columns : dict of str to str
        Column names in order, each with its Arrow type (``string``, ``int64``, ``double``,
        ``bool``, ``date32[day]``, ``timestamp[us]``).
    order : tuple of str
        Columns the writer sorts the rows by, ascending; empty: the rows are written in the
        order their analysis gives (a statement's lines).
    optional : tuple of str
        Columns present only when their feature ran (later features' columns).
    null_key : tuple of str
        Key columns where a null has a meaning (the provision matrix's portfolio rows).
    """

    name: str
    grain: str
    key: tuple[str, ...]
    columns: dict[str, str]
    order: tuple[str, ...]
    optional: tuple[str, ...] = ()
    null_key: tuple[str, ...] = ()


def _money(names) -> dict[str, str]:
    return {name: "double" for name in names}


_TREND_SUMMARY = {
    "trend_status": "string",
    "turn_period": "string",
    "profit_at_risk": "double",
    "main_driver": "string",
}
_CREDIT_SUMMARY = {
    "credit_exposure": "double",
    "overdue_balance": "double",
    "expected_credit_loss": "double",
    "liability": "bool",
}
_REFERRALS = {"referrals_made": "int64", "referral_value": "double", "value_quadrant": "string"}
_DECISION = {"recommendation": "string", "recommendation_reason": "string"}
_CLV = {
    "p_alive": "double",
    "expected_purchases_12m": "double",
    "clv_revenue": "double",
    "clv_profit": "double",
}

_TABLES = (
    OutputTable(
        "customer_pnl",
        "customer and period in which any P&L line is non-zero",
        ("customer_id", "period"),
        {"customer_id": "string", "period": "string", **_money(PNL_COLUMNS)},
        ("customer_id", "period"),
    ),
    OutputTable(
        "customer_summary",
        "customer",
        ("customer_id",),
        {
            "customer_id": "string",
            "segment": "string",
            **_money(PNL_COLUMNS),
            "rank": "int64",
            "cumulative_profit_share": "double",
            **_TREND_SUMMARY,
            **_CREDIT_SUMMARY,
            **_CLV,
            **_REFERRALS,
            **_DECISION,
        },
        ("rank",),
        optional=(*_TREND_SUMMARY, *_CREDIT_SUMMARY, *_CLV, *_REFERRALS, *_DECISION),
    ),
    OutputTable(
        "resource_usage",
        "resource and period",
        ("resource", "period"),
        {
            "resource": "string",
            "period": "string",
            "cost": "double",
            "capacity_minutes": "double",
            "used_minutes": "double",
            "customer_cost": "double",
            "pursuit_cost": "double",
            "unused_cost": "double",
        },
        ("resource", "period"),
    ),
    OutputTable(
        "quarantine",
        "unusable input row and problem",
        (),
        {
            "table": "string",
            "row": "int64",
            "column": "string",
            "value": "string",
            "reason": "string",
        },
        ("table", "row", "column", "reason"),
    ),
    OutputTable(
        "customer_activity",
        "customer and period with activity",
        ("customer_id", "period"),
        {
            "customer_id": "string",
            "period": "string",
            "sales_minutes": "double",
            "service_minutes": "double",
            "fulfilment_minutes": "double",
            "tickets": "int64",
        },
        ("customer_id", "period"),
    ),
    OutputTable(
        "customer_trends",
        "customer",
        ("customer_id",),
        {
            "customer_id": "string",
            "segment": "string",
            "status": "string",
            "turn_period": "string",
            "turn_period_low": "string",
            "turn_period_high": "string",
            "history_periods": "int64",
            "rolling_profit": "double",
            "trend_slope": "double",
            "profit_prior": "double",
            "profit_recent": "double",
            "profit_change": "double",
            **_money(
                f"change_{part}"
                for part in (
                    "volume",
                    "price_mix",
                    "commission",
                    "acquisition",
                    "sales",
                    "service",
                    "fulfilment",
                    "credit",
                    "referral",
                )
            ),
            "revenue_growth": "double",
            "service_minutes_growth": "double",
            "revenue_per_service_minute": "double",
            "revenue_per_service_minute_change": "double",
            "attention_flag": "bool",
            **_money(f"forecast{band}_{h}" for band in ("", "_lo", "_hi") for h in (1, 2, 3)),
            "profit_at_risk": "double",
            "main_driver": "string",
        },
        ("customer_id",),
    ),
    OutputTable(
        "receivables",
        "invoice",
        ("invoice_id",),
        {
            "invoice_id": "string",
            "customer_id": "string",
            "segment": "string",
            "invoice_date": "date32[day]",
            "due_date": "date32[day]",
            "amount": "double",
            "cost": "double",
            "paid": "double",
            "written_off": "double",
            "open_balance": "double",
            "days_past_due": "int64",
            "bucket": "string",
            "bucket_order": "int64",
            "settled_on": "date32[day]",
            "days_late": "int64",
            "paid_late": "bool",
            "invoice_day": "int64",
            "due_day": "int64",
            "loss_rate": "double",
            "expected_credit_loss": "double",
        },
        ("invoice_id",),
    ),
    OutputTable(
        "customer_credit",
        "customer",
        ("customer_id",),
        {
            "customer_id": "string",
            "segment": "string",
            "credit_exposure": "double",
            "unapplied_credit": "double",
            "overdue_balance": "double",
            "open_invoices": "int64",
            "max_days_past_due": "int64",
            "expected_credit_loss": "double",
            "dso": "double",
            "avg_days_late": "double",
            "late_share": "double",
            "lateness_trend": "double",
            "expected_margin": "double",
            "liability": "bool",
            "liability_reasons": "string",
        },
        ("customer_id",),
    ),
    OutputTable(
        "provision_matrix",
        "segment (null: the whole portfolio) and aging bucket",
        ("segment", "bucket"),
        {
            "segment": "string",
            "bucket": "string",
            "bucket_order": "int64",
            "exposure": "double",
            "loss": "double",
            "historical_loss_rate": "double",
            "loss_rate": "double",
        },
        ("segment",),
        null_key=("segment",),
    ),
    OutputTable(
        "customer_clv",
        "customer with a lifetime value",
        ("customer_id",),
        {"customer_id": "string", **_CLV},
        ("customer_id",),
    ),
    OutputTable(
        "clv_tracking",
        "time point of the cumulative purchases chart",
        ("t",),
        {
            "t": "double",
            "date": "timestamp[us]",
            "actual": "double",
            "model": "double",
            "period": "string",
        },
        ("t",),
    ),
    OutputTable(
        "clv_calibration",
        "number of calibration purchases",
        ("frequency",),
        {
            "frequency": "int64",
            "label": "string",
            "customers": "int64",
            "actual": "double",
            "model": "double",
        },
        ("frequency",),
    ),
    OutputTable(
        "clv_holdout_errors",
        "holdout check",
        (),
        {
            "calibration_end": "timestamp[us]",
            "observation_end": "timestamp[us]",
            "model": "string",
            "time_unit": "string",
            "customers": "int64",
            "actual_total": "double",
            "predicted_total": "double",
            "total_error_pct": "double",
            "mae": "double",
            "rmse": "double",
            "correlation": "double",
        },
        ("calibration_end",),
    ),
)

_TABLES += (
    OutputTable(
        "reconciliation",
        "resource and period: its cost against sums computed apart",
        ("resource", "period"),
        {
            "resource": "string",
            "period": "string",
            "cost": "double",
            "charged_to_customers": "double",
            "pursuit_cost": "double",
            "unused_capacity": "double",
            "gap": "double",
        },
        ("resource", "period"),
    ),
    OutputTable(
        "cost_trace",
        "customer, period, P&L line, activity and resource of an activity cost",
        ("customer_id", "period", "line", "activity", "resource"),
        {
            "customer_id": "string",
            "period": "string",
            "line": "string",
            "activity": "string",
            "resource": "string",
            "minutes": "double",
            "cost_per_minute": "double",
            "cost": "double",
        },
        ("customer_id", "period", "line", "activity", "resource"),
    ),
    OutputTable(
        "referral_chains",
        "customer in the referral graph (referred or referring)",
        ("customer_id",),
        {
            "customer_id": "string",
            "referrer_id": "string",
            "root_id": "string",
            "depth": "int64",
            "direct_referrals": "int64",
            "chain_referrals": "int64",
            "referral_value": "double",
        },
        ("customer_id",),
    ),
    OutputTable(
        "decisions",
        "customer and option (keep, reprice, serve_differently, end)",
        ("customer_id", "option"),
        {
            "customer_id": "string",
            "option": "string",
            "npv": "double",
            "recommended": "bool",
            "monthly_profit": "double",
            "price_change": "double",
            "churn_risk": "double",
            "substitutions": "string",
            "monthly_saving": "double",
            "contribution_lost": "double",
            "reducible_cost_saved": "double",
            "non_reducible_cost_kept": "double",
            "referral_value_lost": "double",
        },
        ("customer_id", "option"),
    ),
    OutputTable(
        "prospect_scores",
        "open prospect (DATA_CONTRACT.md 5.2)",
        ("prospect_id",),
        {
            "prospect_id": "string",
            "p_convert": "double",
            "expected_lifetime_profit": "double",
            "expected_service_cost": "double",
            "expected_pursuit_cost": "double",
            "expected_return": "double",
            "recommendation": "string",
            "reasons": "string",
        },
        ("prospect_id",),
    ),
    OutputTable(
        "scenario_comparison",
        "customer of the base or the scenario run (profitlens whatif)",
        ("customer_id",),
        {
            "customer_id": "string",
            "base_profit": "double",
            "scenario_profit": "double",
            "change": "double",
            **_money(f"{c}_change" for c in PNL_COLUMNS if c != "profit"),
        },
        ("customer_id",),
    ),
    OutputTable(
        "scenario_totals",
        "P&L line, and unused capacity, in statement order (whatif)",
        ("line",),
        {"line": "string", "base": "double", "scenario": "double", "change": "double"},
        (),
    ),
)

#: every output table by name
OUTPUTS: dict[str, OutputTable] = {table.name: table for table in _TABLES}

__all__ = ["OUTPUTS", "OutputTable"]
