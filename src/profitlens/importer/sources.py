"""The source files of an import, registered in DuckDB as views named by their file stem.

CSV (and ``.tsv``/``.txt``), Parquet and JSON are read by DuckDB itself. Excel (``.xlsx``) is
read with openpyxl through pandas: DuckDB's own Excel reader is an extension downloaded on first
use, which a machine without internet access cannot do.

Examples
--------
>>> import duckdb, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "crm-export.csv").write_text("id,since\\n00042,2024-01-05\\n")
>>> con = duckdb.connect()
>>> files = register_sources(con, folder, {})
>>> sorted(files)
['crm-export']
>>> con.sql('SELECT id, since FROM "crm-export"').fetchone()
('00042', datetime.date(2024, 1, 5))
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..errors import MappingError
from .mapping import Source
from .parsing import strptime_format

READERS = {
    ".csv": "read_csv",
    ".tsv": "read_csv",
    ".txt": "read_csv",
    ".parquet": "read_parquet",
    ".json": "read_json",
    ".jsonl": "read_json",
    ".ndjson": "read_json",
    ".xlsx": "excel",
}


def source_files(folder: Path) -> dict[str, Path]:
    """Every readable file in ``folder`` (not its subfolders), by file stem.

    Raises
    ------
    MappingError
        When ``folder`` is not a folder, holds no readable file, or two files share a stem.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise MappingError(f"{folder}: not a folder; give the folder holding the exported files")
    files: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in READERS:
            if path.stem in files:
                raise MappingError(
                    f"{folder}: both {files[path.stem].name} and {path.name} "
                    f"would be the source {path.stem!r}; keep one"
                )
            files[path.stem] = path
    if not files:
        raise MappingError(f"{folder}: no source file; expected " + ", ".join(READERS) + " files")
    return files


def register_sources(
    con, folder: Path, sources: dict[str, Source], where: str = ""
) -> dict[str, Path]:
    """Register every source file of ``folder`` as a view in ``con``, named by its stem.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
    folder : Path
    sources : dict of str to Source
        The mapping's reading options by stem.
    where : str
        Prefix of error messages about ``sources`` (the mapping file's name).

    Returns
    -------
    dict of str to Path
        The files registered, by view name.
    """
    files = source_files(folder)
    try:
        _register(con, folder, files, sources)
    except MappingError as exc:
        raise MappingError(f"{where}{exc}") from None
    return files


def _register(con, folder: Path, files: dict[str, Path], sources: dict[str, Source]) -> None:
    unknown = [stem for stem in sources if stem not in files]
    if unknown:
        raise MappingError(
            f"sources.{unknown[0]}: no file {unknown[0]}.* in {folder}; the "
            f"files there are {', '.join(sorted(files))}"
        )
    for i, (stem, path) in enumerate(files.items()):
        options = sources.get(stem, Source())
        reader = READERS[path.suffix.lower()]
        name = _quoted(stem)
        if reader == "excel":
            con.register(f"_excel_{i}", _excel(path, options))
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM _excel_{i}")
        else:
            con.execute(
                f"CREATE VIEW {name} AS SELECT * FROM "
                f"{reader}({_text(str(path))}{_options(stem, reader, options)})"
            )
            check_date_format(con, stem, options, path)


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _options(stem: str, reader: str, options: Source) -> str:
    parts = []
    if reader == "read_csv":
        if options.delimiter is not None:
            parts.append(f"delim = {_text(options.delimiter)}")
        parts.append(f"header = {str(options.header).lower()}")
        if options.all_varchar:
            parts.append("all_varchar = true")
        parts += _date_options(stem, options.date_format)
        if options.types:
            columns = ", ".join(f"{_text(c)}: {_text(t)}" for c, t in options.types.items())
            parts.append(f"types = {{{columns}}}")
    elif (
        options.delimiter is not None
        or options.all_varchar
        or not options.header
        or options.types
        or options.date_format
    ):
        raise MappingError(
            f"sources.{stem}: delimiter, header, all_varchar, types and "
            "date_format apply to CSV files; cast in the SELECT instead"
        )
    return "".join(f", {p}" for p in parts)


def _date_options(stem: str, human: str | None) -> list[str]:
    """read_csv's date and timestamp formats: the source's own, else ISO only."""
    if human is None:
        return ["dateformat = '%Y-%m-%d'", "timestampformat = '%Y-%m-%d %H:%M:%S'"]
    try:
        formats = _formats(human)
    except ValueError as exc:
        raise MappingError(f"sources.{stem}: {exc}") from None
    return [f"dateformat = {_text(formats[-1])}", f"timestampformat = {_text(formats[0])}"]


def check_date_format(con, stem: str, options: Source, path: Path) -> None:
    """Refuse a source ``date_format`` that fits no column, or that fits most values of a column
    but not all (DuckDB then reads the whole column as text, and a SELECT comparing its dates
    would compare text)."""
    if options.date_format is None or options.all_varchar:
        return
    view = '"' + stem.replace('"', '""') + '"'
    relation = con.sql(f"SELECT * FROM {view}")
    types = dict(zip(relation.columns, (str(t) for t in relation.types)))
    texts = [c for c, t in types.items() if t == "VARCHAR"]
    fits = []
    for fmt in _formats(options.date_format):
        fits.append([f"TRY_STRPTIME({_quoted(c)}, {_text(fmt)}) IS NOT NULL" for c in texts])
    counts = (
        con.sql(
            "SELECT "
            + ", ".join(
                f"COUNT({_quoted(c)}), COUNT(*) FILTER (WHERE {' OR '.join(f[i] for f in fits)}), "
                f"ANY_VALUE({_quoted(c)}) FILTER (WHERE NOT ({' OR '.join(f[i] for f in fits)}))"
                for i, c in enumerate(texts)
            )
            + f" FROM {view}"
        ).fetchone()
        if texts
        else ()
    )
    for i, column in enumerate(texts):
        given, fitting, example = counts[3 * i : 3 * i + 3]
        if given and given / 2 < fitting < given:
            raise MappingError(
                f"sources.{stem}: column {column!r} of {path.name} holds values that do not fit "
                f"date_format {options.date_format!r} (e.g. {example!r}), so it is read as "
                "text; correct the file, or parse that column in the SELECT (TRY_STRPTIME) or "
                "under tables.<table>.columns, where rows with such values are quarantined"
            )
    if not any(t == "DATE" or t.startswith("TIMESTAMP") for t in types.values()):
        looks_like_date = re.compile(r"^\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}")
        sample = next(
            (
                (column, value)
                for row in relation.limit(100).fetchall()
                for column, value in zip(relation.columns, row)
                if isinstance(value, str) and looks_like_date.match(value)
            ),
            None,
        )
        shown = f" (e.g. column {sample[0]!r} holds {sample[1]!r})" if sample else ""
        raise MappingError(
            f"sources.{stem}: date_format {options.date_format!r} fits no "
            f"column of {path.name}{shown}"
        )


def _formats(human: str) -> list[str]:
    """The timestamp and date formats read_csv is given for a source ``date_format``."""
    fmt = strptime_format(human)
    date = fmt.split("%H")[0].split("%I")[0].strip()
    return [fmt] if date == fmt else [fmt, date]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _excel(path: Path, options: Source) -> pd.DataFrame:
    """One sheet of an Excel file; every column as read by openpyxl (dates as timestamps)."""
    try:
        frame = pd.read_excel(
            path,
            sheet_name=options.sheet or 0,
            engine="openpyxl",
            header=0 if options.header else None,
            dtype=str
            if options.all_varchar
            else {c: str for c, t in options.types.items() if t.upper() in ("VARCHAR", "TEXT")},
        )
    except (ValueError, KeyError) as exc:
        raise MappingError(f"{path}: cannot read sheet {options.sheet!r} ({exc})") from None
    except Exception as exc:  # noqa: BLE001  (a corrupt workbook is the user's to fix)
        raise MappingError(f"{path}: cannot be read as Excel ({exc})") from None
    frame.columns = [str(c) for c in frame.columns]
    return frame
