"""IFRS 9 simplified approach: a provision matrix of lifetime loss rates per aging bucket.

IFRS 9 para 5.5.15 requires lifetime expected credit losses for trade receivables without a
significant financing component; B5.5.35 allows a provision matrix "based on historical
observed default rates ... adjusted for forward-looking estimates" (Illustrative Example 12),
grouped by segment when loss patterns differ. :class:`ProvisionMatrix` estimates the rates from
the roll history of :func:`profitlens.credit.history.bucket_roll_history`:

    loss_rate[segment, bucket] = sum(loss) / sum(exposure)   over the matured invoices

then multiplies every rate by ``1 + forward_looking_adjustment`` (capped at 1).
"""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from profitlens.credit.receivables import CENT_TOLERANCE
from profitlens.errors import NotFittedError
from profitlens.intermediate.sums import exact_sum
from profitlens.settings import CreditPolicy

_HISTORY_COLUMNS = ("bucket", "exposure", "loss")


class ProvisionMatrix:
    """Lifetime loss rates per aging bucket (and segment), estimated from the own history.

    Parameters
    ----------
    buckets : sequence of str, optional
        Aging buckets from youngest to oldest; default ``CreditPolicy().bucket_labels``.
    forward_looking_adjustment : float, default 0.0
        Relative change of every historical rate for expected conditions (0.1 = +10 %).
    by_segment : bool, default True
        Estimate separate rates for segments with enough history.
    min_segment_invoices : int, default 50
        Matured invoices (rows of the history's first bucket, or the sum of an ``invoices``
        column) a segment needs for rates of its own; others use the portfolio's rates.

    Attributes
    ----------
    historical_loss_rates_ : DataFrame
        Observed rates before the forward-looking adjustment; index = bucket, one column per
        segment seen in the history (segments without enough history carry the portfolio's).
    loss_rates_ : DataFrame
        The provision matrix: ``historical_loss_rates_`` adjusted and capped at 1.
    portfolio_loss_rates_ : Series
        Adjusted rates of the whole portfolio, by bucket; used for unknown segments.
    exposure_, loss_ : DataFrame
        Summed exposure and loss behind each rate (index bucket, columns segment + ``None``
        for the portfolio).
    segments_estimated_ : list of str
        Segments whose rates come from their own history.

    Notes
    -----
    A bucket no matured invoice ever reached has no observed rate; it takes the rate of the
    nearest younger bucket that has one (0 if none), so the matrix never leaves a bucket
    unprovided. A segment bucket without exposure takes the portfolio's rate.

    Examples
    --------
    >>> import pandas as pd
    >>> history = pd.DataFrame({"bucket": ["current", "over 30"],
    ...                         "exposure": [1000.0, 100.0], "loss": [20.0, 20.0]})
    >>> m = ProvisionMatrix(buckets=["current", "over 30"], by_segment=False).fit(history)
    >>> m.portfolio_loss_rates_.round(3).tolist()
    [0.02, 0.2]
    """

    def __init__(
        self,
        buckets: Sequence[str] | None = None,
        forward_looking_adjustment: float = 0.0,
        by_segment: bool = True,
        min_segment_invoices: int = 50,
    ):
        self.buckets = buckets
        self.forward_looking_adjustment = forward_looking_adjustment
        self.by_segment = by_segment
        self.min_segment_invoices = min_segment_invoices

    @classmethod
    def from_policy(cls, policy: CreditPolicy, **overrides) -> ProvisionMatrix:
        """A matrix configured from a :class:`CreditPolicy` (keyword overrides win)."""
        params = dict(
            buckets=policy.bucket_labels,
            forward_looking_adjustment=policy.forward_looking_adjustment,
            min_segment_invoices=policy.min_segment_invoices,
        )
        return cls(**{**params, **overrides})

    # -- fitting ---------------------------------------------------------------------------
    def fit(self, history: ir.Table | pd.DataFrame) -> ProvisionMatrix:
        """Estimate the loss rates from a roll history.

        Parameters
        ----------
        history : ibis Table or DataFrame
            Columns bucket, exposure, loss; optional segment and invoices (a count, for
            pre-aggregated histories). Typically :func:`bucket_roll_history`.

        Returns
        -------
        self
        """
        if self.forward_looking_adjustment <= -1:
            raise ValueError(
                "forward_looking_adjustment must be greater than -1, "
                f"got {self.forward_looking_adjustment}"
            )
        frame = _summarise(history)
        buckets = list(self.buckets or CreditPolicy().bucket_labels)
        unknown = sorted(set(frame["bucket"]) - set(buckets))
        if unknown:
            raise ValueError(f"history has buckets {unknown} not among {buckets}")
        first = frame[frame["bucket"] == buckets[0]]
        counts = first.groupby("segment", dropna=False)["invoices"].sum()

        by_bucket = frame.groupby("bucket")[["exposure", "loss"]].sum().reindex(buckets)
        portfolio = _rates(by_bucket.fillna(0.0))
        exposure = {None: by_bucket["exposure"].fillna(0.0)}
        loss = {None: by_bucket["loss"].fillna(0.0)}
        historical, estimated = {}, []
        for segment in sorted(s for s in frame["segment"].dropna().unique()):
            part = frame[frame["segment"] == segment].groupby("bucket")[["exposure", "loss"]].sum()
            part = part.reindex(buckets).fillna(0.0)
            exposure[segment], loss[segment] = part["exposure"], part["loss"]
            if self.by_segment and counts.get(segment, 0) >= self.min_segment_invoices:
                observed = part["loss"] / part["exposure"].where(part["exposure"] > CENT_TOLERANCE)
                historical[segment] = observed.fillna(portfolio)
                estimated.append(segment)
            else:
                historical[segment] = portfolio
        factor = 1.0 + self.forward_looking_adjustment
        self.historical_portfolio_loss_rates_ = portfolio
        self.historical_loss_rates_ = pd.DataFrame(
            historical, index=pd.Index(buckets, name="bucket")
        )
        self.portfolio_loss_rates_ = (portfolio * factor).clip(upper=1.0)
        self.loss_rates_ = (self.historical_loss_rates_ * factor).clip(upper=1.0)
        self.exposure_ = pd.DataFrame(exposure)
        self.loss_ = pd.DataFrame(loss)
        self.segments_estimated_ = estimated
        return self

    # -- applying --------------------------------------------------------------------------
    def loss_rate_table(self) -> pd.DataFrame:
        """The matrix in long form: segment (None = portfolio), bucket, loss_rate."""
        self._check_fitted()
        rows = [(None, b, float(r)) for b, r in self.portfolio_loss_rates_.items()]
        rows += [
            (seg, b, float(r))
            for seg in self.loss_rates_.columns
            for b, r in self.loss_rates_[seg].items()
        ]
        return pd.DataFrame(rows, columns=["segment", "bucket", "loss_rate"])

    def transform(self, receivables: ir.Table) -> ir.Table:
        """Add ``loss_rate`` and ``expected_credit_loss`` to each open invoice.

        Grain unchanged (one row per invoice). An invoice takes its segment's rate for its
        bucket, or the portfolio's when its segment has no rates; invoices without a positive
        open balance (bucket null) get rate null and loss 0.
        """
        self._check_fitted()
        long = self.loss_rate_table()
        seg = long[long["segment"].notna()]
        seg_rates = ibis.memtable(
            pa.table(
                {
                    "segment": pa.array(seg["segment"].tolist(), pa.string()),
                    "bucket": pa.array(seg["bucket"].tolist(), pa.string()),
                    "_segment_rate": pa.array(seg["loss_rate"].tolist(), pa.float64()),
                }
            )
        )
        port = long[long["segment"].isna()]
        port_rates = ibis.memtable(
            pa.table(
                {
                    "bucket": pa.array(port["bucket"].tolist(), pa.string()),
                    "_portfolio_rate": pa.array(port["loss_rate"].tolist(), pa.float64()),
                }
            )
        )
        t = receivables
        j = t.left_join(seg_rates, ["segment", "bucket"]).select(t, seg_rates._segment_rate)
        j = j.left_join(port_rates, "bucket").select(j, port_rates._portfolio_rate)
        rate = j._segment_rate.fill_null(j._portfolio_rate)
        ecl = (ibis.greatest(j.open_balance, 0.0) * rate).fill_null(0.0)
        j = j.mutate(loss_rate=rate, expected_credit_loss=ecl)
        return j.drop("_segment_rate", "_portfolio_rate")

    def _check_fitted(self) -> None:
        if not hasattr(self, "loss_rates_"):
            raise NotFittedError("This ProvisionMatrix is not fitted yet; call fit(history) first.")


def _summarise(history: ir.Table | pd.DataFrame) -> pd.DataFrame:
    """Sum a history to one row per (segment, bucket) with exposure, loss, invoices, in
    (segment, bucket) order; money summed exactly (:func:`~profitlens.intermediate.sums.exact_sum`)."""
    missing = [c for c in _HISTORY_COLUMNS if c not in history.columns]
    if missing:
        raise ValueError(
            f"history lacks columns {missing}; expected {list(_HISTORY_COLUMNS)}"
            " (+ optional segment, invoices)"
        )
    if isinstance(history, ir.Table):
        h = history
        segment = h.segment if "segment" in h.columns else ibis.null("string")
        invoices = h.invoices if "invoices" in h.columns else ibis.literal(1)
        h = h.mutate(segment=segment.cast("string"), invoices=invoices.cast("int64"))
        frame = (
            h.group_by("segment", "bucket")
            .aggregate(
                exposure=exact_sum(h.exposure), loss=exact_sum(h.loss), invoices=h.invoices.sum()
            )
            .execute()
        )
    else:
        frame = history.copy()
        frame["segment"] = frame["segment"] if "segment" in frame else None
        frame["invoices"] = frame["invoices"] if "invoices" in frame else 1
        frame = frame.groupby(["segment", "bucket"], dropna=False, as_index=False)[
            ["exposure", "loss", "invoices"]
        ].sum()
    frame["segment"] = frame["segment"].astype(object).where(frame["segment"].notna(), None)
    negative = (frame["exposure"] < -CENT_TOLERANCE).any()
    if negative or (frame["loss"] > frame["exposure"] + CENT_TOLERANCE).any():
        raise ValueError("history must have 0 <= loss <= exposure in every bucket")
    # in a fixed order, so that the sums over segments come out the same whatever order the
    # engine handed the groups over in
    return frame.sort_values(["segment", "bucket"], ignore_index=True)


def _rates(summed: pd.DataFrame) -> pd.Series:
    """loss / exposure per bucket; a bucket without exposure takes the previous bucket's rate."""
    observed = summed["loss"] / summed["exposure"].where(summed["exposure"] > CENT_TOLERANCE)
    return observed.ffill().fillna(0.0).astype(np.float64)
