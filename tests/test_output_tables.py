"""Every output of a run against its declaration (profitlens.output_tables): dbt's schema tests.

Key unique and never null, columns and Arrow types as declared, rows in the declared order.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from profitlens.generate import generate_company
from profitlens.output_tables import OUTPUTS
from profitlens.pipeline.stages import run


def problems(table: pa.Table, name: str) -> list[str]:
    """What is wrong with ``table`` against the declaration of ``name`` (empty: nothing)."""
    if name not in OUTPUTS:
        return [f"{name}: written but not declared in profitlens.output_tables"]
    declared = OUTPUTS[name]
    found, out = [], []
    expected = [
        c for c in declared.columns if c in table.column_names or c not in declared.optional
    ]
    if table.column_names != expected:
        out.append(f"{name}: columns {table.column_names}, declared {expected}")
    for field in table.schema:
        kind = declared.columns.get(field.name)
        if kind is not None and str(field.type) != kind and table.num_rows:
            found.append(f"{field.name} is {field.type}, declared {kind}")
    for column in declared.key:
        if table[column].null_count and column not in declared.null_key:
            found.append(f"key column {column} has nulls")
    if declared.key and table.num_rows:
        keys = table.group_by(list(declared.key)).aggregate([([], "count_all")])
        if keys.num_rows != table.num_rows:
            found.append(f"key {declared.key} repeats ({table.num_rows - keys.num_rows} rows)")
    if declared.order and table.num_rows:
        order = pc.sort_indices(
            table.select(list(declared.order)),
            sort_keys=[(c, "ascending", "at_end") for c in declared.order],
        )
        if not pc.all(pc.equal(order, pa.array(range(table.num_rows), pa.uint64()))).as_py():
            found.append(f"rows not in the declared order {declared.order}")
    return out + [f"{name}: {p}" for p in found]


def test_problems_are_found():
    good = pa.table(
        {
            "customer_id": ["A", "B"],
            "period": ["2026-01", "2026-01"],
            **{c: [1.0, 2.0] for c in list(OUTPUTS["customer_pnl"].columns)[2:]},
        }
    )
    assert problems(good, "customer_pnl") == []
    repeated = good.set_column(0, "customer_id", pa.array(["A", "A"]))
    assert problems(repeated, "customer_pnl") == [
        "customer_pnl: key ('customer_id', 'period') repeats (1 rows)"
    ]
    unordered = good.take([1, 0])
    assert problems(unordered, "customer_pnl") == [
        "customer_pnl: rows not in the declared order ('customer_id', 'period')"
    ]
    assert "profit is int64" in " ".join(
        problems(good.set_column(12, "profit", pa.array([1, 2])), "customer_pnl")
    )
    assert problems(good, "no_such_output") == [
        "no_such_output: written but not declared in profitlens.output_tables"
    ]


@pytest.fixture(scope="module")
def company_outputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("company")
    generate_company(folder / "data", customers=400, months=18, seed=3)
    run(folder / "data", folder / "out", database=False)
    return folder / "out"


def _check(out):
    written = sorted(p.stem for p in out.glob("*.parquet"))
    assert written, "no outputs"
    found = [p for name in written for p in problems(pq.read_table(out / f"{name}.parquet"), name)]
    assert found == []
    return written


def test_every_output_of_a_generated_company_is_as_declared(company_outputs):
    assert len(_check(company_outputs)) >= 13


def test_every_output_of_the_worked_example_is_as_declared(tiny, tmp_path):
    import datetime as dt

    run(tiny, tmp_path / "out", as_of=dt.date(2026, 3, 31), database=False)
    _check(tmp_path / "out")
