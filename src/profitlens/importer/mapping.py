"""The import mapping: how to build each contract table from a company's own files.

A mapping is a YAML file. For each contract table it holds a SQL ``SELECT`` over the source
files (each file is a view named by its file stem) and, where SQL is awkward, parsing help for
result columns: a date format such as ``M/D/YYYY H:MM``, a decimal comma, currency symbols.

.. code-block:: yaml

    costmodel: costmodel.yaml        # optional; copied into the data folder when it has none
    sources:                         # optional; how to read a source file, by its stem
      sales_export: {delimiter: ";", types: {customer_no: VARCHAR}}
    tables:
      customers:
        sql: SELECT customer_no AS customer_id, MIN(order_date) AS acquired_on
             FROM sales_export GROUP BY customer_no
        columns:
          acquired_on: {date_format: "D.M.YYYY"}

Anything not understood is refused with its location in the file (``tables.customers.colums:
unknown key``), never ignored.

Examples
--------
>>> m = mapping_from_text('''
... tables:
...   customers: {sql: "SELECT id AS customer_id, since AS acquired_on FROM crm"}
...   invoice_lines:
...     sql: SELECT * FROM lines
...     columns: {revenue: {decimal: ",", strip: ["€"]}}
... ''', "mapping.yaml")
>>> sorted(m.tables)
['customers', 'invoice_lines']
>>> m.tables["invoice_lines"].columns["revenue"].decimal
','
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from ..contract import DATE, FLOAT, REQUIRED_TABLES, TABLES
from ..costmodel import yaml_mapping
from ..errors import MappingError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    """How to read one source file (all optional; DuckDB's detection is the default).

    ``date_format`` is how the file writes dates (``M/D/YYYY`` or ``M/D/YYYY H:MM``): its
    columns in that format are read as dates, so the SELECT can compare and aggregate them.
    Without it only ISO dates (``2024-03-01``) are read as dates; other dates stay text
    (DuckDB's own guess could read 3/1/2024 as the 3rd of January). ``types`` fixes the SQL
    type of some columns (``{zip: VARCHAR}``); ``all_varchar`` reads every column as text;
    ``sheet`` names an Excel sheet (default the first).
    """

    delimiter: str | None = None
    date_format: str | None = None
    header: bool = True
    all_varchar: bool = False
    types: dict[str, str] = Field(default_factory=dict)
    sheet: str | int | None = None


class ColumnParse(_Strict):
    """Parsing help for one result column: a date format, or how a number is written."""

    date_format: str | None = None
    decimal: Literal[".", ","] | None = None
    thousands: Literal[".", ",", " ", "'", ""] | None = None
    strip: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> ColumnParse:
        if self.date_format is not None and self.is_number:
            raise ValueError("date_format cannot be combined with decimal, thousands or strip")
        if self.date_format is None and not self.is_number:
            raise ValueError("give date_format, or decimal / thousands / strip for a number")
        if self.decimal is not None and self.decimal == self.thousands:
            raise ValueError("decimal and thousands separators must differ")
        return self

    @property
    def is_number(self) -> bool:
        return self.decimal is not None or self.thousands is not None or bool(self.strip)


class TableMapping(_Strict):
    """One contract table: the SELECT that builds it and parsing help for its columns."""

    sql: str = Field(min_length=1)
    columns: dict[str, ColumnParse] = Field(default_factory=dict)


class Mapping(_Strict):
    """A whole mapping file."""

    costmodel: str | None = None
    sources: dict[str, Source] = Field(default_factory=dict)
    tables: dict[str, TableMapping]

    @field_validator("tables")
    @classmethod
    def _contract_tables(cls, tables: dict[str, TableMapping]) -> dict[str, TableMapping]:
        unknown = [name for name in tables if name not in TABLES]
        if unknown:
            raise ValueError(
                f"{unknown[0]!r} is not a contract table; the tables are " + ", ".join(TABLES)
            )
        missing = [name for name in REQUIRED_TABLES if name not in tables]
        if missing:
            raise ValueError(
                f"no SELECT for the required table {missing[0]!r}; every mapping "
                f"builds {' and '.join(REQUIRED_TABLES)}"
            )
        for name, table in tables.items():
            for column, parse in table.columns.items():
                _check_parse(name, column, parse)
        return tables


def _check_parse(table: str, column: str, parse: ColumnParse) -> None:
    kind = TABLES[table].columns.get(column)
    if kind is None:
        raise ValueError(
            f"{table}.columns: {column!r} is not a column of {table}; its columns "
            f"are {', '.join(TABLES[table].columns)}"
        )
    if parse.date_format is not None and kind != DATE:
        raise ValueError(f"{table}.columns.{column}: date_format given, but {column} is not a date")
    if parse.is_number and kind != FLOAT:
        raise ValueError(
            f"{table}.columns.{column}: number parsing given, but {column} is not a number"
        )


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file.

    Parameters
    ----------
    path : Path

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        When the file is missing, not YAML, or not a valid mapping; the message names the key.
    """
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not UTF-8 text ({exc.reason})") from None
    return mapping_from_text(text, path)


def mapping_from_text(text: str, source) -> Mapping:
    """Validate the text of a mapping file; ``source`` names it in error messages."""
    raw = yaml_mapping(text, source, MappingError, "a mapping with a 'tables' key")
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        raise MappingError(f"{source}: " + "; ".join(_problem(e) for e in exc.errors())) from None


def _problem(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"] if not str(p).startswith("function-"))
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key"
    elif error["type"] == "missing":
        message = "missing"
    return f"{where}: {message}" if where else message
