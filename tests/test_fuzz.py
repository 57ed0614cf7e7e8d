"""Junk in every column of every table: every run finishes, writes everything, loses no row.

A small company holding every table and every column of the contract (``tests/data/fuzz``)
has cells replaced by junk (NUL and other control characters, emoji, right-to-left marks,
10,000-character strings, SQL and HTML fragments, unreadable numbers and dates, blank keys),
rows duplicated, rows of the wrong length, a BOM and CRLF line ends, and is then run through
``profitlens run``. Each run must exit 0, write every table and the report, and account for
every row: rows read = the file's data rows (counted here with Python's csv module) = used +
quarantined, with every quarantined row listed in the quarantine, and with the rows that cannot
be used (a control character in text, an unreadable number or date, a blank required value, a
repeated key, a row of the wrong length) among them. The budget is fixed (``derandomize``), so
CI runs the same examples every time.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.contract import DATE, FLOAT, STRING, TABLES
from profitlens.io.outputs import read_output

BASE = Path(__file__).parent / "data" / "fuzz"
AS_OF = "2026-03-31"
runner = CliRunner()

CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")  # the policy: docs/conventions.md
HTML = "<script>alert('x')</script><b onclick=\"y()\">&amp;</b>"
TEXT_JUNK = [
    "\x00",
    "ent\x00erprise",
    "a\x01b\x1fc",
    "\x7f\x85",
    "\U0001f600\U0001f4b8",
    "\u200fשלום\u202e",
    "x" * 10_000,
    "'; DROP TABLE customers; --",
    HTML,
    "a\nb",
    "line\r\nbreak",
    '"quoted, with comma"',
    "\ufeffbom",
    "\ufffe\uffff",
    "\t",
    "   ",
    "",
]
#: values no number column can read
NUMBER_JUNK = ["1e400", "NaN", "-inf", "1,234.50", "12 EUR", "\U0001f600", "1\x000"]
#: values no date column can read
DATE_JUNK = ["2025-02-30", "31/12/2025", "2026-13-01", "yesterday", "2026-01-01\x00", "20260101"]
LINE_ENDS = ["\n", "\r\n"]


def read_base() -> dict[str, tuple[list[str], list[list[str]]]]:
    tables = {}
    for path in sorted(BASE.glob("*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            header, *rows = list(csv.reader(fh))
        tables[path.stem] = (header, rows)
    return tables


BASE_TABLES = read_base()
CELLS = [
    (name, row, column)
    for name, (header, rows) in BASE_TABLES.items()
    for row in range(len(rows))
    for column in header
]


def junk_for(kind: str) -> st.SearchStrategy[str]:
    text = st.sampled_from(TEXT_JUNK) | st.text(max_size=12)
    if kind == FLOAT:
        return st.sampled_from(NUMBER_JUNK) | text
    if kind == DATE:
        return st.sampled_from(DATE_JUNK) | text
    return text


@st.composite
def spoiled_company(draw):
    """The base company with junk cells, repeated rows and the files' encodings drawn."""
    cells = draw(st.lists(st.sampled_from(CELLS), min_size=1, max_size=12, unique=True))
    changes = {}
    for name, row, column in cells:
        kind = TABLES[name].columns[column]
        changes[name, row, column] = draw(junk_for(kind))
    repeats = draw(
        st.lists(st.sampled_from([(n, r) for n, r, _ in CELLS]), max_size=3, unique=True)
    )
    # a BOM or not, the line ends, and a row of the wrong length (a stray comma) or not
    files = {
        name: (
            draw(st.booleans()),
            draw(st.sampled_from(LINE_ENDS)),
            draw(st.sampled_from([0, 0, 0, 1, -1])),
        )
        for name in BASE_TABLES
    }
    return changes, repeats, files


def write_company(folder: Path, changes, repeats, files) -> dict[str, set[int]]:
    """Write the spoiled company; the rows (1-based) that cannot be used, by table."""
    shutil.copy(BASE / "costmodel.yaml", folder / "costmodel.yaml")
    unusable: dict[str, set[int]] = {}
    for name, (header, base_rows) in BASE_TABLES.items():
        spec = TABLES[name]
        rows = [list(r) for r in base_rows]
        bad = unusable.setdefault(name, set())
        for (table, i, column), value in changes.items():
            if table != name:
                continue
            rows[i][header.index(column)] = value
            if cannot_be_used(value, spec.columns[column], column in spec.required):
                bad.add(i + 1)
        for table, i in repeats:
            # a later copy of a row repeats its key (unless the copy is unusable anyway or the
            # key was changed, e.g. to a blank line_id, which invoice_lines numbers anew)
            if table == name:
                rows.append(list(rows[i]))
                untouched = all((name, i, k) not in changes for k in spec.key)
                if spec.key and untouched or i + 1 in bad:
                    bad.add(len(rows))
        bom, line_end, ragged = files[name]
        if ragged:
            rows.append(list(rows[0])[:ragged] if ragged < 0 else [*rows[0], "stray"])
            bad.add(len(rows))
        with open(
            folder / f"{name}.csv", "w", newline="", encoding="utf-8-sig" if bom else "utf-8"
        ) as fh:
            # a carriage return in a value is quoted only when it is in the line end: quote
            # every value then, as a CSV file must (else both readers see a line break there)
            carriage = any("\r" in value for row in rows for value in row)
            writer = csv.writer(
                fh,
                lineterminator=line_end,
                quoting=csv.QUOTE_ALL if carriage else csv.QUOTE_MINIMAL,
            )
            writer.writerow(header)
            writer.writerows(rows)
    return unusable


def cannot_be_used(value: str, kind: str, required: bool) -> bool:
    """Whether a cell holding ``value`` makes its row unusable, by the contract alone."""
    if value.strip(" ") == "":
        return required
    if kind == STRING:
        return bool(CONTROL.search(value))
    return value in (NUMBER_JUNK if kind == FLOAT else DATE_JUNK)


def data_rows(path: Path) -> int:
    """The data rows of a CSV file, counted with Python's csv module (not as profitlens does)."""
    with open(path, newline="", encoding="utf-8-sig") as fh:
        return sum(1 for row in csv.reader(fh) if row) - 1


def check_run(folder: Path, out: Path, unusable: dict[str, set[int]], *options: str) -> None:
    result = runner.invoke(app, ["run", str(folder), "--out", str(out), "--as-of", AS_OF, *options])
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run_info.json").read_text())
    assert "report_error" not in info
    for name in info["files"]:
        assert (out / name).is_file(), name
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in report and "onclick" not in report.replace("onclick=&quot;", "")
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", report)
    assert b"\x00" not in (out / "quarantine.csv").read_bytes()
    quarantine = read_output(out, "quarantine")
    assert set(info["rows"]) == set(BASE_TABLES)
    for name, counts in info["rows"].items():
        rows = data_rows(folder / f"{name}.csv")
        listed = set(quarantine.loc[quarantine["table"] == name, "row"])
        assert counts["read"] == rows == counts["used"] + counts["quarantined"], name
        assert len(listed) == counts["quarantined"], name
        assert listed <= set(range(1, rows + 1)), name
        assert unusable[name] <= listed, (name, sorted(unusable[name] - listed))


def run_spoiled(company, *options: str) -> None:
    changes, repeats, files = company
    with tempfile.TemporaryDirectory(prefix="profitlens-fuzz-") as tmp:
        folder = Path(tmp) / "data"
        folder.mkdir()
        unusable = write_company(folder, changes, repeats, files)
        check_run(folder, Path(tmp) / "out", unusable, *options)


#: a run of the small company takes about 4 s of CPU and its report 3 s more: 15 examples
#: are about two minutes (``slow``); the fast variant tries 4 of them. No shrinking: a failing
#: example is printed whole, and shrinking one run after another can take many minutes
BUDGET = {
    "deadline": None,
    "derandomize": True,
    "database": None,
    "phases": [Phase.explicit, Phase.generate],
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=4, **BUDGET)
@given(spoiled_company())
def test_junk_in_any_cell_is_quarantined_and_every_row_accounted_for(company):
    run_spoiled(company, "--no-database")


@pytest.mark.slow
@settings(max_examples=15, **BUDGET)
@given(spoiled_company())
def test_junk_in_any_cell_more_examples(company):
    run_spoiled(company, "--no-database")


def test_every_junk_value_in_every_column_at_once(tmp_path):
    """The other end from the random cases: each column of each table's first row holds a
    different junk value, every file with a BOM and CRLF line ends."""
    changes = {}
    for n, (name, row, column) in enumerate(c for c in CELLS if c[1] == 0):
        kind = TABLES[name].columns[column]
        pool = NUMBER_JUNK if kind == FLOAT else DATE_JUNK if kind == DATE else TEXT_JUNK
        changes[name, row, column] = pool[n % len(pool)]
    files = {name: (True, "\r\n", 1) for name in BASE_TABLES}
    folder = tmp_path / "data"
    folder.mkdir()
    unusable = write_company(
        folder, changes, [(name, 1) for name in BASE_TABLES if len(BASE_TABLES[name][1]) > 1], files
    )
    check_run(folder, tmp_path / "out", unusable)
