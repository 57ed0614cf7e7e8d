"""A small generated company and its run, shared by the prospects tests of a session."""

from __future__ import annotations

import pytest

from profitlens.generate.company import generate_company
from profitlens.pipeline.stages import run


@pytest.fixture(scope="session")
def company(tmp_path_factory):
    """3,000 customers over 18 months: enough won prospects (over 200) for the trees."""
    folder = tmp_path_factory.mktemp("prospects") / "data"
    generate_company(folder, customers=3000, months=18, seed=5)
    return folder


@pytest.fixture(scope="session")
def company_run(company, tmp_path_factory):
    out = tmp_path_factory.mktemp("prospects") / "out"
    info = run(company, out, database=False)
    return out, info
