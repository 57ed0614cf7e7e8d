"""The company's own loss history by aging bucket, from which the provision matrix is estimated.

Roll-through loss rates (the method of the IFRScommunity.com worked example of a provision
matrix, see ``tests/credit/test_provision_matrix.py``): of the money that was still unpaid when
invoices entered an aging bucket, the share that was never collected.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from profitlens.credit.receivables import CENT_TOLERANCE, epoch_day, payments_until
from profitlens.intermediate.sums import exact_sum
from profitlens.settings import CreditPolicy, bucket_labels, bucket_lower_bounds


def bucket_roll_history(
    receivables: ir.Table, payments: ir.Table, as_of: dt.date, policy: CreditPolicy | None = None
) -> ir.Table:
    """Exposure and eventual loss of matured invoices at their entry into each aging bucket.

    An invoice is *matured* when it was issued within ``policy.lookback_days`` of ``as_of``
    with a positive amount and is more than the last bucket edge past due at ``as_of``, so its
    path through every bucket is known. Per matured invoice and bucket, the exposure is the
    balance still unpaid when the invoice entered the bucket (at least 0) and the loss what of
    that exposure was written off afterwards or is still unpaid at ``as_of``.

    Grain: one row per segment and aging bucket, summed over the segment's matured invoices
    (exactly, :func:`~profitlens.intermediate.sums.exact_sum`: the same whatever order they are added in).
    Columns: segment, bucket, bucket_order, invoices (matured invoices), exposure, loss.

    Parameters
    ----------
    receivables : ibis Table
        Output of :func:`profitlens.credit.receivables.receivables` at the same ``as_of``.
    payments : ibis Table
        The payments table (payment_id, invoice_id, paid_on, amount, kind).
    """
    policy = policy or CreditPolicy()
    as_of_day = epoch_day(as_of)
    r = receivables
    cohort = r.filter(
        (r.amount > CENT_TOLERANCE)
        & (r.invoice_day >= as_of_day - policy.lookback_days)
        & (r.days_past_due > policy.bucket_edges[-1])
    ).select("invoice_id", "segment", "amount", "invoice_day", "due_day", "open_balance")
    per_invoice = _bucket_entries(cohort, payments_until(payments, as_of), policy.bucket_edges)
    n = len(policy.bucket_labels)  # buckets 0 (current) to n - 1
    by_segment = per_invoice.group_by("segment").aggregate(
        invoices=per_invoice.count(),
        **{
            f"_{part}_{k}": exact_sum(per_invoice[f"_{part}_{k}"])
            for k in range(n)
            for part in ("exposure", "loss")
        },
    )
    rows = by_segment.cross_join(_buckets(policy.bucket_edges))
    return rows.select(
        "segment",
        "bucket",
        "bucket_order",
        "invoices",
        exposure=_by_bucket(rows, "_exposure_", n),
        loss=_by_bucket(rows, "_loss_", n),
    )


def _bucket_entries(cohort: ir.Table, pays: ir.Table, edges: tuple[int, ...]) -> ir.Table:
    """Exposure and loss of each invoice of ``cohort`` at its entry into each aging bucket.

    Grain: one row per invoice. Columns: invoice_id, segment, ``_exposure_k`` and ``_loss_k``
    for each bucket ``k`` (0 = current). The invoice's payments are joined once and summed per
    bucket, one column each, rather than once per bucket.
    """
    j = cohort.left_join(pays, "invoice_id").select(
        cohort,
        pay_day=pays.paid_on.epoch_days(),
        pay_amount=pays.amount,
        is_write_off=pays.is_write_off,
    )
    entry_days = bucket_entry_days(j.invoice_day, j.due_day, edges)
    sums = {}
    for k, entry_day in enumerate(entry_days):
        sums[f"_settled_{k}"] = (j.pay_day <= entry_day).ifelse(j.pay_amount, 0.0).sum()
        sums[f"_written_off_{k}"] = (
            ((j.pay_day > entry_day) & j.is_write_off).ifelse(j.pay_amount, 0.0).sum()
        )
    agg = j.group_by("invoice_id", "segment", "amount", "open_balance").aggregate(**sums)
    unpaid = ibis.greatest(agg.open_balance, 0.0)
    figures = {}
    for k in range(len(entry_days)):
        exposure = ibis.greatest(agg.amount - agg[f"_settled_{k}"], 0.0)
        figures[f"_exposure_{k}"] = exposure
        figures[f"_loss_{k}"] = ibis.least(
            ibis.greatest(agg[f"_written_off_{k}"] + unpaid, 0.0), exposure
        )
    return agg.select("invoice_id", "segment", **figures)


def bucket_entry_days(
    invoice_day: ir.IntegerValue, due_day: ir.IntegerValue, edges: tuple[int, ...]
) -> list[ir.IntegerValue]:
    """Day at the end of which an invoice enters each aging bucket, youngest first.

    It enters ``current`` when issued (the end of the day before its invoice date) and bucket
    ``k > 0`` at the end of the day it is ``edges[k - 1]`` days past due.
    """
    return [
        invoice_day - 1 if lower is None else due_day + lower
        for lower in bucket_lower_bounds(edges)
    ]


def _buckets(edges: tuple[int, ...]) -> ir.Table:
    """One row per aging bucket: bucket, bucket_order.

    No nulls: the PySpark backend of ibis 12 turns a memtable's nullable integer column into
    all nulls.
    """
    labels = bucket_labels(edges)
    return ibis.memtable(
        pa.table(
            {
                "bucket": pa.array(labels, pa.string()),
                "bucket_order": pa.array(range(len(labels)), pa.int64()),
            }
        )
    )


def _by_bucket(rows: ir.Table, prefix: str, n: int) -> ir.FloatingValue:
    """The column ``prefix<bucket_order>`` of each row (bucket_order 0 to ``n - 1``)."""
    return ibis.cases(*((rows.bucket_order == k, rows[f"{prefix}{k}"]) for k in range(n)))
