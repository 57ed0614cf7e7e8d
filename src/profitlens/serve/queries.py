"""What each page and API route reads from the outputs: parameterised queries only.

Every value a request carries goes to DuckDB as a parameter (``?``), never into the SQL text;
table and column names in the SQL are constants of this module. The per-customer tables the
customer page reads (customer_pnl, cost_trace, customer_trends, customer_clv, customer_credit)
are written sorted by customer_id, so DuckDB's min/max zone maps skip all but one row group.
"""

from __future__ import annotations

import numpy as np

from profitlens.intermediate.activity_costs import ACTIVITY_LINES

from .customer_list import CustomerList
from .store import OutputStore, clean

#: what the customer page shows of customer_trends and customer_credit
TREND_COLUMNS = (
    "status",
    "turn_period",
    "profit_at_risk",
    *(f"forecast{part}_{i}" for part in ("", "_lo", "_hi") for i in (1, 2, 3)),
)
CREDIT_COLUMNS = (
    "credit_exposure",
    "overdue_balance",
    "open_invoices",
    "max_days_past_due",
    "expected_credit_loss",
    "dso",
    "liability",
    "liability_reasons",
)
CLV_COLUMNS = ("p_alive", "expected_purchases_12m", "clv_revenue", "clv_profit")
TRACE_COLUMNS = ("period", "line", "activity", "resource", "minutes", "cost_per_minute", "cost")
PAGE_SIZE = 100
#: the longest identifier looked up; longer (or with a NUL) is no customer at all
MAX_ID = 200


def valid_id(value: str) -> bool:
    """Whether ``value`` can be an identifier to look up (not too long, no NUL)."""
    return 0 < len(value) <= MAX_ID and "\x00" not in value


def customer_rows(
    store: OutputStore,
    table: str,
    customer_id: str,
    order: str = "",
    columns: tuple[str, ...] | None = None,
) -> list[dict] | None:
    """The rows of a per-customer ``table`` for one customer (None: the run lacks the table),
    only ``columns`` of them when given (those the table has): DuckDB then decompresses only
    those, which at a million customers is most of a lookup's time."""
    if not store.has(table):
        return None
    chosen = (
        "*"
        if columns is None
        else ", ".join(c for c in columns if c in store.columns(table)) or "customer_id"
    )
    return store.records(
        f"SELECT {chosen} FROM {table} WHERE customer_id = ? {order}", [customer_id]
    )


def customer_api(store: OutputStore, customers: CustomerList, customer_id: str) -> dict | None:
    """``/api/customers/{id}`` (contract 5.6): summary, P&L by period and the trace; None for
    an unknown customer."""
    summary = customers.find(customer_id) if valid_id(customer_id) else None
    if summary is None:
        return None
    pnl = customer_rows(store, "customer_pnl", customer_id, "ORDER BY period") or []
    return {"summary": summary, "pnl": pnl, "trace": trace(store, customer_id) or []}


def trace(store: OutputStore, customer_id: str) -> list[dict] | None:
    """The customer's cost_trace rows by period, line, activity and resource (None: a run
    without cost_trace)."""
    if not store.has("cost_trace"):
        return None
    return store.records(
        f"SELECT {', '.join(TRACE_COLUMNS)} FROM cost_trace WHERE customer_id = ? "
        "ORDER BY period, line, activity, resource",
        [customer_id],
    )


def trace_groups(rows: list[dict], pnl: list[dict]) -> list[dict]:
    """The trace grouped per period and P&L line, each group with its sum and the P&L line it
    explains (``pnl_amount``), so the page can show that they agree.

    Examples
    --------
    >>> rows = [{"period": "2026-01", "line": "acquisition_cost", "cost": 30.0},
    ...         {"period": "2026-01", "line": "acquisition_cost", "cost": 150.0}]
    >>> pnl = [{"period": "2026-01", "acquisition_cost": 180.0, "sales_cost": 0.0,
    ...         "service_cost": 0.0, "fulfilment_cost": 0.0}]
    >>> g = trace_groups(rows, pnl)[0]
    >>> (g["total"], g["pnl_amount"], g["agrees"])
    (180.0, 180.0, True)
    """
    lines = {(p["period"], line): p[line] for p in pnl for line in ACTIVITY_LINES}
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        key = (row["period"], row["line"])
        group = groups.setdefault(key, {"period": key[0], "line": key[1], "rows": [], "total": 0.0})
        group["rows"].append(row)
        group["total"] += row["cost"] or 0.0
    for (period, line), group in groups.items():
        group["pnl_amount"] = lines.get((period, line))
        group["agrees"] = (
            group["pnl_amount"] is not None and abs(group["total"] - group["pnl_amount"]) < 0.005
        )
    return list(groups.values())


class OpenInvoices:
    """Every customer's open receivables, held in memory sorted by customer and found by
    binary search.

    ``receivables`` has one row per invoice (millions at a million customers) and is written
    sorted by invoice, so a query for one customer's open invoices would read all of it; the
    open ones are a small part, loaded once when the server starts.
    """

    COLUMNS = (
        "customer_id",
        "invoice_id",
        "invoice_date",
        "due_date",
        "amount",
        "open_balance",
        "days_past_due",
        "bucket",
    )

    def __init__(self, store: OutputStore):
        self.table = None
        if set(self.COLUMNS) <= set(store.columns("receivables")):
            self.table = store.arrow(
                f"SELECT {', '.join(self.COLUMNS)} FROM receivables WHERE open_balance <> 0 "
                "ORDER BY customer_id, invoice_date, invoice_id"
            )
            self._ids = self.table.column("customer_id").to_numpy(zero_copy_only=False)

    def of(self, customer_id: str) -> list[dict] | None:
        """The customer's open invoices, oldest first (None: a run without receivables)."""
        if self.table is None:
            return None
        first = int(np.searchsorted(self._ids, customer_id, "left"))
        last = int(np.searchsorted(self._ids, customer_id, "right"))
        return [clean(r) for r in self.table.slice(first, last - first).to_pylist()]


def referred(store: OutputStore, customer_id: str) -> list[dict] | None:
    """The customers this one brought, when the run wrote a ``referrals`` table."""
    if "referrer_id" not in store.columns("referrals"):
        return None
    return store.records(
        "SELECT * FROM referrals WHERE referrer_id = ? ORDER BY referred_id", [customer_id]
    )


def decisions(store: OutputStore, customer_id: str) -> list[dict] | None:
    """The options weighed for the customer (a later feature's ``decisions`` table)."""
    return customer_rows(store, "decisions", customer_id)


def one(rows: list[dict] | None) -> dict | None:
    return rows[0] if rows else None


def customer_page(
    store: OutputStore, customers: CustomerList, invoices: OpenInvoices, customer_id: str
) -> dict | None:
    """Everything the customer page shows; None for an unknown customer."""
    api = customer_api(store, customers, customer_id)
    if api is None:
        return None
    rows = trace(store, customer_id)
    return {
        **api,
        "trace_groups": None if rows is None else trace_groups(rows, api["pnl"]),
        "trend": one(customer_rows(store, "customer_trends", customer_id, columns=TREND_COLUMNS)),
        # customer_summary carries the lifetime value; customer_clv only when it does not
        "clv": (
            {c: api["summary"][c] for c in CLV_COLUMNS}
            if set(CLV_COLUMNS) <= set(api["summary"])
            else one(customer_rows(store, "customer_clv", customer_id))
        ),
        "credit": one(customer_rows(store, "customer_credit", customer_id, columns=CREDIT_COLUMNS)),
        "open_invoices": invoices.of(customer_id),
        "referred": referred(store, customer_id),
        "decisions": decisions(store, customer_id),
    }


def table_page(
    store: OutputStore, table: str, order_by: str, offset: int, limit: int = PAGE_SIZE
) -> tuple[int, list[dict]] | None:
    """``(total, rows)`` of a page of a whole table (None: the run lacks it)."""
    if not store.has(table):
        return None
    total = store.arrow(f"SELECT count(*) FROM {table}").column(0)[0].as_py()
    rows = store.records(
        f"SELECT * FROM {table} ORDER BY {order_by} LIMIT ? OFFSET ?", [limit, offset]
    )
    return total, rows
