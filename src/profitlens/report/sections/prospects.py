"""Section on open prospects, from ``prospect_scores``: value against pursuit effort, and the
ranked list with what drives each score."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..charts import ACCENT, COMPACT_LABEL, FULL_WIDTH, LOSS, NEUTRAL
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, lead, paragraph, register

_COLUMNS = (
    "prospect_id",
    "p_convert",
    "expected_lifetime_profit",
    "expected_service_cost",
    "expected_pursuit_cost",
    "expected_return",
    "recommendation",
    "reasons",
)
LIST_ROWS = 25
COLOURS = {"pursue": ACCENT, "deprioritise": NEUTRAL, "skip": LOSS}


@register("prospects", "Open prospects", requires=("prospect_scores",), order=88)
def prospects(ctx: ReportContext) -> str | None:
    """Lead, value-versus-effort chart and the top of the ranked list."""
    if not set(_COLUMNS) <= set(ctx.folder.columns("prospect_scores")):
        return None
    scores = ctx.folder.table("prospect_scores", list(_COLUMNS))
    if scores.empty:
        return None
    scores = scores.sort_values(
        ["expected_return", "prospect_id"],
        ascending=[False, True],
        kind="stable",
        ignore_index=True,
    )
    fmt = ctx.fmt
    counts = scores["recommendation"].value_counts()
    pursue = scores[scores["recommendation"] == "pursue"]
    message = (
        f"{plural(len(scores), 'open prospect')}: {counts.get('pursue', 0)} worth "
        f"pursuing, {counts.get('deprioritise', 0)} to deprioritise (a small return "
        f"for the effort), {counts.get('skip', 0)} to skip. Those worth pursuing are "
        f"expected to return {signed(fmt.money(pursue['expected_return'].sum()))}."
    )
    chart = ctx.chart(
        value_effort_chart(scores, fmt.currency),
        "Expected value of each open prospect against its pursuit cost",
        note=f"Each dot is an open prospect: the pursuit cost still to spend "
        f"against the chance of winning it times its lifetime profit, "
        f"{fmt.currency}. Above the diagonal the value exceeds the effort.",
    )
    top = scores.head(LIST_ROWS).assign(rank=range(1, min(LIST_ROWS, len(scores)) + 1))
    table = html_table(
        top,
        [
            Column("rank", "#", str),
            Column("prospect_id", "Prospect", str, numeric=False),
            Column("p_convert", "Chance of winning", lambda x: fmt.percent(x, 0)),
            Column("expected_lifetime_profit", "Lifetime profit if won", fmt.number),
            Column("expected_service_cost", "Service cost if won", fmt.number),
            Column("expected_pursuit_cost", "Pursuit cost to come", fmt.number),
            Column("expected_return", "Expected return", fmt.number),
            Column("recommendation", "Recommendation", str, numeric=False),
            Column("reasons", "Why", str, numeric=False),
        ],
    )
    text = paragraph(
        "Expected return = chance of winning x lifetime profit if won (discounted "
        "over the lifetime-value horizon, after every cost to serve and "
        "commission) - the pursuit cost still to spend. Learned from the "
        "company's own past prospects, each as it was known when created."
    )
    return lead(message) + chart + text + f"<h3>Best {len(top)} by expected return</h3>" + table


def value_effort_chart(scores: pd.DataFrame, currency: str) -> alt.LayerChart:
    """Scatter of pursuit cost to come (x) against p_convert x lifetime profit (y)."""
    data = pd.DataFrame(
        {
            "prospect": scores["prospect_id"].astype(str),
            "effort": scores["expected_pursuit_cost"].astype(float),
            "value": (scores["p_convert"] * scores["expected_lifetime_profit"]).astype(float),
            "recommendation": scores["recommendation"].astype(str),
        }
    )
    top = float(max(data["effort"].max(), 1.0))
    diagonal = pd.DataFrame({"effort": [0.0, top], "value": [0.0, top]})
    axis = alt.Axis(labelExpr=COMPACT_LABEL)
    dots = (
        alt.Chart(data)
        .mark_circle(size=28, opacity=0.7)
        .encode(
            x=alt.X("effort:Q", title=f"Pursuit cost to come ({currency})", axis=axis),
            y=alt.Y("value:Q", title=f"Chance x lifetime profit ({currency})", axis=axis),
            color=alt.Color(
                "recommendation:N",
                title="Recommendation",
                scale=alt.Scale(domain=list(COLOURS), range=list(COLOURS.values())),
            ),
        )
    )
    line = (
        alt.Chart(diagonal)
        .mark_line(color="#9aa5b1", strokeDash=[4, 4])
        .encode(x="effort:Q", y="value:Q")
    )
    return alt.layer(line, dots).properties(width=FULL_WIDTH, height=320)
