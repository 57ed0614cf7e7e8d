"""The stages in order: load+validate → cost model → allocation → per-customer facts → marts.

:func:`load_data` is the first stage; :func:`contract_tables` builds the contract's output
tables as Ibis expressions (nothing runs until they are written); :func:`run` does both and
writes the outputs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import ibis
import ibis.expr.types as ir
import pandas as pd

from profitlens.costmodel import CostModel, cost_model_from_text, load_cost_model
from profitlens.engine import (
    Location,
    cache,
    check_engine_reads,
    child,
    connect,
    data_location,
    engine_name,
    is_folder,
    is_uri,
    read_text,
    release_cached,
)
from profitlens.errors import ContractError
from profitlens.intermediate import activity_costs, credit_costs
from profitlens.intermediate.commissions import paid_commission
from profitlens.intermediate.invoices import invoices
from profitlens.intermediate.referral_costs import referral_cost
from profitlens.intermediate.sales_lines import sales_lines
from profitlens.io.outputs import write_outputs, write_run_info
from profitlens.marts.cost_trace import cost_trace
from profitlens.marts.customer_pnl import customer_pnl, per_customer_period
from profitlens.marts.customer_summary import customer_summary, with_columns
from profitlens.marts.reconciliation import reconciliation
from profitlens.marts.resource_usage import resource_usage
from profitlens.periods import calendar_table, period_calendar, period_of
from profitlens.pipeline.features import feature_tables
from profitlens.pipeline.incremental import (
    Increment,
    cell_fingerprints,
    plan,
    signatures,
    state_key,
    with_customer_group,
)
from profitlens.report.isolated import draw_report
from profitlens.staging import Staged, extreme_dates, stage_data

Progress = Callable[[str], None]
#: the fingerprint streams carrying cost depends on through the end of each period
MOVES = ("invoiced", "paid")


def load_data(
    data_dir: Location, engine: str = "duckdb", as_of: dt.date | None = None, con=None
) -> Staged:
    """Read, type and validate a data folder (the load+validate stage).

    Parameters
    ----------
    data_dir : Path or str
        Folder with ``costmodel.yaml`` and one file per contract table: a local path, or (with
        the spark engine) a URI Hadoop's FileSystem understands, e.g. ``s3a://bucket/company/``.
    engine : {"duckdb", "spark"}
    as_of : datetime.date, optional
        Default: the latest invoice, payment, activity, referral or commission date.
    con : ibis backend, optional
        Reuse an open connection instead of opening one for ``engine``.

    Raises
    ------
    ContractError
        When ``data_dir`` is not a folder, or is a URI and the engine is not spark.
    """
    data_dir = data_location(data_dir)
    check_engine_reads(data_dir, engine_name(con) if con is not None else engine)
    if is_uri(data_dir):
        con = con or connect(engine)  # a URI folder is listed and read through Spark
    if not is_folder(data_dir, con):
        raise ContractError(
            f"{data_dir}: not a folder; expected a data folder with "
            "costmodel.yaml, customers and invoice_lines"
        )
    model = _cost_model(data_dir, con)
    return stage_data(data_dir, con or connect(engine), model, as_of)


def _cost_model(data_dir: Location, con) -> CostModel:
    """``costmodel.yaml`` of a local folder, or of a URI folder read through ``con``."""
    path = child(data_dir, "costmodel.yaml")
    if not is_uri(path):
        return load_cost_model(path)
    return cost_model_from_text(read_text(path, con), path)


def period_range(staged: Staged) -> pd.DataFrame:
    """The calendar of the run: from the period of the earliest invoice, activity, payment or
    referral date through the as-of period (one query for the four minimums)."""
    dates = extreme_dates(
        staged.tables,
        {
            "invoice_lines": "invoice_date",
            "activities": "occurred_on",
            "payments": "paid_on",
            "referrals": "referred_on",
        },
        "min",
    )
    return period_calendar(min(dates, default=staged.as_of), staged.as_of, staged.model.period)


@dataclass
class Contract:
    """The contract's outputs as Ibis expressions, and what they were computed from."""

    tables: dict[str, ir.Table]
    calendar: pd.DataFrame
    staged: Staged
    #: the invoice lines rolled up to invoices (:func:`profitlens.intermediate.invoices.invoices`), cached
    invoices: ir.Table
    #: what an incremental run recomputes (None for a full run)
    increment: Increment | None = None


def contract_tables(
    staged: Staged, incremental_from: Path | None = None, calendar: pd.DataFrame | None = None
) -> Contract:
    """customer_pnl, customer_summary, resource_usage, quarantine, customer_activity and
    cost_trace.

    Parameters
    ----------
    staged : Staged
        From :func:`load_data`.
    incremental_from : Path, optional
        An output folder of an earlier incremental run: the P&L and activity of only the
        (period, customer group) cells whose rows changed since are computed, the others are
        read back from it (:mod:`profitlens.pipeline.incremental`).
    calendar : DataFrame, optional
        The periods of the run (:func:`period_range`, by default); a what-if scenario keeps
        its base run's.
    """
    t, model = staged.tables, staged.model
    calendar = period_range(staged) if calendar is None else calendar
    cal = calendar_table(calendar)
    inv = cache(invoices(t["invoice_lines"], model.payment_terms_days))
    rates = activity_costs.resource_rates(model, t["resource_costs"], cal)
    occurrences = activity_costs.activity_occurrences(t["activities"], inv, model)
    owned = activity_costs.owned_occurrences(occurrences, t["prospects"])
    charged = activity_costs.charged_occurrences(owned, t["customers"])
    moves = credit_costs.balance_moves(inv, t["payments"])
    given = t["commissions"] is not None
    sums = {
        "sales": sales_lines(t["invoice_lines"], t["customers"], model, given),
        "bad_debt": credit_costs.bad_debt(t["payments"], inv, model.period),
        "referral_cost": referral_cost(t["referrals"], model.period),
    }
    if given:
        sums["commission"] = paid_commission(t["commissions"], model)
    increment = None
    if incremental_from is not None:
        increment = _increment(
            staged,
            calendar,
            incremental_from,
            {
                **sums,
                "activities": charged.filter(charged.customer_id.notnull()),
                "rates": rates.drop("rate"),
                **_balance_rows(t, inv, model),
            },
        )
        sums = {name: increment.only(table) for name, table in sums.items()}
        charged = increment.only(charged)
        if increment.cells is not None:
            moves = _carried_in(moves, increment.first_days(calendar))
    charges = cache(
        activity_costs.activity_charges(charged, activity_costs.activity_rates(model, rates))
    )
    intervals = credit_costs.invoice_balance_intervals(moves, staged.as_of)
    carrying = credit_costs.carrying_cost(intervals, cal, model.annual_carrying_rate)
    parts = {
        "sales": per_customer_period(sums["sales"]),
        "activities": charges.select("customer_id", "period", *activity_costs.ACTIVITY_LINES),
        "credit_cost": (increment.only(carrying) if increment else carrying).union(
            sums["bad_debt"]
        ),
        "referral_cost": sums["referral_cost"],
    }
    if given:
        parts["commission"] = per_customer_period(sums["commission"])
    tables = {
        "customer_pnl": customer_pnl(parts),
        "customer_activity": activity_costs.customer_activity(charges),
        "cost_trace": cost_trace(charged, rates, model),
    }
    if increment is not None:
        tables = {
            name: increment.completed(name, table, staged.con) for name, table in tables.items()
        }
    pnl = cache(tables["customer_pnl"])
    tables = {
        "customer_pnl": pnl,
        "customer_summary": customer_summary(pnl, t["customers"]),
        "resource_usage": resource_usage(activity_costs.resource_minutes(owned, model), rates),
        "customer_activity": tables["customer_activity"],
        "cost_trace": tables["cost_trace"],
        "quarantine": staged.quarantine,
    }
    tables["reconciliation"] = reconciliation(tables["cost_trace"], tables["resource_usage"])
    return Contract(tables, calendar, staged, inv, increment)


def _carried_in(moves: ir.Table, first_days: tuple[dt.date | None, pd.DataFrame]) -> ir.Table:
    """The balance moves that carrying cost in the cells to recompute needs: only the invoices
    that can be unpaid on or after the first day of their customer group's earliest such cell
    (see :meth:`profitlens.pipeline.incremental.Increment.first_days`)."""
    whole, partial = first_days
    keyed = with_customer_group(moves)
    table = ibis.memtable(
        partial.rename(columns={"first": "partial"}), schema={"group": "int64", "partial": "date"}
    )
    joined = keyed.left_join(table, "group")
    first = (
        joined.partial
        if whole is None
        else ibis.least(joined.partial.fill_null(ibis.literal(whole)), ibis.literal(whole))
    )
    dated = joined.mutate(first=first).drop("group", "partial")
    return credit_costs.moves_from(dated.filter(dated.first.notnull()))


def _balance_rows(t: dict[str, ir.Table], inv: ir.Table, model: CostModel) -> dict:
    """The rows invoice balances are made of, by the period of their move: the invoice lines
    (on their invoice's date; the invoice's amount is a float sum, whose last bits can change
    with the summation order) and the payments and write-offs."""
    lines = (
        t["invoice_lines"]
        .select("invoice_id", "revenue")
        .join(inv.select("invoice_id", "customer_id", "invoice_date"), "invoice_id")
    )
    paid = credit_costs.payment_moves(inv, t["payments"])
    return {
        MOVES[0]: lines.mutate(period=period_of(lines.invoice_date, model.period)),
        MOVES[1]: paid.mutate(period=period_of(paid.day, model.period)),
    }


def _increment(
    staged: Staged, calendar: pd.DataFrame, previous: Path, streams: dict[str, ir.Table]
) -> Increment:
    """Fingerprint this run's rows per (period, customer group) cell and compare them with the
    previous run's."""
    prints = cell_fingerprints(streams).to_pandas()
    new = signatures(prints, calendar, staged.as_of, cumulative=MOVES)
    return plan(previous, new, state_key(staged.model, engine_name(staged.con)))


def run_info(contract: Contract, counts: dict) -> dict:
    """What a run was: as-of date, currency, periods, engine and row conservation."""
    staged = contract.staged
    model: CostModel = staged.model
    return {
        "as_of": staged.as_of.isoformat(),
        "currency": model.currency,
        "period": model.period,
        "engine": engine_name(staged.con),
        "periods": contract.calendar["period"].tolist(),
        "rows": counts,
    }


def run(
    data_dir: Path,
    out_dir: Path,
    engine: str = "duckdb",
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    report: bool = False,
    incremental: bool = False,
    database: bool = True,
) -> dict:
    """Compute the customer P&L of a data folder and write the outputs to ``out_dir``.

    Parameters
    ----------
    report : bool
        Also write ``report.html``, once the tables are in place, in a child process
        (:func:`profitlens.report.isolated.draw_report`). A report that cannot be drawn, even
        one whose renderer crashes, is left out, not raised: the tables are written and the
        returned ``report_error`` (also in ``run_info.json``) says why.
    incremental : bool
        Recompute only the (period, customer group) cells whose rows changed since the last
        incremental run into ``out_dir`` and read the others back from its outputs (everything
        is computed when there is none); keep what the next incremental run compares with in
        ``out_dir/state``. DuckDB engine only.
    database : bool, default True
        Also write ``profitlens.duckdb``, every output table in one DuckDB file.

    Raises
    ------
    ContractError
        With ``incremental`` on another engine than duckdb.

    Returns
    -------
    dict
        The run information also written to ``run_info.json``.
    """
    if incremental and engine != "duckdb":
        # the cell filters make query plans that exhaust a Spark driver's default heap
        raise ContractError(
            "--incremental runs on the duckdb engine only; run with "
            f"--engine {engine} without --incremental"
        )
    say = progress or (lambda _stage: None)
    say("load + validate")
    staged = load_data(data_dir, engine, as_of)
    say("allocate costs")
    contract = contract_tables(staged, Path(out_dir) if incremental else None)
    features = feature_tables(contract, progress=say)
    tables = {**contract.tables, **features.tables}
    tables["customer_summary"] = with_columns(tables["customer_summary"], features.summary_columns)
    say("count rows")
    info = run_info(contract, staged.row_counts())
    info["notes"] = features.notes
    finish = []
    if contract.increment is not None:
        info["incremental"] = contract.increment.info()
        finish.append(contract.increment.save)
    out = write_outputs(
        tables,
        Path(out_dir),
        info,
        progress=say,
        finish=_in_turn(finish),
        written=_releaser(staged.con),
        database=database,
    )
    if report:  # the tables are in place: a report that fails or crashes cannot lose them
        say("write report")
        if error := draw_report(out):
            info["report_error"] = error
            write_run_info(out, info)
    return info


def _in_turn(steps: list[Callable[[Path], object]]) -> Callable[[Path], None] | None:
    """One callable doing ``steps`` in order on the folder of the new outputs (None if none)."""
    if not steps:
        return None

    def finish(folder: Path) -> None:
        for step in steps:
            step(folder)

    return finish


def _releaser(con) -> Callable[[], None] | None:
    """What frees a DuckDB connection's memory once the outputs are written, so that the
    DuckDB file and the report do not need memory beside its cached tables; None for Spark,
    whose session may be the user's and outlive the run."""
    return (lambda: release_cached(con)) if engine_name(con) == "duckdb" else None
