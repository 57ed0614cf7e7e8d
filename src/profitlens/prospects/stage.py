"""The prospects stage of a run: from the staged tables and the P&L to ``prospect_scores``."""

from __future__ import annotations

import ibis.expr.types as ir
import pandas as pd

from .history import (
    customer_outcomes,
    prospect_outcomes,
    prospect_status,
    pursuit_costs,
)
from .scoring import ProspectScores, score_prospects


def prospect_history(contract, clv: ir.Table) -> pd.DataFrame:
    """Every prospect of a run with its status and outcomes (:func:`~.history.
    prospect_outcomes`).

    Parameters
    ----------
    contract : profitlens.pipeline.stages.Contract
        The staged tables, the calendar and ``customer_pnl``.
    clv : ibis table
        ``customer_clv`` (customer_id, p_alive): how long a customer without ``ended_on``
        stayed.
    """
    staged = contract.staged
    t, model = staged.tables, staged.model
    pursuits = pursuit_costs(t["activities"], model, t["resource_costs"], contract.calendar)
    status = prospect_status(
        t["prospects"], pursuits, t["customers"], staged.as_of, model.prospects.stale_after_days
    )
    outcomes = customer_outcomes(
        contract.tables["customer_pnl"], t["customers"], t["invoice_lines"], clv, staged.as_of
    )
    return prospect_outcomes(status, outcomes)


def run_prospect_scores(contract, clv: ir.Table) -> ProspectScores:
    """``prospect_scores`` of a run, or a note saying why there are none."""
    return score_prospects(prospect_history(contract, clv), contract.staged.model)
