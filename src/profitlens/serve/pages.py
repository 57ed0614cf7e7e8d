"""The server-rendered pages: Jinja2 templates and what each is given.

Templates autoescape every value; numbers are written by the report's
:class:`~profitlens.report.formatting.NumberFormat` (thousands separators, a true minus sign),
to the cent on the customer pages so that an analyst can check them by hand.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates

from profitlens.intermediate.activity_costs import ACTIVITY_LINES

from ..contract import PNL_COLUMNS
from ..report.figures import STEP_LABELS
from ..report.formatting import NumberFormat
from . import svg
from .customer_list import CustomerList, ListQuery
from .store import OutputStore

#: columns of the customer list, in this order, when the run has them
LIST_COLUMNS = (
    "rank",
    "customer_id",
    "name",
    "segment",
    "revenue",
    "gross_margin",
    "profit",
    "trend_status",
    "clv_profit",
    "referral_value",
    "value_quadrant",
    "credit_exposure",
    "liability",
    "recommendation",
)
LABELS = {
    **STEP_LABELS,
    "rank": "Rank",
    "customer_id": "Customer",
    "name": "Name",
    "segment": "Segment",
    "trend_status": "Trend",
    "clv_profit": "Lifetime value",
    "referral_value": "Referral value",
    "value_quadrant": "Quadrant",
    "credit_exposure": "Credit exposure",
    "liability": "Liability",
    "recommendation": "Recommendation",
}
FILTERS = (
    ("segment", "Segment"),
    ("status", "Trend"),
    ("recommendation", "Recommendation"),
    ("quadrant", "Quadrant"),
)
NUMERIC = {
    "rank",
    "revenue",
    "gross_margin",
    "profit",
    "clv_profit",
    "referral_value",
    "credit_exposure",
}


class Pages:
    """Renders the templates of ``folder`` for one run."""

    def __init__(self, store: OutputStore, customers: CustomerList, folder: Path):
        self.store, self.customers = store, customers
        self.templates = Jinja2Templates(directory=str(folder))
        fmt = NumberFormat(store.currency, 2)
        env = self.templates.env
        env.filters.update(
            money=fmt.number,
            count=fmt.count,
            pct=fmt.percent,
            rate=_rate,
            label=lambda c: LABELS.get(c, c.replace("_", " ")),
        )
        env.globals.update(currency=store.currency, run=store.run_info)

    def render(self, request: Request, name: str, context: dict, status: int = 200):
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def list_context(
        self, request: Request, query: ListQuery, total: int, rows: list[dict]
    ) -> dict:
        params = {k: v for k, v in request.query_params.items() if v and k != "offset"}
        columns = [c for c in LIST_COLUMNS if c in self.customers.columns]

        def link(**change) -> str:
            return "?" + urlencode({**params, **{k: v for k, v in change.items() if v is not None}})

        headers = [
            {
                "column": c,
                "label": LABELS.get(c, c),
                "numeric": c in NUMERIC,
                "sorted": query.order if c == query.sort else None,
                "url": link(
                    sort=c,
                    order="desc" if c == query.sort and query.order == "asc" else "asc",
                    offset=0,
                ),
            }
            for c in columns
        ]
        end = query.offset + len(rows)
        return {
            "active": "customers",
            "rows": rows,
            "columns": columns,
            "headers": headers,
            "numeric": NUMERIC,
            "total": total,
            "first": query.offset + 1 if rows else 0,
            "last": end,
            "query": query,
            "params": params,
            "filters": [
                (name, label, self.customers.choices(name))
                for name, label in FILTERS
                if self.customers.choices(name)
            ],
            "has_liability": "liability" in self.customers.columns,
            "prev": link(offset=max(query.offset - query.limit, 0)) if query.offset else None,
            "next": link(offset=end) if end < total else None,
            "csv": "/customers.csv" + link(),
        }

    def customer_context(self, found: dict) -> dict:
        s, pnl, trend = found["summary"], found["pnl"], found["trend"]
        statement = [(c, s.get(c)) for c in PNL_COLUMNS]
        costs = [
            (STEP_LABELS[c], s.get(c) or 0.0)
            for c in PNL_COLUMNS
            if c not in ("revenue", "gross_margin", "profit")
        ]
        waterfall = svg.bar_chart(
            svg.waterfall([("Revenue", s.get("revenue") or 0.0), *costs], s.get("profit") or 0.0),
            "Lifetime P&L from revenue to profit",
        )
        bars = [svg.Bar(p["period"], 0.0, p["profit"]) for p in pnl]
        if trend:
            bars += [
                svg.Bar(
                    f"+{i}",
                    0.0,
                    trend.get(f"forecast_{i}") or 0.0,
                    "forecast",
                    (trend.get(f"forecast_lo_{i}") or 0.0, trend.get(f"forecast_hi_{i}") or 0.0),
                )
                for i in (1, 2, 3)
                if trend.get(f"forecast_{i}") is not None
            ]
        profit_chart = svg.bar_chart(
            bars, "Profit by period, then the forecast", marker=(trend or {}).get("turn_period")
        )
        return {
            **found,
            "active": "customers",
            "statement": statement,
            "activity_lines": ACTIVITY_LINES,
            "waterfall": waterfall,
            "profit_chart": profit_chart,
            "aging": _aging(found["open_invoices"]),
        }

    def table_context(self, request: Request, title: str, found, table: str, active: str) -> dict:
        offset = int(request.query_params.get("offset") or 0)
        if found is None:
            return {"active": active, "title": title, "missing": table}
        total, rows = found
        end = offset + len(rows)
        return {
            "active": active,
            "title": title,
            "missing": None,
            "rows": rows,
            "columns": list(rows[0]) if rows else [],
            "total": total,
            "first": offset + 1 if rows else 0,
            "last": end,
            "prev": f"?offset={max(offset - 100, 0)}" if offset else None,
            "next": f"?offset={end}" if end < total else None,
            "counts": self.store.run_info.get("rows") if table == "quarantine" else None,
        }


def _rate(value) -> str:
    """A cost per minute with the decimals it has (up to six): ``0.5``, ``1.333333``."""
    if value is None:
        return "n/a"
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def _aging(invoices: list[dict] | None) -> list[tuple[str, float, int]] | None:
    """Open balance and invoices per aging bucket, in the order buckets first appear by age."""
    if not invoices:
        return None
    buckets: dict[str, list] = {}
    for row in sorted(invoices, key=lambda r: r["days_past_due"] or 0):
        entry = buckets.setdefault(row["bucket"], [0.0, 0])
        entry[0] += row["open_balance"] or 0.0
        entry[1] += 1
    return [(bucket, amount, n) for bucket, (amount, n) in buckets.items()]
