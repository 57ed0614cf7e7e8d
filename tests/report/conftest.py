"""Fixtures: a copy of the tiny run's output folder (tests/data/report/tiny) per test."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

TINY = Path(__file__).parents[1] / "data" / "report" / "tiny"


@pytest.fixture
def tiny_out(tmp_path: Path) -> Path:
    """A writable copy of the tiny example's outputs (Parquet + CSV + run_info.json)."""
    target = tmp_path / "out"
    shutil.copytree(TINY, target)
    return target


@pytest.fixture(scope="module")
def tiny_html(tmp_path_factory) -> str:
    """The report on the unmodified tiny outputs, rendered once per module."""
    from profitlens.report import write_report

    target = tmp_path_factory.mktemp("tiny") / "out"
    shutil.copytree(TINY, target)
    return write_report(target).read_text("utf-8")


FEATURES = Path(__file__).parents[1] / "data" / "report" / "features"


@pytest.fixture
def features_out(tmp_path: Path) -> Path:
    """The tiny outputs plus the feature tables (trends, credit, lifetime value)."""
    target = tmp_path / "out"
    shutil.copytree(TINY, target)
    for path in FEATURES.iterdir():
        shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="module")
def features_html(tmp_path_factory) -> str:
    """The report on the tiny outputs with the feature tables, rendered once per module."""
    from profitlens.report import write_report

    target = tmp_path_factory.mktemp("features") / "out"
    shutil.copytree(TINY, target)
    for path in FEATURES.iterdir():
        shutil.copy(path, target / path.name)
    return write_report(target).read_text("utf-8")
