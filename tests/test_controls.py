"""Control characters in the input: the row is quarantined, the run and its report go on."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.io.outputs import read_output
from profitlens.pipeline.stages import load_data, run
from profitlens.report.safe_text import xml_safe_spec
from profitlens.staging.controls import columns_to_check, has_control_bytes

runner = CliRunner()
AS_OF = dt.date(2026, 3, 31)


def set_cell(path, row: int, column: str, value: str) -> None:
    with open(path, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    rows[row - 1][header.index(column)] = value
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])


def test_a_nul_in_a_segment_quarantines_the_customer_and_the_run_writes_everything(tiny, tmp_path):
    # the case: exit code 134 and no output at all before
    set_cell(tiny / "customers.csv", 1, "segment", "ent\x00erprise")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["run", str(tiny), "--out", str(out), "--as-of", "2026-03-31"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    info = json.loads((out / "run_info.json").read_text())
    assert "report_error" not in info and (out / "report.html").is_file()
    assert all((out / name).is_file() for name in info["files"])
    quarantine = read_output(out, "quarantine")
    row = quarantine[(quarantine["table"] == "customers")].iloc[0]
    assert (row["row"], row["column"], row["value"]) == (1, "segment", "ent\ufffderprise")
    assert row["reason"].startswith("segment holds a control character")
    # customer A goes, and with it its 3 invoice lines (and so on): 3 rows read, 2 used
    assert info["rows"]["customers"] == {"read": 3, "used": 2, "quarantined": 1}
    assert info["rows"]["invoice_lines"] == {"read": 6, "used": 3, "quarantined": 3}
    assert set(read_output(out, "customer_summary")["customer_id"]) == {"B", "C"}
    assert "ent\ufffderprise" in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("value", ["A\x00", "\x1b[31mA", "A\x0b"])
def test_a_control_character_in_an_identifier_is_not_stripped_into_another_key(tiny, value):
    # stripping would make this row a second customer "A" (or its repeat)
    with open(tiny / "customers.csv", "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow([value, "Copy", "smb", "food", "south", "2026-01-05"])
    staged = load_data(tiny, as_of=AS_OF)
    quarantine = staged.quarantine.execute()
    assert quarantine[["table", "row", "column"]].values.tolist() == [
        ["customers", 4, "customer_id"]
    ]
    assert "\ufffd" in quarantine["value"].iloc[0] and "\x00" not in quarantine["value"].iloc[0]
    assert staged.row_counts()["customers"] == {"read": 4, "used": 3, "quarantined": 1}


def test_tabs_line_breaks_emoji_and_right_to_left_marks_are_ordinary_text(tiny):
    set_cell(tiny / "customers.csv", 1, "name", "Alder\tIndustrial\r\nNorth \U0001f3ed \u200f")
    staged = load_data(tiny, as_of=AS_OF)
    assert staged.quarantine.count().execute() == 0
    names = staged.tables["customers"].execute().set_index("customer_id")["name"]
    assert names["A"] == "Alder\tIndustrial\r\nNorth \U0001f3ed \u200f"


def test_a_parquet_file_is_checked_only_in_its_columns_holding_control_characters(tiny):
    frame = pd.read_csv(tiny / "customers.csv", dtype=str)
    frame.loc[1, "region"] = "so\x00uth"
    (tiny / "customers.csv").unlink()
    frame.to_parquet(tiny / "customers.parquet", index=False)
    assert columns_to_check(tiny / "customers.parquet", ["customer_id", "region", "name"]) == [
        "region"
    ]
    quarantine = load_data(tiny, as_of=AS_OF).quarantine.execute()
    customers = quarantine[quarantine["table"] == "customers"]
    assert customers[["row", "column", "value"]].values.tolist() == [[2, "region", "so\ufffduth"]]


def test_a_clean_csv_file_is_not_checked_row_by_row(tiny):
    assert columns_to_check(tiny / "customers.csv", ["customer_id", "name"]) == []
    assert not has_control_bytes(b'\xef\xbb\xbfa,b\r\n"x\ny",\t\xf0\x9f\x98\x80\n')
    assert has_control_bytes(b"a,b\n\x1f,c\n")


def test_chart_specifications_reach_the_renderer_without_characters_xml_forbids():
    spec = {
        "data": {"values": [{"s\x00": "a\x00b\ufffe\x1f\tc\n", "n": 1.5}]},
        "title": ["x\uffff"],
    }
    assert xml_safe_spec(spec) == {
        "data": {"values": [{"s\ufffd": "a\ufffdb\ufffd\ufffd\tc\n", "n": 1.5}]},
        "title": ["x\ufffd"],
    }


def test_text_that_looks_like_html_is_shown_as_written_in_the_report(tiny, tmp_path):
    set_cell(tiny / "customers.csv", 2, "name", "<script>alert('x')</script>")
    set_cell(tiny / "customers.csv", 3, "segment", "<img src=x onerror=alert(1)>")
    set_cell(tiny / "invoice_lines.csv", 1, "customer_id", "<b>A</b>")  # quarantined
    out = tmp_path / "out"
    run(tiny, out, as_of=AS_OF, report=True, database=False)
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page  # in tables and chart labels
    assert "&lt;b&gt;A&lt;/b&gt;" in page
    assert "<script>" not in page and "<img" not in page and "<b>A</b>" not in page
