"""``profitlens import``: run a mapping's SELECTs over the source files, write the contract folder.

Every table's SELECT runs in an in-memory DuckDB where each source file is a view named by its
stem. The result's columns are checked against the contract, parsing help is applied, and the
table is written as ``<table>.parquet``. All tables are built before anything in the data folder
changes, so a broken mapping leaves it as it was.

Examples
--------
>>> import tempfile, pathlib
>>> src, out = (pathlib.Path(tempfile.mkdtemp()) for _ in range(2))
>>> _ = (src / "sales.csv").write_text("client,day,amount\\nA7,3/1/2024,\\"1.250,00\\"\\n")
>>> _ = (src / "mapping.yaml").write_text('''
... tables:
...   customers: {sql: "SELECT client AS customer_id, MIN(day) AS acquired_on FROM sales
...                     GROUP BY client", columns: {acquired_on: {date_format: M/D/YYYY}}}
...   invoice_lines:
...     sql: SELECT client AS customer_id, 'I1' AS invoice_id, day AS invoice_date,
...                 amount AS revenue, 0 AS cost FROM sales
...     columns: {invoice_date: {date_format: M/D/YYYY}, revenue: {decimal: ","}}
... ''')
>>> result = import_data(src, src / "mapping.yaml", out)
>>> result.rows
{'customers': 1, 'invoice_lines': 1}
>>> import pandas as pd
>>> line = pd.read_parquet(out / "invoice_lines.parquet").iloc[0]
>>> line.invoice_date, float(line.revenue)
(datetime.date(2024, 3, 1), 1250.0)
"""

from __future__ import annotations

import filecmp
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ..contract import DATE, FLOAT, TABLES
from ..errors import MappingError
from .mapping import Mapping, TableMapping, load_mapping
from .parsing import parse_sql, text_sql
from .sources import register_sources

#: more than this share of a column's given values failing its parsing help means the help is
#: wrong for the column (a D/M/YYYY format over M/D/YYYY dates), not that a few values are bad
MOSTLY_FAILING = 0.5


@dataclass
class ImportResult:
    """What an import wrote.

    Attributes
    ----------
    rows : dict of str to int
        Rows written per contract table.
    unparsed : dict of str to dict of str to int
        Per table and column, values its parsing help could not read; they are written as they
        were, so ``profitlens run`` quarantines their rows with a reason.
    costmodel : str
        ``copied``, ``kept`` (the data folder had one), ``kept, differs`` or ``none``.
    """

    rows: dict[str, int] = field(default_factory=dict)
    unparsed: dict[str, dict[str, int]] = field(default_factory=dict)
    costmodel: str = "none"


def import_data(source_dir: Path, mapping_path: Path, out_dir: Path) -> ImportResult:
    """Build the contract's tables from ``source_dir`` as ``mapping_path`` says.

    Parameters
    ----------
    source_dir : Path
        Folder with the exported files (CSV, Parquet, JSON, Excel).
    mapping_path : Path
        The mapping YAML (:mod:`profitlens.importer.mapping`).
    out_dir : Path
        The data folder to write: one ``<table>.parquet`` per mapped table. Contract tables
        it held before (``.csv`` or ``.parquet``) are replaced; other files are kept.

    Returns
    -------
    ImportResult

    Raises
    ------
    MappingError
        When the mapping cannot be read, a SELECT reads an unknown file or fails, a required
        column is missing from a result, or a date format does not fit the values.
    """
    mapping_path, out_dir = Path(mapping_path), Path(out_dir)
    mapping = load_mapping(mapping_path)
    costmodel = _costmodel_file(mapping, mapping_path)
    result = ImportResult()
    con, created = duckdb.connect(), not out_dir.exists()
    try:
        files = register_sources(con, Path(source_dir), mapping.sources, f"{mapping_path}: ")
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".import-") as staging:
            for name, table in mapping.tables.items():
                where = f"{mapping_path}: tables.{name}"
                target = Path(staging) / f"{name}.parquet"
                rows, unparsed = write_table(con, name, table, target, where, files)
                result.rows[name] = rows
                if unparsed:
                    result.unparsed[name] = unparsed
            _replace_tables(Path(staging), out_dir)
    except MappingError:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()  # leave no empty folder behind
        raise
    finally:
        con.close()
    result.costmodel = _place_costmodel(costmodel, out_dir)
    return result


def write_table(
    con, name: str, table: TableMapping, target: Path, where: str, files: dict[str, Path]
) -> tuple[int, dict[str, int]]:
    """Run one table's SELECT, check and parse its columns, write it as Parquet.

    Returns the number of rows written and, per column, the values its parsing help could not
    read.
    """
    sql = table.sql.strip().rstrip(";").strip()
    relation = _select(con, sql, where, files)
    columns = dict(zip(relation.columns, (str(t) for t in relation.types)))
    _check_columns(name, list(relation.columns), where)
    source = f"({sql}) AS source"
    exprs, unparsed = [], {}
    for column, sql_type in columns.items():
        quoted = '"' + column.replace('"', '""') + '"'
        kind = TABLES[name].columns[column]
        parse = table.columns.get(column)
        if parse is not None and not _already_typed(sql_type, parse.date_format is not None):
            parsed = parse_sql(quoted, parse, f"{where}.columns.{column}")
            failed = _failures(con, source, quoted, parsed, f"{where}.columns.{column}", parse)
            if failed:
                unparsed[column] = failed
                parsed = f"COALESCE(CAST({parsed} AS VARCHAR), {text_sql(quoted)})"
            exprs.append(f"{parsed} AS {quoted}")
        else:
            exprs.append(f"{_contract_cast(quoted, sql_type, kind)} AS {quoted}")
    query = f"SELECT {', '.join(exprs)} FROM {source}"
    path = str(target).replace("'", "''")
    _run(con, f"COPY ({query}) TO '{path}' (FORMAT parquet)", where, files)
    rows = con.sql(f"SELECT COUNT(*) FROM read_parquet('{path}')").fetchone()[0]
    return int(rows), unparsed


def _select(con, sql: str, where: str, files: dict[str, Path]):
    relation = _run(con, sql, where, files)
    if relation is None or not relation.columns:
        raise MappingError(f"{where}: sql must be one SELECT (a query returning rows)")
    return relation


def _run(con, sql: str, where: str, files: dict[str, Path]):
    try:
        return con.sql(sql)
    except duckdb.CatalogException as exc:
        unknown = re.search(r"Table with name (.+?) does not exist", str(exc))
        if unknown:
            raise MappingError(
                f"{where}: the SELECT reads {unknown.group(1)!r}, which is no file in the "
                f"source folder; the files there are {', '.join(sorted(files))} (a file is "
                "read by its name without extension, in double quotes when that name has "
                "characters such as '-' or spaces)"
            ) from None
        raise MappingError(f"{where}: the SELECT fails: {_message(exc)}") from None
    except duckdb.Error as exc:
        raise MappingError(f"{where}: the SELECT fails: {_message(exc)}") from None


def _message(exc: Exception) -> str:
    """DuckDB's message in one line, without its caret drawing."""
    lines = [
        line.strip()
        for line in str(exc).splitlines()
        if line.strip() and not line.strip().startswith("^")
    ]
    return " ".join(lines)


def _check_columns(name: str, columns: list[str], where: str) -> None:
    spec = TABLES[name]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise MappingError(f"{where}: the SELECT returns column {repeated[0]!r} twice")
    missing = [c for c in spec.required if c not in columns]
    if missing:
        raise MappingError(
            f"{where}: the SELECT returns no {', '.join(map(repr, missing))} column, which "
            f"{name} requires; it returns {', '.join(columns)} (name a column with AS, e.g. "
            f"SELECT ... AS {missing[0]})"
        )
    unknown = [c for c in columns if c not in spec.columns]
    if unknown:
        raise MappingError(
            f"{where}: {unknown[0]!r} is not a column of {name}; its columns are "
            f"{', '.join(spec.columns)} (leave other columns out of the SELECT)"
        )


def _already_typed(sql_type: str, is_date: bool) -> bool:
    """Whether DuckDB already read the column as what the parsing help would make of it."""
    if is_date:
        return sql_type == "DATE" or sql_type.startswith("TIMESTAMP")
    return sql_type in (
        "DOUBLE",
        "FLOAT",
        "BIGINT",
        "INTEGER",
        "SMALLINT",
        "TINYINT",
        "HUGEINT",
        "UBIGINT",
        "UINTEGER",
    ) or sql_type.startswith("DECIMAL")


def _contract_cast(quoted: str, sql_type: str, kind: str) -> str:
    """A column as the contract types it where the SQL type allows; text is left for staging
    to parse (and to quarantine what it cannot)."""
    if kind == DATE:
        return f"CAST({quoted} AS DATE)" if sql_type.startswith("TIMESTAMP") else quoted
    if kind == FLOAT:
        return f"CAST({quoted} AS DOUBLE)" if _already_typed(sql_type, False) else quoted
    return f"CAST({quoted} AS VARCHAR)"


def _failures(con, source: str, quoted: str, parsed: str, where: str, parse) -> int:
    """How many given values ``parsed`` cannot read; refuses help that fails most of them."""
    given, failed, example = con.sql(
        f"SELECT COUNT({text_sql(quoted)}), "
        f"COUNT({text_sql(quoted)}) FILTER (WHERE {parsed} IS NULL), "
        f"ANY_VALUE({text_sql(quoted)}) FILTER (WHERE {parsed} IS NULL) FROM {source}"
    ).fetchone()
    if failed and failed > MOSTLY_FAILING * given:
        what = (
            f"date_format {parse.date_format!r}"
            if parse.date_format is not None
            else "the number format"
        )
        raise MappingError(
            f"{where}: {what} does not fit the values: {failed:,} of {given:,} "
            f"cannot be read, e.g. {example!r}"
        )
    return int(failed)


def _replace_tables(staging: Path, out_dir: Path) -> None:
    """Move the new tables in; a contract table the folder held before goes."""
    for name in TABLES:
        for ext in (".csv", ".parquet"):
            (out_dir / f"{name}{ext}").unlink(missing_ok=True)
    for path in staging.glob("*.parquet"):
        shutil.move(str(path), out_dir / path.name)


def _costmodel_file(mapping: Mapping, mapping_path: Path) -> Path | None:
    if mapping.costmodel is None:
        return None
    path = mapping_path.parent / mapping.costmodel
    if not path.is_file():
        raise MappingError(f"{mapping_path}: costmodel: {path} not found")
    return path


def _place_costmodel(costmodel: Path | None, out_dir: Path) -> str:
    """Copy the mapping's cost model into the data folder unless it has one (never replaced:
    it may hold a user's edits)."""
    target = out_dir / "costmodel.yaml"
    if costmodel is None:
        return "kept" if target.exists() else "none"
    if target.exists():
        return "kept" if filecmp.cmp(costmodel, target, shallow=False) else "kept, differs"
    shutil.copyfile(costmodel, target)
    return "copied"
