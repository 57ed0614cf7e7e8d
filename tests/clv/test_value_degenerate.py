"""A transaction model whose forecast breaks down (a degenerate fit: e.g. 6 repeat buyers among
4,942 in the Olist sample) is a FitError, which the run turns into a note, not a crash."""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd
import pytest

from profitlens.clv.value import fit_lifetime_value
from profitlens.models._mle import FitError
from profitlens.models.base import TransactionModel


def test_a_forecast_that_breaks_down_is_a_fit_error(monkeypatch):
    as_of = dt.date(2018, 8, 31)
    rows = [
        {
            "customer_id": f"c{i}",
            "invoice_id": f"i{i}-{k}",
            "invoice_date": as_of - dt.timedelta(days=300 - 20 * k - i),
            "revenue": 100.0,
            "cost": 60.0,
        }
        for i in range(40)
        for k in range(1 + i % 3)
    ]
    lines = ibis.memtable(pd.DataFrame(rows))

    def degenerate(self, *args, **kwargs):
        raise ValueError("array must not contain infs or NaNs")

    monkeypatch.setattr(TransactionModel, "forecast_curves", degenerate)
    with pytest.raises(
        FitError, match="model fitted to 40 customers, 26 of whom bought again, cannot forecast"
    ):
        fit_lifetime_value(lines, None, 0.1, as_of=as_of, model="bgnbd")
