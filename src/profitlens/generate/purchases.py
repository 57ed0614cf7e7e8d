"""When customers buy: the BG/NBD process (Fader, Hardie & Lee 2005), simulated exactly.

A customer makes a first purchase on ``acquired_on`` (time 0). While alive, repeat purchases
follow a Poisson process with rate ``lam`` per day; after each repeat purchase the customer drops
out with probability ``p``. So the number of repeat purchases before dropout is K ~ Geometric(p)
and the repeat purchases seen in (0, T] are the first min(N, K) of N ~ Poisson(lam T) events.
Given N, the event times are uniform order statistics on (0, T); the first x of them are drawn
from exponential spacings, T * cumsum(G)[:x] / (sum(G) + R) with R ~ Gamma(N + 1 - x), which
needs x draws per customer instead of N.
"""

from __future__ import annotations

import numpy as np

from . import config as cfg


def simulate_purchases(
    rng: np.random.Generator, cust: dict[str, np.ndarray], window: cfg.Window
) -> dict[str, np.ndarray]:
    """Purchase events of the chunk's customers; adds ``repeat``, ``alive``, ``dropout_day``.

    Returns one entry per purchase (first purchases included), sorted by customer then time:
    ``cust`` (position in the chunk), ``t`` (days since acquisition) and ``day``.
    """
    n = len(cust["lam"])
    horizon = (window.as_of_day + 1 - cust["acquired_day"]).astype(float)
    events = rng.poisson(cust["lam"] * horizon)
    lifetime = rng.geometric(cust["p"])
    repeat = np.minimum(events, lifetime)
    alive = events < lifetime
    owner = np.repeat(np.arange(n), repeat)
    spacing = rng.exponential(1.0, owner.size)
    cum = np.cumsum(spacing)
    first = np.concatenate([[0], np.cumsum(repeat)[:-1]])
    base = np.where(first > 0, cum[np.maximum(first - 1, 0)], 0.0)
    within = cum - np.repeat(base, repeat)
    total = np.zeros(n)
    has = repeat > 0
    total[has] = within[np.cumsum(repeat)[has] - 1]
    rest = np.zeros(n)
    rest[has] = rng.gamma(events[has] + 1 - repeat[has])
    t_repeat = np.repeat(horizon / np.where(has, total + rest, 1.0), repeat) * within
    last_t = np.zeros(n)
    last_t[has] = t_repeat[np.cumsum(repeat)[has] - 1]
    cust["repeat"] = repeat
    cust["alive"] = alive
    cust["dropout_day"] = np.where(alive, -1, cust["acquired_day"] + np.floor(last_t)).astype(
        np.int64
    )
    cust["active_end"] = _active_end(rng, cust, window)
    who = np.concatenate([np.arange(n), owner])
    t = np.concatenate([np.zeros(n), t_repeat])
    order = np.lexsort((t, who))
    who, t = who[order], t[order]
    return {"cust": who, "t": t, "day": cust["acquired_day"][who] + np.floor(t).astype(np.int64)}


def _active_end(
    rng: np.random.Generator, cust: dict[str, np.ndarray], window: cfg.Window
) -> np.ndarray:
    """Last day a customer is served; sets ``ended_day`` for the contractual cohort.

    A customer on contract who dropped out ends it within 60 days (``ended_on`` when that falls
    in the window); others are still served for a few weeks after their last purchase.
    """
    n = len(cust["alive"])
    dropped = ~cust["alive"]
    notice = cust["dropout_day"] + rng.integers(1, 61, n)
    ended = np.where(dropped & cust["contractual"] & (notice <= window.as_of_day), notice, -1)
    cust["ended_day"] = ended
    tail = cust["dropout_day"] + rng.integers(20, 60, n)
    end = np.where(dropped, np.minimum(tail, window.as_of_day), window.as_of_day)
    return np.where(ended >= 0, ended, end).astype(np.int64)
