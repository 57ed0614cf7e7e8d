"""Small generated companies shared by the generator's tests (generated once per session)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from generated import MEDIUM, read

from profitlens.generate import generate_company


@pytest.fixture(scope="session")
def medium(tmp_path_factory) -> Path:
    """600 customers, 12 months, Parquet, clean."""
    out = tmp_path_factory.mktemp("medium")
    generate_company(out, **MEDIUM)
    return out


@pytest.fixture(scope="session")
def medium_tables(medium) -> dict[str, pd.DataFrame]:
    names = (
        "customers",
        "prospects",
        "invoice_lines",
        "payments",
        "activities",
        "referrals",
        "resource_costs",
    )
    return {name: read(medium, name) for name in names}


@pytest.fixture(scope="session")
def medium_truth(medium) -> dict[str, pd.DataFrame]:
    names = (
        "customer_rates",
        "turning_customers",
        "defaulters",
        "heavy_referrers",
        "high_service_customers",
        "prospect_value",
        "population_parameters",
        "dirty_rows",
    )
    return {name: read(medium / "truth", name) for name in names}
