"""The portfolio page: headline figures and charts over the whole run, computed once.

The outputs of a run do not change under the server, so the page's figures and its SVG charts
(drawn offline by Altair and vl-convert, as the report draws them; no JavaScript, nothing from
a CDN) are computed on the first visit and kept. The figures are the report's own
(:mod:`profitlens.report.figures`), so the dashboard and the report never disagree.
"""

from __future__ import annotations

import threading

import pandas as pd

from ..contract import PNL_COLUMNS
from ..report import charts, figures
from ..report.formatting import NumberFormat
from ..report.sections.trends import bridge_steps
from ..trends.sections import profit_bridge
from .customer_list import CustomerList
from .store import OutputStore

_BRIDGE_COLUMNS = (
    "profit_prior",
    "profit_recent",
    "change_volume",
    "change_price_mix",
    "change_commission",
    "change_acquisition",
    "change_sales",
    "change_service",
    "change_fulfilment",
    "change_credit",
    "change_referral",
)


class Portfolio:
    """The portfolio page's content, computed on first use and kept."""

    def __init__(self, store: OutputStore, customers: CustomerList):
        self.store, self.customers = store, customers
        self._content: dict | None = None
        self._lock = threading.Lock()

    def content(self) -> dict:
        with self._lock:
            if self._content is None:
                self._content = self._compute()
            return self._content

    def _compute(self) -> dict:
        store = self.store
        wanted = [
            c
            for c in ("customer_id", "segment", "rank", *PNL_COLUMNS)
            if c in self.customers.columns
        ]
        summary = self.customers.table.select(wanted).to_pandas()
        usage = (
            store.arrow("SELECT * FROM resource_usage ORDER BY resource, period").to_pandas()
            if store.has("resource_usage")
            else None
        )
        recon = (
            store.arrow("SELECT * FROM reconciliation ORDER BY resource, period").to_pandas()
            if store.has("reconciliation")
            else None
        )
        headline = figures.headline_figures(summary, recon, store.run_info)
        fmt = NumberFormat.for_portfolio(store.currency, headline.revenue)
        by_period = self._by_period()
        content = {
            "headline": headline,
            "fmt": fmt,
            "by_period": by_period,
            "segments": figures.segment_costs(summary),
            "usage": usage,
            "charts": {},
            "bridge": None,
        }
        drawn = content["charts"]
        curve = figures.whale_curve(summary)
        if curve is not None:
            peak = curve["profit_share"].max()
            drawn["whale"] = charts.to_svg(
                charts.whale_curve_chart(curve, f"peak {fmt.percent(peak, 0)}"),
                "Whale curve: cumulative share of profit against share of customers",
                "whale",
            )
        steps = figures.portfolio_waterfall(summary)
        steps["text"] = [fmt.compact(a) for a in steps["amount"]]
        drawn["waterfall"] = charts.to_svg(
            charts.waterfall_chart(steps, fmt.currency), "From revenue to profit", "waterfall"
        )
        if by_period is not None and not by_period.empty:
            drawn["periods"] = charts.to_svg(
                charts.period_pnl_chart(by_period, fmt.currency),
                "Revenue and profit by period",
                "periods",
            )
        bridge = self._bridge()
        if bridge is not None:
            content["bridge"] = bridge
            drawn["bridge"] = charts.to_svg(
                charts.waterfall_chart(bridge_steps(bridge, fmt), fmt.currency),
                "Bridge of portfolio profit from the prior window to the recent one",
                "bridge",
            )
        if usage is not None and not usage.empty:
            drawn["capacity"] = charts.to_svg(
                charts.capacity_chart(figures.capacity_by_period(usage), fmt.currency),
                "Cost of each resource by period: charged to customers, pursuits, unused",
                "capacity",
            )
            content["resources"] = figures.resource_totals(usage)
        return content

    def _by_period(self) -> pd.DataFrame | None:
        if not self.store.has("customer_pnl"):
            return None
        sums = ", ".join(f"sum({c}) AS {c}" for c in PNL_COLUMNS)
        return self.store.arrow(
            f"SELECT period, {sums} FROM customer_pnl GROUP BY period ORDER BY period"
        ).to_pandas()

    def _bridge(self) -> pd.DataFrame | None:
        if not set(_BRIDGE_COLUMNS) <= set(self.store.columns("customer_trends")):
            return None
        frame = self.store.arrow(
            f"SELECT {', '.join(_BRIDGE_COLUMNS)} FROM customer_trends"
        ).to_pandas()
        return profit_bridge(frame.fillna(0.0)) if len(frame) else None
