"""Receivables credit risk: aging, IFRS 9 provision matrix, expected credit loss, liabilities.

The ``receivables`` and ``customer_credit`` outputs are built in
:mod:`~profitlens.credit.receivables` and :mod:`~profitlens.credit.customer_credit`.
"""

from profitlens.credit.analysis import CreditAnalysis, analyse_credit, provision_matrix_frame
from profitlens.credit.history import bucket_roll_history
from profitlens.credit.provision_matrix import ProvisionMatrix
from profitlens.credit.summaries import aging_by_bucket, ecl_by_segment, liability_list
from profitlens.errors import NotFittedError
from profitlens.settings import CreditPolicy

__all__ = [
    "CreditAnalysis",
    "CreditPolicy",
    "NotFittedError",
    "ProvisionMatrix",
    "aging_by_bucket",
    "analyse_credit",
    "bucket_roll_history",
    "ecl_by_segment",
    "liability_list",
    "provision_matrix_frame",
]
