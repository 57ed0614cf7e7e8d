"""``profitlens init``: a starting ``costmodel.yaml`` written from what a data folder holds.

Every activity name found in ``activities`` gets an entry, every number that only the company
knows is a ``TODO`` placeholder with a comment saying what it means and where to find it, and
the periods found are stated. ``profitlens run`` refuses the model until every ``TODO`` is filled.

Examples
--------
>>> category_guess("support_ticket"), category_guess("site_visit"), category_guess("xyz")
('service', 'sales', None)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from ..contract import TABLES
from ..costmodel import placeholders
from ..errors import CostModelError
from ..staging import find_files
from . import template

#: words in an activity's name that say which P&L line it lands on (checked in this order)
KEYWORDS = {
    "service": (
        "support",
        "ticket",
        "complain",
        "service",
        "claim",
        "dispute",
        "return",
        "repair",
        "help",
        "call_center",
        "dunning",
        "collection",
        "reminder",
        "review",
    ),
    "fulfilment": (
        "ship",
        "deliver",
        "freight",
        "pick",
        "pack",
        "dispatch",
        "warehouse",
        "install",
        "handling",
        "order",
    ),
    "sales": (
        "sale",
        "visit",
        "demo",
        "pitch",
        "proposal",
        "quote",
        "meeting",
        "lead",
        "prospect",
        "negotiat",
        "tender",
    ),
}
EVENT_DATES = {name: spec.event_date for name, spec in TABLES.items() if spec.event_date}


def category_guess(activity: str) -> str | None:
    """The P&L category an activity's name suggests, or None when it says nothing."""
    name = activity.lower()
    return next(
        (category for category, words in KEYWORDS.items() if any(word in name for word in words)),
        None,
    )


@dataclass
class Found:
    """What a data folder holds that a cost model needs to know."""

    folder: Path
    activities: pd.DataFrame  # activity, rows, with_minutes, mean_minutes, first, last
    periods: list[str]
    currencies: list[str]
    segments: list[str]
    counts: dict[str, int]
    cost_resources: list[str]  # resources named in resource_costs
    has_commissions: bool


def survey(data_dir: Path) -> Found:
    """Read what ``data_dir`` holds: activity names, periods, currency, segments, row counts."""
    files = find_files(Path(data_dir))
    con = duckdb.connect()
    try:
        for name, path in files.items():
            reader = (
                "read_parquet('{}')"
                if path.suffix == ".parquet"
                else "read_csv('{}', all_varchar = true)"
            ).format(str(path).replace("'", "''"))
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM {reader}")
        counts = {n: con.sql(f"SELECT COUNT(*) FROM {n}").fetchone()[0] for n in files}
        activities = (
            _activities(con)
            if "activities" in files
            else pd.DataFrame(
                columns=["activity", "rows", "with_minutes", "mean_minutes", "first", "last"]
            )
        )
        dates = [
            con.sql(
                f"SELECT MIN(TRY_CAST({c} AS DATE)), MAX(TRY_CAST({c} AS DATE)) FROM {n}"
            ).fetchone()
            for n, c in EVENT_DATES.items()
            if n in files
        ]
        return Found(
            Path(data_dir),
            activities,
            _months(dates),
            _distinct(con, files, "invoice_lines", "currency"),
            _distinct(con, files, "customers", "segment"),
            counts,
            _distinct(con, files, "resource_costs", "resource"),
            "commissions" in files,
        )
    finally:
        con.close()


def _activities(con) -> pd.DataFrame:
    columns = con.sql("SELECT * FROM activities LIMIT 0").columns
    minutes = "TRY_CAST(minutes AS DOUBLE)" if "minutes" in columns else "NULL::DOUBLE"
    return con.sql(f"""
        SELECT activity, COUNT(*) AS rows, COUNT({minutes}) AS with_minutes,
               AVG({minutes}) AS mean_minutes,
               MIN(TRY_CAST(occurred_on AS DATE)) AS first,
               MAX(TRY_CAST(occurred_on AS DATE)) AS last
        FROM activities WHERE NULLIF(TRIM(CAST(activity AS VARCHAR)), '') IS NOT NULL
        GROUP BY activity ORDER BY activity""").df()


def _distinct(con, files: dict, table: str, column: str) -> list[str]:
    if table not in files or column not in con.sql(f"SELECT * FROM {table} LIMIT 0").columns:
        return []
    rows = con.sql(
        f"SELECT DISTINCT CAST({column} AS VARCHAR) FROM {table} "
        f"WHERE {column} IS NOT NULL ORDER BY 1"
    ).fetchall()
    return [r[0] for r in rows if str(r[0]).strip()]


def _months(dates: list[tuple]) -> list[str]:
    firsts = [d[0] for d in dates if d[0] is not None]
    lasts = [d[1] for d in dates if d[1] is not None]
    if not firsts:
        return []
    return [str(p) for p in pd.period_range(min(firsts), max(lasts), freq="M")]


def write_starting_model(data_dir: Path) -> tuple[Path, str]:
    """Write ``data_dir/costmodel.yaml`` from :func:`survey`; never replaces an existing one.

    Returns
    -------
    path : Path
        The file written.
    summary : str
        One line: what was found and how many placeholders are left to fill.

    Raises
    ------
    CostModelError
        When the folder already has a ``costmodel.yaml``.
    ContractError
        When the folder is not a data folder (no customers or invoice_lines).
    """
    target = Path(data_dir) / "costmodel.yaml"
    if target.exists():
        raise CostModelError(
            f"{target}: already exists; profitlens init never overwrites a "
            "cost model (move it away to start a new one)"
        )
    found = survey(Path(data_dir))
    text = template.costmodel_text(found, category_guess)
    with open(target, "x", encoding="utf-8") as fh:
        fh.write(text)
    todo = len(placeholders(yaml.safe_load(text)))
    span = (
        f"{found.periods[0]} to {found.periods[-1]}, {len(found.periods)} months"
        if found.periods
        else "no dated events"
    )
    return target, (
        f"{len(found.activities)} activities, {span}; {todo} placeholders (TODO) to fill"
    )
