"""Exact sums: the same total whatever order the rows are added in."""

from __future__ import annotations

import ibis

from profitlens.intermediate.sums import exact_sum


def test_an_exact_sum_does_not_depend_on_the_order_of_the_rows():
    small = [0.1] * 1000
    orders = ([1e9, *small, -1e9], [*small, 1e9, -1e9], [1e9, -1e9, *small])
    totals = []
    for values in orders:
        t = ibis.memtable({"x": values, "keep": [True] * len(values)})
        totals.append(
            t.aggregate(
                s=exact_sum(t.x), w=exact_sum(t.x, where=t.keep), none=exact_sum(t.x, where=~t.keep)
            ).execute()
        )
    # added as floats in the first order: 100.00002384185791
    assert [f["s"][0] for f in totals] == [100.0] * 3
    assert [f["w"][0] for f in totals] == [100.0] * 3
    assert all(f["none"].isna()[0] for f in totals)
