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

import ibis.expr.types as ir
import pandas as pd

from . import allocation, credit_cost
from .commission import paid_commission
from .costmodel import CostModel, cost_model_from_text, load_cost_model
from .engine import (Location, cache, check_engine_reads, child, connect, data_location,
                     engine_name, is_folder, is_uri, read_text, release_cached)
from .errors import ContractError
from .features import feature_tables
from .invoices import invoices
from .marts.customer_pnl import customer_pnl, referral_cost, sales_lines
from .marts.customer_summary import customer_summary, with_columns
from .marts.resource_usage import resource_usage
from .outputs import write_outputs
from .periods import calendar_table, period_calendar
from .staging import Staged, extreme_dates, stage_data

Progress = Callable[[str], None]


def load_data(data_dir: Location, engine: str = "duckdb", as_of: dt.date | None = None,
              con=None) -> Staged:
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
        raise ContractError(f"{data_dir}: not a folder; expected a data folder with "
                            "costmodel.yaml, customers and invoice_lines")
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
    dates = extreme_dates(staged.tables, {"invoice_lines": "invoice_date",
                                          "activities": "occurred_on", "payments": "paid_on",
                                          "referrals": "referred_on"}, "min")
    return period_calendar(min(dates, default=staged.as_of), staged.as_of, staged.model.period)


@dataclass
class Contract:
    """The contract's outputs as Ibis expressions, and what they were computed from."""

    tables: dict[str, ir.Table]
    calendar: pd.DataFrame
    staged: Staged
    #: the invoice lines rolled up to invoices (:func:`profitlens.invoices.invoices`), cached
    invoices: ir.Table


def contract_tables(staged: Staged) -> Contract:
    """customer_pnl, customer_summary, resource_usage, quarantine and customer_activity."""
    t, model = staged.tables, staged.model
    calendar = period_range(staged)
    cal = calendar_table(calendar)
    inv = cache(invoices(t["invoice_lines"], model.payment_terms_days))
    rates = allocation.resource_rates(model, t["resource_costs"], cal)
    occurrences = allocation.activity_occurrences(t["activities"], inv, model)
    owned = allocation.owned_occurrences(occurrences, t["prospects"])
    charges = cache(allocation.activity_charges(
        allocation.charged_occurrences(owned, t["customers"]),
        allocation.activity_rates(model, rates)))
    minutes = allocation.resource_minutes(owned, model)
    intervals = credit_cost.invoice_balance_intervals(inv, t["payments"], staged.as_of)
    given = t["commissions"] is not None
    parts = {
        "sales": sales_lines(t["invoice_lines"], t["customers"], model, given),
        "activities": charges.select("customer_id", "period", *allocation.ACTIVITY_LINES),
        "credit_cost": credit_cost.carrying_cost(intervals, cal, model.annual_carrying_rate)
        .union(credit_cost.bad_debt(t["payments"], inv, model.period)),
        "referral_cost": referral_cost(t["referrals"], model.period),
    }
    if given:
        parts["commission"] = paid_commission(t["commissions"], model)
    pnl = cache(customer_pnl(parts))
    tables = {
        "customer_pnl": pnl,
        "customer_summary": customer_summary(pnl, t["customers"]),
        "resource_usage": resource_usage(minutes, rates),
        "customer_activity": allocation.customer_activity(charges),
        "quarantine": staged.quarantine,
    }
    return Contract(tables, calendar, staged, inv)


def run_info(contract: Contract, counts: dict) -> dict:
    """What a run was: as-of date, currency, periods, engine and row conservation."""
    staged = contract.staged
    model: CostModel = staged.model
    return {"as_of": staged.as_of.isoformat(), "currency": model.currency,
            "period": model.period, "engine": engine_name(staged.con),
            "periods": contract.calendar["period"].tolist(), "rows": counts}


def run(data_dir: Path, out_dir: Path, engine: str = "duckdb", as_of: dt.date | None = None,
        progress: Progress | None = None, report: bool = False) -> dict:
    """Compute the customer P&L of a data folder and write the outputs to ``out_dir``.

    Parameters
    ----------
    report : bool
        Also write ``report.html`` (while the DuckDB file of the outputs is written).

    Returns
    -------
    dict
        The run information also written to ``run_info.json``.
    """
    say = progress or (lambda _stage: None)
    say("load + validate")
    staged = load_data(data_dir, engine, as_of)
    say("allocate costs")
    contract = contract_tables(staged)
    features = feature_tables(contract, progress=say)
    tables = {**contract.tables, **features.tables}
    tables["customer_summary"] = with_columns(tables["customer_summary"],
                                              features.summary_columns)
    say("count rows")
    info = run_info(contract, staged.row_counts())
    info["notes"] = features.notes
    write_outputs(tables, Path(out_dir), info, progress=say,
                  finish=_write_report if report else None,
                  written=_releaser(staged.con))
    return info


def _releaser(con) -> Callable[[], None] | None:
    """What frees a DuckDB connection's memory once the outputs are written, so that the
    DuckDB file and the report do not need memory beside its cached tables; None for Spark,
    whose session may be the user's and outlive the run."""
    return (lambda: release_cached(con)) if engine_name(con) == "duckdb" else None


def _write_report(folder: Path) -> None:
    from .report import write_report  # Altair and the chart renderer load only when needed

    write_report(folder)
