"""Profit lifetime value of each customer over a horizon.

For every customer with a purchase on or before the as-of date:

    clv_profit = sum over months m = 1..H of  d^m * [ dE_m * margin per purchase
                                                     - cost-to-serve rate * P(alive in month m) ]
                 - commission share * clv_revenue
    clv_revenue = sum over m of d^m * dE_m * revenue per purchase

- dE_m: expected purchases in month m (difference of the transaction model's conditional
  expected purchases at the ends of months m and m - 1), from the model chosen by held-out
  log-likelihood (or the one named);
- margin (revenue) per purchase: Gamma-Gamma model of the repeat purchases' margins (revenues),
  conditional on the customer's own mean and number of repeats;
- P(alive in month m): the average of P(alive) at the start and end of the month;
- cost-to-serve rate: the customer's cost to serve per P&L period (cost_to_serve /
  periods_active), shrunk toward their segment's pooled rate as if the segment rate were
  ``shrinkage_periods`` periods of evidence (credibility weighting:
  (cost + k * segment rate) / (periods + k)), converted to a monthly rate;
- commissions: when the cost table has a ``commission`` column it is taken out of the
  time-based rate and charged as the customer's historical share of revenue instead;
- d = (1 + annual_discount_rate)^(-1/12): monthly discounting, cash flows at month ends.

Contractual customers (a segment that records ``customers.ended_on``; see
:mod:`profitlens.clv.contractual`) are valued instead by the shifted-beta-geometric model of
their contract durations when that cohort has at least 20 customers of whom 5 ended: ended
contracts are worth 0 (``p_alive`` 0), running ones have ``p_alive`` 1 and
``expected_purchases_12m`` from the transaction model for a customer known to be alive. The
transaction model is still fitted on every customer with a purchase.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import ibis
import numpy as np
import pandas as pd

from profitlens.clv.contractual import fit_contractual_value
from profitlens.clv.cost_to_serve import (
    _MONTHS_PER_PERIOD,
    _as_frame,
    cost_to_serve_rates,
    lifetime_totals,
)
from profitlens.clv.selection import Selection, check_enough, select_transaction_model
from profitlens.clv.summary import TIME_UNITS, in_customer_order, rfm_summary
from profitlens.errors import FitError
from profitlens.lookup import positions, values_at
from profitlens.models import TRANSACTION_MODELS, GammaGamma
from profitlens.models.base import BaseModel
from profitlens.output_tables import OUTPUTS
from profitlens.settings import LifetimeValueSettings

__all__ = ["LifetimeValue", "fit_lifetime_value", "customer_clv", "CLV_COLUMNS"]


CLV_COLUMNS = tuple(OUTPUTS["customer_clv"].columns)
#: months of future purchases and costs a lifetime value counts by default (``clv_profit``'s
#: horizon; ``clv: horizon_months`` in the cost model)
HORIZON_MONTHS = LifetimeValueSettings().horizon_months
_DAYS_PER_MONTH = 365.25 / 12


@dataclass
class LifetimeValue:
    """Per-customer lifetime values and the fitted models behind them."""

    table: pd.DataFrame
    transaction_model: BaseModel
    revenue_model: GammaGamma
    margin_model: GammaGamma
    selection: Selection | None
    settings: dict
    contractual: object | None = None  # profitlens.clv.contractual.ContractualValue
    notes: list[str] = field(default_factory=list)


def fit_lifetime_value(
    invoice_lines,
    cost_to_serve=None,
    annual_discount_rate: float = 0.10,
    *,
    as_of=None,
    time_unit: str = "week",
    model: str = "auto",
    horizon_months: int = HORIZON_MONTHS,
    period: str = "month",
    shrinkage_periods: float = 6.0,
    customers=None,
    contractual: str = "auto",
    purchases=None,
) -> LifetimeValue:
    """Fit the models and compute every customer's lifetime value.

    Parameters
    ----------
    invoice_lines : ibis table
        Contract ``invoice_lines`` (customer_id, invoice_date, revenue, cost).
    cost_to_serve : DataFrame or ibis table, optional
        See :func:`cost_to_serve_rates`; without it no cost to serve is charged.
    annual_discount_rate : float
        The cost model's ``annual_discount_rate``.
    as_of : date or str, optional
        End of the observed history; default the latest invoice date.
    time_unit : {"day", "week", "month"}
        Unit in which the transaction model is fitted (results do not depend on it much).
    model : {"auto", "bgnbd", "mbgnbd", "pareto"}
        "auto" picks by held-out log-likelihood.
    horizon_months : int
        Months of future purchases and costs counted.
    period : {"month", "quarter"}
        The P&L period in which ``periods_active`` and contract durations are counted.
    customers : ibis table or DataFrame, optional
        Contract ``customers`` (customer_id, acquired_on, segment, ended_on), for the
        contractual cohort; default: those columns of ``cost_to_serve`` when it has
        ``acquired_on`` and ``ended_on`` (as :func:`customer_cost_to_serve` returns it).
    contractual : {"auto", "none"}
        "auto" values the contractual cohort with the sBG model when it is large enough
        (see :mod:`profitlens.clv.contractual`); "none" values everyone with the
        transaction model.
    purchases : ibis table, optional
        :func:`~profitlens.clv.summary.purchases` of ``invoice_lines`` (of those up to
        ``as_of`` will do), when the caller has them already, cached to share them with other
        summaries; computed from ``invoice_lines`` otherwise.

    Returns
    -------
    LifetimeValue
        ``table`` has one row per customer with a purchase on or before ``as_of`` or in the
        contractual cohort; ``path`` says which model valued it ("sbg" or the transaction
        model's name). ``notes`` says whether the cohort was valued by the sBG and why not.
    """
    if contractual not in ("auto", "none"):
        raise ValueError(f"contractual must be 'auto' or 'none', not {contractual!r}")
    if model != "auto" and model not in TRANSACTION_MODELS:
        raise ValueError(
            f"model must be 'auto' or one of {sorted(TRANSACTION_MODELS)}, not {model!r}"
        )
    if period not in _MONTHS_PER_PERIOD:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    if as_of is None:
        as_of = invoice_lines.invoice_date.max().execute()
    summary = rfm_summary(invoice_lines if purchases is None else purchases, as_of, time_unit)
    summary = summary.select(
        "customer_id", "frequency", "recency", "T", "revenue_mean", "margin_mean"
    ).execute()
    summary["customer_id"] = summary["customer_id"].astype(str)
    summary = in_customer_order(summary)
    x, t_x, age = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    check_enough(x)
    selection = None
    if model == "auto":
        selection = select_transaction_model(summary["customer_id"], x, t_x, age)
        model = selection.chosen
    tm = TRANSACTION_MODELS[model]().fit(x, t_x, age)
    revenue_model = GammaGamma().fit(x, summary["revenue_mean"].to_numpy(float))
    margin_model = GammaGamma().fit(x, summary["margin_mean"].to_numpy(float))

    months = np.arange(0, horizon_months + 1, dtype=float)
    times = np.append(months, 12.0) * _DAYS_PER_MONTH / TIME_UNITS[time_unit]
    try:
        cum, alive = tm.forecast_curves(
            times, x, t_x, age, combine=forecast_sums(horizon_months, annual_discount_rate)
        )
    except (ValueError, FloatingPointError) as exc:  # a degenerate fit (e.g. few repeat buyers)
        raise FitError(
            f"the {model} model fitted to {x.size:,} customers, {int((x > 0).sum()):,} "
            f"of whom bought again, cannot forecast ({exc})"
        ) from None
    purchases_12m, disc_purchases = cum[:, 1], cum[:, 2]
    p_alive, alive_months = alive[:, 0], alive[:, 3]

    revenue_per = revenue_model.conditional_expected_value(x, summary["revenue_mean"])
    margin_per = margin_model.conditional_expected_value(x, summary["margin_mean"])
    totals = lifetime_totals(invoice_lines, as_of)  # also the contractual cohort's
    costs = None if cost_to_serve is None else _as_frame(cost_to_serve)  # executed once
    rates = cost_to_serve_rates(
        costs, shrinkage_periods=shrinkage_periods, revenue=totals["revenue"]
    )
    at = positions(summary["customer_id"], rates.index)
    rate = values_at(rates["rate"], at, _overall_rate(rates, costs))
    share = values_at(rates["commission_share"], at, 0.0)
    monthly_rate = rate / _MONTHS_PER_PERIOD[period]

    clv_revenue = disc_purchases * revenue_per
    clv_profit = disc_purchases * margin_per - monthly_rate * alive_months - share * clv_revenue
    table = pd.DataFrame(
        {
            "customer_id": summary["customer_id"],
            "p_alive": p_alive,
            "expected_purchases_12m": purchases_12m,
            "clv_revenue": clv_revenue,
            "clv_profit": clv_profit,
            "expected_revenue_per_purchase": revenue_per,
            "expected_margin_per_purchase": margin_per,
            "cost_to_serve_per_month": monthly_rate,
            "discounted_purchases": disc_purchases,
            "discounted_alive_months": alive_months,
            "path": model,
        }
    )
    settings = {
        "as_of": str(as_of),
        "time_unit": time_unit,
        "model": model,
        "horizon_months": horizon_months,
        "annual_discount_rate": annual_discount_rate,
        "period": period,
        "shrinkage_periods": shrinkage_periods,
        "contractual": contractual,
    }
    result = LifetimeValue(table, tm, revenue_model, margin_model, selection, settings)
    if contractual == "auto":
        _value_contracts(result, invoice_lines, costs, customers, as_of, totals)
    result.table = in_customer_order(result.table)
    return result


def forecast_sums(horizon_months: int, annual_discount_rate: float) -> np.ndarray:
    """Weights on the forecast curves at months 0..H and at 12 months (rows) that give, as
    columns: P(alive) now, purchases in 12 months, discounted purchases
    sum_m d^m (E_m - E_(m-1)), and discounted alive months sum_m d^m (A_m + A_(m-1)) / 2.
    """
    h = horizon_months
    discount = (1.0 + annual_discount_rate) ** (-np.arange(1, h + 1, dtype=float) / 12.0)
    weights = np.zeros((h + 2, 4))
    weights[0, 0] = 1.0
    weights[h + 1, 1] = 1.0
    weights[1 : h + 1, 2] += discount
    weights[:h, 2] -= discount
    weights[1 : h + 1, 3] += 0.5 * discount
    weights[:h, 3] += 0.5 * discount
    return weights


def _value_contracts(
    result: LifetimeValue, invoice_lines, cost_to_serve, customers, as_of, totals: pd.DataFrame
) -> None:
    """Replace the rows of the contractual cohort by their sBG values (when it is large enough)."""
    if customers is None and cost_to_serve is not None:
        frame = _as_frame(cost_to_serve)
        if {"acquired_on", "ended_on"} <= set(frame.columns):
            cols = [
                c
                for c in ("customer_id", "segment", "acquired_on", "ended_on")
                if c in frame.columns
            ]
            customers = frame.loc[:, cols]
    if customers is None:
        return
    if isinstance(customers, pd.DataFrame):
        customers = _customers_table(customers)
    s = result.settings
    value = fit_contractual_value(
        customers,
        invoice_lines,
        cost_to_serve,
        s["annual_discount_rate"],
        as_of=as_of,
        period=s["period"],
        horizon_months=s["horizon_months"],
        shrinkage_periods=s["shrinkage_periods"],
        totals=totals,
    )
    result.contractual = value
    if value.note:
        result.notes.append(value.note)
    if not value.used:
        return
    old = result.table.set_index("customer_id")
    new = value.table.set_index("customer_id")
    months = _MONTHS_PER_PERIOD[s["period"]]
    # a running contract is alive now: the transaction model's purchases given alive
    p_alive = old["p_alive"].reindex(new.index)
    alive_purchases = old["expected_purchases_12m"].reindex(new.index) / p_alive.where(p_alive > 0)
    rows = pd.DataFrame(
        {
            "p_alive": new["p_alive"],
            "expected_purchases_12m": np.where(new["ended"], 0.0, alive_purchases),
            "clv_revenue": new["clv_revenue"],
            "clv_profit": new["clv_profit"],
            "cost_to_serve_per_month": new["cost_to_serve_per_period"] / months,
            "discounted_alive_months": new["discounted_periods"] * months,
            "revenue_per_period": new["revenue_per_period"],
            "margin_per_period": new["margin_per_period"],
            "discounted_periods": new["discounted_periods"],
            "path": "sbg",
        },
        index=new.index,
    )
    for column in (
        "expected_revenue_per_purchase",
        "expected_margin_per_purchase",
        "discounted_purchases",
    ):
        rows[column] = old[column].reindex(new.index)
    kept = old.loc[~old.index.isin(new.index)]
    result.table = (
        pd.concat(
            [
                kept,
                rows[
                    [c for c in old.columns if c in rows]
                    + ["revenue_per_period", "margin_per_period", "discounted_periods"]
                ],
            ]
        )
        .rename_axis("customer_id")
        .reset_index()
    )


def _customers_table(frame: pd.DataFrame):
    """A customers DataFrame as an ibis table with date columns typed as dates."""
    frame = frame.copy()
    schema = {"customer_id": "string", "acquired_on": "date"}
    frame["customer_id"] = frame["customer_id"].astype(str)
    for column in ("acquired_on", "ended_on"):
        if column in frame.columns:
            frame[column] = (
                pd.to_datetime(frame[column])
                .dt.date.astype(object)
                .where(frame[column].notna(), None)
            )
            schema[column] = "date"
    if "segment" in frame.columns:
        frame["segment"] = frame["segment"].astype(object).where(frame["segment"].notna(), None)
        schema["segment"] = "string"
    return ibis.memtable(frame[list(schema)], schema=schema)


def _overall_rate(rates: pd.DataFrame, cost_to_serve) -> float:
    """Rate for a customer missing from the cost table: the mean of the table's rates, or 0."""
    if cost_to_serve is None or rates.empty:
        return 0.0
    return float(rates["rate"].mean())


def customer_clv(
    invoice_lines, cost_to_serve=None, annual_discount_rate: float = 0.10, **kwargs
) -> pd.DataFrame:
    """Lifetime value table: customer_id, p_alive, expected_purchases_12m, clv_revenue, clv_profit.

    Same arguments as :func:`fit_lifetime_value`; one row per customer with a purchase on or
    before the as-of date or in the contractual cohort.
    """
    result = fit_lifetime_value(invoice_lines, cost_to_serve, annual_discount_rate, **kwargs)
    return result.table.loc[:, list(CLV_COLUMNS)]
