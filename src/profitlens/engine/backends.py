"""Open an Ibis backend: embedded DuckDB (default) or Spark."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile

import ibis

from profitlens.errors import ProfitlensError

ENGINES = ("duckdb", "spark")


def connect(
    engine: str = "duckdb", *, memory_limit: str | None = None, temp_directory: str | None = None
):
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
        limit = memory_limit or os.environ.get("PROFITLENS_MEMORY_LIMIT") or default_memory_limit()
        con.raw_sql(f"SET memory_limit = '{limit}'")
        spill = _spill_folder(temp_directory).replace("'", "''")
        con.raw_sql(f"SET temp_directory = '{spill}'")
        con.raw_sql("SET enable_progress_bar = false")  # the CLI shows its own progress
        return con
    if engine == "spark":
        return _connect_spark()
    raise ProfitlensError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")


DEFAULT_MEMORY_GB = 3.5


def default_memory_limit() -> str:
    """DuckDB's memory cap when none is set: 3.5 GB, or 60% of RAM on a smaller machine.

    Beyond it DuckDB spills to disk. DuckDB's own default (80% of RAM) lets its hash tables
    grow to most of the machine for little gain in speed; the measurements behind the cap are
    in ``benchmarks/RESULTS.md`` (Scale).
    """
    try:
        ram_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
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
            "the spark engine needs PySpark: pip install 'profitlens[spark]'"
        ) from None
    # Python workers (if any) run the interpreter profitlens runs in, with its packages
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName("profitlens")
    master = os.environ.get("SPARK_MASTER")
    if master:
        builder = builder.master(master)
    elif "PYSPARK_SUBMIT_ARGS" not in os.environ and SparkSession.getActiveSession() is None:
        builder = builder.master("local[*]")
    session = (
        builder.config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    conf = session.sparkContext.getConf()
    if session.sparkContext.master.startswith("local") and not conf.contains(
        "spark.sql.shuffle.partitions"
    ):
        # Spark's default of 200 shuffle partitions is meant for clusters: on one machine each
        # of the pipeline's many small shuffles would run 200 tasks
        session.conf.set("spark.sql.shuffle.partitions", str(2 * (os.cpu_count() or 2)))
        # and let adaptive execution coalesce the partitions of cached tables too
        session.conf.set("spark.sql.optimizer.canChangeCachedPlanOutputPartitioning", "true")
    return ibis.pyspark.connect(session)


def engine_name(con) -> str:
    """``duckdb`` or ``spark`` for a backend made by :func:`connect`."""
    return "spark" if con.name == "pyspark" else con.name
