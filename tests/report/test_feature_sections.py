"""The report's trends, credit and lifetime-value sections show the hand-computed figures.

Fixture: the tiny run (tests/data/report/tiny: customers A enterprise, B and C smb, periods
2026-01..03) plus the feature tables of tests/data/report/features (see build_features.py).

Hand computations
-----------------
Portfolio profit per period (customer_pnl): 2026-01 463.45 + 167.85 - 30 = 601.30;
2026-02 347.35 - 32.50 - 214.39 = 100.46; 2026-03 -3.10.
The bridge's windows are one period each: prior 2026-02 (100.46), recent 2026-03 (-3.10).
Bridge (sum of the customers' parts): volume -500 - 110 = -610; price/mix 0; commission
60 + 15 = 75; acquisition 0; sales 30; service 32.50; fulfilment 7 + 9 = 16; credit
2.55 + 300.39 = 302.94; referral 50; 100.46 - 610 + 75 + 30 + 32.50 + 16 + 302.94 + 50 = -3.10.
smb (B + C): prior -32.50 - 214.39 = -246.89, volume -110, commission 15, service 32.50,
fulfilment 9, credit 300.39, recent 0.
Profit at risk: A 1,051.35, C 256.83 (B none): 2 customers, 1,308.18 in total.

Open invoices (open balance above half a cent): I1 current 1,000 (ECL 2), I4 1-30 300 (3),
I2 31-60 500 (15), I3 over 90 200 (50): 4 invoices, 2,000 open, ECL 70 = 3.50%; overdue
(days past due > 0) 300 + 500 + 200 = 1,000 = 50.0%. Shares 50%, 15%, 25%, 0%, 10%.
enterprise (A): 1,500 open, 500 overdue, ECL 17, coverage 1.13%;
smb (B, C): 500 open, 500 overdue, ECL 53, coverage 10.60%.
Liabilities: C (exposure 300) then B (180): 2 customers, 480 of exposure.

Lifetime value: A 1,200, B -150.50 (C none): 1,049.50 in total against profit to date
807.70 + 135.35 = 943.05; 1 of 2 negative (50.0%), -150.50.
"""

from __future__ import annotations

import json
import re
from html import unescape

import pandas as pd
import pytest

from profitlens.report import render_report
from profitlens.report.formatting import NumberFormat
from profitlens.report.sections.credit import provision_matrix_table, reason_counts
from profitlens.report.sections.trends import (
    bridge_steps,
    bridge_table,
    comparison_windows,
    status_counts,
)
from profitlens.trends.sections import profit_bridge

MINUS = "\u2212"


def section(html: str, key: str) -> str:
    m = re.search(rf'<section id="{key}">(.*?)</section>', html, re.S)
    assert m, key
    return m.group(1)


def text(fragment: str) -> str:
    """Visible text outside the charts, whitespace collapsed."""
    fragment = re.sub(r"<svg.*?</svg>", " ", fragment, flags=re.S)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment))).strip()


def tables(fragment: str) -> list[list[list[str]]]:
    """Every table of ``fragment`` as rows of cell texts (header row included)."""
    out = []
    for table in re.findall(r"<table.*?</table>", fragment, re.S):
        rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S)
        out.append(
            [[text(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]
        )
    return out


def table_after(fragment: str, heading: str, index: int = 0) -> list[list[str]]:
    """The ``index``-th table after the ``<h3>`` titled ``heading``."""
    start = fragment.index(f"<h3>{heading}</h3>")
    return tables(fragment[start:])[index]


def chart_labels(svg: str) -> list[str]:
    """Texts of a chart's text marks (not its axes), in drawing order."""
    groups = re.findall(r'<g class="mark-text role-mark[^"]*"[^>]*>(.*?)</g>', svg, re.S)
    return [unescape(t) for g in groups for t in re.findall(r"<text[^>]*>([^<]*)</text>", g)]


def m(x: str) -> str:
    """Write hand-computed negatives with the report's minus sign (periods keep their dash)."""
    return re.sub(r"(?<![\w-])-(?=\d)", MINUS, x)


# ---------------------------------------------------------------- trends


def test_trends_lead(features_html):
    body = text(section(features_html, "trends"))
    assert (
        m(
            "Customers earned -3.10 EUR of profit in the recent window (2026-03) against "
            "100.46 EUR in the prior one (2026-02), a change of -103.56 EUR"
        )
        in body
    )
    assert (
        m("Credit added the most (+302.94 EUR); volume took the most away ( -610.00 EUR )") in body
    )
    assert (
        "2 customers have profit at risk, 1,308.18 EUR over the next three periods; "
        "1 customer turned unprofitable." in body
    )


def test_bridge_table_by_segment_and_portfolio(features_html):
    rows = table_after(section(features_html, "trends"), "Bridge of the profit change")
    assert rows[0] == [
        "Segment",
        "Customers",
        "Prior profit",
        "Volume",
        "Price / mix",
        "Commission",
        "Acquisition",
        "Sales",
        "Service",
        "Fulfilment",
        "Credit",
        "Referral",
        "Recent profit",
    ]
    assert rows[1] == m(
        "enterprise 1 347.35 -500.00 0.00 60.00 0.00 30.00 0.00 7.00 2.55 50.00 -3.10"
    ).split(" ")
    assert rows[2] == m(
        "smb 2 -246.89 -110.00 0.00 15.00 0.00 0.00 32.50 9.00 300.39 0.00 0.00"
    ).split(" ")
    assert rows[3] == ["All customers"] + m(
        "3 100.46 -610.00 0.00 75.00 0.00 30.00 32.50 16.00 302.94 50.00 -3.10"
    ).split(" ")


def test_bridge_chart_shows_the_table_values(features_html):
    fragment = section(features_html, "trends")
    svg = re.findall(r"<svg.*?</svg>", fragment[fragment.index("Bridge of the profit") :], re.S)[0]
    assert 'aria-label="Bridge of portfolio profit' in svg
    # the portfolio row of the table, rounded to whole euros, with a sign on the parts
    assert chart_labels(svg) == m("100 -610 0 +75 0 +30 +32 +16 +303 +50 -3").split(" ")


def test_bridge_steps_run_from_prior_to_recent():
    trends = pd.read_parquet("tests/data/report/features/customer_trends.parquet")
    steps = bridge_steps(profit_bridge(trends), NumberFormat("EUR", 2))
    assert steps["label"].tolist() == [
        "Prior profit",
        "Volume",
        "Price / mix",
        "Commission",
        "Acquisition",
        "Sales",
        "Service",
        "Fulfilment",
        "Credit",
        "Referral",
        "Recent profit",
    ]
    assert steps["amount"].round(2).tolist() == [
        100.46,
        -610.0,
        0.0,
        75.0,
        0.0,
        30.0,
        32.5,
        16.0,
        302.94,
        50.0,
        -3.10,
    ]
    # each part's bar starts where the previous one ended; totals stand on zero
    assert steps.loc[1, "start"] == pytest.approx(100.46)
    assert steps["start"].iloc[2:10].round(2).tolist() == steps["end"].iloc[1:9].round(2).tolist()
    assert steps.loc[9, "end"] == pytest.approx(-3.10)
    assert steps.loc[0, "start"] == 0 and steps.loc[10, "start"] == 0
    assert steps.loc[10, "end"] == pytest.approx(-3.10)


def test_bridge_table_function_keeps_customers_without_segment():
    trends = pd.read_parquet("tests/data/report/features/customer_trends.parquet")
    trends["segment"] = ["enterprise", "(none)", "(none)"]
    table = bridge_table(trends, profit_bridge(trends))
    assert table["segment"].tolist() == ["enterprise", "(none)", "All customers"]
    assert table["customers"].tolist() == [1, 2, 3]
    assert (
        table.iloc[:2, 2:].sum().round(2).tolist()
        == table.iloc[2, 2:].astype(float).round(2).tolist()
    )


def test_windows_are_found_from_the_period_totals():
    by_period = pd.DataFrame(
        {"period": ["2026-01", "2026-02", "2026-03"], "profit": [601.30, 100.46, -3.10]}
    )
    assert comparison_windows(by_period, 100.46, -3.10) == (["2026-02"], ["2026-03"])
    # windows of two periods (the prior one reaching before the first period)
    assert comparison_windows(by_period, 601.30, 97.36) == (["2026-01"], ["2026-02", "2026-03"])
    assert comparison_windows(by_period, 5.0, -3.10) is None


def test_period_chart_shades_the_windows(features_html):
    fragment = section(features_html, "trends")
    svg = re.findall(r"<svg.*?</svg>", fragment, re.S)[0]
    assert 'aria-label="Portfolio profit per period"' in svg
    assert chart_labels(svg) == ["prior window", "recent window"]
    assert "In the last period 1 of 1 customer with a P&amp;L line made a loss." in fragment


def test_status_counts(features_html):
    rows = table_after(section(features_html, "trends"), "Customers by trend status")
    by_status = {r[0]: r[1:5] for r in rows[1:]}
    assert by_status["Turned unprofitable"] == m("1 33.3% -3.10 1,051.35").split(" ")
    assert by_status["Unprofitable"] == ["2", "66.7%", "0.00", "256.83"]
    assert by_status["New"] == ["0", "0.0%", "0.00", "0.00"]
    assert by_status["Total"] == m("3 100.0% -3.10 1,308.18").split(" ")
    trends = pd.read_parquet("tests/data/report/features/customer_trends.parquet")
    assert status_counts(trends)["status"].tolist()[:6] == [
        "new",
        "profitable",
        "declining",
        "turned_unprofitable",
        "unprofitable",
        "recovered",
    ]


def test_early_warning_list(features_html):
    rows = table_after(section(features_html, "trends"), "Early warning: profit at risk")
    assert rows[0][:5] == ["#", "Customer", "Segment", "Status", "Turned in"]
    assert rows[1:] == [
        m("1|A|enterprise|Turned unprofitable|2026-03|347.35|-3.10|-9.30|1,051.35|Volume|").split(
            "|"
        ),
        m("2|C|smb|Unprofitable||-214.39|0.00|-900.00|256.83|Volume|yes").split("|"),
    ]


def test_trends_without_customer_pnl_has_no_period_chart(features_out):
    (features_out / "customer_pnl.parquet").unlink()
    (features_out / "customer_pnl.csv").unlink()
    fragment = section(render_report(features_out), "trends")
    assert "Profit per period" not in fragment
    assert "in the recent window against 100.46 EUR in the prior one" in text(fragment)
    assert table_after(fragment, "Bridge of the profit change")[3][2] == "100.46"


def test_empty_trends_says_so(features_out):
    trends = pd.read_parquet(features_out / "customer_trends.parquet").iloc[0:0]
    trends.to_parquet(features_out / "customer_trends.parquet", index=False)
    body = text(section(render_report(features_out), "trends"))
    assert "customer_trends is empty" in body


def test_nobody_at_risk(features_out):
    trends = pd.read_parquet(features_out / "customer_trends.parquet")
    trends["profit_at_risk"] = 0.0
    trends.to_parquet(features_out / "customer_trends.parquet", index=False)
    body = text(section(render_report(features_out), "trends"))
    assert "0 customers have profit at risk, 0.00 EUR" in body
    assert "No customer has profit at risk" in body


# ---------------------------------------------------------------- credit


def test_credit_lead(features_html):
    body = text(section(features_html, "credit"))
    assert (
        "Customers owe 2,000.00 EUR on 4 open invoices; 1,000.00 EUR (50.0%) is overdue. "
        "The expected credit loss is 70.00 EUR, 3.50% of the open balance. 2 customers are "
        "flagged as a liability, with 480.00 EUR of credit exposure."
    ) in body


def test_aging_table_and_chart(features_html):
    fragment = section(features_html, "credit")
    rows = table_after(fragment, "Aging of open invoices")
    assert rows == [
        [
            "Days past due",
            "Open invoices",
            "Open balance",
            "Share",
            "Loss rate",
            "Expected credit loss",
        ],
        ["current", "1", "1,000.00", "50.0%", "0.20%", "2.00"],
        ["1-30", "1", "300.00", "15.0%", "1.00%", "3.00"],
        ["31-60", "1", "500.00", "25.0%", "3.00%", "15.00"],
        ["61-90", "0", "0.00", "0.0%", "0.00%", "0.00"],
        ["over 90", "1", "200.00", "10.0%", "25.00%", "50.00"],
        ["Total", "4", "2,000.00", "100.0%", "3.50%", "70.00"],
    ]
    svg = re.findall(r"<svg.*?</svg>", fragment, re.S)[0]
    assert chart_labels(svg) == [
        "1,000 \u00b7 50%",
        "300 \u00b7 15%",
        "500 \u00b7 25%",
        "0 \u00b7 0%",
        "200 \u00b7 10%",
    ]


def test_ecl_by_segment(features_html):
    rows = table_after(section(features_html, "credit"), "Expected credit loss by segment")
    assert rows[1:] == [
        ["smb", "2", "500.00", "500.00", "53.00", "10.60%"],
        ["enterprise", "1", "1,500.00", "500.00", "17.00", "1.13%"],
        ["Total", "3", "2,000.00", "1,000.00", "70.00", "3.50%"],
    ]


def test_provision_matrix(features_html):
    fragment = section(features_html, "credit")
    rows = table_after(fragment, "Provision matrix")
    assert rows == [
        ["Days past due", "All customers", "enterprise", "smb"],
        ["current", "0.30%", "0.20%", "0.50%"],
        ["1-30", "1.00%", "0.80%", "1.00%"],
        ["31-60", "3.00%", "3.00%", "4.00%"],
        ["61-90", "10.00%", "8.00%", "12.00%"],
        ["over 90", "25.00%", "20.00%", "25.00%"],
    ]
    assert "forward-looking" not in fragment


def test_provision_matrix_adjusted_and_without_segments():
    matrix = pd.DataFrame(
        {
            "segment": [None, None],
            "bucket": ["over 30", "current"],
            "bucket_order": [1, 0],
            "loss_rate": [0.2, 0.01],
        }
    )
    table = provision_matrix_table(matrix)
    assert table.columns.tolist() == ["bucket", "All customers"]
    assert table.values.tolist() == [["current", 0.01], ["over 30", 0.2]]


def test_liability_list(features_html):
    fragment = section(features_html, "credit")
    reasons = table_after(fragment, "Customers flagged as a liability", 0)
    assert reasons[1:] == [
        ["ECL above expected margin", "1"],
        ["lateness worsening", "1"],
        ["overdue beyond 60 days", "1"],
    ]
    rows = table_after(fragment, "Customers flagged as a liability", 1)
    assert rows[0][0] == "Customer" and rows[0][-1] == "Reasons"
    assert rows[1:] == [
        ["C", "smb", "300.00", "300.00", "10", "3.00", "100.00", "20.2", "lateness worsening"],
        [
            "B",
            "smb",
            "180.00",
            "200.00",
            "95",
            "50.00",
            "40.00",
            "60.0",
            "overdue beyond 60 days; ECL above expected margin",
        ],
    ]
    assert ">A<" not in fragment[fragment.index("flagged as a liability</h3>") :]


def test_reason_counts_split_combined_reasons():
    liable = pd.DataFrame({"liability_reasons": ["a; b", "b", None, "b; c"]})
    assert reason_counts(liable).values.tolist() == [["b", 3], ["a", 1], ["c", 1]]


def test_credit_from_csv_outputs(features_out):
    for name in ("receivables", "customer_credit", "provision_matrix"):
        (features_out / f"{name}.parquet").unlink()
    fragment = section(render_report(features_out), "credit")
    assert table_after(fragment, "Aging of open invoices")[-1] == [
        "Total",
        "4",
        "2,000.00",
        "100.0%",
        "3.50%",
        "70.00",
    ]
    assert table_after(fragment, "Provision matrix")[1] == ["current", "0.30%", "0.20%", "0.50%"]
    assert [r[0] for r in table_after(fragment, "Customers flagged as a liability", 1)[1:]] == [
        "C",
        "B",
    ]


def test_no_open_invoice_and_no_liability(features_out):
    receivables = pd.read_parquet(features_out / "receivables.parquet")
    receivables["open_balance"] = 0.0
    receivables.to_parquet(features_out / "receivables.parquet", index=False)
    credit = pd.read_parquet(features_out / "customer_credit.parquet")
    credit["liability"] = False
    credit.to_parquet(features_out / "customer_credit.parquet", index=False)
    fragment = section(render_report(features_out), "credit")
    body = text(fragment)
    assert "No invoice is open at the as-of date. No customer is flagged as a liability." in body
    assert table_after(fragment, "Aging of open invoices")[-1] == [
        "Total",
        "0",
        "0.00",
        "0.0%",
        "0.00%",
        "0.00",
    ]


def test_only_customer_credit(features_out):
    for name in ("receivables", "provision_matrix"):
        (features_out / f"{name}.parquet").unlink()
        (features_out / f"{name}.csv").unlink()
    fragment = section(render_report(features_out), "credit")
    assert "Aging" not in fragment and "Provision matrix" not in fragment
    assert text(fragment).startswith("Receivables and credit risk 2 customers are flagged")


# ---------------------------------------------------------------- lifetime value


def test_clv_lead(features_html):
    body = text(section(features_html, "clv"))
    assert (
        "The 2 customers with a lifetime value estimate are expected to bring 1,049.50 EUR "
        "of profit over their remaining lifetime, against 943.05 EUR earned to date. "
        "1 customer (50.0%) has a negative lifetime value"
    ) in body
    assert m("-150.50 EUR in total. 1 customer of customer_summary has no estimate") in body


def test_clv_by_segment(features_html):
    fragment = section(features_html, "clv")
    rows = table_after(fragment, "Lifetime value against profit to date, by segment")
    assert rows[1] == ["enterprise", "1", "807.70", "1,200.00", "807.70", "1,200.00", "0", "0.0%"]
    assert rows[2] == m("smb 1 135.35 -150.50 135.35 -150.50 1 100.0%").split(" ")
    assert rows[3][:4] == ["Total", "2", "943.05", "1,049.50"]
    assert rows[3][5:] == ["524.75", "1", "50.0%"]


def test_clv_top_and_negative_customers(features_html):
    fragment = section(features_html, "clv")
    top = table_after(fragment, "Customers worth most over their lifetime")
    assert [r[0] for r in top[1:]] == ["A", "B"]
    assert top[1] == ["A", "enterprise", "90.0%", "4.2", "5,000.00", "1,200.00", "807.70"]
    worst = table_after(fragment, "Customers destroying most value, worst first")
    assert worst[1:] == [m("B smb 50.0% 0.8 300.00 -150.50 135.35").split(" ")]


def test_clv_from_summary_columns(features_out):
    (features_out / "customer_clv.parquet").unlink()
    (features_out / "customer_clv.csv").unlink()
    summary = pd.read_parquet(features_out / "customer_summary.parquet")
    clv = pd.read_parquet("tests/data/report/features/customer_clv.parquet")
    summary.merge(clv, on="customer_id", how="left").to_parquet(
        features_out / "customer_summary.parquet", index=False
    )
    body = text(section(render_report(features_out), "clv"))
    assert "The 2 customers with a lifetime value estimate are expected to bring 1,049.50" in body


@pytest.mark.parametrize("note", ["too few repeat purchases to fit a model (3 < 10)", None])
def test_empty_clv_says_why(features_out, note):
    clv = pd.read_parquet(features_out / "customer_clv.parquet").iloc[0:0]
    clv.to_parquet(features_out / "customer_clv.parquet", index=False)
    info = json.loads((features_out / "run_info.json").read_text())
    info["notes"] = {"clv": note} if note else {}
    (features_out / "run_info.json").write_text(json.dumps(info))
    body = text(section(render_report(features_out), "clv"))
    if note:
        assert body.endswith(f"Lifetime value was not estimated: {note} Back to top")
    else:
        assert "customer_clv is empty" in body


def test_no_clv_at_all(features_out):
    (features_out / "customer_clv.parquet").unlink()
    (features_out / "customer_clv.csv").unlink()
    html = render_report(features_out)
    assert 'id="clv"' not in html and 'href="#clv"' not in html


def test_sections_in_order(features_html):
    keys = re.findall(r'<section id="(\w+)">', features_html)
    assert (
        keys.index("periods")
        < keys.index("trends")
        < keys.index("credit")
        < keys.index("clv")
        < keys.index("capacity")
    )


def test_unchanged_profit_has_no_driver_sentence(features_out):
    trends = pd.read_parquet(features_out / "customer_trends.parquet")
    trends[[c for c in trends.columns if c.startswith("change_")]] = 0.0
    trends["profit_recent"] = trends["profit_prior"]
    trends.to_parquet(features_out / "customer_trends.parquet", index=False)
    body = text(section(render_report(features_out), "trends"))
    # the windows no longer match customer_pnl's periods, so they are not named
    assert (
        "Customers earned 100.46 EUR of profit in the recent window against 100.46 EUR in "
        "the prior one, a change of 0.00 EUR. 2 customers have profit at risk"
    ) in body
    assert "the bridge's windows do not match these periods' totals, so they are not shaded" in body


def test_count_in_is_pandas_isin():
    from profitlens.report.sections.clv import count_in

    keys = pd.Series(["A", "B", None, "C", "A"], dtype="str")
    for known in (pd.Series(["A", "X"]), pd.Series([], dtype="str"), pd.Series(["C", None])):
        assert count_in(keys, known) == keys.isin(known).sum()


def test_left_join_unique_is_pandas_merge():
    from profitlens.report.sections.clv import left_join_unique

    left = pd.DataFrame({"customer_id": ["C", "A", "X", "B"], "clv": [1.0, 2.0, 3.0, 4.0]})
    right = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C"],
            "segment": ["smb", None, "ent"],
            "profit": [1.5, -2.0, 0.0],
        }
    )
    for r in (right, right.drop(columns="segment").assign(segment=float("nan"))):
        pd.testing.assert_frame_equal(
            left_join_unique(left, r, "customer_id"), left.merge(r, on="customer_id", how="left")
        )
