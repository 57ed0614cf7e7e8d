"""Invoices and lines: lognormal order values, product mix, seasonality, returns, credit notes.

Each purchase is one invoice dated on the purchase day. Its value is the customer's typical order
(lognormal around the segment median) times a lognormal per-invoice draw, the calendar month's
seasonality and, for a customer that turns unprofitable, a shrinking factor after the turn. The
value is split over 1 + Poisson lines of products with their own margins. A return shows up as a
negative line on the customer's next invoice; a credit note is a separate ``CN`` invoice with one
negative line, issued after a complaint, and is settled by netting (it has no payment rows).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as cfg
from .ids import cents, dates, floats, format_ids, labels


def draw_invoices(
    rng: np.random.Generator,
    purchases: dict[str, np.ndarray],
    cust: dict[str, np.ndarray],
    window: cfg.Window,
) -> dict[str, np.ndarray]:
    """One entry per invoice inside the window, sorted by date then customer."""
    keep = purchases["day"] >= window.start_day
    c, day = purchases["cust"][keep], purchases["day"][keep]
    order = np.lexsort((c, day))
    c, day = c[order], day[order]
    seg = cust["seg"][c]
    value = (
        cust["order_median"][c]
        * rng.lognormal(0.0, cfg.seg_param("order_sigma")[seg])
        * cfg.SEASONALITY[window.calendar_month(day)]
        * _turn_factor(cust, c, day, window)
    )
    return {
        "cust": c,
        "day": day,
        "seg": seg,
        "value": np.maximum(value, 5.0),
        "month": window.month_of(day),
        "due_day": day + cfg.seg_param("terms_days")[seg].astype(np.int64),
    }


def _turn_factor(cust, c, day, window) -> np.ndarray:
    """Order size of a turning customer falls to a quarter over the six months after its turn."""
    turn = cust["turn_month"][c]
    since = window.month_of(day) - turn
    factor = np.clip(1.0 - 0.75 * (since + 1) / 6.0, 0.25, 1.0)
    return np.where((turn >= 0) & (since >= 0), factor, 1.0)


def draw_lines(
    rng: np.random.Generator, inv: dict[str, np.ndarray], cust: dict[str, np.ndarray]
) -> dict[str, np.ndarray]:
    """Invoice lines, including return lines; sets ``inv['total']`` and ``inv['lines']``."""
    n_inv = len(inv["day"])
    n_lines = 1 + rng.poisson(cfg.seg_param("extra_lines")[inv["seg"]])
    owner = np.repeat(np.arange(n_inv), n_lines)
    weight = rng.gamma(2.0, 1.0, owner.size)
    weight /= np.bincount(owner, weight, n_inv)[owner]
    seg = inv["seg"][owner]
    product = _pick(rng, cfg.PRODUCT_MIX[seg])
    margin = np.clip(
        cfg.PRODUCT_MARGIN[product]
        + cfg.seg_param("margin_shift")[seg]
        + rng.normal(0.0, 0.04, owner.size),
        -0.10,
        0.90,
    )
    revenue = np.maximum(cents(inv["value"][owner] * weight), 1.0)
    cost = cents(revenue * (1.0 - margin))
    price = cfg.PRODUCT_PRICE[product] * rng.lognormal(0.0, 0.1, owner.size)
    quantity = np.maximum(1.0, np.round(revenue / price))
    ret = _returns(rng, inv, owner, product, revenue, cost)
    owner = np.concatenate([owner, ret["owner"]])
    order = np.argsort(owner, kind="stable")
    lines = {
        "inv": owner[order],
        "product": np.concatenate([product, ret["product"]])[order],
        "revenue": np.concatenate([revenue, ret["revenue"]])[order],
        "cost": np.concatenate([cost, ret["cost"]])[order],
        "quantity": np.concatenate([quantity, ret["quantity"]])[order],
    }
    counts = np.bincount(lines["inv"], minlength=n_inv)
    starts = np.cumsum(counts) - counts
    lines["line_no"] = np.arange(lines["inv"].size) - starts[lines["inv"]] + 1
    inv["lines"] = counts
    inv["total"] = cents(np.bincount(lines["inv"], lines["revenue"], n_inv))
    inv["returns"] = ret["host"]
    return lines


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row of a probability matrix."""
    return (
        (rng.random(len(probs))[:, None] > np.cumsum(probs, axis=1))
        .sum(axis=1)
        .clip(0, probs.shape[1] - 1)
    )


def _returns(rng, inv, owner, product, revenue, cost) -> dict[str, np.ndarray]:
    """A share of invoices is partly returned; the credit appears on the customer's next invoice."""
    n_inv = len(inv["day"])
    by_cust = np.lexsort((inv["day"], inv["cust"]))
    same = inv["cust"][by_cust][1:] == inv["cust"][by_cust][:-1]
    origin, host = by_cust[:-1][same], by_cust[1:][same]
    pick = rng.random(origin.size) < cfg.RETURN_RATE
    origin, host = origin[pick], host[pick]
    first_line = np.searchsorted(owner, origin)
    host_value = np.bincount(owner, revenue, n_inv)[host]
    amount = cents(
        rng.uniform(0.1, 0.6, origin.size) * np.minimum(inv["value"][origin], 0.8 * host_value)
    )
    ratio = cost[first_line] / revenue[first_line]
    quantity = -np.maximum(1.0, np.round(amount / cfg.PRODUCT_PRICE[product[first_line]]))
    return {
        "owner": host,
        "product": product[first_line],
        "revenue": -amount,
        "cost": -cents(amount * ratio),
        "quantity": quantity,
        "host": host,
    }


def credit_notes(
    rng: np.random.Generator,
    complaint_cust: np.ndarray,
    complaint_day: np.ndarray,
    cust: dict[str, np.ndarray],
    window: cfg.Window,
) -> dict[str, np.ndarray]:
    """Credit notes after complaints: one negative line each, dated a few days later."""
    pick = rng.random(complaint_cust.size) < cfg.CREDIT_NOTE_RATE
    c = complaint_cust[pick]
    day = complaint_day[pick] + rng.integers(1, 11, c.size)
    keep = day <= window.as_of_day
    c, day = c[keep], day[keep]
    amount = cents(rng.uniform(0.05, 0.25, c.size) * cust["order_median"][c])
    order = np.lexsort((c, day))
    return {
        "cust": c[order],
        "day": day[order],
        "revenue": -np.maximum(amount[order], 1.0),
        "month": window.month_of(day[order]),
    }


def lines_table(
    inv: dict[str, np.ndarray],
    lines: dict[str, np.ndarray],
    cn: dict[str, np.ndarray],
    cust_ids: pa.Array,
    cust: dict[str, np.ndarray],
    inv_offset: int,
    cn_offset: int,
) -> pa.Table:
    """``invoice_lines`` rows of a chunk: regular invoices, then credit notes."""
    i = lines["inv"]
    c = inv["cust"][i]
    regular = pa.table(
        {
            "invoice_id": format_ids("INV", inv_offset + 1 + i),
            "line_id": pc.cast(pa.array(lines["line_no"]), pa.string()),
            "customer_id": cust_ids.take(pa.array(c)),
            "invoice_date": dates(inv["day"][i]),
            "due_date": dates(inv["due_day"][i]),
            "product_id": labels(cfg.PRODUCT_IDS, lines["product"]),
            "quantity": floats(lines["quantity"]),
            "revenue": floats(lines["revenue"]),
            "cost": floats(lines["cost"]),
            "sales_rep_id": format_ids("REP", cust["rep"][c] + 1, 2),
            "currency": pa.repeat(pa.scalar(cfg.CURRENCY), i.size),
        }
    )
    k = cn["cust"].size
    notes = pa.table(
        {
            "invoice_id": format_ids("CN", cn_offset + 1 + np.arange(k)),
            "line_id": pa.repeat(pa.scalar("1"), k),
            "customer_id": cust_ids.take(pa.array(cn["cust"])),
            "invoice_date": dates(cn["day"]),
            "due_date": dates(cn["day"]),
            "product_id": pa.nulls(k, pa.string()),
            "quantity": pa.nulls(k, pa.float64()),
            "revenue": floats(cn["revenue"]),
            "cost": floats(np.zeros(k)),
            "sales_rep_id": format_ids("REP", cust["rep"][cn["cust"]] + 1, 2),
            "currency": pa.repeat(pa.scalar(cfg.CURRENCY), k),
        }
    )
    return pa.concat_tables([regular, notes])
