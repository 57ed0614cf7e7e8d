"""Lifetime-value estimators: one model per module over a shared maximum-likelihood base.

Transaction (non-contractual) models -- :class:`BGNBD`, :class:`MBGNBD`, :class:`ParetoNBD` --
take per-customer frequency / recency / T; :class:`GammaGamma` models the value of repeat
transactions; :class:`ShiftedBetaGeometric` models contract durations.
"""

from profitlens.errors import FitError, NotFittedError
from profitlens.models.bgnbd import BGNBD
from profitlens.models.gammagamma import GammaGamma
from profitlens.models.mbgnbd import MBGNBD
from profitlens.models.paretonbd import ParetoNBD
from profitlens.models.sbg import ShiftedBetaGeometric, durations_from_survivors

TRANSACTION_MODELS = {"bgnbd": BGNBD, "mbgnbd": MBGNBD, "pareto": ParetoNBD}

__all__ = [
    "BGNBD",
    "MBGNBD",
    "ParetoNBD",
    "GammaGamma",
    "ShiftedBetaGeometric",
    "durations_from_survivors",
    "TRANSACTION_MODELS",
    "FitError",
    "NotFittedError",
]
