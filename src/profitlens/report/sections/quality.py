"""Section on input data quality: quarantined rows by reason and row conservation."""

from __future__ import annotations

import pandas as pd

from .. import figures
from ..formatting import Column, html_table
from . import ReportContext, lead, paragraph, register

_QUARANTINE_COLUMNS = ["table", "row", "column", "value", "reason"]


@register("quality", "Data quality and quarantine", requires=("quarantine",), order=90)
def quality(ctx: ReportContext) -> str:
    """Rows read, used and quarantined per input table, and why rows were quarantined."""
    fmt = ctx.fmt
    quarantine = ctx.folder.table("quarantine", _QUARANTINE_COLUMNS)
    conservation = figures.row_conservation(ctx.folder.run_info, quarantine)
    parts = []
    if conservation.empty:
        parts.append(
            paragraph("run_info.json gives no row counts, so row conservation cannot be checked.")
        )
    else:
        read, quarantined = conservation["read"].sum(), conservation["quarantined"].sum()
        share = fmt.percent(quarantined / read) if read else fmt.percent(0)
        verdict = (
            "every table conserves its rows: read = used + quarantined"
            if conservation["ok"].all()
            else "<b>row counts do not add up</b> for "
            + ", ".join(conservation.loc[~conservation["ok"], "table"].astype(str))
        )
        parts.append(
            lead(
                f"{fmt.count(quarantined)} of {fmt.count(read)} input rows ({share}) "
                f"were quarantined; {verdict}."
            )
        )
        parts.append(
            html_table(
                conservation,
                [
                    Column("table", "Input table", str, numeric=False),
                    Column("read", "Rows read", fmt.count),
                    Column("used", "Used", fmt.count),
                    Column("quarantined", "Quarantined", fmt.count),
                    Column("in_quarantine_file", "Listed in quarantine", fmt.count),
                    Column("ok", "Read = used + quarantined", _check, numeric=False),
                ],
                caption="Row conservation",
            )
        )
    parts.append(_reasons(ctx, quarantine))
    return "".join(parts)


def _check(ok: object) -> str:
    return "\u2713 yes" if bool(ok) else "\u2717 no"


def _reasons(ctx: ReportContext, quarantine: pd.DataFrame, limit: int = 25) -> str:
    fmt = ctx.fmt
    if quarantine.empty:
        return paragraph("No input row was quarantined.")
    counts = figures.quarantine_counts(quarantine)
    notes = [
        "A row with several problems is listed once per problem, so a table's rows by "
        "reason may add up to more than its quarantined rows; \u2026 stands for the "
        "offending value. The full list is the quarantine output table."
    ]
    if len(counts) > limit:
        notes.insert(0, f"Showing the {limit} largest of {fmt.count(len(counts))} reasons.")
        counts = counts.nlargest(limit, "rows").sort_values(
            ["table", "rows"], ascending=[True, False]
        )
    return html_table(
        counts,
        [
            Column("table", "Input table", str, numeric=False),
            Column("reason", "Reason", str, numeric=False),
            Column("rows", "Rows", fmt.count),
            Column("example", "First example", str, numeric=False),
        ],
        caption="Quarantined rows by reason",
    ) + paragraph(" ".join(notes))
