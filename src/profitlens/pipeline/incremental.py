"""Incremental runs: recompute only the cells of the P&L whose rows changed since the last run.

A cell is a period and a group of customers (``GROUPS`` groups by a hash of the customer id).
Each figure of ``customer_pnl`` and ``customer_activity`` for a customer and period is a sum
over that customer's rows dated in that period (invoice lines, priced activity occurrences,
write-offs, referral rewards, commissions), except carrying cost, which depends on the
customer's invoices and payments up to the period's end and on the last day counted (the
period's end, or the as-of date inside it), and the activities' price, which depends on the
period's resource costs. So the figures of a cell are a function of

- the multiset of each stream's rows of the cell's customers dated in its period,
- the multiset of their balance moves up to the period's end, and the last day counted,
- the period's resource costs, the cost model and the engine.

An incremental run fingerprints each of these per cell: the row count and two sums of row
hashes, each modulo its own prime near 2**31, so two different multisets look alike with odds
of about one in 2**62. It keeps them in ``state/`` beside the outputs. The next incremental run
into the same folder compares: a cell whose fingerprints are unchanged is read back from the
previous outputs, every other one is recomputed (a new month; a late correction; a prospect
that converted, whose pursuit becomes acquisition cost in the months it ran). Tables spanning
periods or customers (resource_usage, customer_summary, trends, lifetime value, credit, the
report) are always recomputed.

Everything is recomputed when there is no state, or it was made by another version or code of
profitlens, another engine or cost model, or an output it needs is missing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from importlib.metadata import version
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow.parquet as pq

from profitlens.costmodel import CostModel
from profitlens.io.outputs import STATE, STATE_KEY

#: the outputs an incremental run reads back for the cells it does not recompute
REUSED = ("customer_pnl", "customer_activity", "cost_trace")
#: customers are fingerprinted in this many groups (more groups: finer cells, a bigger state)
GROUPS = 4096
#: the group of a stream that holds no customer: its fingerprint concerns the whole period
WHOLE_PERIOD = -1
_FINGERPRINTS = "fingerprints.parquet"
_PRIMES = (2_147_483_647, 2_147_483_629)
_PRINTS = ["rows", "fp1", "fp2"]
#: the Python package of each engine, whose version is part of the state key
_PACKAGES = {"spark": "pyspark"}
#: fingerprints of the balance moves of every period through this one (carrying cost)
THROUGH = "_through"
#: the last day carrying cost counts in a period (its end, or the as-of date), as a day number
CARRIED_TO = "carried_to"


def customer_group(customer_id: ir.StringValue) -> ir.IntegerValue:
    """The group (0 .. GROUPS - 1) of each customer id: a hash of it."""
    return (customer_id.hash() % GROUPS + GROUPS) % GROUPS


def with_customer_group(table: ir.Table) -> ir.Table:
    """``table`` (with ``customer_id``) plus its customers' ``group``."""
    return table.mutate(group=customer_group(table.customer_id))


def cell_fingerprints(streams: dict[str, ir.Table]) -> ir.Table:
    """Per stream and cell: rows, fp1 and fp2, the sums of the rows' hashes modulo two primes.

    Parameters
    ----------
    streams : dict of str to ibis table
        Each with a ``period`` column, and a ``customer_id`` column unless it concerns whole
        periods; every column but ``period`` is hashed (as one struct: the hash changes when
        two values are swapped).

    Returns
    -------
    ibis table
        stream, period, group, rows, fp1, fp2 (one query for all streams).
    """
    parts = []
    for name, table in streams.items():
        row = ibis.struct({c: table[c] for c in table.columns if c != "period"}).hash()
        group = (
            customer_group(table.customer_id)
            if "customer_id" in table.columns
            else ibis.literal(WHOLE_PERIOD, "int64")
        )
        keyed = table.select(
            "period",
            group=group,
            **{f"fp{i}": row % prime for i, prime in enumerate(_PRIMES, start=1)},
        )
        sums = keyed.group_by(["period", "group"]).agg(
            rows=keyed.count(), fp1=keyed.fp1.sum(), fp2=keyed.fp2.sum()
        )
        parts.append(
            sums.select(
                ibis.literal(name).name("stream"),
                "period",
                group=sums.group.cast("int64"),
                rows=sums.rows,
                fp1=sums.fp1.cast("int64"),
                fp2=sums.fp2.cast("int64"),
            )
        )
    return ibis.union(*parts)


def signatures(
    fingerprints: pd.DataFrame, calendar: pd.DataFrame, as_of: dt.date, cumulative: tuple[str, ...]
) -> pd.DataFrame:
    """Everything a cell's figures depend on, per (stream, period, group), in long form.

    Adds, for every calendar period and group, the fingerprints of the streams ``cumulative``
    summed over all periods through it (stream ``"_through"``), and for every calendar period
    the last day carrying cost counts in it (stream ``carried_to``, the day number in
    ``rows``).
    """
    keys = ["stream", "period", "group"]
    prints = fingerprints[keys + _PRINTS]
    moves = prints[prints.stream.isin(cumulative)].groupby(["group", "period"])[_PRINTS].sum()
    grid = pd.MultiIndex.from_product(
        [moves.index.unique("group"), calendar["period"]], names=["group", "period"]
    )
    moves = moves.reindex(grid, fill_value=0).groupby(level="group").cumsum()
    for column, prime in zip(("fp1", "fp2"), _PRIMES):
        moves[column] %= prime
    through = moves.reset_index().assign(stream=THROUGH)
    last = [min(as_of, end).toordinal() for end in pd.to_datetime(calendar["period_end"]).dt.date]
    carried = pd.DataFrame(
        {
            "stream": CARRIED_TO,
            "period": calendar["period"],
            "group": WHOLE_PERIOD,
            "rows": last,
            "fp1": 0,
            "fp2": 0,
        }
    )
    out = pd.concat([prints, through[keys + _PRINTS], carried], ignore_index=True)
    return out.astype({c: "int64" for c in ["group", *_PRINTS]}).sort_values(
        keys, ignore_index=True
    )


def changed_cells(new: pd.DataFrame, old: pd.DataFrame) -> pd.DataFrame:
    """The cells (period, group) where any stream's signature differs (a stream absent on one
    side counts as no rows); a whole-period difference changes every group of the period."""
    keys = ["stream", "period", "group"]
    both = new.merge(old, on=keys, how="outer", suffixes=("", "_old")).fillna(0)
    differs = both[
        (both["rows"] != both["rows_old"])
        | (both["fp1"] != both["fp1_old"])
        | (both["fp2"] != both["fp2_old"])
    ]
    whole = sorted(set(differs.loc[differs.group == WHOLE_PERIOD, "period"]))
    cells = differs.loc[
        (differs.group != WHOLE_PERIOD) & ~differs.period.isin(whole), ["period", "group"]
    ]
    every = pd.MultiIndex.from_product([whole, range(GROUPS)], names=["period", "group"])
    return (
        pd.concat([cells, every.to_frame(index=False)], ignore_index=True)
        .drop_duplicates()
        .astype({"group": "int64"})
        .sort_values(["period", "group"], ignore_index=True)
    )


def state_key(model: CostModel, engine: str) -> dict:
    """What must match for a previous run's rows to be reused: the cost model, the engine and
    its version, Ibis's version, and profitlens's version and code (a fix between two
    releases changes the code)."""
    digest = hashlib.sha256(model.model_dump_json().encode()).hexdigest()
    return {
        "profitlens": version("profitlens"),
        "code": _code_digest(),
        "engine": engine,
        "engine_version": version(_PACKAGES.get(engine, engine)),
        "ibis": version("ibis-framework"),
        "cost_model": digest,
        "groups": GROUPS,
    }


def _code_digest() -> str:
    code = hashlib.sha256()
    for path in sorted(Path(__file__).parents[1].rglob("*.py")):  # the whole package
        code.update(path.read_bytes())
    return code.hexdigest()


@dataclass
class Increment:
    """The plan of an incremental run.

    Attributes
    ----------
    cells : pandas.DataFrame or None
        The cells (period, group) to recompute; None when everything is recomputed.
    previous : Path or None
        The output folder whose rows are reused for the other cells.
    reason : str or None
        Why everything is recomputed.
    signatures : pandas.DataFrame
        This run's signatures (:func:`signatures`), saved with its outputs.
    key : dict
        This run's :func:`state_key`.
    """

    cells: pd.DataFrame | None
    previous: Path | None
    reason: str | None
    signatures: pd.DataFrame
    key: dict

    @cached_property
    def whole(self) -> list[str]:
        """The periods recomputed for every customer: those where at least half the groups
        changed (filtering the rest would save little, and a long list of cells makes a
        heavy query plan on Spark)."""
        counts = self.cells.groupby("period").size()
        return sorted(counts.index[counts >= GROUPS // 2])

    @cached_property
    def partial(self) -> pd.DataFrame:
        """The cells (period, group) to recompute outside the :attr:`whole` periods."""
        return self.cells[~self.cells.period.isin(self.whole)]

    def only(self, table: ir.Table) -> ir.Table:
        """The rows of ``table`` (customer_id, period, ...) in the cells to recompute."""
        if self.cells is None:
            return table
        keyed = with_customer_group(table).left_join(
            self._partial_table.mutate(_hit=True), ["period", "group"]
        )
        return keyed.filter(keyed.period.isin(self.whole) | keyed._hit.notnull()).select(
            *table.columns
        )

    def completed(self, name: str, recomputed: ir.Table, con) -> ir.Table:
        """``recomputed`` (the cells to recompute) with the previous run's rows of output
        ``name`` in every other cell."""
        if self.cells is None:
            return recomputed
        kept = con.read_parquet(self.previous / f"{name}.parquet")
        kept = with_customer_group(kept.filter(~kept.period.isin(self.whole))).anti_join(
            self._partial_table, ["period", "group"]
        )
        schema = recomputed.schema()
        return kept.select(*(kept[c].cast(schema[c]) for c in recomputed.columns)).union(recomputed)

    def first_days(self, calendar: pd.DataFrame) -> tuple[dt.date | None, pd.DataFrame]:
        """When carrying cost must be recomputed from: the first day of the earliest
        :attr:`whole` period (None if none), and per group with a :attr:`partial` cell in the
        calendar, the first day of its earliest one (columns group, first)."""
        starts = calendar.set_index("period")["period_start"]
        whole = [starts[p] for p in self.whole if p in starts.index]
        cells = self.partial[self.partial.period.isin(starts.index)]
        first = cells.assign(first=cells.period.map(starts)).groupby("group")["first"].min()
        return min(whole, default=None), first.reset_index()

    @cached_property
    def _partial_table(self) -> ir.Table:
        return ibis.memtable(self.partial, schema={"period": "string", "group": "int64"})

    def info(self) -> dict:
        """For ``run_info.json``: per period, the share of its customer groups recomputed (1 for
        a :attr:`whole` period)."""
        every = sorted(set(self.signatures["period"]))
        if self.cells is None:
            return {"recomputed": {p: 1.0 for p in every}, "full_because": self.reason}
        share = self.partial.groupby("period").size() / GROUPS
        whole = set(self.whole)
        return {
            "recomputed": {
                p: 1.0 if p in whole else round(float(share.get(p, 0.0)), 6) for p in every
            },
            "full_because": None,
        }

    def save(self, folder: Path) -> None:
        """Write the state an incremental run into ``folder`` will compare with."""
        state = folder / STATE
        state.mkdir(exist_ok=True)
        self.signatures.to_parquet(state / _FINGERPRINTS, index=False)
        (state / STATE_KEY).write_text(json.dumps(self.key, indent=2, sort_keys=True) + "\n")


def plan(previous: Path, new: pd.DataFrame, key: dict) -> Increment:
    """Compare this run's signatures with those saved in output folder ``previous``."""
    state = Path(previous) / STATE
    try:
        old_key = json.loads((state / STATE_KEY).read_text())
        old = pq.read_table(state / _FINGERPRINTS).to_pandas()
    except (OSError, ValueError):
        return Increment(None, None, f"no state of an incremental run in {previous}", new, key)
    if old_key != key:
        what = ", ".join(k for k in key if old_key.get(k) != key[k])
        return Increment(None, None, f"the previous run's {what} differ", new, key)
    missing = [n for n in REUSED if not (Path(previous) / f"{n}.parquet").is_file()]
    if missing:
        return Increment(None, None, f"{previous}: {', '.join(missing)} missing", new, key)
    return Increment(changed_cells(new, old), Path(previous), None, new, key)
