"""Profit lifetime value of contractual customers: shifted-beta-geometric durations.

A customer whose contract end is recorded (``customers.ended_on``) is a *contractual* customer:
churn is observed, not inferred from silence, so their future is a question of contract
duration -- the shifted-beta-geometric (sBG) model of Fader & Hardie (2007) -- rather than of
purchase recency (BG/NBD and relatives).

**The contractual cohort.** The data only records ``ended_on`` for contracts that have ended;
a contract still running looks like a customer without a contract. The cohort is therefore
decided per segment: every customer acquired on or before the as-of date in a segment where at
least one customer has an ``ended_on`` on or before the as-of date (customers without a segment
form one group of their own). With no ``segment`` column, or a single segment, this is "the
whole customer table, as soon as ``ended_on`` is in use"; with no ``ended_on`` column, or none
filled in, there is no cohort. ``ended_on`` after the as-of date is not known yet at the as-of
date: the contract counts as running.

**Durations.** Periods are the P&L periods (month or quarter). A customer's ``periods`` run
from the period of ``acquired_on`` through the period of ``ended_on`` (ended) or of the as-of
date (running), both included, at least 1. The sBG's ``duration`` is ``periods`` for an ended
contract (it ended in its ``periods``-th period) and, for a running one, the periods it has
*completed*: ``periods`` when the as-of date is the last day of its period, else
``periods - 1`` (the current period is not over). Running contracts are right-censored; the
sBG is fitted by maximum likelihood on the individual (duration, ended) pairs, which handles
any mix of acquisition cohorts and observation lengths (no survivor table is needed), with
standard errors from the Hessian like the other models. Customers acquired before the data
window are taken as they are (no correction for left truncation).

**Value.** For a running contract with ``n`` completed periods, the expected discounted
number of future periods served, with cash flows at period ends and ``v`` the discount factor
per period ((1 + annual rate) ^ -(months per period / 12), the monthly discounting of
:mod:`profitlens.clv.value`), over a horizon of ``H`` periods, is::

    L_H(n) = sum_{k=1..H} v^k S(n+k-1) / S(n)
    L_inf(n) = v * (1 + v * DERL(v | a, b, n renewals))

with DERL the discounted expected residual lifetime of Fader & Hardie (2010), eq. (6):
``DERL = (b+n)/(a+b+n) * 2F1(1, b+n+1; a+b+n+1; v)``, and
``L_H(n) = L_inf(n) - v^H S(n+H)/S(n) L_inf(n+H)``. Then::

    clv_revenue = L_H * revenue per period
    clv_profit  = L_H * (gross margin per period - cost-to-serve per period)
                  - commission share * clv_revenue

Revenue, gross margin and cost to serve per period are the customer's own totals over the
periods of their contract that the data covers (from the first period with any invoice line),
shrunk toward the cohort segment's pooled rate as in
:func:`profitlens.clv.value.cost_to_serve_rates`. An ended contract is worth 0 and has
``p_alive`` 0; a running one has ``p_alive`` 1.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
from scipy.special import betaln

from profitlens.clv.cost_to_serve import (
    _MONTHS_PER_PERIOD,
    _as_frame,
    cost_to_serve_rates,
    lifetime_totals,
)
from profitlens.clv.summary import _as_date, in_customer_order
from profitlens.lookup import positions, values_at
from profitlens.models import ShiftedBetaGeometric
from profitlens.periods import period_index, period_of

__all__ = [
    "contract_periods",
    "ContractualValue",
    "fit_contractual_value",
    "discounted_expected_residual_lifetime",
    "expected_discounted_periods",
    "MIN_CONTRACT_CUSTOMERS",
    "MIN_ENDED_CONTRACTS",
    "CONTRACT_PERIOD_COLUMNS",
]

MIN_CONTRACT_CUSTOMERS = 20
MIN_ENDED_CONTRACTS = 5
CONTRACT_PERIOD_COLUMNS = (
    "customer_id",
    "segment",
    "first_period",
    "last_period",
    "periods",
    "ended",
    "duration",
)


def _index_of_label(label: pd.Series, period: str) -> np.ndarray:
    year = label.str.slice(0, 4).astype(int).to_numpy()
    part = label.str.slice(5).str.lstrip("Q").astype(int).to_numpy()
    return year * (12 if period == "month" else 4) + part - 1


def _is_period_end(day: dt.date, period: str) -> bool:
    following = day + dt.timedelta(days=1)
    return following.day == 1 and (period == "month" or following.month in (1, 4, 7, 10))


def contract_periods(customers: ir.Table, as_of, period: str = "month") -> ir.Table:
    """Contract periods: one row per customer of the contractual cohort acquired by ``as_of``.

    See the module docstring for the cohort rule and the counting of periods.

    Parameters
    ----------
    customers : ibis table
        Contract ``customers`` (customer_id, acquired_on; optional segment, ended_on).
    as_of : date or str
    period : {"month", "quarter"}

    Returns
    -------
    ibis table
        customer_id, segment (null without one), first_period (of ``acquired_on``),
        last_period (of ``ended_on`` if ended, else of ``as_of``), periods (int64, >= 1),
        ended (bool: ``ended_on`` on or before ``as_of``), duration (int64: sBG duration,
        ``periods`` if ended, else the completed periods, possibly 0).
    """
    if period not in _MONTHS_PER_PERIOD:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    day = _as_date(as_of)
    c = customers.filter(customers.acquired_on <= ibis.date(day))
    segment = c.segment.cast("string") if "segment" in c.columns else ibis.null("string")
    ended_on = c.ended_on.cast("date") if "ended_on" in c.columns else ibis.null("date")
    ended = ended_on.notnull() & (ended_on <= ibis.date(day))
    c = c.select(
        "customer_id",
        "acquired_on",
        segment=segment,
        _group=segment.fill_null(""),
        _no_segment=segment.isnull(),
        ended=ended.fill_null(False),
        _ended_on=ended_on,
    )
    groups = c.filter(c.ended).select("_group", "_no_segment").distinct()
    c = c.semi_join(groups, ["_group", "_no_segment"])
    last = ibis.cases((c.ended, c._ended_on), else_=ibis.date(day))
    periods = ibis.greatest(
        period_index(last, period) - period_index(c.acquired_on, period) + 1, 1
    ).cast("int64")
    complete = 0 if _is_period_end(day, period) else 1
    return c.select(
        "customer_id",
        "segment",
        first_period=period_of(c.acquired_on, period),
        last_period=period_of(last, period),
        periods=periods,
        ended=c.ended,
        duration=ibis.cases((c.ended, periods), else_=periods - complete).cast("int64"),
    )


def _hyp2f1_one(b, c, z, tol: float = 1e-15, max_iter: int = 100_000) -> np.ndarray:
    """2F1(1, b; c; z) for 0 <= z < 1, by Gauss's continued fraction (modified Lentz).

    ``2F1(1, b; c; z) = F(b, 1; c; z)`` is Gauss's ratio F(a, b'+1; c'+1; z) / F(a, b'; c'; z)
    with a = b, b' = 0, c' = c - 1, whose continued fraction has partial numerators
    -k_m z: k_{2i+1} = (b+i)(c-1+i) / ((c-1+2i)(c+2i)), k_{2i+2} = (i+1)(c-b+i) / ((c+2i)(c+2i+1)).
    scipy's ``hyp2f1`` is not used: it returns wrong values or inf for some of the
    parameters met here (for example a = 1, or b, c in the hundreds).
    """
    b, c, z = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in (b, c, z)))
    tiny = 1e-300
    f, big_c, d = np.ones(z.shape), np.ones(z.shape), np.zeros(z.shape)
    done = np.zeros(z.shape, dtype=bool)
    for m in range(1, max_iter):
        i = (m - 1) // 2
        if m % 2:
            k = (b + i) * (c - 1 + i) / ((c - 1 + 2 * i) * (c + 2 * i))
        else:
            k = (i + 1) * (c - b + i) / ((c + 2 * i) * (c + 2 * i + 1))
        term = -k * z
        d = 1.0 + term * d
        d = 1.0 / np.where(np.abs(d) < tiny, tiny, d)
        big_c = 1.0 + term / big_c
        big_c = np.where(np.abs(big_c) < tiny, tiny, big_c)
        delta = big_c * d
        f = np.where(done, f, f * delta)
        done |= np.abs(delta - 1.0) < tol
        if done.all():
            return 1.0 / f
    raise ArithmeticError("the hypergeometric continued fraction did not converge")


def _ab(model: ShiftedBetaGeometric) -> tuple[float, float]:
    return model._check_fitted()


def discounted_expected_residual_lifetime(
    model: ShiftedBetaGeometric, renewals, discount_rate: float
) -> np.ndarray:
    """DERL of Fader & Hardie (2010), eq. (6), for customers who made ``renewals`` renewals.

    ``DERL(d | a, b, n) = sum_{t > n} S(t) / S(n) / (1 + d)^(t - n - 1)
    = (b + n) / (a + b + n) * 2F1(1, b + n + 1; a + b + n + 1; 1 / (1 + d))``: the
    discounted number of further payments of a customer about to decide on renewal n + 1,
    when a payment is received at each renewal and the next one is one period away.
    """
    a, b = _ab(model)
    n = np.asarray(renewals, dtype=np.float64)
    if np.any(n < 0) or discount_rate <= 0:
        raise ValueError("renewals must be >= 0 and the discount rate > 0")
    v = 1.0 / (1.0 + discount_rate)
    return (b + n) / (a + b + n) * _hyp2f1_one(b + n + 1, a + b + n + 1, v)


def expected_discounted_periods(
    model: ShiftedBetaGeometric, duration, discount_rate: float, horizon: int | None = None
) -> np.ndarray:
    """Expected discounted periods still to be served by contracts running after ``duration``.

    ``L_H(n) = sum_{k=1..H} S(n + k - 1) / S(n) / (1 + d)^k``: period n + k is served when the
    contract has not ended in periods n+1 .. n+k-1, and is valued at its end.
    ``horizon=None`` sums to infinity.
    """
    n = np.asarray(duration, dtype=np.float64)
    v = 1.0 / (1.0 + discount_rate)

    def infinite(m):
        return v * (1.0 + v * discounted_expected_residual_lifetime(model, m, discount_rate))

    if horizon is None:
        return infinite(n)
    horizon = int(horizon)
    if horizon <= 0:
        return np.zeros(n.shape)
    a, b = _ab(model)
    still = np.exp(betaln(a, b + n + horizon) - betaln(a, b + n))
    return infinite(n) - v**horizon * still * infinite(n + horizon)


@dataclass
class ContractualValue:
    """Contractual cohort, whether the sBG path is used, and its values."""

    periods: pd.DataFrame  # contract_periods, executed
    used: bool
    note: str
    model: ShiftedBetaGeometric | None = None
    table: pd.DataFrame = field(default_factory=pd.DataFrame)


def _rates(
    periods: pd.DataFrame,
    invoice_lines,
    cost_to_serve,
    as_of,
    period: str,
    shrinkage_periods: float,
    totals: pd.DataFrame | None,
) -> pd.DataFrame:
    """Per cohort customer: revenue, margin and time-cost rates per period, commission share."""
    if totals is None:
        totals = lifetime_totals(invoice_lines, as_of)
    first = invoice_lines.invoice_date.min().execute()
    ids = periods["customer_id"]
    last = _index_of_label(periods["last_period"], period)
    if first is None or pd.isna(first):
        exposure = np.zeros(len(periods))
    else:
        first = _as_date(first)
        start = first.year * (12 if period == "month" else 4) + (
            first.month - 1 if period == "month" else (first.month - 1) // 3
        )
        exposure = np.clip(
            np.minimum(periods["periods"].to_numpy(float), last - start + 1), 0, None
        )
    base = pd.DataFrame(
        {"customer_id": ids, "segment": periods["segment"], "periods_active": exposure}
    )
    at = positions(ids, totals.index)
    revenue = values_at(totals["revenue"], at, 0.0)
    margin = values_at(totals["margin"], at, 0.0)
    costs = _as_frame(cost_to_serve)
    at = positions(ids, costs["customer_id"])
    cost = values_at(costs["cost_to_serve"], at, 0.0)
    commission = values_at(costs["commission"], at, 0.0) if "commission" in costs else None

    def shrunk(amount, with_commission=None):
        frame = base.assign(cost_to_serve=amount)
        if with_commission is not None:
            frame["commission"] = with_commission
        return cost_to_serve_rates(
            frame, shrinkage_periods=shrinkage_periods, revenue=pd.Series(revenue, index=ids)
        )

    time_cost = shrunk(cost, commission)
    return pd.DataFrame(
        {
            "customer_id": ids.to_numpy(),
            "revenue_rate": shrunk(revenue)["rate"].to_numpy(),
            "margin_rate": shrunk(margin)["rate"].to_numpy(),
            "cost_rate": time_cost["rate"].to_numpy(),
            "commission_share": time_cost["commission_share"].to_numpy(),
        }
    )


def fit_contractual_value(
    customers: ir.Table,
    invoice_lines: ir.Table,
    cost_to_serve,
    annual_discount_rate: float,
    *,
    as_of,
    period: str = "month",
    horizon_months: int = 36,
    shrinkage_periods: float = 6.0,
    totals: pd.DataFrame | None = None,
) -> ContractualValue:
    """The contractual cohort, its sBG fit and its customers' lifetime values.

    The sBG path is used when the cohort has at least :data:`MIN_CONTRACT_CUSTOMERS`
    customers of whom :data:`MIN_ENDED_CONTRACTS` have ended; otherwise ``used`` is False and
    ``note`` says why (the caller values the cohort with the transaction models).

    Parameters
    ----------
    totals : DataFrame, optional
        :func:`~profitlens.clv.value.lifetime_totals` of ``invoice_lines`` at ``as_of``, when
        the caller has them already; computed otherwise.

    Returns
    -------
    ContractualValue
        ``table``: customer_id, p_alive, clv_revenue, clv_profit, revenue_per_period,
        margin_per_period, cost_to_serve_per_period, commission_share, discounted_periods,
        ended (one row per cohort customer) when ``used``.
    """
    day = _as_date(as_of)
    periods = contract_periods(customers, day, period).execute()
    periods["customer_id"] = periods["customer_id"].astype(str)
    periods["ended"] = periods["ended"].astype(bool)
    periods = in_customer_order(periods)
    n_ended = int(periods["ended"].sum())
    if len(periods) < MIN_CONTRACT_CUSTOMERS or n_ended < MIN_ENDED_CONTRACTS:
        note = (
            ""
            if periods.empty
            else f"contractual cohort too small for the sBG model (needs at least "
            f"{MIN_CONTRACT_CUSTOMERS} customers of whom {MIN_ENDED_CONTRACTS} ended; got "
            f"{len(periods)} customers, {n_ended} ended): valued with the transaction model"
        )
        return ContractualValue(periods, False, note)
    fitted = periods[periods["duration"] >= 1]
    model = ShiftedBetaGeometric().fit(
        fitted["duration"].to_numpy(float), fitted["ended"].to_numpy(float)
    )
    months = _MONTHS_PER_PERIOD[period]
    rate = (1.0 + annual_discount_rate) ** (months / 12.0) - 1.0
    horizon = int(horizon_months // months)
    running = ~periods["ended"].to_numpy()
    n = periods["duration"].to_numpy(float)
    lifetime = np.zeros(len(periods))
    if running.any():
        (unique, back) = np.unique(n[running], return_inverse=True)
        lifetime[running] = (
            expected_discounted_periods(model, unique, rate, horizon)
            if rate > 0
            else _undiscounted(model, unique, horizon)
        )[back]
    rates = _rates(periods, invoice_lines, cost_to_serve, day, period, shrinkage_periods, totals)
    clv_revenue = lifetime * rates["revenue_rate"].to_numpy()
    clv_profit = (
        lifetime * (rates["margin_rate"] - rates["cost_rate"]).to_numpy()
        - rates["commission_share"].to_numpy() * clv_revenue
    )
    table = pd.DataFrame(
        {
            "customer_id": periods["customer_id"].to_numpy(),
            "p_alive": running.astype(float),
            "clv_revenue": clv_revenue,
            "clv_profit": clv_profit,
            "revenue_per_period": rates["revenue_rate"].to_numpy(),
            "margin_per_period": rates["margin_rate"].to_numpy(),
            "cost_to_serve_per_period": rates["cost_rate"].to_numpy(),
            "commission_share": rates["commission_share"].to_numpy(),
            "discounted_periods": lifetime,
            "ended": ~running,
        }
    )
    note = (
        f"contractual cohort of {len(periods)} customers ({n_ended} ended) valued with the "
        f"sBG model, a={model.params_['a']:.4g}, b={model.params_['b']:.4g}"
    )
    return ContractualValue(periods, True, note, model, table)


def _undiscounted(model: ShiftedBetaGeometric, n: np.ndarray, horizon: int) -> np.ndarray:
    """L_H(n) with no discounting (a 0% discount rate): a finite sum of survival ratios."""
    a, b = _ab(model)
    k = np.arange(1, horizon + 1, dtype=np.float64)
    return np.exp(betaln(a, b + n[:, None] + k - 1) - betaln(a, b + n)[:, None]).sum(axis=1)
