"""Prospects: a sales pipeline of pursuits, some won (they become customers), some abandoned.

Each prospect has a planted conversion probability (logistic in segment and lead channel). A
pursuit lasts a segment-dependent time from ``created_on``; sales calls, site visits and a
proposal fall inside it. A won pursuit ends on the customer's ``acquired_on`` and names the
customer in ``converted_customer_id``; a lost one is given up at its end (``closed_on``); a
pursuit still running on the as-of date is open (its outcome is planted in truth but not in
the data).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import hyp2f1

from . import config as cfg
from .activities import concat, part
from .customers import profile_columns
from .ids import dates, format_ids

STATUS = ("converted", "lost", "open")
_SEG_LOGIT = np.array([-1.3, -0.8, -0.5])
_CHANNEL_LOGIT = np.array([0.7, -0.6, 0.2, 0.3])  # inbound, outbound, event, partner
VISITS = np.array([2.0, 0.8, 0.2])  # site visits of a won pursuit, by segment
LOST_VISITS = 1.5  # a pursuit that is lost takes 1.5 times as many visits
PURSUIT_SHAPE = 2.0  # Gamma shape of a pursuit's length (see pursuit_length)


def draw_prospects(
    rng: np.random.Generator, n: int, n_customers: int, window: cfg.Window
) -> dict[str, np.ndarray]:
    """Prospects of one chunk; ``status`` 0 converted, 1 lost, 2 open."""
    seg = rng.choice(len(cfg.SEGMENTS), size=n, p=cfg.seg_param("prospect_share"))
    channel = rng.integers(0, len(cfg.PROSPECT_CHANNELS), n)
    created = window.start_day + np.floor(
        rng.random(n) * max(window.as_of_day - 5 - window.start_day, 1)
    ).astype(np.int64)
    q = 1.0 / (1.0 + np.exp(-(_SEG_LOGIT[seg] + _CHANNEL_LOGIT[channel])))
    converts = rng.random(n) < q
    length = pursuit_length(seg, rng.gamma(PURSUIT_SHAPE, 1.0 / PURSUIT_SHAPE, n))
    end = (created + length).astype(np.int64)
    won = converts & (end <= window.as_of_day)
    excess = np.flatnonzero(won)[n_customers:]  # never more wins than customers
    converts[excess], won[excess] = False, False
    status = np.where(won, 0, np.where(end <= window.as_of_day, 1, 2))
    employees = np.maximum(
        1.0, np.round(cfg.seg_param("employees_median")[seg] * rng.lognormal(0.0, 0.7, n))
    )
    return {
        "seg": seg,
        "channel": channel,
        "created_day": created,
        "q": q,
        "converts": converts,
        "end_day": end,
        "status": status,
        "region": rng.integers(0, len(cfg.REGIONS), n),
        "industry": rng.integers(0, len(cfg.INDUSTRIES), n),
        "employees": employees,
        "annual_revenue": np.round(employees * rng.lognormal(np.log(140_000), 0.4, n), -3),
    }


def pursuit_length(seg: np.ndarray, draw: np.ndarray) -> np.ndarray:
    """Days a pursuit lasts: a week plus the segment's mean length times a Gamma draw of
    shape ``PURSUIT_SHAPE`` and mean 1."""
    return 7 + np.round(cfg.seg_param("pursuit_days")[seg] * draw)


def assign_customers(
    rng: np.random.Generator, pros: dict[str, np.ndarray], n_customers: int
) -> dict[str, np.ndarray]:
    """Chunk positions of the customers won from prospects, and their forced columns."""
    won = np.flatnonzero(pros["status"] == 0)
    idx = np.sort(rng.choice(n_customers, size=won.size, replace=False))
    pros["customer"] = np.full(len(pros["seg"]), -1, np.int64)
    pros["customer"][won] = idx
    return {
        "idx": idx,
        "seg": pros["seg"][won],
        "acquired_day": pros["end_day"][won],
        "region": pros["region"][won],
        "industry": pros["industry"][won],
        "employees": pros["employees"][won],
    }


def draw_pursuits(
    rng: np.random.Generator, pros: dict[str, np.ndarray], window: cfg.Window
) -> dict[str, np.ndarray]:
    """Pursuit activities (prospect rows) between ``created_on`` and the pursuit's end.

    Calls (one per ten days) and the closing proposal fall in the part of the pursuit up to
    the as-of date; site visits are spread over the whole pursuit, so an open pursuit's later
    visits are still to come (not in the data; ``prospect_truth.remaining_pursuit_cost``
    counts them).
    """
    n = len(pros["seg"])
    seg = pros["seg"]
    lo = pros["created_day"]
    hi = np.minimum(pros["end_day"] - 1, window.as_of_day)
    span = np.maximum(hi - lo + 1, 1)
    whole = np.maximum(pros["end_day"] - lo, 1)  # the whole pursuit, past the as-of date too
    calls = np.maximum(1, rng.poisson(span / 10.0))
    visits = rng.poisson(VISITS[seg] * np.where(pros["status"] == 1, LOST_VISITS, 1.0))
    proposals = ((seg < 2) & (pros["status"] < 2)).astype(np.int64)
    out = []
    for code, k, ch, days in (
        ("sales_call", calls, 0, span),
        ("site_visit", visits, 4, whole),
        ("proposal", proposals, -1, span),
    ):
        who = np.repeat(np.arange(n), k)
        day = lo[who] + np.floor(rng.random(who.size) * days[who]).astype(np.int64)
        day = (
            np.minimum(day, np.maximum(pros["end_day"][who] - 1, lo[who]))
            if code != "proposal"
            else np.maximum(lo[who], hi[who] - rng.integers(0, 10, who.size))
        )
        seen = day <= window.as_of_day
        out.append(
            part(
                prospect=who[seen],
                code=cfg.ACTIVITY_CODE[code],
                day=day[seen],
                channel=np.full(seen.sum(), ch),
                agent=-(seg[who[seen]] * 10 + 1) - 1,
            )
        )
    return concat(out)


def expected_purchases(horizon_days: float) -> float:
    """E[1 + X(t)]: first purchase plus BG/NBD expected repeat purchases (Fader et al. eq. 9)."""
    r, alpha, a, b = (cfg.POPULATION.r, cfg.POPULATION.alpha, cfg.POPULATION.a, cfg.POPULATION.b)
    t = horizon_days
    z = t / (alpha + t)
    ex = (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    return 1.0 + ex


def segment_margin_24m() -> np.ndarray:
    """Expected gross margin of a new customer's first 24 months, by segment (EUR)."""
    mean_order = cfg.seg_param("order_median") * np.exp(
        (cfg.seg_param("order_sigma") ** 2 + cfg.seg_param("customer_sigma") ** 2) / 2
    )
    margin = cfg.PRODUCT_MIX @ cfg.PRODUCT_MARGIN + cfg.seg_param("margin_shift")
    return expected_purchases(730.0) * mean_order * cfg.SEASONALITY.mean() * margin


def prospects_table(pros: dict[str, np.ndarray], cust_ids: pa.Array, offset: int) -> pa.Table:
    """``prospects`` rows of a chunk."""
    n = len(pros["seg"])
    c = pros["customer"]
    conv = pc.if_else(
        pa.array(c < 0), pa.scalar(None, pa.string()), cust_ids.take(pa.array(np.maximum(c, 0)))
    )
    return pa.table(
        {
            "prospect_id": format_ids("P", offset + 1 + np.arange(n)),
            "created_on": dates(pros["created_day"]),
            **profile_columns(pros, cfg.PROSPECT_CHANNELS),
            "converted_customer_id": conv,
            "closed_on": dates(pros["end_day"], pros["status"] != 1),
        }
    )
