"""A broken mapping stops with one message naming the mapping's table and the problem, exit 2."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from profitlens.cli import app

runner = CliRunner()

SALES = 'client,day,amount\nA7,3/1/2024,"1.250,00"\nB2,3/15/2024,"99,90"\nB2,3/20/2024,"5,00"\n'
CUSTOMERS = (
    "  customers:\n    sql: SELECT client AS customer_id, MIN(day) AS acquired_on "
    "FROM sales GROUP BY client\n"
)
LINES = (
    "  invoice_lines:\n    sql: SELECT client AS customer_id, 'I' || client AS invoice_id,"
    " day AS invoice_date, amount AS revenue, 0 AS cost FROM sales\n"
    "    columns: {revenue: {decimal: ','}}\n"
)
SOURCES = "sources:\n  sales: {date_format: M/D/YYYY}\n"


def _import(tmp_path: Path, mapping: str, sales: str = SALES):
    source = tmp_path / "exports"
    source.mkdir(exist_ok=True)
    (source / "sales.csv").write_text(sales)
    (tmp_path / "mapping.yaml").write_text(mapping)
    result = runner.invoke(
        app,
        [
            "import",
            str(source),
            "--mapping",
            str(tmp_path / "mapping.yaml"),
            "--out",
            str(tmp_path / "data"),
        ],
    )
    return result, " ".join(re.sub("[\u2500-\u257f]", " ", result.output).split())


def test_a_good_mapping_writes_the_tables(tmp_path):
    result, text = _import(tmp_path, SOURCES + "tables:\n" + CUSTOMERS + LINES)
    assert result.exit_code == 0, result.output
    lines = pd.read_parquet(tmp_path / "data" / "invoice_lines.parquet")
    assert lines["revenue"].tolist() == [1250.0, 99.9, 5.0]
    customers = pd.read_parquet(tmp_path / "data" / "customers.parquet").sort_values("customer_id")
    assert customers["acquired_on"].astype(str).tolist() == ["2024-03-01", "2024-03-15"]
    assert "profitlens init" in text  # no cost model yet: what to do next


@pytest.mark.parametrize(
    "mapping, words",
    [
        (
            SOURCES + "tables:\n" + CUSTOMERS + LINES.replace("FROM sales", "FROM orders"),
            (
                "tables.invoice_lines: the SELECT reads 'orders', which is no file in the source "
                "folder; the files there are sales"
            ),
        ),
        (
            SOURCES + "tables:\n" + CUSTOMERS + LINES.replace("amount AS", "amount_eur AS"),
            (
                "tables.invoice_lines: the SELECT fails: Binder Error: Referenced column "
                '"amount_eur" not found'
            ),
        ),
        (
            SOURCES + "tables:\n" + CUSTOMERS + LINES.replace(", 0 AS cost", ""),
            "tables.invoice_lines: the SELECT returns no 'cost' column, which invoice_lines requires",
        ),
        (
            SOURCES
            + "tables:\n"
            + CUSTOMERS
            + LINES.replace("0 AS cost", "0 AS cost, 1 AS margin"),
            "tables.invoice_lines: 'margin' is not a column of invoice_lines",
        ),
        (
            SOURCES + "tables:\n" + CUSTOMERS + LINES.replace("FROM sales", "FROM sales;DROP x"),
            "tables.invoice_lines: the SELECT fails",
        ),
        (
            "sources:\n  sales: {date_format: D.M.YYYY}\ntables:\n" + CUSTOMERS + LINES,
            (
                "sources.sales: date_format 'D.M.YYYY' fits no column of sales.csv (e.g. column "
                "'day' holds '3/1/2024')"
            ),
        ),
        (
            "tables:\n"
            + CUSTOMERS
            + LINES.replace(
                "{revenue: {decimal: ','}}",
                "{revenue: {decimal: ','}, invoice_date: {date_format: D/M/YYYY}}",
            ),
            (
                "tables.invoice_lines.columns.invoice_date: date_format 'D/M/YYYY' does not fit "
                "the values: 2 of 3 cannot be read, e.g. '3/15/2024'"
            ),
        ),
        (
            "tables:\n"
            + CUSTOMERS
            + LINES.replace("{revenue: {decimal: ','}}", "{invoice_date: {date_format: YYYY}}"),
            "tables.invoice_lines.columns.invoice_date: date_format 'YYYY' has no month or day",
        ),
        (
            SOURCES + "tables:\n" + CUSTOMERS + LINES.replace("{decimal: ','}", "{strip: ['€']}"),
            "tables.invoice_lines.columns.revenue: the number format does not fit the values",
        ),
        (SOURCES + "sources_typo: 1\ntables:\n" + CUSTOMERS + LINES, "sources_typo: unknown key"),
        (
            "sources:\n  sale: {date_format: M/D/YYYY}\ntables:\n" + CUSTOMERS + LINES,
            "sources.sale: no file sale.* in",
        ),
    ],
)
def test_a_broken_mapping_is_one_clear_message(tmp_path, mapping, words):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "customers.csv").write_text("customer_id,acquired_on\nX,2020-01-01\n")
    result, text = _import(tmp_path, mapping)
    assert result.exit_code == 2, result.output
    assert "mapping.yaml" in text and words in text
    assert text.count("error:") == 1 and "Traceback" not in result.output
    # nothing was changed in the data folder
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == ["customers.csv"]


def test_a_failed_import_leaves_no_data_folder_behind(tmp_path):
    result, _ = _import(tmp_path, "tables:\n" + CUSTOMERS + LINES.replace("sales", "orders"))
    assert result.exit_code == 2
    assert not (tmp_path / "data").exists()


def test_a_few_unreadable_values_reach_the_run_quarantine_with_their_reason(tmp_path):
    sales = SALES + 'C9,3/32/2024,"7,00"\n'  # no 32nd of March: 1 bad value of 4
    result, text = _import(
        tmp_path,
        "tables:\n"
        + CUSTOMERS
        + LINES.replace(
            "{revenue: {decimal: ','}}",
            "{revenue: {decimal: ','}, invoice_date: {date_format: M/D/YYYY}}",
        ).replace("FROM sales", "FROM sales ORDER BY client"),
        sales,
    )
    assert result.exit_code == 0, result.output
    assert "invoice_date: 1" in text  # reported as not parsed
    lines = pd.read_parquet(tmp_path / "data" / "invoice_lines.parquet")
    assert lines["invoice_date"].tolist() == ["2024-03-01", "2024-03-15", "2024-03-20", "3/32/2024"]


def test_a_source_folder_that_is_not_there_is_one_message(tmp_path):
    (tmp_path / "mapping.yaml").write_text("tables:\n" + CUSTOMERS + LINES)
    result = runner.invoke(
        app,
        [
            "import",
            str(tmp_path / "nowhere"),
            "--mapping",
            str(tmp_path / "mapping.yaml"),
            "--out",
            str(tmp_path / "d"),
        ],
    )
    assert result.exit_code == 2
    assert "not a folder" in result.output and "Traceback" not in result.output


def test_excel_sources_are_read_without_duckdb_extensions(tmp_path):
    source = tmp_path / "exports"
    source.mkdir()
    pd.DataFrame(
        {
            "client": ["00042", "B2"],
            "since": pd.to_datetime(["2024-01-05", "2024-02-01"]),
            "amount": [10.5, 20.0],
        }
    ).to_excel(source / "crm.xlsx", index=False)
    (tmp_path / "mapping.yaml").write_text(
        "sources:\n  crm: {types: {client: VARCHAR}}\ntables:\n"
        "  customers: {sql: 'SELECT client AS customer_id, since AS acquired_on FROM crm'}\n"
        "  invoice_lines: {sql: \"SELECT client AS customer_id, 'I' || client AS invoice_id,"
        ' since AS invoice_date, amount AS revenue, 0 AS cost FROM crm"}\n'
    )
    result = runner.invoke(
        app,
        [
            "import",
            str(source),
            "--mapping",
            str(tmp_path / "mapping.yaml"),
            "--out",
            str(tmp_path / "d"),
        ],
    )
    assert result.exit_code == 0, result.output
    customers = pd.read_parquet(tmp_path / "d" / "customers.parquet")
    assert customers["customer_id"].tolist() == ["00042", "B2"]
    assert customers["acquired_on"].astype(str).tolist() == ["2024-01-05", "2024-02-01"]


def test_with_a_cost_model_the_import_shows_what_run_will_quarantine_and_why(tmp_path):
    (tmp_path / "model.yaml").write_text("resources: {team: {cost: 1, capacity_minutes: 1}}\n")
    sales = SALES + 'C9,3/32/2024,"7,00"\n'
    mapping = (
        "costmodel: model.yaml\ntables:\n"
        + CUSTOMERS.replace("MIN(day)", "MIN(TRY_STRPTIME(day, '%m/%d/%Y'))")
        + LINES.replace(
            "{revenue: {decimal: ','}}",
            "{revenue: {decimal: ','}, invoice_date: {date_format: M/D/YYYY}}",
        )
    )
    result, text = _import(tmp_path, mapping, sales)
    assert result.exit_code == 0, result.output
    # C9's only date is unreadable: its customer row (no acquired_on) and its line go
    assert "customers 3 2 1" in text and "invoice_lines 4 3 1" in text
    assert "(28.57% of rows quarantined)" in text  # 2 of 7 rows
    assert "invoice_lines: 1 row cannot read invoice_date as a date (YYYY-MM-DD)" in text
    assert "customers: 1 row missing required acquired_on" in text


def test_a_source_date_format_that_most_values_fit_names_a_value_that_does_not(tmp_path):
    result, text = _import(
        tmp_path, SOURCES + "tables:\n" + CUSTOMERS + LINES, SALES + 'C9,3/32/2024,"7,00"\n'
    )
    assert result.exit_code == 2
    assert (
        "sources.sales: column 'day' of sales.csv holds values that do not fit date_format "
        "'M/D/YYYY' (e.g. '3/32/2024'), so it is read as text"
    ) in text
