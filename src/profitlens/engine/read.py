"""Read one data file as a raw table, each row numbered by its position in the file."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from profitlens.engine.backends import engine_name
from profitlens.engine.locations import Location, _first_line, check_engine_reads, suffix
from profitlens.errors import ContractError
from profitlens.guard.ragged import is_ragged_error, read_ragged_csv

ROW = "_row"


def read_raw(con, path: Location, name: str):
    """Read one data file as it is, with ``_row``: the 1-based data row of the source file.

    CSV columns are read as text (staging parses them, so a bad value is quarantined rather
    than failing the whole file); Parquet columns keep their types.

    Raises
    ------
    ContractError
        When the file cannot be read at all.
    """
    try:
        if engine_name(con) == "spark":
            return _read_spark(con, path, name)
        check_engine_reads(path, engine_name(con))
        if path.suffix == ".parquet":
            table = con.read_parquet(path, table_name=f"raw_{name}", file_row_number=True)
            return table.mutate(**{ROW: table.file_row_number + 1}).drop("file_row_number")
        return con.create_table(f"raw_{name}", _read_csv_arrow(path), temp=True, overwrite=True)
    except ContractError:
        raise
    except Exception as exc:  # an unreadable file is the user's to fix, not a crash
        raise ContractError(f"{path}: cannot be read ({_first_line(exc)})") from None


def _read_csv_arrow(path: Path) -> pa.Table:
    table = read_csv_text(path)
    return table.append_column(ROW, pa.array(range(1, table.num_rows + 1), pa.int64()))


def read_csv_text(path: Path) -> pa.Table:
    """A CSV file with every column as text (``00042`` stays ``00042``; empty is null)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        header = next(csv.reader(fh), None)
    if not header:
        raise ContractError(f"{path}: empty file; expected a header row")
    # a quoted value may hold a line break (a name, a note); allowing it costs no measurable
    # time, and without it such a file fails to read or, across a block boundary, misreads
    try:
        return pacsv.read_csv(
            path,
            parse_options=pacsv.ParseOptions(newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header},
                strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        if not is_ragged_error(exc):
            raise
        return read_ragged_csv(path)  # rows of the wrong length: staging quarantines them


def _read_spark(con, path: Location, name: str):
    """Read ``path`` into a Spark temp view ``raw_<name>`` with ``_row`` numbered in the JVM.

    ``path`` is a local path or a URI string; Spark reads either through Hadoop's FileSystem.

    A single file is scanned as splits in file order (partition ``i`` holds the ``i``-th split;
    Spark's CSV reader drops the header from the first split only), so a row's position in the
    file is the number of rows in the partitions before its own plus its position within it.
    """
    session = con._session
    reader = session.read
    frame = (
        reader.parquet(str(path))
        if suffix(path) == ".parquet"
        else reader.option("header", True).option("encoding", "UTF-8").csv(str(path))
    )
    view = f"raw_{name}"
    _number_rows(frame).createOrReplaceTempView(view)
    return con.table(view)


_PARTITION_SHIFT = 33  # monotonically_increasing_id = partition index << 33 | row in partition


def _number_rows(frame):
    """``frame`` plus ``_row``: 1-based position of each row over the partitions in order.

    Same numbers as ``frame.rdd.zipWithIndex()`` without sending rows through Python.
    ``monotonically_increasing_id`` encodes (partition index, position within the partition);
    a small aggregation counts rows per partition, giving each partition its offset.

    The id depends on how the scan is split into partitions, which Spark decides anew each
    time a query is planned (from ``spark.sql.files.maxPartitionBytes`` and, on a cluster, the
    executor cores present at that moment). The counting job and every later query reading the
    numbered rows must therefore see one and the same split: the frame with its id is cached
    (persisted) and the counts are computed from the cache, which fixes its partitions once. A
    lost cached block is recomputed from that cached plan's own partitions, so the ids cannot
    change (``localCheckpoint`` would also fix them but fails instead when a block is lost).
    The cache holds the raw file, which the pipeline scans repeatedly anyway; reading the same
    path again replaces it.
    """
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    tag = "__profitlens_id"
    with_id = frame.withColumn(tag, F.monotonically_increasing_id())
    # Spark finds cached data by plan: an earlier read of the same path in this session has the
    # same plan and would hand back the file's content as it was then
    with_id.unpersist()
    with_id = with_id.persist(StorageLevel.MEMORY_AND_DISK)
    part = F.shiftright(F.col(tag), _PARTITION_SHIFT)
    counts = dict(with_id.groupBy(part.alias("p")).count().collect())
    offsets, total = [], 0
    for p in range(max(counts, default=-1) + 1):
        offsets.append(total)
        total += counts.get(p, 0)
    # partitions absent from counts are empty: no row ever looks up their offset
    offset = (
        F.element_at(F.array(*(F.lit(o).cast("long") for o in offsets)), (part + 1).cast("int"))
        if offsets
        else F.lit(0).cast("long")
    )
    within = F.col(tag).bitwiseAND((1 << _PARTITION_SHIFT) - 1)
    return with_id.withColumn(ROW, offset + within + 1).drop(tag)
