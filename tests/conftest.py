"""Shared fixtures: a private copy of the contract's worked example."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from contract_checks import TINY

# Rich fixes a console's width when it is created if COLUMNS is set then, and the CLI's consoles
# are created when profitlens.cli is imported; pytest-xdist workers start with COLUMNS=80, so
# the tests' CliRunner(env={"COLUMNS": ...}) would not widen them.
os.environ.pop("COLUMNS", None)


@pytest.fixture
def tiny(tmp_path) -> Path:
    """A private copy of the worked example (tests may spoil it)."""
    return Path(shutil.copytree(TINY, tmp_path / "tiny", ignore=shutil.ignore_patterns("expected")))
