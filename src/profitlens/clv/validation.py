"""Holdout validation of a transaction model: tracking, calibration by frequency, errors.

All functions take pandas frames already executed from :mod:`profitlens.clv.summary` (the
charts in :mod:`profitlens.clv.plots` draw what these return).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from profitlens.clv.summary import TIME_UNITS, _as_date

__all__ = ["tracking_data", "calibration_by_frequency", "holdout_errors"]


def tracking_data(
    purchases: pd.DataFrame, model, observation_end, time_unit: str = "week", calibration_end=None
) -> pd.DataFrame:
    """Cumulative repeat purchases of the cohort, actual and model, per time unit.

    Parameters
    ----------
    purchases : DataFrame
        :func:`profitlens.clv.summary.purchases` executed (purchase_date, first_purchase,
        is_repeat, one row per purchase), or
        :func:`profitlens.clv.summary.purchase_counts` executed (the same with ``n``, the
        purchases each row stands for), which is far smaller. Customers whose first purchase
        is after ``calibration_end`` (when given) are left out, as the model was not fitted
        to them.
    model : fitted transaction model
    observation_end : date

    Returns
    -------
    DataFrame with one row per time step from the first purchase: ``t`` (time units since
    the cohort's first purchase), ``date``, ``actual`` and ``model`` (cumulative repeat
    purchases by then), ``period`` ("calibration" or "holdout").
    """
    unit = TIME_UNITS[time_unit]
    p = purchases.loc[:, ["purchase_date", "first_purchase", "is_repeat"]]
    p["purchase_date"] = pd.to_datetime(p["purchase_date"])
    p["first_purchase"] = pd.to_datetime(p["first_purchase"])
    p["n"] = purchases["n"].to_numpy(float) if "n" in purchases else 1.0
    if calibration_end is not None:
        p = p[p["first_purchase"] <= pd.Timestamp(_as_date(calibration_end))]
    start = p["first_purchase"].min()
    end = pd.Timestamp(_as_date(observation_end))
    span = (end - start).days / unit
    steps = np.unique(np.append(np.arange(0.0, np.floor(span) + 1.0), span))  # ends at the end
    repeat = p["is_repeat"].to_numpy(bool)
    repeat_t = ((p.loc[repeat, "purchase_date"] - start).dt.days / unit).to_numpy()
    order = np.argsort(repeat_t, kind="stable")
    repeats_by = np.append(0.0, np.cumsum(p["n"].to_numpy()[repeat][order]))
    actual = repeats_by[np.searchsorted(repeat_t[order], steps, side="right")]
    # each customer has one first purchase, the purchase that is not a repeat
    births = ((p.loc[~repeat, "first_purchase"] - start).dt.days / unit).to_numpy()
    birth_values, at = np.unique(births, return_inverse=True)
    counts = np.bincount(at, weights=p["n"].to_numpy()[~repeat], minlength=birth_values.size)
    age = np.clip(steps[None, :] - birth_values[:, None], 0.0, None)
    expected = counts @ model.expected_purchases(age)
    cal = pd.Timestamp(_as_date(calibration_end)) if calibration_end is not None else end
    dates = start + pd.to_timedelta(steps * unit, unit="D")
    return pd.DataFrame(
        {
            "t": steps,
            "date": dates,
            "actual": actual,
            "model": expected,
            "period": np.where(dates <= cal, "calibration", "holdout"),
        }
    )


def calibration_by_frequency(summary: pd.DataFrame, model, max_frequency: int = 7) -> pd.DataFrame:
    """Mean holdout purchases by calibration frequency, actual vs model.

    Parameters
    ----------
    summary : DataFrame
        :func:`~profitlens.clv.summary.calibration_holdout_summary` executed.
    max_frequency : int
        Frequencies at or above it are pooled into one group ("7+").

    Returns
    -------
    DataFrame: frequency (int, the group's lower bound), label, customers, actual, model.
    """
    x = summary["frequency"].to_numpy(float)
    pred = model.conditional_expected_purchases(
        summary["duration_holdout"].to_numpy(float),
        x,
        summary["recency"].to_numpy(float),
        summary["T"].to_numpy(float),
    )
    group = np.minimum(x, max_frequency).astype(int)
    frame = pd.DataFrame(
        {"frequency": group, "actual": summary["frequency_holdout"].to_numpy(float), "model": pred}
    )
    out = (
        frame.groupby("frequency")
        .agg(customers=("actual", "size"), actual=("actual", "mean"), model=("model", "mean"))
        .reset_index()
    )
    out.insert(1, "label", [f"{f}+" if f == max_frequency else str(f) for f in out["frequency"]])
    return out


def holdout_errors(summary: pd.DataFrame, model) -> dict[str, float]:
    """Error figures of the model's holdout forecast.

    Returns
    -------
    dict with ``customers``, ``actual_total`` and ``predicted_total`` holdout purchases,
    ``total_error_pct`` ((predicted - actual) / actual x 100), per-customer ``mae`` and
    ``rmse``, and ``correlation`` of predicted and actual purchases.
    """
    pred = model.conditional_expected_purchases(
        summary["duration_holdout"].to_numpy(float),
        summary["frequency"].to_numpy(float),
        summary["recency"].to_numpy(float),
        summary["T"].to_numpy(float),
    )
    actual = summary["frequency_holdout"].to_numpy(float)
    err = pred - actual
    total = float(actual.sum())
    corr = (
        float(np.corrcoef(pred, actual)[0, 1])
        if actual.std() > 0 and pred.std() > 0
        else float("nan")
    )
    return {
        "customers": int(actual.size),
        "actual_total": total,
        "predicted_total": float(pred.sum()),
        "total_error_pct": float((pred.sum() - total) / total * 100) if total else float("nan"),
        "mae": float(np.abs(err).mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "correlation": corr,
    }
