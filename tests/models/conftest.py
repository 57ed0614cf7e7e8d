"""CDNOW calibration summary (independent pandas reference) for the model tests."""

from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).parents[1] / "data" / "cdnow"


@pytest.fixture(scope="session")
def cdnow() -> pd.DataFrame:
    """2,357 CDNOW customers: x, t_x, T (weeks, 39-week calibration), m_x, x_star."""
    return pd.read_csv(DATA / "calibration_summary_39w.csv", dtype={"customer_id": str})
