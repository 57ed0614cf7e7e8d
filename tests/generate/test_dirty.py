"""``--dirty``: the planted rows are exactly the rows a naive reading of the contract rejects,
and removing them gives back the clean data of the same seed."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from generated import SMALL

from profitlens.contract import TABLES
from profitlens.generate import generate_company
from profitlens.generate.config import ACTIVITIES
from profitlens.generate.dirty import KINDS

AS_OF = dt.date(2023, 6, 30)
NAMES = (
    "customers",
    "prospects",
    "invoice_lines",
    "payments",
    "activities",
    "referrals",
    "resource_costs",
)
REFS = {
    "invoice_lines": {"customer_id": "customers"},
    "payments": {"invoice_id": "invoice_lines"},
    "activities": {"customer_id": "customers", "prospect_id": "prospects"},
    "prospects": {"converted_customer_id": "customers"},
    "referrals": {"referrer_id": "customers", "referred_id": "customers"},
}
KEY_OF = {"customers": "customer_id", "prospects": "prospect_id", "invoice_lines": "invoice_id"}


def load(folder) -> dict[str, pd.DataFrame]:
    return {n: pd.read_csv(folder / f"{n}.csv", dtype=str, keep_default_na=False) for n in NAMES}


def parses(value: str, kind: str) -> bool:
    try:
        dt.date.fromisoformat(value) if kind == "date" else float(value)
        return True
    except ValueError:
        return False


def naive_quarantine(tables: dict[str, pd.DataFrame]) -> set[tuple[str, int]]:
    """Rows the contract's rules reject, read straight from the text (first pass: own row)."""
    bad, valid_keys = set(), {}
    for name in (
        "customers",
        "prospects",
        "invoice_lines",
        "payments",
        "activities",
        "referrals",
        "resource_costs",
    ):
        spec, df = TABLES[name], tables[name]
        seen = set()
        for i, row in enumerate(df.to_dict("records"), start=1):
            problems = [
                c
                for c, kind in spec.required.items()
                if row[c] == "" or (kind != "string" and not parses(row[c], kind))
            ]
            problems += [
                c
                for c, kind in spec.optional.items()
                if c in row and row[c] != "" and kind != "string" and not parses(row[c], kind)
            ]
            if name == "activities":
                problems += ["ref"] if row["customer_id"] == row["prospect_id"] == "" else []
                problems += ["activity"] if row["activity"] not in ACTIVITIES else []
                problems += (
                    ["neg"]
                    if row["minutes"] != ""
                    and parses(row["minutes"], "f")
                    and float(row["minutes"]) < 0
                    else []
                )
            if name == "resource_costs" and parses(row["capacity_minutes"], "f"):
                problems += ["neg"] if float(row["capacity_minutes"]) <= 0 else []
            if name == "invoice_lines" and row["currency"] not in ("", "EUR"):
                problems.append("currency")
            date = spec.event_date
            if date and parses(row[date], "date") and dt.date.fromisoformat(row[date]) > AS_OF:
                problems.append("future")
            for column, target in REFS.get(name, {}).items():
                if row[column] != "" and row[column] not in valid_keys[target]:
                    problems.append("ref")
            key = tuple(row[k] for k in spec.key)
            if spec.key and key in seen:
                problems.append("duplicate")
            seen.add(key)
            if problems:
                bad.add((name, i))
        good = [r for i, r in enumerate(df.to_dict("records"), 1) if (name, i) not in bad]
        if name in KEY_OF:
            valid_keys[name] = {r[KEY_OF[name]] for r in good}
    return bad


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty")
    clean = generate_company(root / "clean", **SMALL, fmt="csv").out_dir
    dirty = generate_company(root / "dirty", **SMALL, fmt="csv", dirty=0.05).out_dir
    return clean, dirty


def test_planted_rows_are_exactly_the_rows_the_contract_rejects(pair):
    clean, dirty = pair
    planted = pd.read_csv(dirty / "truth" / "dirty_rows.csv")
    assert set(planted.table) == set(NAMES)
    assert naive_quarantine(load(dirty)) == set(zip(planted.table, planted.row))
    assert naive_quarantine(load(clean)) == set()


def test_every_kind_is_planted_in_the_promised_share(pair):
    clean, dirty = pair
    planted = pd.read_csv(dirty / "truth" / "dirty_rows.csv")
    counts = planted.groupby("table").size()
    for name in NAMES:
        rows = len(pd.read_csv(clean / f"{name}.csv"))
        assert counts[name] == max(math.ceil(0.05 * rows), len(KINDS[name])), name
    kinds = set(zip(planted.table, planted.reason))
    for reason in (
        "missing value",
        "unparseable value",
        "duplicate key",
        "unknown reference",
        "foreign currency",
        "event date after as-of date",
    ):
        assert ("invoice_lines", reason) in kinds
    assert ("activities", "negative value") in kinds
    assert ("resource_costs", "negative value") in kinds


def test_removing_the_planted_rows_gives_back_the_clean_files(pair):
    clean, dirty = pair
    planted = pd.read_csv(dirty / "truth" / "dirty_rows.csv")
    for name in NAMES:
        rows = set(planted[planted.table == name].row)
        lines = (dirty / f"{name}.csv").read_text().splitlines(keepends=True)
        kept = [line for i, line in enumerate(lines) if i not in rows]  # line i = data row i
        assert "".join(kept) == (clean / f"{name}.csv").read_text(), name
    assert (dirty / "costmodel.yaml").read_text() == (clean / "costmodel.yaml").read_text()
