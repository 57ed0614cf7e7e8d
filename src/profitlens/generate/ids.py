"""Identifiers and labels as Arrow strings, built without Python loops."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ID_WIDTH = {"C": 7, "P": 7, "INV": 9, "CN": 8, "PAY": 9, "ACT": 10}


def format_ids(prefix: str, numbers: np.ndarray, width: int | None = None) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` (1-based numbers give ``C0000001``)."""
    width = ID_WIDTH.get(prefix, 7) if width is None else width
    digits = pc.utf8_lpad(
        pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string()),
        width=width,
        padding="0",
    )
    return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")


def labels(
    names: tuple[str, ...] | list[str], codes: np.ndarray, mask: np.ndarray | None = None
) -> pa.Array:
    """The label of each code, null where ``mask`` is True."""
    out = pa.DictionaryArray.from_arrays(
        pa.array(np.asarray(codes, dtype=np.int32)), pa.array(list(names), pa.string())
    ).cast(pa.string())
    if mask is not None:
        out = pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), out)
    return out


def dates(days: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Day numbers (days since 1970-01-01) as a date32 array, null where ``mask`` is True."""
    return pa.array(
        np.asarray(days, dtype=np.int32),
        type=pa.int32(),
        mask=None if mask is None else np.asarray(mask, bool),
    ).cast(pa.date32())


def floats(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
    """Float64 array, null where ``mask`` is True."""
    return pa.array(
        np.asarray(values, dtype=np.float64),
        type=pa.float64(),
        mask=None if mask is None else np.asarray(mask, bool),
    )


def cents(values: np.ndarray) -> np.ndarray:
    """Amounts rounded to the cent."""
    return np.round(np.asarray(values, dtype=np.float64), 2)
