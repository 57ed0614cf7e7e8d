"""The importer's docstring examples run and say what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["mapping", "parsing", "sources", "run", "init"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(f"profitlens.importer.{name}")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
