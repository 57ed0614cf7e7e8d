"""Sums over millions of rows that come out the same run after run.

An engine adds up a float column in whatever order its threads hand the rows over, and a
float sum's last bits depend on that order. Over millions of rows, into totals of millions
(a resource's minutes in a month) or thousands of millions (a segment's exposure), those bits
reach the millionths the outputs are written to, and a rerun on the same data writes other
figures. Added in fixed point, the values are summed exactly, so the total is the same in any
order, on DuckDB and on Spark.
"""

from __future__ import annotations

import ibis.expr.types as ir

#: fixed point for the sums: 26 digits before the point (staging refuses numbers of 1e15 or
#: more, so 1e11 rows fit), 12 after. Each value is taken to the nearest 1e-12: a sum of 65
#: million values with more decimals (thirds of a minute) can be off by 3e-5 at the very
#: worst, as far as a float sum of them can be.
EXACT = "decimal(38, 12)"


def exact(column: ir.NumericValue) -> ir.DecimalValue:
    """``column`` in fixed point (:data:`EXACT`), to be summed, and its sums summed again,
    in any order with the same result.

    Parameters
    ----------
    column : ibis numeric column
        Values of magnitude below 1e15 (staging quarantines larger numbers).

    Returns
    -------
    ibis decimal column
    """
    return column.cast(EXACT)


def exact_sum(column: ir.NumericValue, where: ir.BooleanValue | None = None) -> ir.FloatingScalar:
    """The sum of ``column``, added in fixed point: the same whatever order the engine adds
    the rows in.

    Parameters
    ----------
    column : ibis numeric column
        As for :func:`exact`.
    where : ibis boolean column, optional
        Sum only the rows where it is true.

    Returns
    -------
    ibis float64 scalar
        Null when no row is summed.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"x": [1e9] + [0.1] * 1000 + [-1e9]})
    >>> float(t.aggregate(s=exact_sum(t.x)).execute()["s"][0])
    100.0
    """
    return exact(column).sum(where=where).cast("float64")
