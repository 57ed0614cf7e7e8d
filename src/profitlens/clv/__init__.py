"""Customer lifetime value: RFM summaries, model selection, profit lifetime value and charts."""

from profitlens.clv.contractual import (
    ContractualValue,
    contract_periods,
    discounted_expected_residual_lifetime,
    expected_discounted_periods,
    fit_contractual_value,
)
from profitlens.clv.selection import select_transaction_model
from profitlens.clv.summary import calibration_holdout_summary, purchases, rfm_summary
from profitlens.clv.value import CLV_COLUMNS, LifetimeValue, customer_clv, fit_lifetime_value
from profitlens.errors import InsufficientDataError

__all__ = [
    "rfm_summary",
    "purchases",
    "calibration_holdout_summary",
    "customer_clv",
    "fit_lifetime_value",
    "LifetimeValue",
    "CLV_COLUMNS",
    "select_transaction_model",
    "InsufficientDataError",
    "contract_periods",
    "fit_contractual_value",
    "ContractualValue",
    "discounted_expected_residual_lifetime",
    "expected_discounted_periods",
]
