"""A bench of profit series with known turns, made here and not by ``profitlens generate``.

Each family draws series with and without a turn into losses (about half each; always-loss has
none). Per series: a pre-turn profit level ``P`` (log-uniform, 10 to 100,000 a period: nothing
may depend on the currency's scale), a loss level ``L`` after the turn (uniform 0.2 to 2 times
``P``: the size of the loss next to the earlier profit must not matter) or, without a turn, a
lower profit of 0.2 to 0.6 times ``P``, and Gaussian noise of standard deviation
``noise × min(P, |level after the change|)``: at the highest noise level, 0.5, the level after
the change is two standard deviations from zero. A series counts as turning only when it made
money, in total, before its turn: a lumpy buyer may happen to order nothing before it. The true turn is the first period whose *expected*
profit is negative. Turns are placed so that 2 to 12 periods lose money; the last period is the
as-of period.

Families: ``step`` (a level drop), ``linear`` and ``exponential`` (gradual declines that cross
zero or level off above it), ``service`` (revenue falls while the cost to serve rises), ``blips``
(single bad periods, anywhere, between good ones), ``always_loss``, ``lumpy`` (orders in some
months only, account costs every month), ``seasonal`` (a yearly swing) and ``short`` (6 to 11
periods of history).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FAMILIES = (
    "step",
    "linear",
    "exponential",
    "service",
    "blips",
    "always_loss",
    "lumpy",
    "seasonal",
    "short",
)
NOISE_LEVELS = (0.1, 0.25, 0.5)
LENGTHS = (12, 24, 36)


@dataclass
class Bench:
    """Series right-aligned in ``Y`` (NaN before their first period) and their truth."""

    Y: np.ndarray
    family: np.ndarray
    noise: np.ndarray
    length: np.ndarray
    turn: np.ndarray  # the series turns into losses
    turn_idx: np.ndarray  # column of the first expected loss, -1 without a turn


def _turn_column(rng, n, size):
    """Column of the turn: 2 to 12 losing periods, at least 4 periods before it."""
    losing = rng.integers(2, np.minimum(12, n - 4) + 1, size)
    return n - losing


def _levels(rng, family, n, size):
    """Expected profit (size × n), whether it turns, P and the size of the level after the
    change (L after a turn, else the lower profit it settles at)."""
    P = 10 ** rng.uniform(1, 5, size)
    L = P * rng.uniform(0.2, 2.0, size)
    turn = rng.random(size) < 0.5
    t = np.arange(n)[None, :].astype(float)
    c = _turn_column(rng, n, size)[:, None]
    calm = P if family == "seasonal" else P * rng.uniform(0.2, 0.6, size)
    floor = np.where(turn, -L, calm)[:, None]
    Pc = P[:, None]
    if family in ("step", "blips", "short", "seasonal"):
        mu = np.where(t < c, Pc, floor)
    elif family == "linear":
        span = rng.integers(2, 8, size)[:, None]
        # crosses zero between c - 1 and c for turns; levels off at the floor
        mu = np.maximum(
            Pc - Pc * (t - (c - span)) / (span - rng.uniform(0.05, 0.95, (size, 1))), floor
        )
        mu = np.where(t < c - span, Pc, mu)
    elif family == "exponential":
        tau = rng.uniform(1.0, 4.0, size)[:, None]
        to_zero = tau * np.log((Pc - floor) / np.abs(floor))  # periods from start to zero
        start = c - to_zero + np.where(turn[:, None], -rng.uniform(0.05, 0.95, (size, 1)), 0)
        mu = np.where(t < start, Pc, floor + (Pc - floor) * np.exp(-(t - start) / tau))
    elif family == "service":
        span = rng.integers(3, 10, size)[:, None]
        ramp = np.clip((t - (c - span + 1)) / span, 0, None)
        margin = Pc * rng.uniform(1.5, 4.0, size)[:, None]  # gross margin before
        fall = rng.uniform(0.1, 0.5, size)[:, None]  # revenue falls by this share
        serve0 = margin - Pc
        # the service cost rises so that expected profit reaches the floor at ramp = 1
        rise = (margin * (1 - fall) - floor - serve0) / serve0
        mu = np.maximum(
            margin * (1 - fall * np.minimum(ramp, 1)) - serve0 * (1 + rise * ramp),
            np.minimum(floor, margin * (1 - fall) - serve0 * (1 + rise)),
        )
    elif family == "always_loss":
        turn[:] = False
        floor = -L[:, None]
        mu = np.broadcast_to(
            -L[:, None] * (1 + rng.uniform(-0.5, 0.5, (size, 1)) * t / n), (size, n)
        ).copy()
    else:
        raise ValueError(family)
    if family == "seasonal":
        amplitude = Pc * rng.uniform(0.2, 0.8, (size, 1))
        mu = mu + np.where(t < c, amplitude, np.minimum(amplitude, L[:, None] * 0.5)) * np.sin(
            2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi, (size, 1))
        )
    return mu, turn, P, np.abs(floor[:, 0])


def _lumpy(rng, n, size, noise):
    """Orders in a share p of the months; after a turn, orders stop and the account costs more."""
    p = rng.uniform(0.3, 0.6, size)[:, None]
    cost = 10 ** rng.uniform(1, 4, size)[:, None]
    order = cost / p * rng.uniform(2.0, 4.0, size)[:, None]  # mean profit (order p - 1) cost
    sd = order * np.sqrt(p * (1 - p))  # month-to-month spread of orders
    turn = rng.random(size) < 0.5
    c = _turn_column(rng, n, size)[:, None]
    t = np.arange(n)[None, :]
    after = turn[:, None] & (t >= c)
    loss = sd * rng.uniform(1.0, 2.5, (size, 1))  # loss a month after the turn
    orders = rng.random((size, n)) < p
    Y = np.where(after, -loss, orders * order - cost)
    Y = Y + rng.normal(0, 1, (size, n)) * noise * cost
    turn = turn & ((Y * (t < c)).sum(axis=1) > 0)  # it made money before (in total)
    return Y, turn, np.where(turn, c[:, 0], -1)


def make_bench(
    size: int,
    seed: int,
    families=FAMILIES,
    noise_levels=NOISE_LEVELS,
    lengths=LENGTHS,
    width: int = 36,
) -> Bench:
    """``size`` series per family, noise level and length (``short``: lengths 6 to 11)."""
    rng = np.random.default_rng(seed)
    parts = []
    for family in families:
        for noise in noise_levels:
            for n in tuple(range(6, 12)) if family == "short" else lengths:
                parts.append(
                    _family(
                        rng,
                        family,
                        noise,
                        n,
                        size if family != "short" else max(size * len(lengths) // 6, 1),
                        width,
                    )
                )
    return Bench(*(np.concatenate([p[i] for p in parts]) for i in range(6)))


def _family(rng, family, noise, n, size, width):
    if family == "lumpy":
        Y, turn, turn_idx = _lumpy(rng, n, size, noise)
    else:
        mu, turn, P, level = _levels(rng, family, n, size)
        Y = mu + rng.normal(0, 1, (size, n)) * (noise * np.minimum(P, level))[:, None]
        if family == "blips":
            Y = _add_blips(rng, Y, mu, P, turn)
        negative = mu < 0
        turn_idx = np.where(turn, np.argmax(negative, axis=1), -1)
    out = np.full((size, width), np.nan)
    out[:, width - n :] = Y
    turn_idx = np.where(turn_idx >= 0, turn_idx + width - n, -1)
    return (
        out,
        np.full(size, family, dtype=object),
        np.full(size, noise),
        np.full(size, n),
        turn,
        turn_idx,
    )


def _add_blips(rng, Y, mu, P, turn):
    """One or two one-period losses of 1 to 10 × P, apart and before any turn (the last
    period included when there is no turn)."""
    size, n = Y.shape
    for row in range(size):
        good = np.flatnonzero(mu[row] > 0)
        last = good[-1] - 1 if turn[row] else n - 1
        spots = np.arange(last - rng.integers(0, 3), 0, -3)
        spots = rng.choice(spots, size=min(rng.integers(1, 3), len(spots)), replace=False)
        Y[row, spots] = -P[row] * rng.uniform(1, 10, len(spots))
    return Y


def scores(
    bench: Bench,
    flagged: np.ndarray,
    turn_idx: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    by=("family", "noise"),
):
    """Detection figures per group of ``by`` (a pandas DataFrame, one row per group;
    ``("bench",)`` for the whole bench).

    ``precision``: flagged series that turn / flagged series; ``recall``: flagged / turns at
    least 2 periods before the as-of period; ``false_alarms``: flagged / series without a turn;
    ``within_1``: share of the flagged turns whose ``turn_idx`` is within one period of the
    truth; ``in_range``: share whose truth lies in ``[low, high]``.
    """
    import pandas as pd

    width = bench.Y.shape[1]
    eligible = bench.turn & (width - 1 - bench.turn_idx >= 2)
    hit = flagged & bench.turn
    frame = pd.DataFrame(
        {
            "bench": "all",
            "family": bench.family,
            "noise": bench.noise,
            "length": bench.length,
            "series": 1,
            "turns": eligible,
            "flagged": flagged,
            "hit": hit,
            "found": flagged & eligible,
            "no_turn": ~bench.turn,
            "false": flagged & ~bench.turn,
            "within_1": hit & (np.abs(turn_idx - bench.turn_idx) <= 1),
            "in_range": hit & (low <= bench.turn_idx) & (bench.turn_idx <= high),
        }
    )
    g = frame.groupby(list(by)).sum(numeric_only=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "series": g.series,
                "turns": g.turns,
                "flagged": g.flagged,
                "precision": g.hit / g.flagged,
                "recall": g.found / g.turns,
                "false_alarms": g["false"] / g.no_turn,
                "within_1": g.within_1 / g.hit,
                "in_range": g.in_range / g.hit,
            }
        )


__all__ = ["FAMILIES", "NOISE_LEVELS", "LENGTHS", "Bench", "make_bench", "scores"]
