"""Results of expressions: materialised on the backend, or handed over as Arrow."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa

from profitlens.errors import ProfitlensError

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
    to Arrow, holding a large result several times over in the driver's memory. Here Spark
    hands it over as Arrow (``DataFrame.toArrow``), once.
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
            "the same settings in spark-defaults.conf"
        ) from None
    return result.cast(table.schema().to_pyarrow())


def record_batches(table, chunk_size: int) -> Iterator[pa.RecordBatch]:
    """The rows of ``table``, in order, as Arrow record batches of at most ``chunk_size`` rows:
    streamed by DuckDB, collected once by Spark (:func:`arrow_table`)."""
    if table._find_backend(use_default=True).name != "pyspark":
        return iter(table.to_pyarrow_batches(chunk_size=chunk_size))
    return iter(arrow_table(table).to_batches(max_chunksize=chunk_size))
