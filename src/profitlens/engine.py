"""The only engine-aware code: connect to DuckDB or Spark, read a file as a raw table.

Every analysis stage is an Ibis expression and runs unchanged on either engine; only opening a
connection and reading files (with each row's 1-based position in its file, for the quarantine)
differ per backend.

A data location is a local :class:`~pathlib.Path` or, with the spark engine, a URI string that
Hadoop's FileSystem understands (``s3a://bucket/company/``, ``gs://``, ``abfss://``, ``hdfs://``,
``file:///``). :func:`data_location`, :func:`child`, :func:`is_folder`, :func:`files_in` and
:func:`read_text` work on either, so the rest of profitlens never asks which one it has.
"""
from __future__ import annotations

import atexit
import csv
import os
import posixpath
import re
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Union

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import ContractError, ProfitlensError
from .guard.ragged import is_ragged_error, read_ragged_csv

ENGINES = ("duckdb", "spark")
ROW = "_row"

Location = Union[Path, str]
"""A local path, or a URI string such as ``s3a://bucket/company/`` (spark engine only)."""

_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def connect(engine: str = "duckdb", *, memory_limit: str | None = None,
            temp_directory: str | None = None):
    """Open an Ibis backend.

    Parameters
    ----------
    engine : {"duckdb", "spark"}
        ``duckdb`` is embedded and needs no set-up. ``spark`` uses the active SparkSession or
        builds one from the usual Spark settings (``spark-submit``, ``SPARK_MASTER`` or
        ``PYSPARK_SUBMIT_ARGS``), local mode with every core when none is given.
    memory_limit, temp_directory : str, optional
        DuckDB only: cap its memory (it spills to a folder of its own in ``temp_directory``
        beyond it). Defaults: ``PROFITLENS_MEMORY_LIMIT``, else :func:`default_memory_limit`;
        the system temp folder.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        limit = memory_limit or os.environ.get("PROFITLENS_MEMORY_LIMIT") or \
            default_memory_limit()
        con.raw_sql(f"SET memory_limit = '{limit}'")
        spill = _spill_folder(temp_directory).replace("'", "''")
        con.raw_sql(f"SET temp_directory = '{spill}'")
        con.raw_sql("SET enable_progress_bar = false")   # the CLI shows its own progress
        return con
    if engine == "spark":
        return _connect_spark()
    raise ProfitlensError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


DEFAULT_MEMORY_GB = 3.5


def default_memory_limit() -> str:
    """DuckDB's memory cap when none is set: 3.5 GB, or 60% of RAM on a smaller machine.

    Beyond it DuckDB spills to disk. At a million customers a run then peaks at about 5.2 GB
    with Python's own share (5.7-6.0 GB with 4 GB, in the same time), where DuckDB's default
    (80% of RAM) grows its hash tables to 12 GB on a 24 GB machine for little gain in speed
    (``benchmarks/RESULTS.md``, Scale).
    """
    try:
        ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (AttributeError, ValueError, OSError):  # no sysconf (Windows): the 3.5 GB cap
        ram_gb = DEFAULT_MEMORY_GB / 0.6
    return f"{min(DEFAULT_MEMORY_GB, 0.6 * ram_gb):.1f}GB"


def _spill_folder(parent: str | None) -> str:
    """A new, empty folder for one connection's spill files, removed when Python exits.

    DuckDB names spill files alike in every process and, on closing, deletes every spill file
    in its folder, so two runs sharing one folder corrupt each other's spilled data.
    """
    folder = tempfile.mkdtemp(prefix="profitlens-spill-", dir=parent)
    atexit.register(shutil.rmtree, folder, True)
    return folder


def _connect_spark():
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise ProfitlensError(
            "the spark engine needs PySpark: pip install 'profitlens[spark]'") from None
    # Python workers (if any) run the interpreter profitlens runs in, with its packages
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("profitlens")
    master = os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_SUBMIT_ARGS" not in os.environ and SparkSession.getActiveSession() is None:
        builder = builder.master("local[*]")
    session = (builder.config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.ansi.enabled", "false")
               .config("spark.ui.showConsoleProgress", "false")
               .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    conf = session.sparkContext.getConf()
    if session.sparkContext.master.startswith("local") and not conf.contains(
            "spark.sql.shuffle.partitions"):
        # Spark's default of 200 shuffle partitions is meant for clusters: on one machine each
        # of the pipeline's many small shuffles would run 200 tasks
        session.conf.set("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
        # and let adaptive execution coalesce the partitions of cached tables too
        session.conf.set("spark.sql.optimizer.canChangeCachedPlanOutputPartitioning", "true")
    return ibis.pyspark.connect(session)


def engine_name(con) -> str:
    """``duckdb`` or ``spark`` for a backend made by :func:`connect`."""
    return "spark" if con.name == "pyspark" else con.name


def is_uri(location: Location) -> bool:
    """Whether ``location`` is a URI (``scheme://...``) rather than a local path."""
    return isinstance(location, str) and bool(_URI.match(location))


def data_location(value: Location) -> Location:
    """A data folder or file as given by the user: the URI string kept as it is, else a Path.

    ``Path("s3a://bucket/x")`` would collapse the ``//``, so URIs stay strings.
    """
    return value if is_uri(value) else Path(value)


def child(location: Location, name: str) -> Location:
    """The entry ``name`` of the folder ``location``."""
    if not is_uri(location):
        return Path(location) / name
    return location + name if location.endswith("/") else f"{location}/{name}"


def suffix(location: Location) -> str:
    """The file extension of ``location`` (``.csv``, ``.parquet``), as written."""
    return posixpath.splitext(location)[1] if is_uri(location) else Path(location).suffix


def check_engine_reads(location: Location, engine: str) -> None:
    """Stop early when ``engine`` cannot read ``location`` (DuckDB and a URI).

    Raises
    ------
    ContractError
        ``location`` is a URI and ``engine`` is not ``spark``.
    """
    if is_uri(location) and engine != "spark":
        raise _uri_needs_spark(location)


def is_folder(location: Location, con=None) -> bool:
    """Whether ``location`` is an existing folder (a URI is looked up through ``con``)."""
    if not is_uri(location):
        return Path(location).is_dir()
    fs, path = _hadoop_path(con, location)
    return bool(_hadoop_call(location, "listed", lambda: fs.exists(path)
                             and fs.getFileStatus(path).isDirectory()))


def files_in(folder: Location, names: Iterable[str], con=None) -> set[str]:
    """Which of ``names`` are files in ``folder`` (a URI folder is listed once, through ``con``)."""
    names = set(names)
    if not is_uri(folder):
        return {name for name in names if (Path(folder) / name).is_file()}
    fs, path = _hadoop_path(con, folder)
    statuses = _hadoop_call(folder, "listed", lambda: list(fs.listStatus(path)))
    return {status.getPath().getName() for status in statuses if status.isFile()} & names


def read_text(location: Location, con=None) -> str | None:
    """The UTF-8 text of the file ``location``, or None when there is no such file.

    A URI is read through ``con``'s Hadoop FileSystem; a local path with a local open.

    Raises
    ------
    ContractError
        When the file exists but cannot be read or is not UTF-8 text.
    """
    if not is_uri(location):
        path = Path(location)
        data = path.read_bytes() if path.is_file() else None
    else:
        data = _hadoop_read_bytes(con, location)
    if data is None:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContractError(f"{location}: not UTF-8 text ({exc})") from None


def _uri_needs_spark(location: str) -> ContractError:
    return ContractError(
        f"{location}: a URI data folder needs --engine spark, which reads it through Hadoop's "
        "FileSystem; with --engine duckdb give a local path (e.g. the bucket mounted as a folder)")


def _hadoop_path(con, uri: str):
    """The Hadoop FileSystem of ``uri`` and its ``org.apache.hadoop.fs.Path``, from ``con``'s
    Spark session (its Hadoop configuration carries the cluster's connectors and credentials)."""
    if con is None or engine_name(con) != "spark":
        raise _uri_needs_spark(uri)
    session = con._session
    try:
        jvm, conf = session._jvm, session._jsc.hadoopConfiguration()
    except AttributeError:  # Spark Connect: no JVM on this side
        raise ContractError(f"{uri}: reading a URI data folder needs a classic Spark session "
                            "(not Spark Connect)") from None
    path = _hadoop_call(uri, "parsed", lambda: jvm.org.apache.hadoop.fs.Path(uri))
    return _hadoop_call(uri, "accessed", lambda: path.getFileSystem(conf)), path


def _hadoop_call(uri: str, what: str, call):
    """``call()``, with a JVM failure (no connector for the scheme, no credentials, ...) turned
    into a ContractError naming ``uri``."""
    try:
        return call()
    except ContractError:
        raise
    except Exception as exc:
        raise ContractError(
            f"{uri}: cannot be {what} ({_java_message(exc)}); the connector and credentials for "
            "the URI's scheme come from the Spark configuration (spark.hadoop.*, --packages)"
        ) from None


def _hadoop_read_bytes(con, uri: str) -> bytes | None:
    """The bytes of the file ``uri`` (None when absent), through the Hadoop FileSystem."""
    fs, path = _hadoop_path(con, uri)

    def read():
        if not fs.exists(path) or not fs.getFileStatus(path).isFile():
            return None
        jvm = con._session._jvm
        buffer = jvm.java.io.ByteArrayOutputStream()
        jvm.org.apache.hadoop.io.IOUtils.copyBytes(fs.open(path), buffer, 65536, True)
        return bytes(buffer.toByteArray())

    return _hadoop_call(uri, "read", read)


def _java_message(exc: Exception) -> str:
    """The Java exception's own message rather than Py4J's multi-line wrapper."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        return f"{java.getClass().getSimpleName()}: {java.getMessage()}"
    return _first_line(exc)


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
        return pacsv.read_csv(path, parse_options=pacsv.ParseOptions(newlines_in_values=True),
                              convert_options=pacsv.ConvertOptions(
                                  column_types={name: pa.string() for name in header},
                                  strings_can_be_null=True, null_values=[""]))
    except pa.ArrowInvalid as exc:
        if not is_ragged_error(exc):
            raise
        return read_ragged_csv(path)    # rows of the wrong length: staging quarantines them


def _read_spark(con, path: Location, name: str):
    """Read ``path`` into a Spark temp view ``raw_<name>`` with ``_row`` numbered in the JVM.

    ``path`` is a local path or a URI string; Spark reads either through Hadoop's FileSystem.

    A single file is scanned as splits in file order (partition ``i`` holds the ``i``-th split;
    Spark's CSV reader drops the header from the first split only), so a row's position in the
    file is the number of rows in the partitions before its own plus its position within it.
    """
    session = con._session
    reader = session.read
    frame = (reader.parquet(str(path)) if suffix(path) == ".parquet"
             else reader.option("header", True).option("encoding", "UTF-8").csv(str(path)))
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
    offset = (F.element_at(F.array(*(F.lit(o).cast("long") for o in offsets)),
                            (part + 1).cast("int"))
              if offsets else F.lit(0).cast("long"))
    within = F.col(tag).bitwiseAND((1 << _PARTITION_SHIFT) - 1)
    return with_id.withColumn(ROW, offset + within + 1).drop(tag)


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


#: how Ibis names the tables of ``Table.cache()``
CACHED_PREFIX = "ibis_cached_"


def release_cached(con) -> None:
    """Drop every table :func:`cache` materialised on ``con``, freeing its memory.

    Expressions over them can no longer be run; the connection stays open (Ibis drops each
    cached table again, harmlessly, when its expression is garbage-collected).
    """
    for name in con.list_tables(like=CACHED_PREFIX):
        con.drop_table(name, force=True)


def cache(table):
    """Materialise ``table`` on its backend and return the materialised table.

    Ibis's PySpark backend compiles a cached table without registering the in-memory tables
    it reads (cost-model lookups, the period calendar); they are registered here first.
    """
    backend = table._find_backend(use_default=True)
    if backend.name == "pyspark":
        backend._run_pre_execute_hooks(table)
    return table.cache()


def arrow_table(table) -> pa.Table:
    """The rows of ``table`` as one Arrow table with the expression's column types.

    On Spark, Ibis's own ``to_pyarrow`` collects the result as a pandas frame and converts it
    to Arrow, holding a large result several times over in the driver's memory (past 12 GB for
    a million customers' P&L). Here Spark hands it over as Arrow (``DataFrame.toArrow``), once.
    """
    backend = table._find_backend(use_default=True)
    if backend.name != "pyspark":
        return table.to_pyarrow()
    backend._run_pre_execute_hooks(table)
    try:
        result = backend.raw_sql(backend.compile(table)).toArrow()
    except Exception as exc:  # noqa: BLE001 - Spark's errors have no common Python type
        if "spark.driver.maxResultSize" not in str(exc):
            raise
        raise ProfitlensError(
            "Spark would not hand a result over to the driver: it is larger than "
            "spark.driver.maxResultSize (1g unless set). The outputs are written on the "
            "driver, so raise it, and the driver's memory with it, e.g. PYSPARK_SUBMIT_ARGS="
            "'--driver-memory 10g --conf spark.driver.maxResultSize=4g pyspark-shell' or "
            "the same settings in spark-defaults.conf") from None
    return result.cast(table.schema().to_pyarrow())


def record_batches(table, chunk_size: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``table``, in order, as Arrow record batches of at most ``chunk_size`` rows:
    streamed by DuckDB, collected once by Spark (:func:`arrow_table`)."""
    if table._find_backend(use_default=True).name != "pyspark":
        return iter(table.to_pyarrow_batches(chunk_size=chunk_size))
    return iter(arrow_table(table).to_batches(max_chunksize=chunk_size))
