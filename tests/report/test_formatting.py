"""Number formats and HTML tables."""

import pandas as pd

from profitlens.report.formatting import Column, NumberFormat, html_table, plural, signed

MINUS = "\u2212"


def test_money_and_numbers():
    f = NumberFormat("EUR", 2)
    assert f.money(1234567.891) == "1,234,567.89 EUR"
    assert f.money(-0.5) == f"{MINUS}0.50 EUR"
    assert f.money(-0.001) == "0.00 EUR"  # rounds to zero: no minus sign
    assert f.money(float("nan")) == "n/a"
    assert f.percent(0.1704) == "17.0%" and f.percent(-0.8149) == f"{MINUS}81.5%"
    assert f.count(1000000) == "1,000,000"


def test_portfolio_decimals():
    assert NumberFormat.for_portfolio("EUR", 999_999.0).decimals == 2
    assert NumberFormat.for_portfolio("EUR", 2_500_000.0).money(1234.5) == "1,234 EUR"


def test_compact():
    f = NumberFormat("EUR", 0)
    assert f.compact(2_250_277_407) == "2.3bn"
    assert f.compact(-135_100_000) == f"{MINUS}135.1m"
    assert f.compact(45_200) == "45k" and f.compact(812.4) == "812"


def test_signed_and_plural():
    assert signed(f"{MINUS}3.10") == f'<span class="neg">{MINUS}3.10</span>'
    assert signed("<x>") == "&lt;x&gt;"
    assert plural(1, "customer") == "1 customer" and plural(1200, "customer") == "1,200 customers"


def test_html_table():
    f = NumberFormat("EUR", 2)
    frame = pd.DataFrame({"who": ["<A>"], "amount": [-5.0]})
    html = html_table(
        frame,
        [Column("who", "Who", str, numeric=False), Column("amount", "Amount", f.number)],
        row_class=lambda r: "total",
    )
    assert '<tr class="total"><td>&lt;A&gt;</td>' in html
    assert f'<td class="num"><span class="neg">{MINUS}5.00</span></td>' in html
