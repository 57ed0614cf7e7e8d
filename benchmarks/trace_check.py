"""Check a run's cost_trace against its P&L over every customer: usage
``python benchmarks/trace_check.py OUT_DIR`` (reads OUT_DIR/profitlens.duckdb).

Prints, over every (customer, period, line) cell of the four activity-costed lines, the largest
difference between the P&L amount and the sum of its trace rows, the cells that differ by a
cent or more, P&L amounts without a trace and trace rows without a P&L row (all should be 0).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

QUERY = """
WITH t AS (SELECT customer_id, period, line, sum(cost) AS s FROM cost_trace GROUP BY ALL),
p AS (UNPIVOT (SELECT customer_id, period, acquisition_cost, sales_cost, service_cost,
                      fulfilment_cost FROM customer_pnl)
      ON acquisition_cost, sales_cost, service_cost, fulfilment_cost
      INTO NAME line VALUE amount)
SELECT count(*) AS cells,
       max(abs(coalesce(t.s, 0) - coalesce(p.amount, 0))) AS largest_difference,
       count(*) FILTER (WHERE abs(coalesce(t.s, 0) - coalesce(p.amount, 0)) >= 0.005)
           AS off_by_a_cent,
       count(*) FILTER (WHERE t.s IS NULL AND p.amount <> 0) AS pnl_without_trace,
       count(*) FILTER (WHERE p.amount IS NULL) AS trace_without_pnl
FROM t FULL JOIN p USING (customer_id, period, line)
"""


def main() -> None:
    began = time.perf_counter()
    con = duckdb.connect(str(Path(sys.argv[1]) / "profitlens.duckdb"), read_only=True)
    row = con.execute(QUERY).fetchone()
    names = (
        "cells",
        "largest_difference",
        "off_by_a_cent",
        "pnl_without_trace",
        "trace_without_pnl",
    )
    for name, value in zip(names, row):
        print(f"{name:>20}: {value}")
    print(f"{'seconds':>20}: {time.perf_counter() - began:.1f}")


if __name__ == "__main__":
    main()
