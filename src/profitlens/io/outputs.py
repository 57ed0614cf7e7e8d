"""Write output tables atomically: CSV, Parquet and one DuckDB file an analyst can query.

Everything goes to a temporary folder beside ``out_dir`` that replaces it only when complete,
so a crash never leaves half an output. Rows are sorted on each table's key, so the same input
gives byte-identical CSVs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from profitlens.engine import record_batches
from profitlens.errors import ProfitlensError
from profitlens.guard.exchange import exchange
from profitlens.guard.leftovers import claim, release, remove_leftovers
from profitlens.output_tables import OUTPUTS

DATABASE = "profitlens.duckdb"
#: the folder an incremental run keeps its state in, inside the output folder
STATE = "state"
#: the file that marks a folder as such a state (a folder of the user's by that name is kept)
STATE_KEY = "key.json"
REPORT = "report.html"
DECIMALS = 6
#: decimals a float is rounded to before :data:`DECIMALS`, so that its last bits do not count
_GUARD_DECIMALS = 9
_CSV_OPTIONS = pacsv.WriteOptions(quoting_style="needed")


def write_table(table: ir.Table, folder: Path, name: str) -> None:
    """Stream one table to ``name.parquet`` and ``name.csv`` in ``folder``.

    Each batch is encoded as Parquet and as CSV at the same time, in two threads (Arrow's
    writers release the GIL), while the engine produces the next batch.
    """
    declared = OUTPUTS.get(name)
    if declared is None:
        ordered = table.order_by(list(table.columns)[:1])
    else:
        ordered = table.order_by(list(declared.order)) if declared.order else table
    schema = ordered.schema().to_pyarrow()
    with (
        pq.ParquetWriter(folder / f"{name}.parquet", schema) as pw,
        pacsv.CSVWriter(folder / f"{name}.csv", schema, write_options=_CSV_OPTIONS) as cw,
        ThreadPoolExecutor(max_workers=2) as pool,
    ):
        pending = []
        for batch in record_batches(ordered, chunk_size=500_000):
            # engines may hand back a wider type than the expression's (DuckDB: date + interval
            # is a timestamp); the declared schema is the contract
            batch = _rounded(batch.cast(schema))
            for done in pending:  # batches are written in order
                done.result()
            pending = [pool.submit(pw.write_batch, batch), pool.submit(cw.write_batch, batch)]
        for done in pending:
            done.result()


def _rounded(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Floats to 6 decimals: parallel sums differ in their last bits from run to run, and no
    figure here means anything below a millionth."""
    columns = [_round(col) if pa.types.is_floating(col.type) else col for col in batch.columns]
    return pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def _round(column: pa.Array) -> pa.Array:
    """Each value rounded to :data:`DECIMALS`, by way of :data:`_GUARD_DECIMALS`.

    Arrow's own ``round`` leaves a value that is within a rounding error of its rounded
    value as it is, so 9.1574 summed in another order stays 9.157399999999999 in the CSV.
    Rounding once would still split a value on a half-millionth (7.9078125, common among
    means of cents) by its last bits: 7.907812499999999 in one summation order, 7.9078125 in
    another. Rounded to 9 decimals first, both are 7.9078125, and then 7.907812 (halves to
    even). Only a value within a float's last bits of a half-billionth still depends on them.
    The price: a value within half a billionth of a half-millionth may round the other way
    than its own digits say (at most a millionth). Above 9e6 a float holds fewer than 9
    decimals and the first step changes nothing. A zero is written ``0``, never ``-0``.
    """
    guard = 10.0 ** (_GUARD_DECIMALS - DECIMALS)
    scale = 10.0**DECIMALS
    # in float64 whatever the column's width (1e6 overflows a half float); nulls are NaN here
    values = column.cast(pa.float64()).to_numpy(zero_copy_only=False) * (scale * guard)
    np.rint(values, out=values)
    values /= guard
    np.rint(values, out=values)
    values /= scale
    values += 0.0
    nulls = column.is_null().to_numpy(zero_copy_only=False) if column.null_count else None
    return pa.array(values, mask=nulls).cast(column.type)


def write_database(folder: Path, names: list[str]) -> None:
    """Load every written Parquet table into ``profitlens.duckdb`` in ``folder``."""
    con = ibis.duckdb.connect(folder / DATABASE)
    con.raw_sql("SET enable_progress_bar = false")  # no bars over the CLI's own progress
    try:
        for name in names:
            con.create_table(name, con.read_parquet(folder / f"{name}.parquet"), overwrite=True)
    finally:
        con.disconnect()


def write_outputs(
    tables: dict[str, ir.Table],
    out_dir: Path,
    info: dict,
    progress: Callable[[str], None] | None = None,
    finish: Callable[[Path], object] | None = None,
    written: Callable[[], object] | None = None,
    database: bool = True,
) -> Path:
    """Write every table, ``run_info.json`` and (unless ``database`` is False) the DuckDB
    file, then swap them into place. ``info["files"]`` is set to the files written.

    Parameters
    ----------
    written : callable, optional
        Called once every table is written, before the DuckDB file and ``finish``: nothing
        reads ``tables`` after it, so it may free what computed them (the engine's memory).
    finish : callable, optional
        Called with the folder of the new outputs once the tables are written (the state of an
        incremental run), while the DuckDB file is loaded in another thread; what it adds to
        ``info`` is written to ``run_info.json`` after it. The report is drawn after the swap
        (:func:`profitlens.pipeline.stages.run`), so that nothing its renderer does can lose the
        tables.
    database : bool, default True
        Also load the tables into ``profitlens.duckdb`` (a queryable copy of the Parquet; what
        it costs is measured in ``benchmarks/RESULTS.md``).
    """
    out_dir = Path(out_dir).resolve()
    if out_dir.exists() and not out_dir.is_dir():
        raise ProfitlensError(f"{out_dir}: exists and is not a folder; choose an --out folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(out_dir)  # of runs into out_dir that were killed
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    lock = claim(tmp)
    try:
        for name, table in tables.items():
            if progress:
                progress(f"write {name}")
            write_table(table, tmp, name)
        if written:
            written()
        info["files"] = sorted(
            [f"{n}.{ext}" for n in tables for ext in ("parquet", "csv")]
            + ([DATABASE] if database else [])
        )
        write_run_info(tmp, info)
        if progress and database:
            progress("write database")
        with ThreadPoolExecutor(max_workers=1) as pool:
            loading = pool.submit(write_database, tmp, list(tables)) if database else None
            if finish:
                finish(tmp)
                write_run_info(tmp, info)  # with what finish added to info
            if loading:
                loading.result()
        release(tmp, lock)
        lock = None
        _swap(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        release(tmp, lock)
        raise
    return out_dir


def write_run_info(folder: Path, info: dict) -> None:
    """Write ``run_info.json`` into ``folder`` whole or not at all (a temporary file renamed)."""
    tmp = folder / f".run_info.json.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(info, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, folder / "run_info.json")


def _swap(new: Path, target: Path) -> None:
    """Replace the outputs in ``target`` by those in ``new``, in one rename.

    Files in ``target`` that no profitlens run wrote (a log, notes, the user's own files) are
    carried over; an earlier run's outputs (listed in its ``run_info.json``) are not, so no
    stale table survives a run that no longer writes it.
    """
    if not target.exists():
        new.rename(target)
        return
    earlier = _written_by_earlier_run(target)
    for item in target.iterdir():
        if item.name not in earlier and not (new / item.name).exists():
            shutil.move(str(item), new / item.name)
    exchange(new, target)  # one step: there is always an output folder
    shutil.rmtree(new, ignore_errors=True)


def _written_by_earlier_run(folder: Path) -> set[str]:
    try:
        info = json.loads((folder / "run_info.json").read_text())
    except (OSError, ValueError):
        return set()
    state = {STATE} if is_state(folder / STATE) else set()  # a folder of the user's is kept
    return set(info.get("files", [])) | {"run_info.json", REPORT} | state


#: every text column of the declared outputs: read from CSV as text (``00042`` is not ``42``)
TEXT_COLUMNS = sorted(
    {
        column
        for table in OUTPUTS.values()
        for column, kind in table.columns.items()
        if kind == "string"
    }
)


def read_output(out_dir: Path, name: str, columns: list[str] | None = None):
    """Table ``name`` of an output folder as a pandas frame (Parquet, else CSV).

    Identifiers stay text when read from CSV (``00042`` is not ``42``).

    Raises
    ------
    ProfitlensError
        Naming the folder or file, when the folder is not there, the table was not written
        (an output of an older version, or of a run that stopped) or the file is unreadable.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ProfitlensError(
            f"{out_dir}: not a folder; expected the output folder of "
            "`profitlens run DATA --out OUT`"
        )
    parquet, csv = out_dir / f"{name}.parquet", out_dir / f"{name}.csv"
    try:
        if parquet.is_file():
            return pq.read_table(parquet, columns=columns).to_pandas()
        if csv.is_file():
            options = pacsv.ConvertOptions(
                include_columns=columns,
                strings_can_be_null=True,
                column_types={c: pa.string() for c in TEXT_COLUMNS},
            )
            return pacsv.read_csv(
                csv,
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=options,
            ).to_pandas()
    except (pa.ArrowException, OSError) as exc:  # unreadable or truncated: name the file
        raise ProfitlensError(
            f"{parquet if parquet.is_file() else csv}: cannot be read ({exc})"
        ) from None
    raise ProfitlensError(f"{parquet} not found; run `profitlens run DATA --out {out_dir}` first")


def is_state(folder: Path) -> bool:
    """Whether ``folder`` is the state an incremental run kept (and may be replaced)."""
    return (Path(folder) / STATE_KEY).is_file()
