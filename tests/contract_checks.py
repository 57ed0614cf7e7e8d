"""Shared checks of contract outputs: the worked example and table comparison."""

from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"


def read_csv(path: Path, key: list[str]) -> dict:
    """Rows of a CSV keyed on ``key``, values as text."""
    with open(path, newline="") as fh:
        return {tuple(r[k] for k in key): r for r in csv.DictReader(fh)}


def assert_tables_agree(expected_dir: Path, actual_dir: Path, tol: float = 0.01) -> None:
    """Every expected row present, no extra rows, every number within ``tol``."""
    keys = {
        "customer_pnl": ["customer_id", "period"],
        "customer_summary": ["customer_id"],
        "resource_usage": ["resource", "period"],
    }
    for name, key in keys.items():
        exp = read_csv(expected_dir / f"{name}.csv", key)
        act = read_csv(actual_dir / f"{name}.csv", key)
        assert set(exp) == set(act), name
        for k, row in exp.items():
            for col, value in row.items():
                if col in key:
                    continue
                assert abs(float(value) - float(act[k][col])) <= tol, (name, k, col)
