"""The report's sections: a registry of render functions, each tied to the tables it needs.

A section is one function ``render(ctx) -> str | None`` registered with :func:`register`;
it appears in the report (and its table of contents) only when every output table named in
``requires`` exists in the run's folder, and only when it returns HTML (``None`` skips it, e.g.
when a column it needs is absent). A later feature adds its section with one function::

    from profitlens.report.formatting import Column, html_table
    from profitlens.report.sections import paragraph, register

    @register("referrals", "Referrals", requires=("customer_referrals",), order=85)
    def referrals(ctx):
        frame = ctx.folder.table("customer_referrals", ["customer_id", "kind"])
        counts = frame["kind"].value_counts().rename_axis("kind").reset_index()
        return paragraph("...") + html_table(counts, [
            Column("kind", "Kind", str, numeric=False), Column("count", "Customers", ctx.fmt.count)])

Sections are listed by ``order`` (ties by registration).
"""

from __future__ import annotations

import functools
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from html import escape
from typing import Callable

import altair as alt
import pandas as pd

from ...trends.sections import portfolio_profit_by_period
from ..charts import chart_spec, spec_to_svg
from ..figures import Headline
from ..formatting import NumberFormat
from ..outputs import OutputFolder

#: the P&L lines the sections show per period
PERIOD_LINES = ("revenue", "cogs", "gross_margin", "profit")


@dataclass
class ReportContext:
    """What a section may read: the output folder, the formats and the shared figures.

    Attributes
    ----------
    folder : OutputFolder
        Tables of the run (``folder.table(name, columns)``, ``folder.query(name, sql)``).
    fmt : NumberFormat
        The report's number conventions.
    summary : DataFrame
        ``customer_summary`` restricted to identity, segment, P&L columns and rank.
    headline : Headline
        The headline figures, already computed.
    pool : Executor, optional
        Threads that draw the charts and aggregate ``customer_pnl`` while the sections are
        laid out (drawing and DuckDB leave Python's lock free); :meth:`finish` then puts the
        charts in the page. Without one, everything is done at once, in order.
    """

    folder: OutputFolder
    fmt: NumberFormat
    summary: pd.DataFrame
    headline: Headline
    pool: Executor | None = None
    _charts: int = field(default=0, repr=False)
    _drawing: dict[str, Future] = field(default_factory=dict, repr=False)
    _by_period: Future | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.pool is not None and self.folder.has("customer_pnl"):
            self._by_period = self.pool.submit(self._aggregate_pnl)

    @functools.cached_property
    def profit_by_period(self) -> pd.DataFrame | None:
        """The portfolio's ``PERIOD_LINES``, customers and unprofitable customers per period
        present in ``customer_pnl`` (:func:`~profitlens.trends.sections.portfolio_profit_by_period`),
        aggregated once for the sections that show them; None when the run wrote no
        customer_pnl. Sections must not modify it."""
        return self._by_period.result() if self._by_period else self._aggregate_pnl()

    def _aggregate_pnl(self) -> pd.DataFrame | None:
        pnl = self.folder.expression("customer_pnl")
        return None if pnl is None else portfolio_profit_by_period(pnl, lines=PERIOD_LINES)

    def chart(self, chart: alt.TopLevelMixin, description: str, note: str | None = None) -> str:
        """A chart as an inline SVG figure; ``description`` is its accessible label.

        With a ``pool``, the figure holds a marker until :meth:`finish` puts the SVG drawn in the
        pool in its place.
        """
        self._charts += 1
        prefix = f"chart{self._charts}"
        spec = chart_spec(chart)
        if self.pool is None:
            svg = spec_to_svg(spec, description, prefix)
        else:
            self._drawing[prefix] = self.pool.submit(spec_to_svg, spec, description, prefix)
            svg = _CHART_MARKER.format(prefix)
        caption = f"<figcaption>{escape(note)}</figcaption>" if note else ""
        return f'<figure class="chart">{svg}{caption}</figure>'

    def finish(self, page: str) -> str:
        """``page`` with the charts drawn in the pool in place of their markers."""
        for prefix, svg in self._drawing.items():
            page = page.replace(_CHART_MARKER.format(prefix), svg.result(), 1)
        return page


_CHART_MARKER = "<!--{} is being drawn-->"


Render = Callable[[ReportContext], "str | None"]


@dataclass(frozen=True)
class Section:
    """One registered section of the report."""

    key: str
    title: str
    render: Render
    requires: tuple[str, ...] = ()
    any_of: tuple[str, ...] = ()
    order: int = 100

    def applies_to(self, folder: OutputFolder) -> bool:
        """Whether the run's folder has the tables this section reads."""
        return all(folder.has(t) for t in self.requires) and (
            not self.any_of or any(folder.has(t) for t in self.any_of)
        )


SECTIONS: dict[str, Section] = {}


def register(
    key: str,
    title: str,
    requires: tuple[str, ...] = (),
    any_of: tuple[str, ...] = (),
    order: int = 100,
) -> Callable[[Render], Render]:
    """Decorator adding a section to the report; a key registered again replaces the old one.

    Parameters
    ----------
    key : str
        Anchor of the section in the page (``#key``) and its identity in the registry.
    title : str
        Heading and table-of-contents entry.
    requires : tuple of str
        Output tables that must all exist.
    any_of : tuple of str
        Output tables of which at least one must exist (for tables with alternative names).
    order : int
        Position in the page, ascending.
    """

    def decorate(render: Render) -> Render:
        SECTIONS[key] = Section(key, title, render, tuple(requires), tuple(any_of), order)
        return render

    return decorate


def applicable_sections(folder: OutputFolder) -> list[Section]:
    """Registered sections whose tables exist in ``folder``, in page order."""
    ordered = sorted(enumerate(SECTIONS.values()), key=lambda p: (p[1].order, p[0]))
    return [s for _, s in ordered if s.applies_to(folder)]


def filled(column: pd.Series, value: str) -> pd.Series:
    """Text ``column`` with ``value`` where it is missing. Pandas' text columns keep their dtype
    (a million Python strings are slow to make and to group); others become objects."""
    text = column if isinstance(column.dtype, pd.StringDtype) else column.astype(object)
    return text.fillna(value)


def paragraph(text: str) -> str:
    """A paragraph of plain text (escaped)."""
    return f"<p>{escape(text)}</p>"


def lead(html: str) -> str:
    """The section's key message, already HTML (numbers wrapped by ``formatting.signed``)."""
    return f'<p class="lead">{html}</p>'


# the built-in sections register themselves on import
from . import capacity, clv, credit, decisions, profit, prospects, quality, trends  # noqa: E402,F401
