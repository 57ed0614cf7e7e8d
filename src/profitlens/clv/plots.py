"""Holdout validation charts (Altair): tracking and calibration by frequency.

Each function takes the frame built by :mod:`profitlens.clv.validation` and returns an
``altair.Chart``; nothing is rendered or saved here.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

__all__ = ["tracking_chart", "calibration_by_frequency_chart"]


def _long(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.melt(
        id_vars=keys, value_vars=["actual", "model"], var_name="series", value_name="purchases"
    )


def tracking_chart(
    tracking: pd.DataFrame, *, title: str = "Cumulative repeat purchases", unit: str = "week"
) -> alt.Chart:
    """Line chart of cumulative repeat purchases, actual vs model, with the calibration end.

    Parameters
    ----------
    tracking : DataFrame
        :func:`profitlens.clv.validation.tracking_data` output.
    """
    data = _long(tracking[["t", "date", "period", "actual", "model"]], ["t", "date", "period"])
    lines = (
        alt.Chart(data)
        .mark_line()
        .encode(
            x=alt.X("t:Q", title=f"{unit}s since the cohort's first purchase"),
            y=alt.Y("purchases:Q", title="cumulative repeat purchases"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["actual", "model"], range=["#1f2937", "#dc2626"]),
            ),
            strokeDash=alt.StrokeDash(
                "series:N",
                legend=None,
                scale=alt.Scale(domain=["actual", "model"], range=[[1, 0], [6, 3]]),
            ),
            tooltip=["date:T", "series:N", alt.Tooltip("purchases:Q", format=",.0f")],
        )
    )
    cal = tracking.loc[tracking["period"] == "calibration", "t"]
    layers = [lines]
    if len(cal) and (tracking["period"] == "holdout").any():
        rule = (
            alt.Chart(pd.DataFrame({"t": [float(cal.max())]}))
            .mark_rule(strokeDash=[2, 2], color="#6b7280")
            .encode(x="t:Q")
        )
        layers.append(rule)
    return alt.layer(*layers).properties(title=title, width=560, height=300)


def calibration_by_frequency_chart(
    table: pd.DataFrame, *, title: str = "Holdout purchases by calibration frequency"
) -> alt.Chart:
    """Mean holdout purchases per calibration-frequency group, actual vs model.

    Parameters
    ----------
    table : DataFrame
        :func:`profitlens.clv.validation.calibration_by_frequency` output.
    """
    data = _long(
        table[["frequency", "label", "customers", "actual", "model"]],
        ["frequency", "label", "customers"],
    )
    order = list(table["label"])
    return (
        alt.Chart(data)
        .mark_line(point=True)
        .encode(
            x=alt.X("label:O", sort=order, title="repeat purchases in the calibration period"),
            y=alt.Y("purchases:Q", title="mean purchases in the holdout period"),
            color=alt.Color(
                "series:N",
                title=None,
                scale=alt.Scale(domain=["actual", "model"], range=["#1f2937", "#dc2626"]),
            ),
            tooltip=[
                "label:O",
                "customers:Q",
                "series:N",
                alt.Tooltip("purchases:Q", format=".3f"),
            ],
        )
        .properties(title=title, width=420, height=300)
    )
