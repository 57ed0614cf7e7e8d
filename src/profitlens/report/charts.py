"""Altair charts of the report, rendered offline to inline SVG.

One function per chart, each taking a small, already aggregated frame (see :mod:`.figures`)
and returning an ``alt.Chart``; :func:`to_svg` turns any of them into an ``<svg>`` element
that can sit in an HTML page next to others (ids made unique, no external references).
"""

from __future__ import annotations

import re
from html import escape

import altair as alt
import pandas as pd
import vl_convert

from .safe_text import xml_safe_spec

ACCENT = "#1f5a96"
ACCENT_LIGHT = "#9dbbdc"
LOSS = "#b42318"
LOSS_LIGHT = "#eea39b"
WINDOW_TINTS = ("#eef1f5", "#e3ecf6")  # background of the prior and the recent window
NEUTRAL = "#c5ccd5"
INK = "#1f2933"
MUTED = "#52606d"
FONT = "Helvetica Neue, Helvetica, Arial, Liberation Sans, sans-serif"
FULL_WIDTH = 960
HALF_WIDTH = 440
COST_PALETTE = ["#0b3a66", "#1f5a96", "#3d78b5", "#6496cb", "#8fb3dc", "#b9cfe8", "#dce7f3"]

# axis labels of amounts: 2.4bn, 350m, 4.5k, 812 (d3-format writes negatives with U+2212)
COMPACT_LABEL = (
    "abs(datum.value) >= 1e9 ? format(datum.value / 1e9, ',.1~f') + 'bn' : "
    "abs(datum.value) >= 1e6 ? format(datum.value / 1e6, ',.1~f') + 'm' : "
    "abs(datum.value) >= 1e3 ? format(datum.value / 1e3, ',.1~f') + 'k' : "
    "format(datum.value, ',.0f')"
)

_CONFIG = {
    "font": FONT,
    "background": "white",
    "view": {"stroke": None},
    "axis": {
        "labelColor": MUTED,
        "titleColor": INK,
        "titleFontWeight": "normal",
        "labelFontSize": 11,
        "titleFontSize": 12,
        "gridColor": "#e4e7eb",
        "domainColor": "#9aa5b1",
        "tickColor": "#9aa5b1",
    },
    "legend": {
        "labelColor": MUTED,
        "titleColor": INK,
        "labelFontSize": 11,
        "titleFontSize": 12,
        "orient": "top",
    },
    "header": {"labelColor": INK, "labelFontSize": 12, "titleFontSize": 12},
    "title": {"color": INK, "fontSize": 13, "anchor": "start", "fontWeight": "normal"},
}


def whale_curve_chart(curve: pd.DataFrame, peak_label: str) -> alt.Chart:
    """Cumulative profit share against share of customers, with the 100% line.

    ``curve`` has ``customer_share`` and ``profit_share`` (fractions), as from
    :func:`.figures.whale_curve`; ``peak_label`` annotates the curve's highest point.
    """
    base = alt.Chart(curve)
    x = alt.X(
        "customer_share:Q",
        title="Share of customers, most profitable first",
        axis=alt.Axis(format=".0%", tickCount=10),
        scale=alt.Scale(domain=[0, 1], nice=False),
    )
    y = alt.Y(
        "profit_share:Q", title="Cumulative share of total profit", axis=alt.Axis(format=".0%")
    )
    line = base.mark_line(color=ACCENT, strokeWidth=2.5).encode(x=x, y=y)
    hundred = (
        alt.Chart(pd.DataFrame({"y": [1.0]}))
        .mark_rule(color=MUTED, strokeDash=[5, 4])
        .encode(y="y:Q")
    )
    hundred_text = (
        alt.Chart(pd.DataFrame({"y": [1.0], "x": [0.0], "t": ["100% of profit"]}))
        .mark_text(align="left", dx=6, dy=-7, color=MUTED, fontSize=11)
        .encode(x="x:Q", y="y:Q", text="t:N")
    )
    peak = curve.loc[[curve["profit_share"].idxmax()]].assign(label=peak_label)
    right = bool(peak["customer_share"].iloc[0] > 0.6)
    peak_dot = alt.Chart(peak).mark_point(color=ACCENT, filled=True, size=60).encode(x=x, y=y)
    peak_text = (
        alt.Chart(peak)
        .mark_text(
            align="right" if right else "left",
            dx=-8 if right else 8,
            dy=-10,
            color=INK,
            fontSize=11,
        )
        .encode(x=x, y=y, text="label:N")
    )
    return (line + hundred + hundred_text + peak_dot + peak_text).properties(
        width=FULL_WIDTH, height=320
    )


def profit_histogram_chart(
    bins: pd.DataFrame, currency: str, title: str = "Profit per customer"
) -> alt.Chart:
    """Customers per profit band (``start``, ``end``, ``customers``, ``loss``); losses in red.

    ``title`` names the amount on the x axis (the currency is added).
    """
    top = int(bins["customers"].max()) if len(bins) else 0
    small = {"values": list(range(top + 1))} if top < 8 else {}
    domain = [float(bins["start"].min()), float(bins["end"].max())] if len(bins) else [0.0, 1.0]
    return (
        alt.Chart(bins)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "start:Q",
                title=f"{title} ({currency})",
                axis=alt.Axis(labelExpr=COMPACT_LABEL, labelOverlap=True, tickCount=12),
                scale=alt.Scale(domain=domain, nice=False, zero=False),
            ),
            x2="end:Q",
            y=alt.Y("customers:Q", title="Customers", axis=alt.Axis(format=",d", **small)),
            y2=alt.datum(0),
            color=alt.Color(
                "loss:N", legend=None, scale=alt.Scale(domain=[True, False], range=[LOSS, ACCENT])
            ),
            tooltip=["start:Q", "end:Q", "customers:Q"],
        )
        .properties(width=FULL_WIDTH, height=260)
    )


def waterfall_chart(steps: pd.DataFrame, currency: str) -> alt.Chart:
    """Waterfall: bars from ``start`` to ``end`` per ``label``, with ``text`` labels.

    ``kind`` is ``total`` (revenue, profit; a negative total is drawn in red), ``cost`` (a
    cost line, grey) or ``part`` (a part of a change: light blue when it adds, light red when it
    takes away, as in the bridge of a profit change).
    """
    colours = [_step_colour(k, a) for k, a in zip(steps["kind"], steps["amount"])]
    steps = steps.assign(colour=colours, top=steps[["start", "end"]].max(axis=1))
    x = alt.X(
        "label:N", sort=list(steps["label"]), title=None, axis=alt.Axis(labelAngle=0, labelLimit=90)
    )
    bars = (
        alt.Chart(steps)
        .mark_bar(size=46)
        .encode(
            x=x,
            y=alt.Y("start:Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            y2="end:Q",
            color=alt.Color("colour:N", scale=None),
        )
    )
    labels = (
        alt.Chart(steps)
        .mark_text(dy=-6, fontSize=11, color=INK)
        .encode(x=x, y="top:Q", text="text:N")
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#9aa5b1").encode(y="y:Q")
    return (bars + labels + zero).properties(width=FULL_WIDTH, height=320)


def _step_colour(kind: str, amount: float) -> str:
    if kind == "total":
        return ACCENT if amount >= 0 else LOSS
    if kind == "part":
        return ACCENT_LIGHT if amount >= 0 else LOSS_LIGHT
    return NEUTRAL if amount <= 0 else ACCENT_LIGHT


def segment_cost_chart(shares: pd.DataFrame, lines: list[str]) -> alt.Chart:
    """Cost to serve as a share of revenue, stacked by cost line, one bar per segment.

    ``shares`` is long: ``segment``, ``line`` (label), ``share`` (cost / segment revenue).
    """
    return (
        alt.Chart(shares)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None, sort=None),
            x=alt.X(
                "share:Q",
                title="Cost to serve, share of segment revenue",
                axis=alt.Axis(format=".0%"),
            ),
            color=alt.Color(
                "line:N",
                title=None,
                sort=lines,
                scale=alt.Scale(domain=lines, range=COST_PALETTE[: len(lines)]),
            ),
            order=alt.Order("order:Q"),
            tooltip=["segment:N", "line:N", alt.Tooltip("share:Q", format=".1%")],
        )
        .properties(width=FULL_WIDTH - 120, height=max(60, 28 * shares["segment"].nunique()))
    )


def capacity_chart(usage: pd.DataFrame, currency: str) -> alt.Chart:
    """Per resource, stacked bars by period of cost charged to customers, to pursuits and unused.

    ``usage`` is long: ``resource``, ``period``, ``kind``, ``amount``.
    """
    kinds = ["Customers", "Pursuits", "Unused capacity"]
    periods = usage["period"].nunique()
    width = HALF_WIDTH if usage["resource"].nunique() > 1 else FULL_WIDTH
    return (
        alt.Chart(usage)
        .mark_bar()
        .encode(
            x=alt.X(
                "period:O",
                title=None,
                axis=alt.Axis(labelAngle=-45 if periods > 8 else 0, labelOverlap=True),
            ),
            y=alt.Y("sum(amount):Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            color=alt.Color(
                "kind:N",
                title=None,
                sort=kinds,
                scale=alt.Scale(domain=kinds, range=[ACCENT, ACCENT_LIGHT, NEUTRAL]),
            ),
            order=alt.Order("kind_order:Q"),
        )
        .transform_calculate(
            kind_order="indexof(['Customers', 'Pursuits', 'Unused capacity'], datum.kind)"
        )
        .properties(width=width, height=170)
        .facet(facet=alt.Facet("resource:N", title=None), columns=2)
        .resolve_scale(y="independent")
    )


def period_pnl_chart(periods: pd.DataFrame, currency: str) -> alt.Chart:
    """Revenue (light) and profit (accent; red when negative) per period.

    ``periods`` has ``period``, ``revenue``, ``profit``.
    """
    long = periods.melt(
        id_vars="period", value_vars=["revenue", "profit"], var_name="line", value_name="amount"
    )
    long["line"] = long["line"].map({"revenue": "Revenue", "profit": "Profit"})
    long["colour"] = [
        ACCENT_LIGHT if line == "Revenue" else (ACCENT if a >= 0 else LOSS)
        for line, a in zip(long["line"], long["amount"])
    ]
    n = periods["period"].nunique()
    return (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X(
                "period:O",
                title=None,
                axis=alt.Axis(labelAngle=-45 if n > 12 else 0, labelOverlap=True),
            ),
            xOffset=alt.XOffset("line:N", sort=["Revenue", "Profit"]),
            y=alt.Y("amount:Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            color=alt.Color("colour:N", scale=None),
            tooltip=["period:O", "line:N", alt.Tooltip("amount:Q", format=",.2f")],
        )
        .properties(width=FULL_WIDTH, height=240)
    )


def profit_by_period_chart(
    periods: pd.DataFrame, currency: str, windows: pd.DataFrame | None = None
) -> alt.Chart:
    """Profit per period as bars (red when negative), optionally on shaded windows.

    ``periods`` has ``period`` and ``profit``; ``windows`` has ``period`` (each period inside a
    window), ``window`` (its name, e.g. ``prior window``) and ``label`` (the name on the period
    where it is written, else empty); windows are shaded in the order they first appear.
    """
    order = list(periods["period"])
    n = len(order)
    x = alt.X(
        "period:O",
        title=None,
        sort=order,
        scale=alt.Scale(paddingInner=0, paddingOuter=0.1),
        axis=alt.Axis(labelAngle=-45 if n > 12 else 0, labelOverlap=True),
    )
    data = periods.assign(colour=[ACCENT if p >= 0 else LOSS for p in periods["profit"]])
    bars = (
        alt.Chart(data)
        .mark_bar(width=alt.RelativeBandSize(0.7))
        .encode(
            x=x,
            y=alt.Y("profit:Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            color=alt.Color("colour:N", scale=None),
            tooltip=["period:O", alt.Tooltip("profit:Q", format=",.2f")],
        )
    )
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color="#9aa5b1").encode(y="y:Q")
    layers = [bars, zero]
    if windows is not None and not windows.empty:
        names = list(dict.fromkeys(windows["window"]))
        shade = (
            alt.Chart(windows)
            .mark_rect()
            .encode(
                x=x,
                color=alt.Color(
                    "window:N",
                    legend=None,
                    scale=alt.Scale(domain=names, range=list(WINDOW_TINTS[: len(names)])),
                ),
            )
        )
        text = (
            alt.Chart(windows[windows["label"] != ""])
            .mark_text(color=MUTED, fontSize=11, baseline="top")
            .encode(x=x, y=alt.value(4), text="label:N")
        )
        layers = [shade, text, *layers]
    return alt.layer(*layers).properties(width=FULL_WIDTH, height=240)


def aging_chart(aging: pd.DataFrame, currency: str) -> alt.Chart:
    """Open balance per aging bucket, youngest first, with ``text`` labels over the bars.

    ``aging`` has ``bucket``, ``open_balance`` and ``text``; the first bucket (not yet due) is
    drawn in the accent colour, the overdue ones from light to dark red as they age.
    """
    buckets = list(aging["bucket"])
    overdue = len(buckets) - 1
    ramp = [ACCENT] + [_mix(LOSS_LIGHT, LOSS, i / max(overdue - 1, 1)) for i in range(overdue)]
    x = alt.X("bucket:N", sort=buckets, title="Days past due", axis=alt.Axis(labelAngle=0))
    bars = (
        alt.Chart(aging)
        .mark_bar(size=56)
        .encode(
            x=x,
            y=alt.Y("open_balance:Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            color=alt.Color("bucket:N", legend=None, scale=alt.Scale(domain=buckets, range=ramp)),
            tooltip=["bucket:N", alt.Tooltip("open_balance:Q", format=",.2f")],
        )
    )
    labels = (
        alt.Chart(aging)
        .mark_text(dy=-6, fontSize=11, color=INK)
        .encode(x=x, y="open_balance:Q", text="text:N")
    )
    return (bars + labels).properties(width=HALF_WIDTH + 180, height=240)


def _mix(a: str, b: str, t: float) -> str:
    """The colour a fraction ``t`` of the way from hex colour ``a`` to ``b``."""
    ca, cb = (tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def segment_pair_chart(pairs: pd.DataFrame, currency: str, measures: list[str]) -> alt.Chart:
    """Two amounts side by side per segment (e.g. profit to date and lifetime value).

    ``pairs`` is long: ``segment``, ``measure`` (one of ``measures``, in legend order),
    ``amount``.
    """
    return (
        alt.Chart(pairs)
        .mark_bar()
        .encode(
            y=alt.Y("segment:N", title=None, sort=None),
            yOffset=alt.YOffset("measure:N", sort=measures),
            x=alt.X("amount:Q", title=currency, axis=alt.Axis(labelExpr=COMPACT_LABEL)),
            color=alt.Color(
                "measure:N",
                title=None,
                sort=measures,
                scale=alt.Scale(domain=measures, range=[ACCENT_LIGHT, ACCENT]),
            ),
            tooltip=["segment:N", "measure:N", alt.Tooltip("amount:Q", format=",.2f")],
        )
        .properties(width=FULL_WIDTH - 120, height=max(80, 44 * pairs["segment"].nunique()))
    )


def to_svg(chart: alt.TopLevelMixin, description: str, id_prefix: str) -> str:
    """Render ``chart`` offline to an inline ``<svg>`` element.

    Ids get ``id_prefix`` (unique per chart in a page) so several charts can share a page;
    namespace declarations are dropped (HTML parses inline SVG without them), so the page
    holds no URL at all. ``description`` becomes the chart's accessible label.
    """
    return spec_to_svg(chart_spec(chart), description, id_prefix)


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite specification of ``chart`` in the report's style.

    Not validated against the Vega-Lite schema: the charts are fixed and tested, and validating
    them on every report took longer than drawing them.
    """
    return chart.configure(**_CONFIG).to_dict(validate=False)


def spec_to_svg(spec: dict, description: str, id_prefix: str) -> str:
    """:func:`to_svg` of a :func:`chart_spec`; draws no Altair object, so it can run in another
    thread than the one building the charts."""
    svg = vl_convert.vegalite_to_svg(xml_safe_spec(spec))  # the renderer aborts on a NUL
    prefix = f"{id_prefix}-"
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    for old in sorted(ids, key=len, reverse=True):
        svg = svg.replace(f'id="{old}"', f'id="{prefix}{old}"')
        svg = svg.replace(f"url(#{old})", f"url(#{prefix}{old})")
        svg = svg.replace(f'href="#{old}"', f'href="#{prefix}{old}"')
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg, count=0)
    return svg.replace("<svg", f'<svg role="img" aria-label="{escape(description)}"', 1)
