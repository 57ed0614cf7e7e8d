"""Assemble the report page: header, headline figures, table of contents, sections."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

from ..contract import PNL_COLUMNS
from . import figures
from .formatting import NumberFormat, plural, signed
from .outputs import OutputFolder
from .safe_text import xml_safe
from .sections import ReportContext, Section, applicable_sections

SUMMARY_COLUMNS = ("customer_id", "name", "segment", *PNL_COLUMNS, "rank")
_PERIOD_WORDS = {"month": "monthly", "quarter": "quarterly"}


def render_report(out_dir: Path) -> str:
    """The report on the run in ``out_dir`` as one self-contained HTML document."""
    folder = OutputFolder(out_dir)
    summary = folder.table("customer_summary", SUMMARY_COLUMNS)
    recon = folder.table("reconciliation") if folder.has("reconciliation") else None
    headline = figures.headline_figures(summary, recon, folder.run_info)
    fmt = NumberFormat.for_portfolio(headline.currency, headline.revenue)
    with ThreadPoolExecutor(max_workers=2) as pool:
        ctx = ReportContext(folder=folder, fmt=fmt, summary=summary, headline=headline, pool=pool)
        rendered = [(s, s.render(ctx)) for s in applicable_sections(folder)]
        rendered = [(s, body) for s, body in rendered if body]
        template = Template(_package_text("template.html"))
        return xml_safe(
            ctx.finish(
                template.substitute(
                    title="Customer profitability report",
                    style=_package_text("style.css"),
                    meta=escape(_meta_line(folder.run_info, headline)),
                    headline=headline_cards(headline, fmt),
                    toc=_toc([s for s, _ in rendered]),
                    sections="\n".join(_section(s, body) for s, body in rendered),
                )
            )
        )


def headline_cards(h: figures.Headline, fmt: NumberFormat) -> str:
    """The headline figures as cards; each carries ``data-figure`` naming what it shows."""
    if h.reconciled is None:
        recon, recon_note, recon_class = "n/a", "no resource_usage table", ""
    elif h.reconciled:
        recon, recon_class = "OK", " ok"
        recon_note = "resource cost = customers + pursuits + unused, to the cent"
    else:
        recon, recon_class = "NOT OK", " bad"
        recon_note = f"largest gap {fmt.money(h.reconciliation_gap)}"
    top_note = (
        f"of profit earned by the top 20% ({plural(h.top_count, 'customer')})"
        if h.top_share is not None
        else "total profit is not positive"
    )
    cards = [
        ("revenue", "Revenue", signed(fmt.money(h.revenue)), "lifetime, all customers", ""),
        ("profit", "Profit", signed(fmt.money(h.profit)), "after every cost to win and serve", ""),
        ("margin", "Profit margin", signed(fmt.percent(h.margin)), "profit / revenue", ""),
        ("customers", "Customers", fmt.count(h.customers), "in customer_summary", ""),
        ("top_share", "Top 20% share", signed(fmt.percent(h.top_share)), top_note, ""),
        (
            "loss_makers",
            "Loss-making customers",
            fmt.count(h.loss_makers),
            f"losing {signed(fmt.money(h.loss_total))} in total",
            "",
        ),
        ("reconciliation", "Reconciliation", recon, recon_note, recon_class),
        (
            "as_of",
            "As of",
            escape(h.as_of or "n/a"),
            f"amounts in {escape(h.currency or 'n/a')}",
            "",
        ),
    ]
    return "\n".join(
        f'<div class="card{css}" data-figure="{key}"><div class="label">{escape(label)}</div>'
        f'<div class="value">{value}</div><div class="note">{note}</div></div>'
        for key, label, value, note, css in cards
    )


def _meta_line(run_info: dict, h: figures.Headline) -> str:
    parts = [
        f"As of {h.as_of}" if h.as_of else None,
        f"amounts in {h.currency}" if h.currency else None,
    ]
    periods = run_info.get("periods") or []
    if periods:
        word = _PERIOD_WORDS.get(run_info.get("period", ""), "")
        parts.append(f"{word} periods {periods[0]} to {periods[-1]}".strip())
    if run_info.get("engine"):
        parts.append(f"computed with {run_info['engine']}")
    return " \u00b7 ".join(p for p in parts if p)


def _toc(sections: list[Section]) -> str:
    items = "".join(f'<li><a href="#{s.key}">{escape(s.title)}</a></li>' for s in sections)
    return f'<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>{items}</ol></nav>'


def _section(section: Section, body: str) -> str:
    return (
        f'<section id="{section.key}"><h2>{escape(section.title)}</h2>\n{body}\n'
        '<p class="back"><a href="#top">Back to top</a></p></section>'
    )


def _package_text(name: str) -> str:
    return resources.files(__package__).joinpath(name).read_text("utf-8")
