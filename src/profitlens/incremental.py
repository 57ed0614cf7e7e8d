"""Incremental runs: recompute only the periods whose rows changed since the last run.

Each figure of ``customer_pnl``, ``customer_activity`` and ``resource_usage`` for a period is a
sum over rows dated in that period (invoice lines, priced activity occurrences, write-offs,
referral rewards, commissions, the resources' cost and capacity), except carrying cost, which
depends on every invoice and payment up to the period's end and on the last day counted (the
period's end, or the as-of date inside it). So the figures of a period are a function of

- the multiset of each stream's rows dated in the period,
- the multiset of invoice and payment moves up to the period's end, and the last day counted,
- the cost model and the engine.

An incremental run fingerprints each of these per period: the row count and two sums of row
hashes, each modulo its own prime near 2**31, so two different multisets look alike with odds
of about one in 2**62. It keeps them in ``state/`` beside the outputs. The next incremental run
into the same folder compares: a period whose fingerprints are unchanged is read back from the
previous outputs, every other one is recomputed (a new month; a late correction; a prospect
that converted, whose pursuit becomes acquisition cost in the months it ran). Tables spanning
periods (customer_summary, trends, lifetime value, credit, the report) are always recomputed
from the whole P&L.

Everything is recomputed when there is no state, or it was made by another version, engine or
cost model, or an output it needs is missing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow.parquet as pq

from .costmodel import CostModel

STATE = "state"
#: the outputs an incremental run reads back for the periods it does not recompute
REUSED = ("customer_pnl", "customer_activity", "resource_usage")
_FINGERPRINTS = "fingerprints.parquet"
_KEY = "key.json"
_PRIMES = (2_147_483_647, 2_147_483_629)
#: fingerprints of the balance moves of every period through this one (carrying cost)
THROUGH = "_through"
#: the last day carrying cost counts in a period (its end, or the as-of date), as a day number
CARRIED_TO = "carried_to"


def period_fingerprints(streams: dict[str, ir.Table]) -> ir.Table:
    """Per stream and period: rows, fp1 and fp2, the sums of the rows' hashes modulo two primes.

    Parameters
    ----------
    streams : dict of str to ibis table
        Each with a ``period`` column; every other column is hashed.

    Returns
    -------
    ibis table
        stream, period, rows, fp1, fp2 (one query for all streams).
    """
    parts = []
    for name, table in streams.items():
        hashed = [table[c].hash() for c in table.columns if c != "period"]
        prints = {}
        for i, prime in enumerate(_PRIMES, start=1):
            # each column's hash weighted apart, so that swapping two values changes the print
            row = sum((h % prime) * (2 * k + i) for k, h in enumerate(hashed)) % prime
            prints[f"fp{i}"] = row.sum()
        sums = table.mutate(_one=1).group_by("period").agg(rows=ibis._["_one"].count(),
                                                           **prints)
        parts.append(sums.select(ibis.literal(name).name("stream"), "period", "rows",
                                 fp1=sums.fp1.cast("int64"), fp2=sums.fp2.cast("int64")))
    return ibis.union(*parts)


def signatures(fingerprints: pd.DataFrame, calendar: pd.DataFrame, as_of: dt.date,
               cumulative: tuple[str, ...]) -> pd.DataFrame:
    """Everything a period's figures depend on, per (stream, period), in long form.

    Adds, for every calendar period, the fingerprints of the streams ``cumulative`` summed over
    all periods through it (stream ``"_through"``) and the last day carrying cost counts in it
    (stream ``carried_to``, the day number in ``rows``).
    """
    prints = fingerprints[["stream", "period", "rows", "fp1", "fp2"]]
    moves = (prints[prints.stream.isin(cumulative)].groupby("period")[["rows", "fp1", "fp2"]]
             .sum().reindex(calendar["period"], fill_value=0).cumsum())
    for column, prime in zip(("fp1", "fp2"), _PRIMES):
        moves[column] %= prime
    through = moves.reset_index().assign(stream=THROUGH)
    last = [min(as_of, end).toordinal() for end in pd.to_datetime(calendar["period_end"]).dt.date]
    carried = pd.DataFrame({"stream": CARRIED_TO, "period": calendar["period"], "rows": last,
                            "fp1": 0, "fp2": 0})
    out = pd.concat([prints, through, carried], ignore_index=True)
    return out.astype({"rows": "int64", "fp1": "int64", "fp2": "int64"}).sort_values(
        ["stream", "period"], ignore_index=True)


def changed_periods(new: pd.DataFrame, old: pd.DataFrame) -> list[str]:
    """Periods where any stream's signature differs (a stream absent on one side counts as
    no rows)."""
    keys = ["stream", "period"]
    both = new.merge(old, on=keys, how="outer", suffixes=("", "_old")).fillna(0)
    differs = ((both["rows"] != both["rows_old"]) | (both["fp1"] != both["fp1_old"])
               | (both["fp2"] != both["fp2_old"]))
    return sorted(set(both.loc[differs, "period"]))


def state_key(model: CostModel, engine: str) -> dict:
    """What must match for a previous run's rows to be reused."""
    digest = hashlib.sha256(model.model_dump_json().encode()).hexdigest()
    return {"profitlens": version("profitlens"), "engine": engine, "cost_model": digest}


@dataclass
class Increment:
    """The plan of an incremental run.

    Attributes
    ----------
    periods : list of str or None
        The periods to recompute; None when everything is recomputed.
    previous : Path or None
        The output folder whose rows are reused for the other periods.
    reason : str or None
        Why everything is recomputed.
    signatures : pandas.DataFrame
        This run's signatures (:func:`signatures`), saved with its outputs.
    key : dict
        This run's :func:`state_key`.
    """

    periods: list[str] | None
    previous: Path | None
    reason: str | None
    signatures: pd.DataFrame
    key: dict

    def only(self, table: ir.Table) -> ir.Table:
        """The rows of ``table`` in the periods to recompute."""
        return table if self.periods is None else table.filter(table.period.isin(self.periods))

    def completed(self, name: str, recomputed: ir.Table, con,
                  periods: list[str] | None = None) -> ir.Table:
        """``recomputed`` (the periods to recompute) with the previous run's rows of output
        ``name`` in every other period (restricted to ``periods`` when given)."""
        if self.periods is None:
            return recomputed
        kept = con.read_parquet(self.previous / f"{name}.parquet")
        kept = kept.filter(~kept.period.isin(self.periods))
        if periods is not None:
            kept = kept.filter(kept.period.isin(periods))
        schema = recomputed.schema()
        kept = kept.select(*(kept[c].cast(schema[c]) for c in recomputed.columns))
        return kept.union(recomputed)

    def info(self) -> dict:
        """For ``run_info.json``: what was recomputed and what was reused."""
        every = sorted(set(self.signatures["period"]))
        if self.periods is None:
            return {"recomputed_periods": every, "reused_periods": [], "full_because": self.reason}
        return {"recomputed_periods": self.periods,
                "reused_periods": sorted(set(every) - set(self.periods)), "full_because": None}

    def save(self, folder: Path) -> None:
        """Write the state an incremental run into ``folder`` will compare with."""
        state = folder / STATE
        state.mkdir(exist_ok=True)
        self.signatures.to_parquet(state / _FINGERPRINTS, index=False)
        (state / _KEY).write_text(json.dumps(self.key, indent=2, sort_keys=True) + "\n")


def plan(previous: Path, new: pd.DataFrame, key: dict) -> Increment:
    """Compare this run's signatures with those saved in output folder ``previous``."""
    state = Path(previous) / STATE
    try:
        old_key = json.loads((state / _KEY).read_text())
        old = pq.read_table(state / _FINGERPRINTS).to_pandas()
    except (OSError, ValueError):
        return Increment(None, None, f"no state of an incremental run in {previous}", new, key)
    if old_key != key:
        what = ", ".join(k for k in key if old_key.get(k) != key[k])
        return Increment(None, None, f"the previous run's {what} differ", new, key)
    missing = [n for n in REUSED if not (Path(previous) / f"{n}.parquet").is_file()]
    if missing:
        return Increment(None, None, f"{previous}: {', '.join(missing)} missing", new, key)
    return Increment(changed_periods(new, old), Path(previous), None, new, key)
