"""Customers of one chunk: who they are, when they were won, and their hidden behaviour.

A customer is drawn as a set of numpy columns (one entry per customer of the chunk). Columns
that the data shows (segment, acquired_on, ...) sit next to the planted traits that drive the
rest of the generator (purchase rate ``lam``, dropout probability ``p``, payer type, service
propensity, ...); the traits end up in ``truth/`` only.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as cfg
from .ids import dates, floats, format_ids, labels

_ADJ = (
    "Alder",
    "Birch",
    "Cedar",
    "Delta",
    "Elm",
    "Fjord",
    "Granite",
    "Harbor",
    "Iron",
    "Juniper",
    "Kestrel",
    "Linden",
    "Maple",
    "North",
    "Oak",
    "Pine",
    "Quarry",
    "River",
    "Summit",
    "Tern",
)
_NOUN = (
    "Industrial",
    "Bakery",
    "Crafts",
    "Logistics",
    "Foods",
    "Builders",
    "Clinic",
    "Motors",
    "Textiles",
    "Systems",
    "Supplies",
    "Works",
    "Trading",
    "Labs",
    "Farms",
    "Print",
)
_FORM = ("GmbH", "Ltd", "SA", "BV", "AG", "& Co", "Group", "SARL")


def draw_customers(
    rng: np.random.Generator,
    n: int,
    window: cfg.Window,
    forced: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """Customers of one chunk, one entry per customer in every column.

    ``forced`` holds ``idx`` (positions in the chunk) and the columns of won prospects
    (``seg``, ``acquired_day``, ``region``, ``industry``, ``employees``) that replace the drawn
    values there; those customers come through the ``direct_sales`` channel.
    """
    seg = rng.choice(len(cfg.SEGMENTS), size=n, p=cfg.seg_param("share"))
    acquired = _acquisition_days(rng, n, window)
    region = rng.integers(0, len(cfg.REGIONS), n)
    industry = rng.integers(0, len(cfg.INDUSTRIES), n)
    emp_noise = rng.lognormal(0.0, 0.7, n)
    from_prospect = np.zeros(n, bool)
    if forced is not None and len(forced["idx"]):
        idx = forced["idx"]
        seg[idx], acquired[idx] = forced["seg"], forced["acquired_day"]
        region[idx], industry[idx] = forced["region"], forced["industry"]
        from_prospect[idx] = True
    employees = np.maximum(1.0, np.round(cfg.seg_param("employees_median")[seg] * emp_noise))
    if forced is not None and len(forced["idx"]):
        employees[forced["idx"]] = forced["employees"]
    channel = _channels(rng, seg)
    channel[from_prospect] = 0
    pre = acquired < window.start_day
    channel[pre & (channel == 3)] = 1  # referrals are recorded within the window only
    payer = rng.choice(len(cfg.PAYERS), size=n, p=[p[1] for p in cfg.PAYERS])
    high_service = rng.random(n) < cfg.HIGH_SERVICE_SHARE
    service = rng.lognormal(-0.18, 0.6, n) * np.where(high_service, cfg.HIGH_SERVICE_FACTOR, 1.0)
    sizes = cfg.seg_param("order_median")[seg] * rng.lognormal(
        0.0, cfg.seg_param("customer_sigma")[seg]
    )
    return {
        "seg": seg,
        "acquired_day": acquired,
        "channel": channel,
        "region": region,
        "industry": industry,
        "employees": employees,
        "annual_revenue": np.round(employees * rng.lognormal(np.log(140_000), 0.4, n), -3),
        "lam": rng.gamma(cfg.POPULATION.r, 1.0 / cfg.POPULATION.alpha, n),
        "p": rng.beta(cfg.POPULATION.a, cfg.POPULATION.b, n),
        "contractual": rng.random(n) < cfg.seg_param("contractual")[seg],
        "payer": payer,
        "service": service,
        "high_service": high_service,
        "heavy_referrer": rng.random(n) < cfg.HEAVY_REFERRER_SHARE,
        "order_median": sizes,
        "from_prospect": from_prospect,
        "rep": seg * 10 + rng.integers(0, 8, n),
        "name_parts": rng.integers(0, [len(_ADJ), len(_NOUN), len(_FORM)], size=(n, 3)),
    }


def _acquisition_days(rng: np.random.Generator, n: int, window: cfg.Window) -> np.ndarray:
    """A quarter won in the year before the window, the rest at a rising pace through it."""
    pre = rng.random(n) < cfg.PRE_WINDOW_SHARE
    span = window.as_of_day - 14 - window.start_day
    in_window = window.start_day + np.floor(span * rng.random(n) ** 0.8)
    before = window.start_day - 1 - np.floor(365 * rng.random(n))
    return np.where(pre, before, in_window).astype(np.int64)


def _channels(rng: np.random.Generator, seg: np.ndarray) -> np.ndarray:
    probs = np.array([s.channels for s in cfg.SEGMENTS])[seg]
    return (rng.random(len(seg))[:, None] > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 3)


def profile_columns(rows: dict[str, np.ndarray], channels) -> dict[str, pa.Array]:
    """The firmographic columns customers and prospects share, from drawn codes."""
    return {
        "segment": labels(cfg.SEGMENT_NAMES, rows["seg"]),
        "industry": labels(cfg.INDUSTRIES, rows["industry"]),
        "region": labels(cfg.REGIONS, rows["region"]),
        "channel": labels(channels, rows["channel"]),
        "employees": floats(rows["employees"]),
        "annual_revenue": floats(rows["annual_revenue"]),
    }


def customers_table(cust: dict[str, np.ndarray], offset: int) -> pa.Table:
    """The ``customers`` rows of a chunk (contract columns, clean)."""
    n = len(cust["seg"])
    parts = cust["name_parts"]
    name = pc.binary_join_element_wise(
        labels(_ADJ, parts[:, 0]), labels(_NOUN, parts[:, 1]), labels(_FORM, parts[:, 2]), " "
    )
    ended = cust["ended_day"]
    return pa.table(
        {
            "customer_id": format_ids("C", offset + np.arange(1, n + 1)),
            "name": name,
            **profile_columns(cust, cfg.CHANNELS),
            "acquired_on": dates(cust["acquired_day"]),
            "ended_on": dates(np.where(ended < 0, 0, ended), mask=ended < 0),
        }
    )
