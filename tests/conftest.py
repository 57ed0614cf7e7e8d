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


def pytest_terminal_summary(terminalreporter):
    """Say loudly, at the end of the run, when the dashboard's browser tests could not run
    (here and not in tests/serve: with pytest-xdist only the top conftest reports)."""
    skipped = [
        r
        for r in terminalreporter.stats.get("skipped", [])
        if "BROWSER TESTS SKIPPED" in str(r.longrepr)
    ]
    if skipped:
        reason = str(skipped[0].longrepr[-1]) if isinstance(skipped[0].longrepr, tuple) else ""
        terminalreporter.write_sep("!", f"{len(skipped)} browser tests skipped", red=True)
        terminalreporter.write_line(reason)
