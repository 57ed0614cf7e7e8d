"""A CSV file with rows of the wrong length, read row by row instead of refused.

Arrow's CSV reader stops at the first row with more or fewer values than the header (a stray
comma in an unquoted name, a line cut short), which would stop the whole run for one row. Such a
file is read again with Python's csv module: every row is kept, in its place (so row numbers
stay the file's data rows), with :data:`RAGGED` telling which rows did not have the header's
number of values; staging quarantines those (their values cannot be matched to columns).
Slower than Arrow, so used only for the files Arrow refuses.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa

#: the column flagging a row whose number of values differs from the header's
RAGGED = "_ragged"


def is_ragged_error(exc: Exception) -> bool:
    """Whether Arrow refused a CSV file because a row's number of values differs from the
    header's ("Expected 6 columns, got 7")."""
    return isinstance(exc, pa.ArrowInvalid) and "columns, got" in str(exc)


def read_ragged_csv(path: Path) -> pa.Table:
    """Every data row of a CSV file, as text (empty is null), with :data:`RAGGED`.

    A short row is padded with nulls and a long one cut to the header's length; either is
    flagged. Blank lines are skipped, as Arrow skips them.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = path.write_text("a,b\\n1,2\\n3\\n4,5,6\\n\\n7,\\n")
    >>> read_ragged_csv(path).to_pydict()
    {'a': ['1', '3', '4', '7'], 'b': ['2', None, '5', None], '_ragged': [False, True, True, False]}
    """
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = csv.reader(fh)
        header = next(rows)
        width = len(header)
        columns: list[list[str | None]] = [[] for _ in header]
        ragged = []
        for row in rows:
            if not row:
                continue
            ragged.append(len(row) != width)
            row = row[:width] + [""] * (width - len(row))
            for values, value in zip(columns, row):
                values.append(value if value != "" else None)
    arrays = [pa.array(values, pa.string()) for values in columns]
    return pa.Table.from_arrays([*arrays, pa.array(ragged, pa.bool_())], names=[*header, RAGGED])
