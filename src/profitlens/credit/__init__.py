"""Receivables credit risk: aging, IFRS 9 provision matrix, expected credit loss, liabilities.

Public names are loaded on first use (PEP 562): the marts import
:mod:`profitlens.credit.policy`, and this package's analysis imports the marts.
"""
from importlib import import_module

_EXPORTS = {
    "CreditAnalysis": "analysis", "analyse_credit": "analysis",
    "provision_matrix_frame": "analysis", "bucket_roll_history": "history",
    "CreditPolicy": "policy", "NotFittedError": "provision_matrix",
    "ProvisionMatrix": "provision_matrix", "aging_by_bucket": "summaries",
    "ecl_by_segment": "summaries", "liability_list": "summaries",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"profitlens.credit.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'profitlens.credit' has no attribute {name!r}")
