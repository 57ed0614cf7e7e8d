"""Numbers and tables written for people: thousands separators, currency, visible negatives.

Every figure in the report goes through a :class:`NumberFormat`, so one report uses one
convention: amounts carry the currency code, negatives use a true minus sign (U+2212) and the
``neg`` class (coloured in ``style.css``), percentages have one decimal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Callable, Sequence

import pandas as pd

MINUS = "\u2212"
NOT_AVAILABLE = "n/a"


def _is_missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA


@dataclass(frozen=True)
class NumberFormat:
    """How one report writes numbers.

    Parameters
    ----------
    currency : str
        Currency code shown with amounts, e.g. ``"EUR"``.
    decimals : int
        Decimals of amounts: 2 for small portfolios, 0 once revenue reaches millions
        (see :meth:`for_portfolio`).

    Examples
    --------
    >>> f = NumberFormat("EUR", 2)
    >>> f.money(-1234.5)
    '−1,234.50 EUR'
    >>> f.percent(0.1234)
    '12.3%'
    """

    currency: str = ""
    decimals: int = 2

    @classmethod
    def for_portfolio(cls, currency: str, total_revenue: float) -> "NumberFormat":
        """Cents for portfolios under a million in revenue, whole units above."""
        big = not _is_missing(total_revenue) and abs(total_revenue) >= 1_000_000
        return cls(currency=currency, decimals=0 if big else 2)

    def number(self, x: object, decimals: int | None = None) -> str:
        """``1,234.50``; negatives as ``−1,234.50``; missing as ``n/a``."""
        if _is_missing(x):
            return NOT_AVAILABLE
        d = self.decimals if decimals is None else decimals
        value = round(float(x), d)
        text = f"{abs(value):,.{d}f}"
        return f"{MINUS}{text}" if value < 0 else text

    def money(self, x: object) -> str:
        """An amount with its currency code: ``1,234.50 EUR``."""
        text = self.number(x)
        return text if text == NOT_AVAILABLE or not self.currency else f"{text} {self.currency}"

    def count(self, x: object) -> str:
        """A whole number with thousands separators."""
        return self.number(x, decimals=0)

    def compact(self, x: object) -> str:
        """Short amount for chart labels: ``2.3bn``, ``135.1m``, ``45k``, ``812``."""
        if _is_missing(x):
            return NOT_AVAILABLE
        v = float(x)
        for threshold, scale, suffix, d in (
            (1e9, 1e9, "bn", 1),
            (1e6, 1e6, "m", 1),
            (1e4, 1e3, "k", 0),
        ):
            if abs(v) >= threshold:
                return f"{self.number(v / scale, d)}{suffix}"
        return self.number(v, 0)

    def percent(self, share: object, decimals: int = 1) -> str:
        """A share (0.123) as a percentage (``12.3%``)."""
        if _is_missing(share):
            return NOT_AVAILABLE
        return f"{self.number(float(share) * 100, decimals)}%"


def plural(count: object, singular: str, plural_form: str | None = None) -> str:
    """``1 customer``, ``2 customers`` (count with thousands separators)."""
    n = int(count)
    word = singular if n == 1 else (plural_form or f"{singular}s")
    return f"{n:,} {word}"


def signed(text: str) -> str:
    """Wrap a formatted number in a span marking negatives (``class="neg"``)."""
    safe = escape(text)
    return f'<span class="neg">{safe}</span>' if text.startswith(MINUS) else safe


@dataclass(frozen=True)
class Column:
    """One column of an HTML table: source column, header, and how to write a cell."""

    name: str
    header: str
    render: Callable[[object], str] = str
    numeric: bool = True


def html_table(
    frame: pd.DataFrame,
    columns: Sequence[Column],
    caption: str | None = None,
    total: dict[str, str] | None = None,
    row_class: Callable[[dict], str | None] | None = None,
) -> str:
    """Render a small frame as an HTML table (numbers right-aligned, negatives marked).

    Parameters
    ----------
    frame : DataFrame
        Rows to show; keep it small (the report never lists more than a few dozen rows).
    columns : sequence of Column
    caption : str, optional
    total : dict, optional
        Already formatted cells of a closing total row, by column name.
    row_class : callable, optional
        Record -> CSS class of its row (``"total"``, ``"subtotal"``) or None.
    """
    head = "".join(f'<th scope="col"{_num_class(c)}>{escape(c.header)}</th>' for c in columns)
    rows = []
    for record in frame.to_dict("records"):
        cells = "".join(_cell(c, c.render(record.get(c.name))) for c in columns)
        css = row_class(record) if row_class else None
        rows.append(f'<tr class="{css}">{cells}</tr>' if css else f"<tr>{cells}</tr>")
    foot = ""
    if total is not None:
        cells = "".join(_cell(c, total.get(c.name, "")) for c in columns)
        foot = f'<tfoot><tr class="total">{cells}</tr></tfoot>'
    cap = f"<caption>{escape(caption)}</caption>" if caption else ""
    css = ' class="wide"' if len(columns) > 9 else ""
    return (
        f'<div class="table-wrap"><table{css}>{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody>{foot}</table></div>"
    )


def _num_class(column: Column) -> str:
    return ' class="num"' if column.numeric else ""


def _cell(column: Column, text: str) -> str:
    body = signed(text) if column.numeric else escape(text)
    return f"<td{_num_class(column)}>{body}</td>"
