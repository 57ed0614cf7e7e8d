"""Activities: sales effort before the win and after it, service contacts, returns handling.

Rows are drawn per customer and active month (Poisson counts scaled by the share of the month the
customer was served), per invoice (complaints) or per event (returns, collection calls, pursuits).
Service demand depends on the customer's service propensity, not on how much it buys, which is
what makes small, demanding customers lose money. Call-center contacts differ by channel: phone
calls carry their measured minutes, e-mail and chat contacts carry a message count (quantity)
and take the time equation's minutes.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as cfg
from .ids import dates, floats, format_ids, labels
from .planted import expected_monthly_margin

CHANNELS = ("phone", "email", "chat", "portal", "visit")
_A = cfg.ACTIVITY_CODE
_SALES_CHANNEL = {"sales_call": 0, "site_visit": 4, "proposal": -1, "account_review": -1}


def part(
    cust=None, prospect=None, *, code, day, minutes=None, quantity=None, channel=None, agent=None
) -> dict[str, np.ndarray]:
    """Activity rows as columns; ``cust``/``prospect`` are chunk positions (-1 = none).

    ``agent`` > 0 is support agent AGTnn, < 0 sales rep REPnn (nn = -agent), 0 nobody.
    """
    n = len(day)
    none = np.full(n, -1, np.int64)
    return {
        "cust": none if cust is None else np.asarray(cust, np.int64),
        "prospect": none if prospect is None else np.asarray(prospect, np.int64),
        "code": np.broadcast_to(np.asarray(code, np.int64), (n,)).copy(),
        "day": np.asarray(day, np.int64),
        "minutes": np.full(n, np.nan) if minutes is None else np.asarray(minutes, float),
        "quantity": np.full(n, np.nan) if quantity is None else np.asarray(quantity, float),
        "channel": none if channel is None else np.asarray(channel, np.int64),
        "agent": np.zeros(n, np.int64) if agent is None else np.asarray(agent, np.int64),
    }


def concat(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def customer_months(cust: dict[str, np.ndarray], window: cfg.Window) -> dict[str, np.ndarray]:
    """One entry per customer and window month in which it was served."""
    first = np.maximum(cust["acquired_day"], window.start_day)
    last = cust["active_end"]
    m0, m1 = window.month_of(first), window.month_of(last)
    count = np.where(last >= first, m1 - m0 + 1, 0)
    c = np.repeat(np.arange(len(first)), count)
    month = m0[c] + np.arange(c.size) - np.repeat(np.cumsum(count) - count, count)
    lo = np.maximum(window.month_starts[month], first[c])
    hi = np.minimum(window.month_starts[month + 1] - 1, last[c])
    frac = (hi - lo + 1) / (window.month_starts[month + 1] - window.month_starts[month])
    return {"cust": c, "month": month, "lo": lo, "hi": hi, "frac": frac}


def _spread(rng, cm, rate) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(rate) events in each customer-month, on uniform days of the served span."""
    k = rng.poisson(rate)
    idx = np.repeat(np.arange(k.size), k)
    day = cm["lo"][idx] + np.floor(rng.random(idx.size) * (cm["hi"] - cm["lo"] + 1)[idx])
    return cm["cust"][idx], day.astype(np.int64)


def draw_customer_activities(
    rng: np.random.Generator,
    cust: dict[str, np.ndarray],
    inv: dict[str, np.ndarray],
    window: cfg.Window,
) -> list[dict]:
    """Service and account-management rows for served months, complaints, returns."""
    cm = customer_months(cust, window)
    c, seg, frac = cm["cust"], cust["seg"][cm["cust"]], cm["frac"]
    service = cust["service"][c]
    parts = []
    who, day = _spread(rng, cm, frac * cfg.seg_param("tickets")[seg] * service)
    parts.append(
        part(
            who,
            code=_A["support_ticket"],
            day=day,
            channel=3 - (rng.random(who.size) < 0.4).astype(int),
            agent=rng.integers(1, 31, who.size),
        )
    )
    parts.append(
        _call_center(rng, cust, *_spread(rng, cm, frac * cfg.seg_param("calls")[seg] * service))
    )
    for code, rate in (
        ("sales_call", cfg.seg_param("account_calls")),
        ("account_review", cfg.ACCOUNT_REVIEWS),
        ("site_visit", cfg.seg_param("account_visits")),
    ):
        who, day = _spread(rng, cm, frac * rate[seg])
        parts.append(
            part(
                who,
                code=_A[code],
                day=day,
                channel=np.full(who.size, _SALES_CHANNEL[code]),
                agent=-cust["rep"][who] - 1,
            )
        )
    parts.append(_turning_service(rng, cust, cm, window))
    parts.append(_complaints(rng, cust, inv, window))
    host = inv["returns"]
    parts.append(part(inv["cust"][host], code=_A["return_handling"], day=inv["day"][host]))
    return parts


def _call_center(rng, cust, who, day) -> dict[str, np.ndarray]:
    web = cust["channel"][who] == 2
    u = rng.random(who.size)
    channel = np.where(
        web, np.select([u < 0.25, u < 0.6], [0, 1], 2), np.select([u < 0.6, u < 0.9], [0, 1], 2)
    )
    minutes = np.where(channel == 0, np.round(rng.lognormal(np.log(9.0), 0.5, who.size), 1), np.nan)
    quantity = np.where(
        channel == 1,
        1 + rng.poisson(1.0, who.size),
        np.where(channel == 2, 2 + rng.poisson(3.0, who.size), np.nan),
    )
    return part(
        who,
        code=_A["call_center"],
        day=day,
        minutes=minutes,
        quantity=quantity,
        channel=channel,
        agent=rng.integers(1, 31, who.size),
    )


def _turning_service(rng, cust, cm, window) -> dict[str, np.ndarray]:
    """After its turn a turning customer escalates: long tickets costing more than its margin."""
    turn = cust["turn_month"][cm["cust"]]
    since = cm["month"] - turn
    post = (turn >= 0) & (since >= 0)
    c = cm["cust"][post]
    ramp = np.minimum(1.0, (since[post] + 1) / 3.0)
    target = ramp * (1.3 * expected_monthly_margin(cust, c) + 40.0) / cfg.SUPPORT_RATE
    k = 2 + rng.poisson(3.0, c.size)
    idx = np.repeat(np.arange(c.size), k)
    lo, hi = cm["lo"][post][idx], cm["hi"][post][idx]
    day = lo + np.floor(rng.random(idx.size) * (hi - lo + 1)).astype(np.int64)
    minutes = np.maximum(10.0, np.round(target[idx] / k[idx], 1))
    return part(
        c[idx],
        code=_A["support_ticket"],
        day=day,
        minutes=minutes,
        channel=np.zeros(idx.size),
        agent=rng.integers(1, 31, idx.size),
    )


def _complaints(rng, cust, inv, window) -> dict[str, np.ndarray]:
    c = inv["cust"]
    chance = cfg.seg_param("complaint_per_invoice")[inv["seg"]] * cust["service"][c]
    chance = chance * np.where(cust["turn_month"][c] >= 0, 3.0, 1.0)
    pick = rng.random(c.size) < np.minimum(chance, 0.9)
    day = inv["day"][pick] + rng.integers(2, 21, pick.sum())
    keep = day <= np.minimum(window.as_of_day, cust["active_end"][c[pick]])
    who, day = c[pick][keep], day[keep]
    minutes = np.where(
        rng.random(who.size) < 0.5, np.round(rng.lognormal(np.log(50.0), 0.4, who.size), 1), np.nan
    )
    return part(
        who,
        code=_A["complaint"],
        day=day,
        minutes=minutes,
        channel=np.zeros(who.size),
        agent=rng.integers(1, 31, who.size),
    )


def draw_acquisition(
    rng: np.random.Generator, cust: dict[str, np.ndarray], window: cfg.Window
) -> dict[str, np.ndarray]:
    """Sales effort in the 90 days before a direct or partner win (not via a prospect)."""
    seg = cust["seg"]
    direct = (cust["channel"] == 0) & ~cust["from_prospect"]
    partner = cust["channel"] == 1
    calls = np.where(
        direct,
        np.maximum(1, rng.poisson(cfg.seg_param("acq_calls")[seg])),
        np.where(partner, rng.poisson(0.5, seg.size), 0),
    )
    visits = np.where(direct, rng.poisson(cfg.seg_param("acq_visits")[seg]), 0)
    proposals = np.where(direct & (seg == 0), 1, 0)
    out = []
    for code, k in (("sales_call", calls), ("site_visit", visits), ("proposal", proposals)):
        who = np.repeat(np.arange(seg.size), k)
        day = cust["acquired_day"][who] - rng.integers(1, 91, who.size)
        keep = day >= window.start_day
        out.append(
            part(
                who[keep],
                code=_A[code],
                day=day[keep],
                channel=np.full(keep.sum(), _SALES_CHANNEL[code]),
                agent=-cust["rep"][who[keep]] - 1,
            )
        )
    return concat(out)


def row_minutes(acts: dict[str, np.ndarray]) -> np.ndarray:
    """Minutes of each row by the contract's rule (explicit minutes, else the time equation)."""
    code = acts["code"]
    default = cfg.ACTIVITY_MINUTES[code] + cfg.ACTIVITY_PER_UNIT[code] * np.where(
        np.isnan(acts["quantity"]), 0.0, acts["quantity"]
    )
    return np.where(np.isnan(acts["minutes"]), default, acts["minutes"])


def activities_table(
    acts: dict[str, np.ndarray], cust_ids: pa.Array, prospect_ids: pa.Array, offset: int
) -> pa.Table:
    """``activities`` rows, in the (date-sorted) order of ``acts``."""
    n = acts["day"].size
    c, p, agent = acts["cust"], acts["prospect"], acts["agent"]
    rep = format_ids("REP", np.maximum(-agent, 1), 2)  # agent < 0: sales rep -agent
    emp = pc.if_else(pa.array(agent < 0), rep, format_ids("AGT", np.maximum(agent, 1), 2))
    emp = pc.if_else(pa.array(agent == 0), pa.scalar(None, pa.string()), emp)
    none = pa.scalar(None, pa.string())
    return pa.table(
        {
            "activity_id": format_ids("ACT", offset + 1 + np.arange(n)),
            "activity": labels(cfg.ACTIVITY_NAMES, acts["code"]),
            "occurred_on": dates(acts["day"]),
            "customer_id": pc.if_else(
                pa.array(c < 0), none, cust_ids.take(pa.array(np.maximum(c, 0)))
            ),
            "prospect_id": pc.if_else(
                pa.array(p < 0), none, prospect_ids.take(pa.array(np.maximum(p, 0)))
            )
            if len(prospect_ids)
            else pa.nulls(n, pa.string()),
            "minutes": floats(acts["minutes"], np.isnan(acts["minutes"])),
            "quantity": floats(acts["quantity"], np.isnan(acts["quantity"])),
            "employee_id": emp,
            "channel": labels(CHANNELS, np.maximum(acts["channel"], 0), acts["channel"] < 0),
        }
    )
