"""Control characters in text: a row holding one is quarantined as unreadable.

A NUL or another C0 control character (U+0000 to U+001F) other than tab, line feed and carriage
return has no place in an identifier, a name or a segment; it is what a damaged or mis-decoded
export leaves (a fixed-width field padded with NULs, a binary column exported as text). What the
value should have been cannot be known, so the row is set aside with the others that cannot be
read, naming the column, rather than guessed at (stripping ``A\\x00`` to ``A`` could merge two
customers). The value is listed in the quarantine with each such character replaced by U+FFFD
(the replacement character), so the quarantine itself stays safe to open anywhere
(``docs/conventions.md``).

Looking for them row by row costs a regular expression per text value (seconds per column at
millions of rows), so each file is scanned first, at the speed of memory, and only the columns
of files that hold such a byte are checked row by row.
"""

from __future__ import annotations

import mmap
from pathlib import Path

import ibis.expr.types as ir
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from ..contract import STRING, TableSpec
from ..engine import Location, is_uri, suffix
from .checks import Check
from .parse import CONTROL

#: bytes below space that are not tab, line feed or carriage return
_BAD_BYTES = np.array([b < 0x20 and b not in (0x09, 0x0A, 0x0D) for b in range(256)])
_CHUNK = 1 << 26


def control_checks(parsed: ir.Table, spec: TableSpec, path: Location, raw: ir.Table) -> list[Check]:
    """A :class:`~.checks.Check` per text column of ``path`` that may hold a control character.

    Parameters
    ----------
    parsed : ibis table
        The parsed rows (text columns are the raw text, null when blank).
    spec : TableSpec
    path : Path or str
        The file the rows were read from, scanned first (:func:`columns_to_check`).
    raw : ibis table
        The rows as read, for their column types.
    """
    text = [
        c
        for c, kind in spec.columns.items()
        if kind == STRING and c in raw.columns and raw[c].type().is_string()
    ]
    return [
        Check(
            c,
            parsed[c].re_search(CONTROL),
            f"{c} holds a control character (NUL or another below U+0020 other than tab "
            "and line breaks, shown as \ufffd): the export is damaged there",
        )
        for c in columns_to_check(path, text)
    ]


def columns_to_check(path: Location, columns: list[str]) -> list[str]:
    """Those of ``columns`` that may hold a control character, by a scan of the file.

    A CSV file is scanned byte by byte: with no such byte, no column is checked, else all. A
    Parquet file is decoded column by column (Arrow, in threads) and its text scanned. A file
    behind a URI is not scanned: every column is checked row by row.
    """
    if not columns or is_uri(path):
        return columns
    path = Path(path)
    if suffix(path) == ".csv":
        return columns if _file_has_control(path) else []
    return _parquet_columns_with_control(path, columns)


def has_control_bytes(data) -> bool:
    """Whether a buffer (bytes, mmap, Arrow buffer) holds a control byte of :data:`CONTROL`.

    >>> has_control_bytes(b"ent\\x00erprise"), has_control_bytes(b"a,b\\r\\n\\tc")
    (True, False)
    """
    view = np.frombuffer(data, np.uint8)
    for start in range(0, len(view), _CHUNK):
        if _BAD_BYTES[view[start : start + _CHUNK]].any():
            return True
    return False


def _file_has_control(path: Path) -> bool:
    if path.stat().st_size == 0:
        return False
    with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        return has_control_bytes(data)


def _parquet_columns_with_control(path: Path, columns: list[str]) -> list[str]:
    found: set[str] = set()
    # a dictionary-encoded column is read as its dictionary: only its distinct values are
    # decoded and scanned (most text columns but identifiers), not one string per row
    file = pq.ParquetFile(path, read_dictionary=_dictionary_columns(path, columns))
    for group in range(file.metadata.num_row_groups):
        wanted = [c for c in columns if c not in found]
        if not wanted:
            break
        table = file.read_row_group(group, columns=wanted, use_threads=True)
        found.update(
            c for c in wanted if any(_text_has_control(chunk) for chunk in table.column(c).chunks)
        )
    return [c for c in columns if c in found]


def _dictionary_columns(path: Path, columns: list[str]) -> list[str]:
    """Those of ``columns`` dictionary-encoded in every row group of Parquet file ``path``."""
    metadata = pq.ParquetFile(path).metadata
    index = {metadata.schema.column(j).path: j for j in range(metadata.num_columns)}
    return [
        c
        for c in columns
        if c in index
        and all(
            metadata.row_group(g).column(index[c]).has_dictionary_page
            for g in range(metadata.num_row_groups)
        )
    ]


def _text_has_control(array: pa.Array) -> bool:
    """Whether the values of a string array hold a control character (its data buffer)."""
    if pa.types.is_dictionary(array.type):
        array = array.dictionary
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.large_string())  # a string view, say
    data = array.buffers()[2]
    return data is not None and has_control_bytes(data)
