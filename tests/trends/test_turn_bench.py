"""The acceptance targets of turn detection on a small fixed-seed bench of series families.

The full bench, with figures per family and noise level, is ``benchmarks/turn_bench.py``.
"""

from __future__ import annotations

import numpy as np
import pytest
from turn_families import FAMILIES, make_bench, scores

from profitlens.trends.status import TURNED, profit_status


@pytest.fixture(scope="module")
def figures():
    bench = make_bench(60, seed=2027)
    res = profit_status(bench.Y)
    flagged = res.status == TURNED
    return (
        scores(bench, flagged, res.turn_idx, res.turn_low, res.turn_high, by=("family",)),
        scores(bench, flagged, res.turn_idx, res.turn_low, res.turn_high, by=("noise",)),
    )


@pytest.mark.parametrize("family", [f for f in FAMILIES if f != "always_loss"])
def test_precision_recall_and_turn_period_in_every_family(figures, family):
    row = figures[0].loc[family]
    assert row.turns >= 60
    assert row.precision >= 0.9
    assert row.recall >= 0.8
    assert row.within_1 >= 0.8


def test_false_alarms_on_series_without_a_turn(figures):
    assert (figures[0].false_alarms <= 0.02).all()
    assert figures[0].loc["always_loss", "flagged"] == 0


def test_every_noise_level(figures):
    by_noise = figures[1]
    assert (by_noise.precision >= 0.9).all() and (by_noise.recall >= 0.8).all()
    assert (by_noise.false_alarms <= 0.02).all() and (by_noise.within_1 >= 0.8).all()


def test_the_bench_truth_is_what_it_says():
    bench = make_bench(20, seed=1, families=("step",), noise_levels=(0.1,), lengths=(24,))
    rows = np.flatnonzero(bench.turn)
    assert len(rows) and (bench.turn_idx[~bench.turn] == -1).all()
    for i in rows:
        y, c = bench.Y[i], bench.turn_idx[i]
        # noise is 0.1 of the smaller level: every period before the turn earns, every one
        # from it loses
        assert (y[12:c] > 0).all() and (y[c:] < 0).all() and 2 <= 36 - c <= 12
