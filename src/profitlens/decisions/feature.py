"""The decision feature of a run: ``decisions`` and recommendation, recommendation_reason."""

from __future__ import annotations

import ibis
import numpy as np
import pandas as pd

from .inputs import decision_inputs
from .options import annuity_months, decisions_table, option_values
from .recommend import recommendations

#: the lifetime-value horizon (profitlens.clv.value.fit_lifetime_value's default)
DAYS_PER_MONTH = 365.25 / 12
DECISIONS_SCHEMA = {
    "customer_id": "string",
    "option": "string",
    "npv": "float64",
    "recommended": "boolean",
    "monthly_profit": "float64",
    "price_change": "float64",
    "churn_risk": "float64",
    "substitutions": "string",
    "monthly_saving": "float64",
    "contribution_lost": "float64",
    "reducible_cost_saved": "float64",
    "non_reducible_cost_kept": "float64",
    "referral_value_lost": "float64",
}


def alive_months(
    customers: pd.DataFrame,
    clv: pd.DataFrame | None,
    as_of,
    annual_discount_rate: float,
    horizon_months: int,
) -> np.ndarray:
    """A per customer: its discounted alive months of the lifetime-value model, else the
    discounted months of the whole horizon; 0 once its ``ended_on`` is on or before as-of."""
    ids = customers["customer_id"].astype(str)
    whole = annuity_months(horizon_months, annual_discount_rate)
    a = np.full(len(ids), whole)
    if clv is not None and "discounted_alive_months" in clv:
        known = clv.set_index(clv["customer_id"].astype(str))["discounted_alive_months"]
        a = known.reindex(ids).fillna(whole).to_numpy(float)
    if "ended_on" in customers:
        ended = pd.to_datetime(customers["ended_on"]) <= pd.Timestamp(as_of)
        a = np.where(ended.to_numpy(), 0.0, a)
    return a


def decision_feature(contract, features) -> None:
    """decisions, and recommendation, recommendation_reason in customer_summary
    (:mod:`profitlens.decisions.options`). Runs after the referral feature."""
    staged = contract.staged
    model = staged.model
    inputs = decision_inputs(contract, model)
    columns = ["customer_id", "acquired_on"] + [
        c for c in ("ended_on",) if c in staged.tables["customers"].columns
    ]
    customers = staged.tables["customers"].select(*columns).execute()
    customers["customer_id"] = customers["customer_id"].astype(str)
    inputs = inputs.merge(customers, on="customer_id", how="left")
    days = (pd.Timestamp(staged.as_of) - pd.to_datetime(inputs["acquired_on"])).dt.days
    inputs["tenure_months"] = days.clip(lower=0).fillna(0).to_numpy(float) / DAYS_PER_MONTH
    inputs["alive_months"] = alive_months(
        inputs,
        features.frames.get("clv"),
        staged.as_of,
        model.annual_discount_rate,
        model.clv.horizon_months,
    )
    referrals = features.frames["referrals"].set_index("customer_id")
    for column in ("referral_value", "referrals_made"):
        inputs[column] = referrals[column].reindex(inputs["customer_id"]).fillna(0).to_numpy()
    values = option_values(inputs, model.decisions, model.clv.horizon_months)
    chosen = recommendations(values, model.decisions)
    table = decisions_table(values, chosen["recommendation"].to_numpy())
    features.tables["decisions"] = ibis.memtable(table, schema=DECISIONS_SCHEMA)
    features.summary_columns.append(
        ibis.memtable(
            chosen,
            schema={
                "customer_id": "string",
                "recommendation": "string",
                "recommendation_reason": "string",
            },
        )
    )
