"""Shared fixtures: a private copy of the contract's worked example."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from contract_checks import TINY


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A private copy of the worked example (tests may spoil it)."""
    return Path(shutil.copytree(TINY, tmp_path / "tiny", ignore=shutil.ignore_patterns("expected")))
