"""Where data lives: a local path, or (Spark only) a URI Hadoop's FileSystem understands.

:func:`data_location`, :func:`child`, :func:`is_folder`, :func:`files_in` and :func:`read_text`
work on either, so the rest of profitlens never asks which one it has.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Union

from profitlens.engine.backends import engine_name
from profitlens.errors import ContractError

Location = Union[Path, str]
"""A local path, or a URI string such as ``s3a://bucket/company/`` (spark engine only)."""


_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


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
    return bool(
        _hadoop_call(
            location, "listed", lambda: fs.exists(path) and fs.getFileStatus(path).isDirectory()
        )
    )


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
        "FileSystem; with --engine duckdb give a local path (e.g. the bucket mounted as a folder)"
    )


def _hadoop_path(con, uri: str):
    """The Hadoop FileSystem of ``uri`` and its ``org.apache.hadoop.fs.Path``, from ``con``'s
    Spark session (its Hadoop configuration carries the cluster's connectors and credentials)."""
    if con is None or engine_name(con) != "spark":
        raise _uri_needs_spark(uri)
    session = con._session
    try:
        jvm, conf = session._jvm, session._jsc.hadoopConfiguration()
    except AttributeError:  # Spark Connect: no JVM on this side
        raise ContractError(
            f"{uri}: reading a URI data folder needs a classic Spark session (not Spark Connect)"
        ) from None
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


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
