"""The four options for every customer, as NPVs over the lifetime-value horizon.

With, per month (:mod:`profitlens.decisions.inputs`): margin m (revenue less cost of goods,
commission and credit cost), reducible activity cost r, non-reducible activity cost f, profit
pi = m - r - f; A the customer's expected discounted months over the horizon (its discounted
alive months of the lifetime-value model at ``annual_discount_rate``; the discounted months
of the whole horizon when no model was fitted; 0 for a customer whose contract has ended);
RV its referral value::

    keep               A * pi
    serve_differently  A * (pi + moved_reducible - new_reducible)
    reprice            (1 - c) * A * (pi + p * (revenue - commission)) + c * end,
                       p = -pi / (revenue - commission): the price change that breaks even,
                       c = min(1, churn_per_price_rise * p): the chance the rise loses it
    end                -A * f - referral value lost
    referral value lost = referral_loss_share * RV+  +  RV+ * A / max(tenure, H)

with RV+ = max(RV, 0), tenure the customer's months since its acquisition and H the horizon
in months: the customers it brought, who may follow it out (the share of them at risk), and
the referrals it would still make, at the rate it has made them so far (measured over at
least the horizon, so that one early referral is not extrapolated).

Every option keeps paying the non-reducible cost f: its resources are not cut within the
horizon, so a customer that is ended leaves it as unused capacity. Hence end - keep =
-A * m + A * r - referral value lost: the contribution lost, the reducible cost saved (and
only that), the referral value lost (its future referrals and the customers it brought, who
may follow it out). Serving differently saves what the moved activities cost on reducible
resources less what the new ones do. At the break-even price the kept branch is worth 0.

A profitable customer (pi >= 0, to the cent) is kept. Otherwise the option with the highest
NPV (to the cent) is recommended; ties go to keep, then serve_differently, reprice, end. An
option that gains less over keeping than one month of the customer's loss is not worth acting
on (a customer that has most likely left, A near 0): the customer is kept.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costmodel import Decisions

#: the options, in the order that wins a tie
OPTIONS = ("keep", "serve_differently", "reprice", "end")
FIGURES = (
    "monthly_profit",
    "price_change",
    "churn_risk",
    "substitutions",
    "monthly_saving",
    "contribution_lost",
    "reducible_cost_saved",
    "non_reducible_cost_kept",
    "referral_value_lost",
)


def annuity_months(horizon_months: int, annual_discount_rate: float) -> float:
    """sum_{m=1..H} (1 + rate)^(-m/12): the discounted months of a horizon.

    >>> round(annuity_months(12, 0.0), 6)
    12.0
    """
    m = np.arange(1, int(horizon_months) + 1, dtype=float)
    return float(((1.0 + annual_discount_rate) ** (-m / 12.0)).sum())


def option_values(inputs: pd.DataFrame, settings: Decisions, horizon_months: int) -> pd.DataFrame:
    """The NPV of each option and the figures behind it, one row per customer.

    Parameters
    ----------
    inputs : DataFrame
        :func:`~profitlens.decisions.inputs.decision_inputs` with ``alive_months`` (A),
        ``tenure_months``, ``referral_value`` and ``referrals_made``.
    settings : Decisions
        The cost model's ``decisions:``.
    horizon_months : int
        The lifetime-value horizon.

    Returns
    -------
    DataFrame
        The inputs with ``profit`` (pi), ``npv_<option>`` (NaN when the option is not open:
        no price rise up to ``max_price_rise`` breaks even; no activity to move),
        ``price_change``, ``churn_risk``, ``monthly_saving`` and the end
        figures ``contribution_lost``, ``reducible_cost_saved``, ``non_reducible_cost_kept``,
        ``referral_value_lost``.
    """
    out = inputs.copy()
    a = out["alive_months"].to_numpy(float)
    m, r, f = (out[c].to_numpy(float) for c in ("margin", "reducible_cost", "fixed_cost"))
    pi = m - r - f
    out["profit"] = pi
    out["npv_keep"] = a * pi
    rv = np.maximum(out["referral_value"].to_numpy(float), 0.0)
    tenure = np.maximum(out["tenure_months"].to_numpy(float), horizon_months)
    rv_lost = settings.referral_loss_share * rv + rv * a / tenure
    end = -a * f - rv_lost
    out["contribution_lost"], out["reducible_cost_saved"] = a * m, a * r
    out["non_reducible_cost_kept"], out["referral_value_lost"] = a * f, rv_lost
    out["npv_end"] = end

    base = (out["revenue"] - out["commission"]).to_numpy(float)
    losing = pi < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        rise = np.where(losing, np.where(base > 0, -pi / base, np.nan), 0.0)
    open_ = ~losing | (base > 0) & (rise <= settings.max_price_rise)
    churn = np.where(open_, np.minimum(1.0, settings.churn_per_price_rise * rise), np.nan)
    out["price_change"], out["churn_risk"] = rise, churn
    out["npv_reprice"] = np.where(~losing, a * pi, np.where(open_, churn * end, np.nan))

    saving = (out["moved_reducible"] - out["new_reducible"]).to_numpy(float)
    moves = out["moved_rows"].to_numpy(float) > 0
    out["monthly_saving"] = np.where(moves, saving, np.nan)
    out["npv_serve_differently"] = np.where(moves, a * (pi + saving), np.nan)
    return out


def choose(values: pd.DataFrame) -> np.ndarray:
    """The recommended option of each customer (see the module docstring)."""
    npv = np.column_stack([values[f"npv_{o}"].to_numpy(float) for o in OPTIONS])
    cents = np.where(np.isnan(npv), -np.inf, np.round(npv, 2))
    best = np.argmax(cents, axis=1)  # the first of equals: the tie order
    profit = np.round(values["profit"].to_numpy(float), 2)
    gain = cents[np.arange(len(best)), best] - cents[:, 0]
    best = np.where((profit >= 0) | (gain < np.abs(profit)), 0, best)
    return np.array(OPTIONS, dtype=object)[best]


def decisions_table(values: pd.DataFrame, chosen: np.ndarray) -> pd.DataFrame:
    """The ``decisions`` output: one row per customer and option.

    Columns: customer_id, option, npv (null when the option is not open), recommended, and the
    figures behind it: monthly_profit (keep), price_change and churn_risk (reprice),
    substitutions and monthly_saving (serve_differently), contribution_lost,
    reducible_cost_saved, non_reducible_cost_kept, referral_value_lost (end); null elsewhere.
    """
    n = len(values)
    ids = values["customer_id"].to_numpy()
    figures = {
        "keep": {"monthly_profit": values["profit"]},
        "reprice": {"price_change": values["price_change"], "churn_risk": values["churn_risk"]},
        "serve_differently": {
            "substitutions": values["substitutions"],
            "monthly_saving": values["monthly_saving"],
        },
        "end": {
            c: values[c]
            for c in (
                "contribution_lost",
                "reducible_cost_saved",
                "non_reducible_cost_kept",
                "referral_value_lost",
            )
        },
    }
    parts = []
    for option in OPTIONS:
        part = pd.DataFrame(
            {
                "customer_id": ids,
                "option": option,
                "npv": values[f"npv_{option}"].to_numpy(float),
                "recommended": chosen == option,
            }
        )
        for column in FIGURES:
            given = figures[option].get(column)
            if column == "substitutions":
                part[column] = (
                    given.to_numpy(object) if given is not None else np.full(n, None, object)
                )
            else:
                part[column] = given.to_numpy(float) if given is not None else np.nan
        parts.append(part)
    table = pd.concat(parts, ignore_index=True)
    order = {o: i for i, o in enumerate(OPTIONS)}
    table["_o"] = table["option"].map(order)
    return (
        table.sort_values(["customer_id", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )
