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
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.clv.selection import Selection, check_enough, select_transaction_model
from profitlens.clv.summary import TIME_UNITS, _as_date, in_customer_order, rfm_summary
from profitlens.contract import MONEY_DECIMALS
from profitlens.lookup import positions, values_at
from profitlens.models import TRANSACTION_MODELS, GammaGamma
from profitlens.models.base import BaseModel
from profitlens.periods import period_index, period_label

__all__ = ["LifetimeValue", "fit_lifetime_value", "customer_clv", "cost_to_serve_rates",
           "customer_cost_to_serve", "CLV_COLUMNS", "COST_TO_SERVE_LINES"]

#: the P&L lines that make up the cost to serve an existing customer (acquisition is sunk)
COST_TO_SERVE_LINES = ("commission", "sales_cost", "service_cost", "fulfilment_cost",
                       "credit_cost", "referral_cost")

CLV_COLUMNS = ("customer_id", "p_alive", "expected_purchases_12m", "clv_revenue", "clv_profit")
#: months of future purchases and costs a lifetime value counts (``clv_profit``'s horizon)
HORIZON_MONTHS = 36
_DAYS_PER_MONTH = 365.25 / 12
_MONTHS_PER_PERIOD = {"month": 1.0, "quarter": 3.0}


@dataclass
class LifetimeValue:
    """Per-customer lifetime values and the fitted models behind them."""

    table: pd.DataFrame
    transaction_model: BaseModel
    revenue_model: GammaGamma
    margin_model: GammaGamma
    selection: Selection | None
    settings: dict
    contractual: object | None = None    # profitlens.clv.contractual.ContractualValue
    notes: list[str] = field(default_factory=list)


def _as_frame(table) -> pd.DataFrame:
    if table is None:
        return pd.DataFrame(columns=["customer_id", "segment", "periods_active", "cost_to_serve"])
    return table if isinstance(table, pd.DataFrame) else table.execute()


def cost_to_serve_rates(cost_to_serve, *, shrinkage_periods: float = 6.0,
                        revenue: pd.Series | None = None) -> pd.DataFrame:
    """Per-customer cost-to-serve rate per period, shrunk toward the segment's rate.

    Parameters
    ----------
    cost_to_serve : DataFrame or ibis table
        customer_id, segment, periods_active, cost_to_serve (lifetime totals of commission,
        sales, service, fulfilment, credit and referral costs); optional commission.
    shrinkage_periods : float
        Weight k of the segment rate, in periods.
    revenue : Series, optional
        Lifetime revenue by customer_id; needed to turn a ``commission`` column into a share.

    Returns
    -------
    DataFrame indexed by customer_id with ``rate`` (per period, commission excluded when a
    commission column is given) and ``commission_share`` (0 without a commission column).
    One row per customer of the cost table.
    """
    df = in_customer_order(_as_frame(cost_to_serve))    # the sums below, run after run
    missing = {"customer_id", "periods_active", "cost_to_serve"} - set(df.columns)
    if missing:
        raise ValueError(f"cost-to-serve table lacks columns {sorted(missing)}")
    if "segment" not in df:
        df["segment"] = None
    df["segment"] = df["segment"].fillna("(none)").astype(str)
    df["periods_active"] = df["periods_active"].astype(float).clip(lower=0)
    cost = df["cost_to_serve"].astype(float).fillna(0.0)
    has_commission = "commission" in df.columns
    commission = df["commission"].astype(float).fillna(0.0) if has_commission else 0.0 * cost
    df["time_cost"] = cost - commission
    seg = df.groupby("segment")[["time_cost", "periods_active"]].transform("sum")
    overall = df["time_cost"].sum() / max(df["periods_active"].sum(), 1e-12)
    seg_rate = np.where(seg["periods_active"] > 0,
                        seg["time_cost"] / seg["periods_active"].where(seg["periods_active"] > 0, 1),
                        overall)
    k = float(shrinkage_periods)
    rate = (df["time_cost"] + k * seg_rate) / (df["periods_active"] + k) if k > 0 else \
        np.where(df["periods_active"] > 0, df["time_cost"] / df["periods_active"].where(
            df["periods_active"] > 0, 1), seg_rate)
    share = np.zeros(len(df))
    if has_commission and revenue is not None:
        rev = values_at(revenue, positions(df["customer_id"], revenue.index), 0.0)
        share = np.where(rev > 0, commission.to_numpy() / np.where(rev > 0, rev, 1.0), 0.0)
    return pd.DataFrame({"rate": np.asarray(rate, dtype=float), "commission_share": share},
                        index=df["customer_id"].astype(str))


def customer_cost_to_serve(customer_pnl: ir.Table, customers: ir.Table, as_of,
                           period: str = "month") -> ir.Table:
    """Cost to serve: one row per customer acquired on or before ``as_of``.

    Columns: customer_id, segment, periods_active (P&L periods from the period of
    ``acquired_on`` through the period of ``as_of``, both included), cost_to_serve (sum of
    :data:`COST_TO_SERVE_LINES` over the customer's P&L rows up to the as-of period),
    commission (its commission part), and acquired_on and ended_on (null without that
    column), which let :func:`fit_lifetime_value` find the contractual cohort.
    """
    if period not in _MONTHS_PER_PERIOD:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    day = _as_date(as_of)
    end_period = period_label(day, period)
    pnl = customer_pnl.filter(customer_pnl.period <= end_period)
    cost = sum(pnl[c] for c in COST_TO_SERVE_LINES)
    totals = pnl.group_by("customer_id").aggregate(
        cost_to_serve=cost.sum().round(MONEY_DECIMALS),
        commission=pnl.commission.sum().round(MONEY_DECIMALS))
    c = customers.filter(customers.acquired_on <= ibis.date(day))
    segment = c.segment if "segment" in c.columns else ibis.null("string")
    active = period_index(ibis.date(day), period) - period_index(c.acquired_on, period) + 1
    ended_on = c.ended_on.cast("date") if "ended_on" in c.columns else ibis.null("date")
    base = c.select("customer_id", "acquired_on", segment=segment,
                    periods_active=active.cast("float64"), ended_on=ended_on)
    joined = base.left_join(totals, base.customer_id == totals.customer_id)
    return joined.select("customer_id", "segment", "periods_active",
                         cost_to_serve=joined.cost_to_serve.fill_null(0.0),
                         commission=joined.commission.fill_null(0.0),
                         acquired_on=joined.acquired_on, ended_on=joined.ended_on)


def lifetime_totals(invoice_lines: ir.Table, as_of) -> pd.DataFrame:
    """Each customer's revenue and gross margin (revenue - cost) on its invoice lines dated on
    or before ``as_of``, to the millionth (so reruns agree to the bit).

    Returns
    -------
    DataFrame
        revenue, margin; indexed by customer_id (text).
    """
    seen = invoice_lines.filter(invoice_lines.invoice_date <= ibis.date(_as_date(as_of)))
    totals = seen.group_by("customer_id").aggregate(
        revenue=seen.revenue.sum().round(MONEY_DECIMALS),
        margin=(seen.revenue - seen.cost).sum().round(MONEY_DECIMALS)).execute()
    totals["customer_id"] = totals["customer_id"].astype(str)
    return totals.set_index("customer_id")


def fit_lifetime_value(invoice_lines, cost_to_serve=None, annual_discount_rate: float = 0.10,
                       *, as_of=None, time_unit: str = "week", model: str = "auto",
                       horizon_months: int = HORIZON_MONTHS, period: str = "month",
                       shrinkage_periods: float = 6.0, customers=None,
                       contractual: str = "auto", purchases=None) -> LifetimeValue:
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
        raise ValueError(f"model must be 'auto' or one of {sorted(TRANSACTION_MODELS)}, "
                         f"not {model!r}")
    if period not in _MONTHS_PER_PERIOD:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    if as_of is None:
        as_of = invoice_lines.invoice_date.max().execute()
    summary = rfm_summary(invoice_lines if purchases is None else purchases, as_of, time_unit)
    summary = summary.select("customer_id", "frequency", "recency", "T", "revenue_mean",
                             "margin_mean").execute()
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
    cum, alive = tm.forecast_curves(times, x, t_x, age,
                                    combine=forecast_sums(horizon_months, annual_discount_rate))
    purchases_12m, disc_purchases = cum[:, 1], cum[:, 2]
    p_alive, alive_months = alive[:, 0], alive[:, 3]

    revenue_per = revenue_model.conditional_expected_value(x, summary["revenue_mean"])
    margin_per = margin_model.conditional_expected_value(x, summary["margin_mean"])
    totals = lifetime_totals(invoice_lines, as_of)   # also the contractual cohort's
    costs = None if cost_to_serve is None else _as_frame(cost_to_serve)  # executed once
    rates = cost_to_serve_rates(costs, shrinkage_periods=shrinkage_periods,
                                revenue=totals["revenue"])
    at = positions(summary["customer_id"], rates.index)
    rate = values_at(rates["rate"], at, _overall_rate(rates, costs))
    share = values_at(rates["commission_share"], at, 0.0)
    monthly_rate = rate / _MONTHS_PER_PERIOD[period]

    clv_revenue = disc_purchases * revenue_per
    clv_profit = disc_purchases * margin_per - monthly_rate * alive_months - share * clv_revenue
    table = pd.DataFrame({
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
    })
    settings = {"as_of": str(as_of), "time_unit": time_unit, "model": model,
                "horizon_months": horizon_months, "annual_discount_rate": annual_discount_rate,
                "period": period, "shrinkage_periods": shrinkage_periods,
                "contractual": contractual}
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
    weights[1:h + 1, 2] += discount
    weights[:h, 2] -= discount
    weights[1:h + 1, 3] += 0.5 * discount
    weights[:h, 3] += 0.5 * discount
    return weights


def _value_contracts(result: LifetimeValue, invoice_lines, cost_to_serve, customers,
                     as_of, totals: pd.DataFrame) -> None:
    """Replace the rows of the contractual cohort by their sBG values (when it is large enough)."""
    from profitlens.clv.contractual import fit_contractual_value  # it imports this module

    if customers is None and cost_to_serve is not None:
        frame = _as_frame(cost_to_serve)
        if {"acquired_on", "ended_on"} <= set(frame.columns):
            cols = [c for c in ("customer_id", "segment", "acquired_on", "ended_on")
                    if c in frame.columns]
            customers = frame.loc[:, cols]
    if customers is None:
        return
    if isinstance(customers, pd.DataFrame):
        customers = _customers_table(customers)
    s = result.settings
    value = fit_contractual_value(customers, invoice_lines, cost_to_serve,
                                  s["annual_discount_rate"], as_of=as_of,
                                  period=s["period"], horizon_months=s["horizon_months"],
                                  shrinkage_periods=s["shrinkage_periods"], totals=totals)
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
    alive_purchases = (old["expected_purchases_12m"].reindex(new.index)
                       / p_alive.where(p_alive > 0))
    rows = pd.DataFrame({
        "p_alive": new["p_alive"],
        "expected_purchases_12m": np.where(new["ended"], 0.0, alive_purchases),
        "clv_revenue": new["clv_revenue"], "clv_profit": new["clv_profit"],
        "cost_to_serve_per_month": new["cost_to_serve_per_period"] / months,
        "discounted_alive_months": new["discounted_periods"] * months,
        "revenue_per_period": new["revenue_per_period"],
        "margin_per_period": new["margin_per_period"],
        "discounted_periods": new["discounted_periods"], "path": "sbg"}, index=new.index)
    for column in ("expected_revenue_per_purchase", "expected_margin_per_purchase",
                   "discounted_purchases"):
        rows[column] = old[column].reindex(new.index)
    kept = old.loc[~old.index.isin(new.index)]
    result.table = pd.concat([kept, rows[[c for c in old.columns if c in rows] + [
        "revenue_per_period", "margin_per_period", "discounted_periods"]]]).rename_axis(
        "customer_id").reset_index()


def _customers_table(frame: pd.DataFrame):
    """A customers DataFrame as an ibis table with date columns typed as dates."""
    frame = frame.copy()
    schema = {"customer_id": "string", "acquired_on": "date"}
    frame["customer_id"] = frame["customer_id"].astype(str)
    for column in ("acquired_on", "ended_on"):
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column]).dt.date.astype(object).where(
                frame[column].notna(), None)
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


def customer_clv(invoice_lines, cost_to_serve=None, annual_discount_rate: float = 0.10,
                 **kwargs) -> pd.DataFrame:
    """Lifetime value table: customer_id, p_alive, expected_purchases_12m, clv_revenue, clv_profit.

    Same arguments as :func:`fit_lifetime_value`; one row per customer with a purchase on or
    before the as-of date or in the contractual cohort.
    """
    result = fit_lifetime_value(invoice_lines, cost_to_serve, annual_discount_rate, **kwargs)
    return result.table.loc[:, list(CLV_COLUMNS)]
