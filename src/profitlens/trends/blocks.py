"""Row blocks for the per-customer numpy statistics.

The statistics of :mod:`profitlens.trends.status` and :mod:`profitlens.trends.forecast` treat
each customer's row on its own. Done on a million rows at once, every step writes temporaries
of hundreds of megabytes and runs at the speed of main memory; done on blocks of
``BLOCK_ROWS`` rows, the temporaries stay in the CPU caches, which at a million customers makes
the statistics several times faster with the same results. 8,192 rows keep the dozen vectors
of the forecast's smoothing loop (64 KiB each) within a core's 2 MiB L2 cache, with room for a
second thread's; 16,384 made the forecast about 15% slower at 1M customers (benchmarks/RESULTS.md,
session 13).
"""

from __future__ import annotations

BLOCK_ROWS = 8_192


def row_blocks(n_rows: int, size: int = BLOCK_ROWS) -> list[slice]:
    """Consecutive slices of at most ``size`` rows covering ``n_rows`` rows (one when empty)."""
    return [slice(lo, lo + size) for lo in range(0, n_rows, size)] or [slice(0, 0)]


__all__ = ["BLOCK_ROWS", "row_blocks"]
