"""The prospects stage of a run: from the staged tables and the P&L to ``prospect_scores``."""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from profitlens.engine import cache

from .history import (
    customer_outcomes,
    prospect_outcomes,
    prospect_status,
    pursuit_costs,
)
from .scoring import ProspectScores, score_prospects, value_rows
from .tenure import cohort_profits, observed_customers, tenure_correction


def run_outcomes(contract, clv: ir.Table) -> ir.Table:
    """:func:`~.history.customer_outcomes` of every customer of a run (lazy).

    Parameters
    ----------
    contract : profitlens.pipeline.stages.Contract
        The staged tables, the calendar and ``customer_pnl``.
    clv : ibis table
        ``customer_clv`` (customer_id, p_alive): how long a customer without ``ended_on``
        stayed.
    """
    staged = contract.staged
    t = staged.tables
    return customer_outcomes(
        contract.tables["customer_pnl"], t["customers"], t["invoice_lines"], clv, staged.as_of
    )


def prospect_history(contract, outcomes: ir.Table) -> pd.DataFrame:
    """Every prospect of a run with its status and outcomes (:func:`~.history.
    prospect_outcomes`); ``outcomes`` is :func:`run_outcomes`."""
    staged = contract.staged
    t, model = staged.tables, staged.model
    pursuits = pursuit_costs(t["activities"], model, t["resource_costs"], contract.calendar)
    status = prospect_status(
        t["prospects"], pursuits, t["customers"], staged.as_of, model.prospects.stale_after_days
    )
    return prospect_outcomes(status, outcomes)


def tenure_history(contract, outcomes: ir.Table) -> dict[str, float]:
    """The tenure correction of the lifetime profit (:mod:`.tenure`) from every customer of a
    run: their P&L by month of tenure and their ``outcomes`` (:func:`run_outcomes`); empty
    unless the P&L is monthly."""
    staged = contract.staged
    t, model = staged.tables, staged.model
    if model.period != "month":
        return {}
    customers, pnl = t["customers"], contract.tables["customer_pnl"]
    observed = observed_customers(pnl, customers, staged.as_of).select("customer_id", "group")
    values = value_rows(outcomes.execute().set_index("customer_id")).join(
        observed.execute().set_index("customer_id"), how="inner"
    )
    cohorts = cohort_profits(pnl, customers, staged.as_of)
    return tenure_correction(cohorts, values, model.annual_discount_rate, model.clv.horizon_months)


def run_prospect_scores(contract, clv: ir.Table) -> ProspectScores:
    """``prospect_scores`` of a run, or a note saying why there are none. The customers'
    outcomes are computed once (cached) for both the history and the tenure correction."""
    with cache(run_outcomes(contract, clv)) as outcomes:
        history = prospect_history(contract, outcomes)
        open_ = (history["status"] == "open").any()
        tenure = tenure_history(contract, outcomes) if open_ else {}
    return score_prospects(history, contract.staged.model, tenure=tenure)
