"""Qualifying prospects before the first contact (DATA_CONTRACT.md section 5.2).

Learned from the company's own history: which past prospects were won, what their pursuit
cost, and what the customers they became brought and cost. See :mod:`.scoring` for the method.
"""

from .history import attribute_frame, prospect_outcomes, prospect_status, pursuit_costs
from .model import ConversionModel, RateModel
from .scoring import SCORE_COLUMNS, ProspectScores, score_prospects
from .stage import prospect_history, run_outcomes, run_prospect_scores, tenure_history

__all__ = [
    "SCORE_COLUMNS",
    "ConversionModel",
    "ProspectScores",
    "RateModel",
    "attribute_frame",
    "prospect_history",
    "prospect_outcomes",
    "prospect_status",
    "pursuit_costs",
    "run_outcomes",
    "run_prospect_scores",
    "score_prospects",
    "tenure_history",
]
