"""End-to-end: the report on the tiny example's outputs shows the hand-computed figures.

Hand computations (tests/data/report/tiny, the tiny example's expected outputs):
customers A, B, C with lifetime profit 807.70, 135.35, -244.39 and revenue 3,500 + 300 + 300.
- total revenue 4,100.00; total profit 807.70 + 135.35 - 244.39 = 698.66; margin 17.04%
- top 20% = ceil(0.2 x 3) = 1 customer (A): 807.70 / 698.66 = 115.61%
- loss makers: C only, -244.39
- whale peak after A and B: 943.05 / 698.66 = 134.98%; C takes 244.39 of it
- resources: cost 3 x (600 + 1,000 + 6,000 + 3,000) = 31,800; customers 50 + 16 + 16 + 160
  + 30 + 10 + 32.5 = 314.50; pursuits 30; unused 31,800 - 344.50 = 31,455.50
- quarantine: 4 distinct rows of 3 + 2 + 8 + 5 + 9 + 1 = 28 read (14.3%)
"""

from __future__ import annotations

import json
import re
from html import unescape

import pandas as pd
import pytest

from profitlens.errors import ProfitlensError
from profitlens.report import render_report, write_report

MINUS = "\u2212"


def card(html: str, key: str) -> tuple[str, str]:
    """(value, note) of the headline card ``key``, tags stripped."""
    m = re.search(
        rf'data-figure="{key}">.*?<div class="value">(.*?)</div>'
        rf'<div class="note">(.*?)</div>',
        html,
        re.S,
    )
    assert m, key
    return tuple(re.sub(r"<[^>]+>", "", g) for g in m.groups())


def section(html: str, key: str) -> str:
    m = re.search(rf'<section id="{key}">(.*?)</section>', html, re.S)
    assert m, key
    return m.group(1)


def text(fragment: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)))


def test_headline_figures_equal_hand_computed(tiny_html):
    assert card(tiny_html, "revenue")[0] == "4,100.00 EUR"
    assert card(tiny_html, "profit")[0] == "698.66 EUR"
    assert card(tiny_html, "margin")[0] == "17.0%"
    assert card(tiny_html, "customers")[0] == "3"
    value, note = card(tiny_html, "top_share")
    assert value == "115.6%" and "(1 customer)" in note
    value, note = card(tiny_html, "loss_makers")
    assert value == "1" and f"{MINUS}244.39 EUR" in note
    assert card(tiny_html, "reconciliation")[0] == "OK"
    value, note = card(tiny_html, "as_of")
    assert value == "2026-03-31" and "EUR" in note


def test_page_is_self_contained(tiny_html):
    lowered = tiny_html.lower()
    assert "http://" not in lowered and "https://" not in lowered
    assert "<script" not in lowered and "<link" not in lowered and "<img" not in lowered
    assert "@import" not in lowered and "src=" not in lowered
    assert re.findall(r"url\((?!#)", tiny_html) == []
    assert tiny_html.count("<style>") == 1


def test_every_chart_is_inline_svg_with_unique_ids(tiny_html):
    figures = re.findall(r'<figure class="chart">(.{0,20})', tiny_html)
    # waterfall, whale curve, histogram, segments, periods, capacity
    assert len(figures) == 6
    assert all(f.startswith("<svg") for f in figures)
    ids = re.findall(r'\bid="([^"]+)"', tiny_html)
    assert len(ids) == len(set(ids))
    for ref in re.findall(r"url\(#([^)]+)\)", tiny_html):
        assert ref in ids


def test_table_of_contents_links_every_section(tiny_html):
    toc = re.findall(r'<li><a href="#([^"]+)">', tiny_html)
    sections = re.findall(r'<section id="([^"]+)">', tiny_html)
    assert (
        toc
        == sections
        == [
            "pnl",
            "whale",
            "distribution",
            "customers",
            "segments",
            "periods",
            "capacity",
            "quality",
        ]
    )


def test_portfolio_statement(tiny_html):
    body = text(section(tiny_html, "pnl"))
    assert "Gross margin 1,510.00 36.8%" in body
    assert f"Credit {MINUS}311.84 {MINUS}7.6%" in body
    assert "Profit 698.66 17.0%" in body


def test_whale_curve_message(tiny_html):
    body = text(section(tiny_html, "whale"))
    assert "peaks at 135.0% of the total with the most profitable 2 customers" in body
    assert "244.39 EUR of it is lost to the remaining 1 customer" in body


def test_customers_ranked_with_lines(tiny_html):
    body = text(section(tiny_html, "customers"))
    assert "All customers" in body  # 3 customers: one table, not top and bottom ten
    assert body.index(" A enterprise") < body.index(" B smb") < body.index(" C smb")
    assert (
        f"3 C smb 300.00 110.00 15.00 30.00 0.00 0.00 9.00 300.39 0.00 {MINUS}244.39 "
        f"{MINUS}81.5%" in body
    )


def test_segments(tiny_html):
    body = text(section(tiny_html, "segments"))
    # smb: B + C; gross margin 310, profit -109.04, cost to serve 419.04
    assert f"smb 2 1 600.00 310.00 419.04 {MINUS}109.04 {MINUS}18.2% 209.52 {MINUS}54.52" in body
    assert "enterprise 1 0 3,500.00 1,200.00 392.30 807.70 23.1% 392.30 807.70" in body


def test_periods(tiny_html):
    body = text(section(tiny_html, "periods"))
    assert "2026-01 3 1,800.00 900.00 900.00 298.70 601.30 33.4%" in body
    assert f"2026-03 1 0.00 0.00 0.00 3.10 {MINUS}3.10 n/a" in body


def test_capacity_and_reconciliation(tiny_html):
    body = text(section(tiny_html, "capacity"))
    assert "Resources cost 31,800.00 EUR over 3 periods" in body
    assert "314.50 EUR (1.0%) charged to customers" in body
    assert "30.00 EUR to pursuits" in body
    assert "31,455.50 EUR (98.9%) of unused capacity" in body
    assert "sales_team 18,000.00 190.00 30.00 17,780.00 18,000 220 1.2%" in body
    assert "Reconciled. In all 12 resource-periods" in body


def test_quarantine_summary(tiny_html):
    body = text(section(tiny_html, "quality"))
    assert "4 of 28 input rows (14.3%) were quarantined" in body
    assert "every table conserves its rows" in body
    assert "invoice_lines 8 6 2 2 ✓ yes" in body
    assert "invoice_lines duplicate key 1 row 8, invoice_id = 'INV1'" in body
    assert "invoice_lines unknown customer \u2026 1 row 7, customer_id = 'Z'" in body


def test_broken_reconciliation_is_shown(tiny_out):
    recon = pd.read_parquet(tiny_out / "reconciliation.parquet")
    recon.loc[
        (recon["resource"] == "ops_team") & (recon["period"] == "2026-02"), "charged_to_customers"
    ] += 1.0
    recon.to_parquet(tiny_out / "reconciliation.parquet", index=False)
    html = render_report(tiny_out)
    value, note = card(html, "reconciliation")
    assert value == "NOT OK" and "1.00 EUR" in note
    body = text(section(html, "capacity"))
    assert "Not reconciled. 1 of 12 resource-periods" in body
    assert "ops_team 2026-02 1,000.00 1.00" in body


def test_row_count_mismatch_is_shown(tiny_out):
    info = json.loads((tiny_out / "run_info.json").read_text())
    info["rows"]["payments"]["used"] = 5
    (tiny_out / "run_info.json").write_text(json.dumps(info))
    body = text(section(render_report(tiny_out), "quality"))
    assert "row counts do not add up for payments" in body
    assert "payments 5 5 1 1 ✗ no" in body


def test_without_segment_the_section_is_left_out(tiny_out):
    summary = pd.read_parquet(tiny_out / "customer_summary.parquet").drop(columns="segment")
    summary.to_parquet(tiny_out / "customer_summary.parquet", index=False)
    html = render_report(tiny_out)
    assert 'id="segments"' not in html and 'href="#segments"' not in html
    assert card(html, "top_share")[0] == "115.6%"


def test_optional_tables_only_when_present(tiny_out, tiny_html):
    assert 'id="trends"' not in tiny_html and 'id="credit"' not in tiny_html
    pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "trend_status": ["growing", "stable", "growing"],
            "slope": [10.0, 0.0, -3.0],
        }
    ).to_parquet(tiny_out / "customer_trends.parquet")
    body = text(section(render_report(tiny_out), "trends"))
    # a customer_trends of another version: the section names what it lacks
    assert "customer_trends lacks the columns status, turn_period, profit_prior" in body
    assert "rerun `profitlens run`" in body


def test_csv_only_folder(tiny_out):
    for parquet in tiny_out.glob("*.parquet"):
        parquet.unlink()
    html = render_report(tiny_out)
    assert card(html, "profit")[0] == "698.66 EUR"
    assert card(html, "loss_makers")[0] == "1"
    assert 'id="segments"' not in html  # the CSV summary has no segment column


def test_write_report_paths(tiny_out, tmp_path):
    assert write_report(tiny_out) == tiny_out / "report.html"
    elsewhere = write_report(tiny_out, tmp_path / "sub" / "r.html")
    assert elsewhere.read_text("utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in (tmp_path / "sub").iterdir()] == ["r.html"]


def test_not_an_output_folder(tmp_path):
    with pytest.raises(ProfitlensError, match="no such folder"):
        write_report(tmp_path / "missing")
    with pytest.raises(ProfitlensError, match="customer_summary"):
        write_report(tmp_path)


def test_customer_ids_are_escaped(tiny_out):
    summary = pd.read_parquet(tiny_out / "customer_summary.parquet")
    summary.loc[summary["customer_id"] == "C", "customer_id"] = "<b>C&Co</b>"
    summary.to_parquet(tiny_out / "customer_summary.parquet", index=False)
    html = render_report(tiny_out)
    assert "&lt;b&gt;C&amp;Co&lt;/b&gt;" in html and "<b>C&Co" not in html
