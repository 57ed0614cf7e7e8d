"""Read the folder written by ``profitlens run``: output tables and ``run_info.json``.

Tables are read from Parquet (CSV as a fallback), only the columns a section asks for, and
cached, so a report over a million customers reads ``customer_summary`` once.
Large tables with many rows per customer (``customer_pnl``) are aggregated in DuckDB straight
from the file instead of being loaded whole.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import duckdb
import ibis
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from profitlens.io.outputs import read_output

from ..errors import ProfitlensError

REQUIRED_OUTPUTS = ("customer_summary", "resource_usage", "quarantine")


class OutputFolder:
    """The outputs of one run.

    Parameters
    ----------
    path : Path
        Folder given to ``profitlens run --out``.

    Attributes
    ----------
    run_info : dict
        Contents of ``run_info.json`` (empty when the file is absent).

    Raises
    ------
    ProfitlensError
        When the folder does not exist or lacks ``customer_summary``.
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        if not self.path.is_dir():
            raise ProfitlensError(
                f"{self.path}: no such folder; give the folder written by `profitlens run --out`"
            )
        if self.file("customer_summary") is None:
            raise ProfitlensError(
                f"{self.path}: no customer_summary.parquet or .csv; is this the --out folder "
                "of `profitlens run`?"
            )
        info = self.path / "run_info.json"
        self.run_info: dict = json.loads(info.read_text("utf-8")) if info.is_file() else {}
        self._cache: dict[tuple[str, tuple[str, ...] | None], pd.DataFrame] = {}

    def file(self, name: str) -> Path | None:
        """The Parquet (preferred) or CSV file of output table ``name``, or None."""
        for suffix in (".parquet", ".csv"):
            candidate = self.path / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
        return None

    def has(self, name: str) -> bool:
        """Whether output table ``name`` was written."""
        return self.file(name) is not None

    def columns(self, name: str) -> list[str]:
        """Column names of output table ``name`` (without reading its rows)."""
        path = self.file(name)
        if path is None:
            return []
        if path.suffix == ".parquet":
            return list(pq.read_schema(path).names)
        return list(pd.read_csv(path, nrows=0).columns)

    def table(self, name: str, columns: Sequence[str] | None = None) -> pd.DataFrame:
        """Output table ``name`` as a DataFrame, restricted to those of ``columns`` it has.

        An absent table is an empty frame.
        """
        wanted = None if columns is None else tuple(c for c in columns if c in self.columns(name))
        key = (name, wanted)
        if key not in self._cache:
            self._cache[key] = self._read(name, wanted)
        return self._cache[key]

    def expression(self, name: str):
        """Output table ``name`` as an Ibis table read by DuckDB from its file (or None), to
        aggregate a large table without loading it."""
        path = self.file(name)
        if path is None:
            return None
        con = ibis.duckdb.connect()
        return con.read_parquet(path) if path.suffix == ".parquet" else con.read_csv(path)

    def query(self, name: str, sql: str) -> pd.DataFrame:
        """Run ``sql`` in DuckDB with output table ``name`` bound as view ``t``."""
        path = self.file(name)
        if path is None:
            return pd.DataFrame()
        with duckdb.connect() as con:
            reader = con.read_parquet if path.suffix == ".parquet" else con.read_csv
            reader(str(path)).create_view("t")
            return pa.table(con.execute(sql).arrow()).to_pandas()  # Arrow: twice as fast as .df()

    def _read(self, name: str, columns: tuple[str, ...] | None) -> pd.DataFrame:
        if self.file(name) is None:
            return pd.DataFrame(columns=list(columns or ()))
        return read_output(self.path, name, list(columns) if columns is not None else None)
