"""The output folder of a run, opened read-only for the dashboard.

The web server is an edge of the project: it reads what ``profitlens run`` wrote, with DuckDB
directly (parameterised SQL only), from ``profitlens.duckdb`` opened read-only, or, for a run
written with ``--no-database``, from the Parquet files through views of an in-memory database.
Every query takes its own cursor, so requests served in parallel threads never share one.
"""

from __future__ import annotations

import json
import math
import re
import threading
from pathlib import Path

import duckdb
import pyarrow as pa

from profitlens.io.outputs import DATABASE

from ..errors import ProfitlensError

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class OutputStore:
    """Read-only access to the tables of one output folder.

    Parameters
    ----------
    out_dir : Path
        A folder written by ``profitlens run``.

    Raises
    ------
    ProfitlensError
        When the folder is missing or holds neither ``profitlens.duckdb`` nor Parquet tables,
        or when the database cannot be opened.
    """

    def __init__(self, out_dir: Path):
        self.out_dir = Path(out_dir)
        if not self.out_dir.is_dir():
            raise ProfitlensError(
                f"{out_dir}: not a folder; expected the output folder of "
                "`profitlens run DATA --out OUT`"
            )
        self._con = self._connect()
        self._lock = threading.Lock()
        listed = self._con.execute(
            "SELECT table_name, column_name FROM information_schema.columns "
            "ORDER BY table_name, ordinal_position"
        ).fetchall()
        self._columns: dict[str, list[str]] = {}
        for table, column in listed:
            self._columns.setdefault(table, []).append(column)
        self.tables = frozenset(self._columns)
        if "customer_summary" not in self.tables:
            raise ProfitlensError(
                f"{self.out_dir}: no customer_summary table; run "
                f"`profitlens run DATA --out {self.out_dir}` first"
            )
        self.run_info = self._run_info()

    def _connect(self) -> duckdb.DuckDBPyConnection:
        database = self.out_dir / DATABASE
        try:
            if database.is_file():
                return duckdb.connect(str(database), read_only=True)
            con = duckdb.connect(":memory:")
            for path in sorted(self.out_dir.glob("*.parquet")):
                if _NAME.match(path.stem):  # the name is an identifier; the path a literal
                    literal = str(path).replace("'", "''")
                    con.execute(
                        f"CREATE VIEW {path.stem} AS SELECT * FROM read_parquet('{literal}')"
                    )
            return con
        except duckdb.Error as exc:
            raise ProfitlensError(f"{database}: cannot be opened read-only ({exc})") from None

    def _run_info(self) -> dict:
        try:
            return json.loads((self.out_dir / "run_info.json").read_text())
        except (OSError, ValueError):
            return {}

    @property
    def currency(self) -> str:
        return self.run_info.get("currency", "")

    def has(self, table: str) -> bool:
        return table in self.tables

    def columns(self, table: str) -> list[str]:
        """The columns of ``table`` (empty when the run has no such table)."""
        return list(self._columns.get(table, []))

    def arrow(self, sql: str, params: list | None = None) -> pa.Table:
        """The result of one parameterised query, as an Arrow table."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            return cursor.execute(sql, params or []).to_arrow_table()
        finally:
            cursor.close()

    def records(self, sql: str, params: list | None = None) -> list[dict]:
        """The result of one parameterised query, as JSON-ready dicts (NaN as None)."""
        return [clean(row) for row in self.arrow(sql, params).to_pylist()]

    def close(self) -> None:
        self._con.close()


def clean(row: dict) -> dict:
    """A row with NaN and infinite floats as None (JSON has neither) and dates as text."""
    return {
        k: (
            None
            if isinstance(v, float) and not math.isfinite(v)
            else v.isoformat()
            if hasattr(v, "isoformat")
            else v
        )
        for k, v in row.items()
    }
