"""Source files of every kind, and the cost model a mapping brings along."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from profitlens.errors import MappingError
from profitlens.importer import import_data

MAPPING = """
tables:
  customers: {sql: 'SELECT DISTINCT client AS customer_id, day AS acquired_on FROM sales'}
  invoice_lines:
    sql: SELECT 'I' || client AS invoice_id, client AS customer_id, day AS invoice_date,
                amount AS revenue, amount / 2 AS cost FROM sales
"""
FRAME = pd.DataFrame(
    {"client": ["00042", "B2"], "day": ["2024-01-05", "2024-02-01"], "amount": [10.5, 20.0]}
)


def _write(folder: Path, kind: str) -> None:
    folder.mkdir()
    if kind == "csv":
        FRAME.to_csv(folder / "sales.csv", index=False)
    elif kind == "parquet":
        FRAME.to_parquet(folder / "sales.parquet")
    elif kind == "json":
        FRAME.to_json(folder / "sales.json", orient="records")
    elif kind == "jsonl":
        FRAME.to_json(folder / "sales.jsonl", orient="records", lines=True)


@pytest.mark.parametrize("kind", ["csv", "parquet", "json", "jsonl"])
def test_every_kind_of_file_gives_the_same_tables(tmp_path, kind):
    _write(tmp_path / "src", kind)
    (tmp_path / "m.yaml").write_text(MAPPING)
    result = import_data(tmp_path / "src", tmp_path / "m.yaml", tmp_path / "data")
    assert result.rows == {"customers": 2, "invoice_lines": 2}
    lines = pd.read_parquet(tmp_path / "data" / "invoice_lines.parquet")
    assert lines["customer_id"].tolist() == ["00042", "B2"]  # identifiers stay text
    assert lines["cost"].tolist() == [5.25, 10.0]
    assert pd.to_datetime(lines["invoice_date"]).dt.strftime("%Y-%m-%d").tolist() == [
        "2024-01-05",
        "2024-02-01",
    ]


def test_two_files_of_one_name_are_refused(tmp_path):
    _write(tmp_path / "src", "csv")
    FRAME.to_parquet(tmp_path / "src" / "sales.parquet")
    (tmp_path / "m.yaml").write_text(MAPPING)
    with pytest.raises(MappingError, match="both sales.csv and sales.parquet"):
        import_data(tmp_path / "src", tmp_path / "m.yaml", tmp_path / "data")


def test_the_mappings_cost_model_is_copied_but_never_replaces_one(tmp_path):
    _write(tmp_path / "src", "csv")
    (tmp_path / "m.yaml").write_text("costmodel: model.yaml\n" + MAPPING)
    (tmp_path / "model.yaml").write_text("resources: {team: {cost: 1, capacity_minutes: 1}}\n")
    data = tmp_path / "data"
    assert import_data(tmp_path / "src", tmp_path / "m.yaml", data).costmodel == "copied"
    assert import_data(tmp_path / "src", tmp_path / "m.yaml", data).costmodel == "kept"
    (data / "costmodel.yaml").write_text("# edited\n" + (tmp_path / "model.yaml").read_text())
    assert import_data(tmp_path / "src", tmp_path / "m.yaml", data).costmodel == "kept, differs"
    assert (data / "costmodel.yaml").read_text().startswith("# edited")


def test_an_import_replaces_the_contract_tables_and_keeps_other_files(tmp_path):
    _write(tmp_path / "src", "csv")
    (tmp_path / "m.yaml").write_text(MAPPING)
    data = tmp_path / "data"
    data.mkdir()
    (data / "customers.csv").write_text("customer_id,acquired_on\nOLD,2020-01-01\n")
    (data / "payments.csv").write_text("payment_id,invoice_id,paid_on,amount\n")
    (data / "notes.txt").write_text("mine")
    import_data(tmp_path / "src", tmp_path / "m.yaml", data)
    assert sorted(p.name for p in data.iterdir()) == [
        "customers.parquet",
        "invoice_lines.parquet",
        "notes.txt",
    ]
