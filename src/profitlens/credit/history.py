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

from profitlens.credit.policy import CreditPolicy, bucket_labels
from profitlens.marts.receivables import CENT_TOLERANCE, epoch_day


def bucket_entries(edges: tuple[int, ...]) -> ir.Table:
    """One row per aging bucket: bucket, bucket_order, on_issue, entry_dpd.

    An invoice enters bucket ``k > 0`` at the end of the day it is ``entry_dpd`` days past
    due; it enters ``current`` when issued (``on_issue`` true, entry_dpd 0). No nulls: the
    PySpark backend of ibis 12 turns a memtable's nullable integer column into all nulls.
    """
    labels = bucket_labels(edges)
    return ibis.memtable(pa.table({
        "bucket": pa.array(labels, pa.string()),
        "bucket_order": pa.array(range(len(labels)), pa.int64()),
        "on_issue": pa.array([True] + [False] * len(edges), pa.bool_()),
        "entry_dpd": pa.array([0, *edges], pa.int64()),
    }))


def bucket_roll_history(receivables: ir.Table, payments: ir.Table, as_of: dt.date,
                        policy: CreditPolicy | None = None) -> ir.Table:
    """Exposure and eventual loss of matured invoices at their entry into each aging bucket.

    Grain: one row per matured invoice and aging bucket. An invoice is *matured* when it was
    issued within ``policy.lookback_days`` of ``as_of`` with a positive amount and is more than
    the last bucket edge past due at ``as_of``, so its path through every bucket is known.

    Columns: invoice_id, segment, bucket, bucket_order, exposure (the balance still unpaid when
    the invoice entered the bucket, at least 0), loss (what of that exposure was written off
    afterwards or is still unpaid at ``as_of``).

    Parameters
    ----------
    receivables : ibis Table
        Output of :func:`profitlens.marts.receivables.receivables` at the same ``as_of``.
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
    entries = bucket_entries(policy.bucket_edges)
    rows = cohort.cross_join(entries)
    rows = rows.mutate(entry_day=rows.on_issue.ifelse(
        rows.invoice_day - 1, rows.due_day + rows.entry_dpd))

    pays = payments.filter(payments.paid_on <= ibis.date(as_of))
    kind = pays.kind.fill_null("payment") if "kind" in pays.columns else ibis.literal("payment")
    pays = pays.select("invoice_id", pay_day=pays.paid_on.epoch_days(), pay_amount=pays.amount,
                       is_write_off=kind == "write_off")
    j = rows.left_join(pays, "invoice_id")
    before = j.pay_day.notnull() & (j.pay_day <= j.entry_day)
    written_after = (j.pay_day.notnull() & (j.pay_day > j.entry_day)
                     & j.is_write_off.fill_null(False))
    agg = j.group_by("invoice_id", "segment", "bucket", "bucket_order", "amount",
                     "open_balance").aggregate(
        settled_before=before.ifelse(j.pay_amount, 0.0).sum(),
        written_off_after=written_after.ifelse(j.pay_amount, 0.0).sum(),
    )
    exposure = ibis.greatest(agg.amount - agg.settled_before.fill_null(0.0), 0.0)
    loss = agg.written_off_after.fill_null(0.0) + ibis.greatest(agg.open_balance, 0.0)
    agg = agg.mutate(exposure=exposure, loss=ibis.least(ibis.greatest(loss, 0.0), exposure))
    return agg.select("invoice_id", "segment", "bucket", "bucket_order", "exposure", "loss")
