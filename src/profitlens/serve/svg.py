"""Small inline SVG charts for the customer page, drawn in Python in microseconds.

The portfolio page draws its charts once with Altair and vl-convert (about a tenth of a second
each, kept); a customer page is drawn on every visit and must answer in milliseconds, so its two
charts (profit by period with the forecast, and the cost waterfall) are plain SVG written here.
Every text is escaped; the SVG holds no script and no URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..report.charts import ACCENT, ACCENT_LIGHT, LOSS, MUTED, NEUTRAL

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 720, 220, 64, 36, 16


@dataclass(frozen=True)
class Bar:
    """One bar from ``start`` to ``end`` under ``label``; ``band`` an optional (lo, hi)
    whisker; ``kind`` picks the colour."""

    label: str
    start: float
    end: float
    kind: str = "actual"
    band: tuple[float, float] | None = None


def _colour(bar: Bar) -> str:
    if bar.kind == "forecast":
        return ACCENT_LIGHT
    if bar.kind == "cost":
        return NEUTRAL
    return ACCENT if bar.end >= bar.start else LOSS


def bar_chart(bars: list[Bar], description: str, marker: str | None = None) -> str:
    """An SVG bar chart (bars may float: a waterfall); ``marker`` names the label to draw a
    dashed line before (a turn).

    Examples
    --------
    >>> svg = bar_chart([Bar("2026-01", 0, 10), Bar("2026-02", 0, -5)], "profit")
    >>> svg.count("<rect")
    2
    """
    if not bars:
        return ""
    values = [v for b in bars for v in (b.start, b.end, *(b.band or ()))] + [0.0]
    lo, hi = min(values), max(values)
    span = (hi - lo) or 1.0
    plot_h = HEIGHT - TOP - BOTTOM
    step = (WIDTH - LEFT) / len(bars)

    def y(v: float) -> float:
        return TOP + (hi - v) / span * plot_h

    parts = [
        (
            f'<svg role="img" aria-label="{escape(description)}" viewBox="0 0 {WIDTH} '
            f'{HEIGHT}" width="{WIDTH}" height="{HEIGHT}" class="chart">'
        )
    ]
    for value in (lo, 0.0, hi):
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{MUTED}">{_short(value)}</text>'
        )
    every = max(1, round(len(bars) / 12))
    for i, bar in enumerate(bars):
        x = LEFT + i * step
        top, bottom = y(max(bar.start, bar.end)), y(min(bar.start, bar.end))
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{top:.1f}" width="{step * 0.7:.1f}" '
            f'height="{max(bottom - top, 0.5):.1f}" fill="{_colour(bar)}">'
            f"<title>{escape(bar.label)}: {bar.end - bar.start:,.2f}</title></rect>"
        )
        if bar.band is not None:
            mid = x + step / 2
            parts.append(
                f'<line x1="{mid:.1f}" x2="{mid:.1f}" y1="{y(bar.band[1]):.1f}" '
                f'y2="{y(bar.band[0]):.1f}" stroke="{MUTED}"/>'
            )
        if i % every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle" font-size="10" fill="{MUTED}">'
                f"{escape(bar.label)}</text>"
            )
        if marker is not None and bar.label == marker:
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{HEIGHT - BOTTOM}" '
                f'stroke="{LOSS}" stroke-dasharray="4 3"/>'
            )
    parts.append(
        f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y(0):.1f}" y2="{y(0):.1f}" stroke="#9aa5b1"/></svg>'
    )
    return "".join(parts)


def _short(value: float) -> str:
    for threshold, suffix in ((1e9, "bn"), (1e6, "m"), (1e4, "k")):
        if abs(value) >= threshold:
            return f"{value / (threshold if suffix != 'k' else 1e3):,.1f}{suffix}"
    return f"{value:,.0f}"


def waterfall(lines: list[tuple[str, float]], profit: float) -> list[Bar]:
    """Bars from revenue down through each cost line to profit (``lines`` are (label, amount)
    with revenue first and costs as positive amounts)."""
    (first, revenue), costs = lines[0], lines[1:]
    bars, level = [Bar(first, 0.0, revenue, "actual")], revenue
    for label, amount in costs:
        bars.append(Bar(label, level, level - amount, "cost"))
        level -= amount
    bars.append(Bar("Profit", 0.0, profit, "actual"))
    return bars
