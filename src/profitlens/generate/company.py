"""``generate_company``: a whole synthetic company, written chunk by chunk in bounded memory.

Customers are generated in chunks of ``CHUNK_CUSTOMERS``; chunk ``i`` draws from its own stream
``SeedSequence(seed, spawn_key=(i,))``, so a file depends only on (seed, sizes, start, format).
Everything a customer touches (its invoices, payments, activities, referrals, the prospect it came
from) is drawn in its chunk; only the resource ledger and row counters cross chunks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa

from . import activities as act
from . import config as cfg
from . import truth
from .customers import customers_table, draw_customers
from .dirty import DirtyPlanter
from .ids import format_ids
from .invoices import credit_notes, draw_invoices, draw_lines, lines_table
from .payments import draw_payments, payments_table
from .planted import plant_defaulters, plant_turning
from .prospect_truth import lifetime_profit
from .prospects import assign_customers, draw_prospects, draw_pursuits, prospects_table
from .purchases import simulate_purchases
from .referrals import (
    draw_referrals,
    plant_advocates_customers,
    referrals_table,
    referred_value,
)
from .resources import ResourceLedger, costmodel_yaml, resource_costs_table
from .writer import TableSink, schema_for, write_table

DATA_TABLES = ("customers", "prospects", "invoice_lines", "payments", "activities", "referrals")
TRUTH_TABLES = (
    "turning_customers",
    "defaulters",
    "heavy_referrers",
    "high_service_customers",
    "prospect_value",
)


@dataclass
class GeneratedCompany:
    """What ``generate_company`` wrote: folder, as-of date, rows per table (bad rows included)."""

    out_dir: Path
    as_of: str
    periods: list[str]
    rows: dict[str, int] = field(default_factory=dict)
    dirty_rows: int = 0


def generate_company(
    out_dir: str | Path,
    customers: int = 1000,
    months: int = 24,
    seed: int = 0,
    prospects: int | None = None,
    fmt: str = "parquet",
    dirty: float = 0.0,
    start: str = cfg.DEFAULT_START,
    progress: Callable[[int, int], None] | None = None,
) -> GeneratedCompany:
    """Write a contract data folder and its ``truth/`` folder for a synthetic company.

    Parameters
    ----------
    out_dir : path
        Folder to write (created; existing files of the same names are replaced).
    customers : int
        Number of customers (at least 1).
    months : int
        Length of the window in calendar months (at least 1); the as-of date is its last day.
    seed : int
        Same seed and arguments, same bytes.
    prospects : int, optional
        Number of prospects; default 40% of ``customers``.
    fmt : {"parquet", "csv"}
    dirty : float
        Share of bad rows to plant in every table (0 = clean data), listed in truth/dirty_rows.
    start : str
        First day of the window, ``YYYY-MM-01``.
    progress : callable, optional
        Called as ``progress(customers_done, customers)`` after each chunk.

    Returns
    -------
    GeneratedCompany

    Examples
    --------
    >>> import tempfile
    >>> company = generate_company(tempfile.mkdtemp(), customers=50, months=6, seed=1)
    >>> company.as_of
    '2023-06-30'
    """
    if customers < 1 or months < 1:
        raise ValueError("customers and months must be at least 1")
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"format must be 'parquet' or 'csv', got {fmt!r}")
    if not 0.0 <= dirty < 1.0:
        raise ValueError(f"dirty must be a share in [0, 1), got {dirty}")
    window = cfg.Window(cfg.parse_start(start), months)
    n_prospects = round(0.4 * customers) if prospects is None else int(prospects)
    out, truth_dir = Path(out_dir), Path(out_dir) / "truth"
    sinks = {name: TableSink(out, name, schema_for(name, dirty > 0), fmt) for name in DATA_TABLES}
    rates_sink = None
    planter = DirtyPlanter(dirty, window.as_of, window.start)
    ledger = ResourceLedger(months)
    offsets = dict.fromkeys(("C", "P", "INV", "CN", "PAY", "ACT"), 0)
    pieces: dict[str, list[pa.Table]] = {name: [] for name in TRUTH_TABLES}
    lifetime = lifetime_profit(window)
    n_chunks = -(-customers // cfg.CHUNK_CUSTOMERS)
    for chunk in range(n_chunks):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))
        lo, hi = chunk * cfg.CHUNK_CUSTOMERS, min(customers, (chunk + 1) * cfg.CHUNK_CUSTOMERS)
        p_lo, p_hi = round(n_prospects * lo / customers), round(n_prospects * hi / customers)
        tables, chunk_truth, free = _chunk(
            rng, hi - lo, p_hi - p_lo, window, offsets, ledger, first=chunk == 0, lifetime=lifetime
        )
        for name in DATA_TABLES:
            table = tables[name].select(sinks[name].schema.names).cast(sinks[name].schema)
            table = planter.plant(
                name, table, rng, sinks[name].rows, free if name == "referrals" else None
            )
            sinks[name].write(table)
        rates = chunk_truth.pop("customer_rates")
        if rates_sink is None:
            rates_sink = TableSink(truth_dir, "customer_rates", rates.schema, fmt)
        rates_sink.write(rates)
        for name in TRUTH_TABLES:
            pieces[name].append(chunk_truth[name])
        if progress is not None:
            progress(hi, customers)
    resource_costs = resource_costs_table(ledger, window.periods)
    rc_sink = TableSink(out, "resource_costs", schema_for("resource_costs", dirty > 0), fmt)
    rc = resource_costs.cast(rc_sink.schema)
    rc_sink.write(
        planter.plant(
            "resource_costs",
            rc,
            np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n_chunks,))),
            0,
        )
    )
    for sink in (*sinks.values(), rates_sink, rc_sink):
        sink.close()
    (out / "costmodel.yaml").write_text(costmodel_yaml(ledger))
    for name in TRUTH_TABLES:
        write_table(truth_dir, name, pa.concat_tables(pieces[name]), fmt)
    write_table(truth_dir, "population_parameters", truth.population_parameters(), fmt)
    dirty_rows = planter.table()
    write_table(truth_dir, "dirty_rows", dirty_rows, fmt)
    rows = {name: sink.rows for name, sink in sinks.items()} | {"resource_costs": rc_sink.rows}
    info = {
        "customers": customers,
        "months": months,
        "seed": seed,
        "prospects": n_prospects,
        "format": fmt,
        "dirty": dirty,
        "start": window.start.isoformat(),
        "as_of": window.as_of.isoformat(),
        "rows": rows,
    }
    (truth_dir / "generation.json").write_text(json.dumps(info, indent=2) + "\n")
    (truth_dir / "README.md").write_text(
        truth.README.format(as_of=window.as_of.isoformat(), start=window.start.isoformat())
    )
    return GeneratedCompany(
        out, window.as_of.isoformat(), window.periods, rows, dirty_rows.num_rows
    )


def _chunk(rng, n, n_prospects, window, offsets, ledger, first, lifetime):
    """Draw one chunk; returns its data tables, truth tables and unreferred customer ids."""
    pros = draw_prospects(rng, n_prospects, n, window)
    forced = assign_customers(rng, pros, n)
    cust = draw_customers(rng, n, window, forced)
    refs = draw_referrals(rng, cust)
    plant_advocates_customers(cust, refs)
    purchases = simulate_purchases(rng, cust, window)
    plant_turning(rng, cust, window)
    inv = draw_invoices(rng, purchases, cust, window)
    lines = draw_lines(rng, inv, cust)
    plant_defaulters(rng, cust, inv, window)
    parts = act.draw_customer_activities(rng, cust, inv, window)
    complaints = parts[-2]
    cn = credit_notes(rng, complaints["cust"], complaints["day"], cust, window)
    pays, collection = draw_payments(rng, inv, cust, window)
    parts += [act.draw_acquisition(rng, cust, window), draw_pursuits(rng, pros, window), collection]
    if first:
        parts.append(_as_of_review(cust, window))
    acts = act.concat(parts)
    order = np.lexsort((acts["prospect"], acts["cust"], acts["code"], acts["day"]))
    acts = {k: v[order] for k, v in acts.items()}

    ledger.add(acts["code"], window.month_of(acts["day"]), act.row_minutes(acts))
    handling = cfg.ACTIVITY_CODE["order_handling"]
    n_docs = np.concatenate([inv["lines"], np.ones(cn["cust"].size)])
    ledger.add(
        np.full(n_docs.size, handling),
        np.concatenate([inv["month"], cn["month"]]),
        cfg.ACTIVITY_MINUTES[handling] + cfg.ACTIVITY_PER_UNIT[handling] * n_docs,
    )

    cust_ids = format_ids("C", offsets["C"] + 1 + np.arange(n))
    prospect_ids = format_ids("P", offsets["P"] + 1 + np.arange(n_prospects))
    inv_ids = format_ids("INV", offsets["INV"] + 1 + np.arange(len(inv["day"])))
    tables = {
        "customers": customers_table(cust, offsets["C"]),
        "prospects": prospects_table(pros, cust_ids, offsets["P"]),
        "invoice_lines": lines_table(inv, lines, cn, cust_ids, cust, offsets["INV"], offsets["CN"]),
        "payments": payments_table(pays, offsets["INV"], offsets["PAY"]),
        "activities": act.activities_table(acts, cust_ids, prospect_ids, offsets["ACT"]),
        "referrals": referrals_table(refs, cust_ids),
    }
    in_window = np.bincount(inv["cust"], minlength=n)
    chunk_truth = {
        "customer_rates": truth.customer_rates(cust, cust_ids, in_window),
        "turning_customers": truth.turning_customers(cust, cust_ids, window),
        "defaulters": truth.defaulters(cust, cust_ids, inv, inv_ids),
        "heavy_referrers": truth.heavy_referrers(
            cust, cust_ids, refs, referred_value(cust, refs, window)
        ),
        "high_service_customers": truth.high_service(cust, cust_ids),
        "prospect_value": truth.prospect_value(pros, prospect_ids, cust_ids, window, lifetime),
    }
    referred = np.zeros(n, bool)
    referred[refs["referred"]] = True
    free = cust_ids.filter(pa.array(~referred))
    offsets["C"] += n
    offsets["P"] += n_prospects
    offsets["INV"] += len(inv["day"])
    offsets["CN"] += cn["cust"].size
    offsets["PAY"] += pays["day"].size
    offsets["ACT"] += acts["day"].size
    return tables, chunk_truth, free


def _as_of_review(cust, window) -> dict[str, np.ndarray]:
    """An account review on the as-of date with the first customer served that day."""
    served = np.flatnonzero(cust["active_end"] >= window.as_of_day)
    served = served[cust["acquired_day"][served] <= window.as_of_day][:1]
    return act.part(
        served,
        code=cfg.ACTIVITY_CODE["account_review"],
        day=np.full(served.size, window.as_of_day),
        channel=np.full(served.size, -1),
        agent=-cust["rep"][served] - 1,
    )
