"""Sections on referral value (the value quadrants) and on the decision for each customer."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ...decisions.options import OPTIONS
from ...referrals.value import QUADRANTS
from ..formatting import Column, html_table, plural, signed
from . import ReportContext, lead, paragraph, register

_QUADRANT_SQL = """
SELECT value_quadrant AS quadrant, count(*) AS customers, sum(clv_profit) AS lifetime_value,
       sum(referral_value) AS referral_value, sum(profit) AS profit,
       count(*) FILTER (WHERE referrals_made > 0) AS referrers
FROM t GROUP BY value_quadrant
"""
_PLACE = {
    "champion": ("high", "high"),
    "affluent": ("low", "high"),
    "advocate": ("high", "low"),
    "miser": ("low", "low"),
}
LIST_ROWS = 20


def quadrant_chart(quadrants: pd.DataFrame) -> alt.Chart:
    """The 2 x 2 grid of lifetime value against referral value, with the customers of each."""
    frame = quadrants.assign(
        referral=[_PLACE[q][0] for q in quadrants["quadrant"]],
        lifetime=[_PLACE[q][1] for q in quadrants["quadrant"]],
        label=[f"{q}: {int(n):,}" for q, n in zip(quadrants["quadrant"], quadrants["customers"])],
    )
    base = alt.Chart(frame).encode(
        x=alt.X("referral:N", sort=["low", "high"], title="Referral value (vs median)"),
        y=alt.Y("lifetime:N", sort=["high", "low"], title="Lifetime value (vs median)"),
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("customers:Q", title="Customers", scale=alt.Scale(scheme="blues"))
    )
    text = base.mark_text(fontSize=13).encode(text="label:N")
    return (cells + text).properties(width=320, height=220)


@register("referrals", "Referral value", requires=("customer_summary", "referral_chains"), order=88)
def referrals(ctx: ReportContext) -> str | None:
    """The value quadrants and the customers whose referrals are worth most."""
    quadrants = ctx.folder.query("customer_summary", _QUADRANT_SQL)
    if quadrants.empty or quadrants["quadrant"].isna().all():
        return None
    fmt = ctx.fmt
    quadrants = (
        quadrants.set_index("quadrant")
        .reindex(list(QUADRANTS))
        .astype(float)
        .fillna(0.0)
        .rename_axis("quadrant")
        .reset_index()
    )
    total = quadrants["referral_value"].sum()
    message = (
        f"{plural(int(quadrants['referrers'].sum()), 'customer')} brought others "
        "whose value is "
        f"{signed(fmt.money(total))} in all; "
        f"{fmt.count(int(quadrants.set_index('quadrant').at['advocate', 'customers']))} "
        "of them are advocates: worth more for whom they bring than for what they buy."
    )
    chart = ctx.chart(
        quadrant_chart(quadrants),
        "Customers by lifetime value and referral value, split at the medians",
    )
    top = ctx.folder.query(
        "customer_summary",
        f"""
        SELECT customer_id, segment, value_quadrant, referrals_made, referral_value, profit,
               clv_profit FROM t WHERE referral_value > 0
        ORDER BY referral_value DESC, customer_id LIMIT {LIST_ROWS}""",
    )
    table = html_table(
        quadrants,
        [
            Column("quadrant", "Quadrant", str, numeric=False),
            Column("customers", "Customers", fmt.count),
            Column("lifetime_value", "Lifetime value", fmt.number),
            Column("referral_value", "Referral value", fmt.number),
            Column("profit", "Profit to date", fmt.number),
        ],
        caption=fmt.currency,
    )
    listing = (
        ""
        if top.empty
        else html_table(
            top,
            [
                Column("customer_id", "Customer", str, numeric=False),
                Column("segment", "Segment", lambda x: "" if pd.isna(x) else str(x), numeric=False),
                Column("value_quadrant", "Quadrant", str, numeric=False),
                Column("referrals_made", "Referred", fmt.count),
                Column("referral_value", "Referral value", fmt.number),
                Column("profit", "Profit to date", fmt.number),
                Column("clv_profit", "Lifetime value", fmt.number),
            ],
            caption=f"The {len(top)} customers whose referrals are worth most",
        )
    )
    note = paragraph(
        "Referral value: for each customer a customer brought, the share credited to the "
        "referral (referrals.attribution) of its profit to date and expected future profit, "
        "and for the rest the acquisition cost saved (Kumar, Petersen & Leone)."
    )
    return lead(message) + chart + table + listing + note


@register(
    "decisions",
    "Keep, reprice, serve differently or end",
    requires=("customer_summary", "decisions"),
    order=90,
)
def decisions(ctx: ReportContext) -> str | None:
    """How many customers each option is recommended for, and the list to act on."""
    counts = ctx.folder.query(
        "customer_summary",
        """
        SELECT recommendation, count(*) AS customers, sum(profit) AS profit
        FROM t GROUP BY recommendation""",
    )
    if counts.empty or counts["recommendation"].isna().all():
        return None
    fmt = ctx.fmt
    counts = (
        counts.set_index("recommendation")
        .reindex(list(OPTIONS))
        .fillna(0.0)
        .rename_axis("recommendation")
        .reset_index()
    )
    act = counts[counts["recommendation"] != "keep"]
    message = (
        f"{plural(int(act['customers'].sum()), 'customer')} call for action: "
        + ", ".join(
            f"{fmt.count(int(r.customers))} to {r.recommendation.replace('_', ' ')}"
            for r in act.itertuples()
        )
        + "."
    )
    listing = ctx.folder.query(
        "decisions",
        f"""
        WITH chosen AS (SELECT customer_id, option, npv FROM t WHERE recommended),
             kept AS (SELECT customer_id, npv AS keep_npv FROM t WHERE option = 'keep')
        SELECT chosen.customer_id, option, npv - keep_npv AS stake
        FROM chosen JOIN kept USING (customer_id) WHERE option <> 'keep'
        ORDER BY stake DESC, customer_id LIMIT {LIST_ROWS}""",
    )
    table = html_table(
        counts,
        [
            Column("recommendation", "Recommendation", str, numeric=False),
            Column("customers", "Customers", fmt.count),
            Column("profit", "Profit to date", fmt.number),
        ],
        caption=fmt.currency,
    )
    if listing.empty:
        return lead(message) + table
    ids = ", ".join("'" + str(c).replace("'", "''") + "'" for c in listing["customer_id"])
    reasons = ctx.folder.query(
        "customer_summary",
        f"""
        SELECT customer_id, segment, profit, recommendation_reason FROM t
        WHERE customer_id IN ({ids})""",
    )
    listing = listing.merge(reasons, on="customer_id", how="left")
    decision_list = html_table(
        listing,
        [
            Column("customer_id", "Customer", str, numeric=False),
            Column("segment", "Segment", lambda x: "" if pd.isna(x) else str(x), numeric=False),
            Column("option", "Do", lambda x: str(x).replace("_", " "), numeric=False),
            Column("stake", "Gain over keeping (NPV)", fmt.number),
            Column("profit", "Profit to date", fmt.number),
            Column("recommendation_reason", "Why", str, numeric=False),
        ],
        caption=f"The {len(listing)} decisions worth most",
    )
    note = paragraph(
        "Each option is valued as a net present value over the lifetime-value horizon. Ending "
        "a customer saves only the cost of resources that shrink with their use; the cost of "
        "a resource marked reducible: false stays as unused capacity, and the customer's "
        "referral value is lost."
    )
    return lead(message) + table + decision_list + note
