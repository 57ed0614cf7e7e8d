"""Looking ids up among other ids with Arrow's hash lookup.

On a million text customer ids this is several times faster than pandas' ``map``, ``merge``
or ``isin``, which build a Python object per id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def positions(keys, ids) -> np.ndarray:
    """Position of each of ``keys`` in ``ids`` (unique ids), -1 where absent.

    Both are compared as text; a missing key is found at a missing id, as in pandas' ``isin``.
    """
    return pc.index_in(_text(keys), value_set=_text(ids)).fill_null(-1).to_numpy()


def values_at(values: pd.Series, at: np.ndarray, default: float) -> np.ndarray:
    """``values`` at the :func:`positions` ``at``, as floats; ``default`` where a key was
    absent or its value is null (``keys.map(values).fillna(default)``)."""
    found = np.append(values.to_numpy(dtype=float, na_value=np.nan), default)[at]
    return np.where(np.isnan(found), default, found)


def _text(values) -> pa.Array:
    array = pa.array(values)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())
