"""Shared fixtures: the contract's worked example and a DuckDB run of any data folder."""
from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A private copy of the worked example (tests may spoil it)."""
    return Path(shutil.copytree(TINY, tmp_path / "tiny", ignore=shutil.ignore_patterns("expected")))


def read_csv(path: Path, key: list[str]) -> dict:
    """Rows of a CSV keyed on ``key``, values as text."""
    with open(path, newline="") as fh:
        return {tuple(r[k] for k in key): r for r in csv.DictReader(fh)}


def assert_tables_agree(expected_dir: Path, actual_dir: Path, tol: float = 0.01) -> None:
    """Every expected row present, no extra rows, every number within ``tol``."""
    keys = {"customer_pnl": ["customer_id", "period"], "customer_summary": ["customer_id"],
            "resource_usage": ["resource", "period"]}
    for name, key in keys.items():
        exp = read_csv(expected_dir / f"{name}.csv", key)
        act = read_csv(actual_dir / f"{name}.csv", key)
        assert set(exp) == set(act), name
        for k, row in exp.items():
            for col, value in row.items():
                if col in key:
                    continue
                assert abs(float(value) - float(act[k][col])) <= tol, (name, k, col)
