"""Report tables of the credit analysis, as pandas frames (for the HTML report and the CLI).

Each function takes the ``receivables`` or ``customer_credit`` output, as an ibis table or as
the DataFrame read back from an output folder, and returns a small presentation frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis.expr.types as ir
import numpy as np
import pandas as pd

from profitlens.credit.receivables import CENT_TOLERANCE
from profitlens.settings import CreditPolicy

NO_SEGMENT = "(none)"


def aging_by_bucket(
    receivables: ir.Table | pd.DataFrame,
    buckets: Sequence[str] | None = None,
    with_total: bool = True,
) -> pd.DataFrame:
    """Open receivables by aging bucket.

    One row per bucket (all buckets, empty ones with zeros), youngest first, plus a ``total``
    row. Columns: bucket, invoices, open_balance, share (of the total open balance),
    loss_rate (ECL / open balance), expected_credit_loss.
    """
    r = _frame(receivables)
    r = r[r["open_balance"] > CENT_TOLERANCE]
    r = r.assign(expected_credit_loss=_ecl(r))
    order = list(buckets or _bucket_order(r))
    g = r.groupby("bucket").agg(
        invoices=("invoice_id", "size"),
        open_balance=("open_balance", "sum"),
        expected_credit_loss=("expected_credit_loss", "sum"),
    )
    g = g.reindex(order).fillna(0.0)
    g["invoices"] = g["invoices"].astype("int64")
    if with_total:
        g.loc["total"] = [
            int(g["invoices"].sum()),
            g["open_balance"].sum(),
            g["expected_credit_loss"].sum(),
        ]
    total = g["open_balance"].iloc[: len(order)].sum()
    g["share"] = g["open_balance"] / total if total > 0 else 0.0
    g["loss_rate"] = _ratio(g["expected_credit_loss"], g["open_balance"])
    g = g.rename_axis("bucket").reset_index()
    return g[["bucket", "invoices", "open_balance", "share", "loss_rate", "expected_credit_loss"]]


def ecl_by_segment(receivables: ir.Table | pd.DataFrame, with_total: bool = True) -> pd.DataFrame:
    """Exposure and expected credit loss by customer segment.

    One row per segment (``(none)`` for customers without one), largest ECL first, plus a
    ``total`` row. Columns: segment, customers, credit_exposure, overdue_balance,
    expected_credit_loss, coverage (ECL / exposure).
    """
    r = _frame(receivables)
    r = r[r["open_balance"] > CENT_TOLERANCE]
    r = r.assign(
        expected_credit_loss=_ecl(r),
        segment=r["segment"].astype(object).where(r["segment"].notna(), NO_SEGMENT),
        overdue=np.where(r["days_past_due"] > 0, r["open_balance"], 0.0),
    )
    g = r.groupby("segment").agg(
        customers=("customer_id", "nunique"),
        credit_exposure=("open_balance", "sum"),
        overdue_balance=("overdue", "sum"),
        expected_credit_loss=("expected_credit_loss", "sum"),
    )
    g = g.sort_values(["expected_credit_loss", "credit_exposure"], ascending=False)
    if with_total:
        g.loc["total"] = [
            r["customer_id"].nunique(),
            g["credit_exposure"].sum(),
            g["overdue_balance"].sum(),
            g["expected_credit_loss"].sum(),
        ]
    g["customers"] = g["customers"].astype("int64")
    g["coverage"] = _ratio(g["expected_credit_loss"], g["credit_exposure"])
    return g.rename_axis("segment").reset_index()


#: the columns of :func:`liability_list`
LIABILITY_COLUMNS = (
    "customer_id",
    "segment",
    "credit_exposure",
    "overdue_balance",
    "max_days_past_due",
    "expected_credit_loss",
    "expected_margin",
    "avg_days_late",
    "lateness_trend",
    "liability_reasons",
)


def liability_list(
    customer_credit: ir.Table | pd.DataFrame, top: int | None = None
) -> pd.DataFrame:
    """Customers flagged as a liability, largest credit exposure first.

    Columns: :data:`LIABILITY_COLUMNS`.
    """
    c = _frame(customer_credit)
    c = c[c["liability"].fillna(False).astype(bool)]
    c = c.sort_values(["credit_exposure", "customer_id"], ascending=[False, True])
    c = c[list(LIABILITY_COLUMNS)].reset_index(drop=True)
    return c.head(top) if top is not None else c


def _frame(table: ir.Table | pd.DataFrame) -> pd.DataFrame:
    return table.execute() if isinstance(table, ir.Table) else table.copy()


def _ecl(r: pd.DataFrame) -> pd.Series:
    if "expected_credit_loss" in r:
        return r["expected_credit_loss"].fillna(0.0)
    return pd.Series(0.0, index=r.index)


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    return (num / den.where(den > CENT_TOLERANCE)).fillna(0.0)


def _bucket_order(r: pd.DataFrame) -> list[str]:
    default = CreditPolicy().bucket_labels
    seen = set(r["bucket"].dropna())
    if seen <= set(default):
        return list(default)
    if "bucket_order" in r:
        return list(r.sort_values("bucket_order")["bucket"].drop_duplicates())
    return sorted(seen)
