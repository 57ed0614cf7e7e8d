"""The credit analysis end to end: receivables, provision matrix, ECL, customer credit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis.expr.types as ir
import pandas as pd

from profitlens.credit.customer_credit import customer_credit
from profitlens.credit.history import bucket_roll_history
from profitlens.credit.provision_matrix import ProvisionMatrix
from profitlens.credit.receivables import receivables
from profitlens.engine import cache
from profitlens.settings import CreditPolicy


@dataclass
class CreditAnalysis:
    """What :func:`analyse_credit` produces.

    Attributes
    ----------
    receivables : ibis Table
        One row per invoice with aging bucket, ``loss_rate`` and ``expected_credit_loss``;
        written by the pipeline as ``receivables``. The aged invoices are materialised; the
        provision matrix is applied to them lazily (a join with a table of 20 rows).
    customer_credit : ibis Table
        One row per customer (see :mod:`profitlens.credit.customer_credit`); written as
        ``customer_credit``; its ``credit_exposure``, ``overdue_balance``,
        ``expected_credit_loss``, ``liability`` go into ``customer_summary``.
    matrix : ProvisionMatrix
        The fitted provision matrix; ``provision_matrix_frame`` is its table for output.
    policy : CreditPolicy
    """

    receivables: ir.Table
    customer_credit: ir.Table
    matrix: ProvisionMatrix
    policy: CreditPolicy

    @property
    def provision_matrix_frame(self) -> pd.DataFrame:
        """segment (null = portfolio), bucket, bucket_order, exposure, loss,
        historical_loss_rate, loss_rate: one row per segment and bucket."""
        return provision_matrix_frame(self.matrix)


def analyse_credit(
    invoice_lines: ir.Table,
    payments: ir.Table,
    customers: ir.Table,
    as_of: dt.date,
    payment_terms_days: int,
    policy: CreditPolicy | None = None,
    expected_margin: ir.Table | None = None,
    rolled_up: ir.Table | None = None,
) -> CreditAnalysis:
    """Age the receivables, estimate the provision matrix from the own history, apply it.

    Parameters
    ----------
    invoice_lines, payments, customers : ibis Table
        Staged contract tables (``staged.tables[...]``).
    as_of : date
        The as-of date; rows dated after it are ignored.
    payment_terms_days : int
        ``costmodel.payment_terms_days``: due date of lines without ``due_date``.
    policy : CreditPolicy, optional
    expected_margin : ibis Table, optional
        customer_id, expected_margin (e.g. from lifetime value); default trailing-year
        gross margin.
    rolled_up : ibis Table, optional
        ``invoice_lines`` already rolled up to invoices by :func:`profitlens.intermediate.invoices.invoices`
        (the pipeline caches them): saves rolling up the lines again (see
        :func:`profitlens.credit.receivables.invoices`).
    """
    policy = policy or CreditPolicy()
    # the aged receivables feed the roll history, the customer credit table and the output:
    # computed once
    aged = cache(
        receivables(
            invoice_lines, payments, customers, as_of, payment_terms_days, policy, rolled_up
        )
    )
    matrix = ProvisionMatrix.from_policy(policy).fit(
        bucket_roll_history(aged, payments, as_of, policy)
    )
    # applying the matrix is a join with a small table: left lazy, run by each of its two users
    recv = matrix.transform(aged)
    credit = cache(customer_credit(recv, customers, as_of, policy, expected_margin))
    return CreditAnalysis(recv, credit, matrix, policy)


def provision_matrix_frame(matrix: ProvisionMatrix) -> pd.DataFrame:
    """A fitted matrix as a long table (see :attr:`CreditAnalysis.provision_matrix_frame`)."""
    rows = []
    buckets = list(matrix.portfolio_loss_rates_.index)
    columns = [(None, matrix.historical_portfolio_loss_rates_, matrix.portfolio_loss_rates_)]
    columns += [
        (s, matrix.historical_loss_rates_[s], matrix.loss_rates_[s])
        for s in matrix.loss_rates_.columns
    ]
    for segment, historical, adjusted in columns:
        for order, bucket in enumerate(buckets):
            rows.append(
                {
                    "segment": segment,
                    "bucket": bucket,
                    "bucket_order": order,
                    "exposure": float(matrix.exposure_[segment][bucket]),
                    "loss": float(matrix.loss_[segment][bucket]),
                    "historical_loss_rate": float(historical[bucket]),
                    "loss_rate": float(adjusted[bucket]),
                }
            )
    return pd.DataFrame(rows)
