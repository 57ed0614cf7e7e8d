"""Bad rows of every kind the contract quarantines, planted at known places (``--dirty``).

Every bad row is an *extra* row, a copy of a random clean row with one defect, so that no clean
row changes and nothing else is quarantined because of it: a bad row gets a fresh key (or, for a
duplicate, repeats the key of an earlier clean row, which the first-kept rule keeps), and nothing
refers to it. Each chunk of each table gets ``ceil(share x rows)`` bad rows (the first chunk at
least one of every kind), the kinds taking turns in the order listed in ``KINDS``, inserted at
random places (a duplicate after its original).
The written position (1-based data row of the file) and the reason go to ``truth/dirty_rows``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

MISSING, UNPARSEABLE, DUPLICATE = "missing value", "unparseable value", "duplicate key"
UNKNOWN, NEGATIVE, CURRENCY, FUTURE = (
    "unknown reference",
    "negative value",
    "foreign currency",
    "event date after as-of date",
)
NULL, BAD_NUMBER, BAD_DATE, LATE, NEW = "<null>", "EUR 12.50", "31/12/2023", "<future>", "<new>"

# per table: (reason, column edits); "<new>" = a fresh identifier; "key" = give the row a fresh key
KINDS: dict[str, list[tuple[str, dict[str, str]]]] = {
    "customers": [
        (MISSING, {"acquired_on": NULL}),
        (UNPARSEABLE, {"acquired_on": BAD_DATE}),
        (DUPLICATE, {}),
    ],
    "prospects": [
        (MISSING, {"created_on": NULL}),
        (UNPARSEABLE, {"created_on": "2024-02-30"}),
        (DUPLICATE, {}),
        (UNKNOWN, {"converted_customer_id": NEW}),
    ],
    "invoice_lines": [
        (MISSING, {"customer_id": NULL}),
        (UNPARSEABLE, {"revenue": BAD_NUMBER}),
        (UNPARSEABLE, {"invoice_date": BAD_DATE}),
        (DUPLICATE, {}),
        (UNKNOWN, {"customer_id": NEW}),
        (CURRENCY, {"currency": "USD"}),
        (FUTURE, {"invoice_date": LATE}),
    ],
    "payments": [
        (MISSING, {"amount": NULL}),
        (UNPARSEABLE, {"amount": "n/a"}),
        (UNPARSEABLE, {"paid_on": "yesterday"}),
        (DUPLICATE, {}),
        (UNKNOWN, {"invoice_id": NEW}),
        (FUTURE, {"paid_on": LATE}),
    ],
    "activities": [
        (MISSING, {"occurred_on": NULL}),
        (MISSING, {"customer_id": NULL, "prospect_id": NULL}),
        (UNPARSEABLE, {"minutes": "ten"}),
        (DUPLICATE, {}),
        (UNKNOWN, {"customer_id": NEW, "prospect_id": NULL}),
        (UNKNOWN, {"customer_id": NULL, "prospect_id": NEW}),
        (UNKNOWN, {"activity": "site_inspection"}),
        (NEGATIVE, {"minutes": "-15"}),
        (FUTURE, {"occurred_on": LATE}),
    ],
    "referrals": [
        (MISSING, {"referred_on": NULL}),
        (UNPARSEABLE, {"reward": BAD_NUMBER}),
        (DUPLICATE, {}),
        (UNKNOWN, {"referrer_id": NEW}),
        (FUTURE, {"referred_on": LATE}),
    ],
    "resource_costs": [
        (MISSING, {"cost": NULL}),
        (UNPARSEABLE, {"cost": BAD_NUMBER}),
        (DUPLICATE, {}),
        (NEGATIVE, {"capacity_minutes": "-9600"}),
    ],
}
KEY_PREFIX = {
    "customers": ("customer_id", "CX"),
    "prospects": ("prospect_id", "PX"),
    "invoice_lines": ("invoice_id", "INVX"),
    "payments": ("payment_id", "PAYX"),
    "activities": ("activity_id", "ACTX"),
}
REF_PREFIX = {
    "customer_id": "CX",
    "converted_customer_id": "CX",
    "referrer_id": "CX",
    "prospect_id": "PX",
    "invoice_id": "INVX",
}


class DirtyPlanter:
    """Plants bad rows chunk by chunk and remembers where they went.

    Parameters
    ----------
    share : float
        Bad rows per clean row, per table and chunk (rounded up).
    as_of : datetime.date
        Future-dated rows fall 1-60 days after it.
    start : datetime.date
        First day of the window; fresh ``resource_costs`` keys use months before it.
    """

    def __init__(self, share: float, as_of: dt.date, start: dt.date):
        self.share, self.as_of, self.start = share, as_of, start
        self.fresh = 0
        self.started: set[str] = set()
        self.found: list[tuple[str, np.ndarray, list[str]]] = []

    def plant(
        self,
        name: str,
        clean: pa.Table,
        rng: np.random.Generator,
        row_offset: int,
        free: pa.Array | None = None,
    ) -> pa.Table:
        """``clean`` with bad rows inserted; ``row_offset`` = data rows already in the file.

        ``free`` (referrals only): customer ids no referral names yet, for fresh keys.
        """
        n = clean.num_rows
        n_bad = math.ceil(self.share * n) if self.share > 0 and n else 0
        if n_bad and name not in self.started:  # every kind at least once per table
            n_bad = max(n_bad, len(KINDS[name]))
            self.started.add(name)
        if name == "referrals":
            n_bad = min(n_bad, len(free) if free is not None else 0)
        if n_bad == 0:
            return clean
        kinds = KINDS[name]
        kind = np.arange(n_bad) % len(kinds)
        dup = np.array([kinds[k][0] == DUPLICATE for k in kind])
        template = rng.integers(0, n, n_bad)
        # insertion slot: before clean row `slot` (n = at the end); a duplicate after its original
        slot = np.where(
            dup,
            template + 1 + np.floor(rng.random(n_bad) * (n - template)),
            np.floor(rng.random(n_bad) * (n + 1)),
        ).astype(np.int64)
        bad = clean.take(pa.array(template))
        bad = self._fresh_keys(name, bad, ~dup, rng, free)
        for j, (_reason, edits) in enumerate(kinds):
            mask = kind == j
            if mask.any():
                for column, value in edits.items():
                    bad = _set(bad, column, mask, self._values(column, value, mask.sum(), rng))
        keys = np.concatenate([np.arange(n, dtype=float), slot - 0.5])
        order = np.argsort(keys, kind="stable")
        position = np.empty(n + n_bad, np.int64)
        position[order] = np.arange(n + n_bad)
        rows = row_offset + 1 + position[n:]
        self.found.append((name, rows, [kinds[k][0] for k in kind]))
        return pa.concat_tables([clean, bad]).take(pa.array(order))

    def _fresh_keys(self, name, bad, mask, rng, free) -> pa.Table:
        k = int(mask.sum())
        if name in KEY_PREFIX:
            column, prefix = KEY_PREFIX[name]
            bad = _set(bad, column, mask, self._new(prefix, k))
            if name == "invoice_lines":
                bad = _set(bad, "line_id", mask, pa.repeat(pa.scalar("1"), k))
        elif name == "referrals":
            pick = rng.choice(len(free), size=k, replace=False)
            bad = _set(bad, "referred_id", mask, free.take(pa.array(pick)))
        elif name == "resource_costs":
            periods = [_months_before(self.start, self.fresh + i + 1) for i in range(k)]
            self.fresh += k
            bad = _set(bad, "period", mask, pa.array(periods, pa.string()))
        return bad

    def _values(self, column: str, value: str, k: int, rng) -> pa.Array:
        if value == NULL:
            return pa.nulls(k, pa.string())
        if value == NEW:
            return self._new(REF_PREFIX[column], k)
        if value == LATE:
            days = (self.as_of - dt.date(1970, 1, 1)).days + rng.integers(1, 61, k)
            return pa.array(days.astype(np.int32)).cast(pa.date32()).cast(pa.string())
        return pa.repeat(pa.scalar(value), k)

    def _new(self, prefix: str, k: int) -> pa.Array:
        numbers = self.fresh + 1 + np.arange(k)
        self.fresh += k
        digits = pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=7, padding="0")
        return pc.binary_join_element_wise(pa.scalar(prefix), digits, "")

    def table(self) -> pa.Table:
        """``dirty_rows``: table, row (1-based data row of the written file), reason."""
        names, rows, reasons = [], [], []
        for name, r, why in self.found:
            names += [name] * len(r)
            rows.append(r)
            reasons += why
        out = pa.table(
            {
                "table": pa.array(names, pa.string()),
                "row": pa.array(np.concatenate(rows) if rows else [], pa.int64()),
                "reason": pa.array(reasons, pa.string()),
            }
        )
        return out.sort_by([("table", "ascending"), ("row", "ascending")])


def _set(table: pa.Table, column: str, mask: np.ndarray, values: pa.Array) -> pa.Table:
    """``column`` of ``table`` with the masked rows replaced by ``values`` (in order)."""
    i = table.schema.get_field_index(column)
    old = table.column(i).combine_chunks()
    full = np.zeros(len(mask), np.int64)
    full[mask] = np.arange(mask.sum())
    spread = values.cast(old.type).take(pa.array(full)) if len(values) else old
    return table.set_column(i, column, pc.if_else(pa.array(mask), spread, old))


def _months_before(start: dt.date, k: int) -> str:
    months = start.year * 12 + start.month - 1 - k
    return f"{months // 12:04d}-{months % 12 + 1:02d}"
