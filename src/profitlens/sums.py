"""Sums over millions of rows that come out the same run after run.

An engine adds up a float column in whatever order its threads hand the rows over, and a
float sum's last bits depend on that order. Over millions of rows, into totals of millions
(a resource's minutes in a month) or thousands of millions (a segment's exposure), those bits
reach the millionths the outputs are written to, and a rerun on the same data writes other
figures. Summed as fixed-point decimals the total is exact, so it is the same in any order, on
DuckDB and on Spark.
"""
from __future__ import annotations

import ibis.expr.types as ir

#: fixed point for exact sums: each value taken to the nearest billionth, 29 digits before
#: the point
EXACT = "decimal(38, 9)"


def exact(column: ir.NumericValue) -> ir.DecimalValue:
    """``column`` in fixed point, to be summed (and its sums summed again) exactly."""
    return column.cast(EXACT)


def exact_sum(column: ir.NumericValue, where: ir.BooleanValue | None = None
              ) -> ir.FloatingScalar:
    """The sum of ``column`` (of the rows where ``where`` holds), added in fixed point: the
    same whatever order the engine adds the rows in. Null when no row is summed.

    Examples
    --------
    >>> import ibis
    >>> t = ibis.memtable({"x": [0.1] * 10 + [1e9]})
    >>> ibis.to_sql(t.aggregate(s=exact_sum(t.x)), dialect="duckdb").count("DECIMAL(38, 9)")
    1
    """
    return exact(column).sum(where=where).cast("float64")
