"""The only engine-aware code: connect to DuckDB or Spark, read a file as a raw table.

Every analysis stage is an Ibis expression and runs unchanged on either engine; only opening a
connection and reading files (with each row's 1-based position in its file, for the quarantine)
differ per backend.

A data location is a local :class:`~pathlib.Path` or, with the spark engine, a URI string that
Hadoop's FileSystem understands (``s3a://bucket/company/``, ``gs://``, ``abfss://``, ``hdfs://``,
``file:///``). :func:`data_location`, :func:`child`, :func:`is_folder`, :func:`files_in` and
:func:`read_text` work on either, so the rest of profitlens never asks which one it has.
"""

from profitlens.engine.backends import (
    DEFAULT_MEMORY_GB,
    ENGINES,
    connect,
    default_memory_limit,
    engine_name,
)
from profitlens.engine.locations import (
    Location,
    check_engine_reads,
    child,
    data_location,
    files_in,
    is_folder,
    is_uri,
    read_text,
    suffix,
)
from profitlens.engine.read import ROW, read_csv_text, read_raw
from profitlens.engine.results import (
    CACHED_PREFIX,
    arrow_table,
    cache,
    record_batches,
    release_cached,
)

__all__ = [
    "CACHED_PREFIX",
    "DEFAULT_MEMORY_GB",
    "ENGINES",
    "ROW",
    "Location",
    "arrow_table",
    "cache",
    "check_engine_reads",
    "child",
    "connect",
    "data_location",
    "default_memory_limit",
    "engine_name",
    "files_in",
    "is_folder",
    "is_uri",
    "read_csv_text",
    "read_raw",
    "read_text",
    "record_batches",
    "release_cached",
    "suffix",
]
