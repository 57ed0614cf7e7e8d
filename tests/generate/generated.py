"""Sizes and a reader shared by the generator's tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

SMALL = dict(customers=200, months=6, seed=11)
MEDIUM = dict(customers=600, months=12, seed=5)


def read(folder: Path, name: str) -> pd.DataFrame:
    """A written table as a DataFrame (Parquet or CSV, whichever is there)."""
    path = folder / f"{name}.parquet"
    if path.exists():
        return pd.read_parquet(path)
    return pd.read_csv(folder / f"{name}.csv")
