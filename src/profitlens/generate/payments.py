"""Payments: prompt payers to chronic late payers, split payments, write-offs of defaulters.

Each customer has a payer type (``config.PAYERS``): days after the due date are normal around
the type's mean, plus a customer-level offset. Some invoices are paid in two parts. Invoices of a
defaulter from its first missed one on are never paid and are written off (``kind = write_off``)
on the defaulter's write-off day. Payments after the as-of date are not in the data (the invoice
is still open). Invoices paid more than 30 days late, or never, get collection calls.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from . import config as cfg
from .activities import part
from .ids import cents, dates, floats, format_ids, labels

KINDS = ("payment", "write_off")


def draw_payments(
    rng: np.random.Generator,
    inv: dict[str, np.ndarray],
    cust: dict[str, np.ndarray],
    window: cfg.Window,
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Payment rows (sorted by date) and the collection-call activity rows they cause."""
    n_inv, n = len(inv["day"]), len(cust["lam"])
    c = inv["cust"]
    payer = cust["payer"][c]
    mean = np.array([p[2] for p in cfg.PAYERS])[payer]
    sd = np.array([p[3] for p in cfg.PAYERS])[payer]
    offset = rng.normal(0.0, 3.0, n)[c]
    paid = np.maximum(inv["day"], inv["due_day"] + np.round(rng.normal(mean, sd) + offset)).astype(
        np.int64
    )
    split = rng.random(n_inv) < np.array([p[4] for p in cfg.PAYERS])[payer]
    first_share = np.where(split, rng.uniform(0.3, 0.8, n_inv), 1.0)
    first = cents(inv["total"] * first_share)
    second_day = paid + rng.integers(15, 61, n_inv)
    ok = ~inv["defaulted"]
    parts = [
        (np.flatnonzero(ok), paid[ok], first[ok], 0),
        (
            np.flatnonzero(ok & split),
            second_day[ok & split],
            cents(inv["total"] - first)[ok & split],
            0,
        ),
        (np.flatnonzero(~ok), cust["write_off_day"][c[~ok]], inv["total"][~ok], 1),
    ]
    idx = np.concatenate([p[0] for p in parts])
    day = np.concatenate([p[1] for p in parts]).astype(np.int64)
    amount = np.concatenate([p[2] for p in parts])
    kind = np.concatenate([np.full(p[0].size, p[3]) for p in parts])
    keep = (day <= window.as_of_day) & (amount != 0)
    order = np.lexsort((idx[keep], day[keep]))
    pays = {
        "inv": idx[keep][order],
        "day": day[keep][order],
        "amount": amount[keep][order],
        "kind": kind[keep][order],
    }
    settled = np.where(split, second_day, paid)
    return pays, _collection_calls(rng, inv, cust, settled, window)


def _collection_calls(rng, inv, cust, settled, window) -> dict[str, np.ndarray]:
    """A call 21 days after due when paid over 30 days late; three calls for a default."""
    late = (settled > inv["due_day"] + 30) & ~inv["defaulted"]
    idx = [np.flatnonzero(late)]
    off = [np.full(idx[0].size, 21)]
    for days in (21, 45, 75):
        d = np.flatnonzero(inv["defaulted"])
        idx.append(d)
        off.append(np.full(d.size, days))
    i, off = np.concatenate(idx), np.concatenate(off)
    day = inv["due_day"][i] + off
    limit = np.where(inv["defaulted"][i], cust["write_off_day"][inv["cust"][i]], settled[i])
    keep = (day <= window.as_of_day) & (day < limit)
    return part(
        inv["cust"][i][keep],
        code=cfg.ACTIVITY_CODE["collection_call"],
        day=day[keep],
        channel=np.zeros(keep.sum()),
        agent=rng.integers(1, 31, keep.sum()),
    )


def payments_table(pays: dict[str, np.ndarray], inv_offset: int, offset: int) -> pa.Table:
    """``payments`` rows of a chunk."""
    n = pays["day"].size
    return pa.table(
        {
            "payment_id": format_ids("PAY", offset + 1 + np.arange(n)),
            "invoice_id": format_ids("INV", inv_offset + 1 + pays["inv"]),
            "paid_on": dates(pays["day"]),
            "amount": floats(pays["amount"]),
            "kind": labels(KINDS, pays["kind"]),
        }
    )
