"""The dashboard in a real browser: Playwright driving Debian's headless Chromium.

The tests start the server themselves (``live_server``), click through the pages as an analyst
would and check the figures on screen against the run's output tables. Each page is saved as
a screenshot in ``tests/serve/screenshots/`` (not committed) to be looked at.

Playwright's own browser download cannot work offline, so the browser is Debian's
``chromium-headless-shell`` (``make test`` installs it when it can); without it these tests
skip, and the end of the test run says so.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

BROWSER = Path(os.environ.get("PROFITLENS_BROWSER", "/usr/bin/chromium-headless-shell"))
SHOTS = Path(__file__).parent / "screenshots"
MINUS = "\u2212"

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
pytestmark = pytest.mark.skipif(
    not BROWSER.is_file(),
    reason=f"BROWSER TESTS SKIPPED: {BROWSER} is missing; install Debian's "
    "chromium-headless-shell (make browser) to run them",
)


@pytest.fixture(scope="module")
def page():
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(BROWSER), args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        yield context.new_page()
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def amount(text: str) -> float:
    """A figure as shown (``1,234.50``, ``−244.39``, ``807.70 EUR``) as a number."""
    return float(text.split()[0].replace(",", "").replace(MINUS, "-"))


def table(out: Path, name: str) -> list[dict]:
    with open(out / f"{name}.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_portfolio_shows_the_runs_totals(page, live_server, tiny_out):
    page.goto(live_server + "/")
    summary = table(tiny_out, "customer_summary")
    assert page.locator("#h-customers").inner_text() == str(len(summary))
    revenue = sum(float(r["revenue"]) for r in summary)
    profit = sum(float(r["profit"]) for r in summary)
    assert amount(page.locator("#h-revenue").inner_text()) == pytest.approx(revenue, abs=0.005)
    assert amount(page.locator("#h-profit").inner_text()) == pytest.approx(profit, abs=0.005)
    assert page.locator("svg[aria-label^='Whale curve']").count() == 1
    assert page.locator("#segments tbody tr").count() == 2
    assert page.locator("#resources tbody tr").count() == 4
    shot(page, "portfolio")


def test_customers_sort_and_filter(page, live_server, tiny_out):
    page.goto(live_server + "/customers")
    ids = page.locator("#customers tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.customer)"
    )
    assert ids == ["A", "B", "C"]  # by rank
    page.click("#customers thead a[data-sort='profit']")  # ascending
    page.wait_for_url("**sort=profit**")
    first = page.locator("#customers tbody tr").first
    assert first.get_attribute("data-customer") == "C"
    assert amount(first.locator("td[data-col='profit']").inner_text()) == pytest.approx(-244.39)
    shot(page, "customers-by-profit")
    page.select_option("select[name='segment']", "smb")
    page.check("input[name='loss']")
    page.click("#filters button[type='submit']")
    page.wait_for_url("**segment=smb**")
    assert page.locator("#total").inner_text() == "1"
    assert page.locator("#customers tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.customer)"
    ) == ["C"]
    shot(page, "customers-filtered")
    page.fill("input[name='q']", "b")
    page.uncheck("input[name='loss']")
    page.click("#filters button[type='submit']")
    page.wait_for_url("**q=b**")
    assert page.locator("#customers tbody tr").count() == 1


def test_customer_page_and_its_trace(page, live_server, tiny_out):
    page.goto(live_server + "/customers?sort=profit&order=desc")
    page.click("#customers a[href='/customers/A']")
    page.wait_for_url("**/customers/A")
    summary = next(r for r in table(tiny_out, "customer_summary") if r["customer_id"] == "A")
    assert amount(page.locator("#c-profit").inner_text()) == pytest.approx(
        float(summary["profit"]), abs=0.005
    )
    pnl = [r for r in table(tiny_out, "customer_pnl") if r["customer_id"] == "A"]
    for row in pnl:
        for line in ("revenue", "acquisition_cost", "credit_cost", "profit"):
            cell = page.locator(f"#pnl tr[data-line='{line}'] td[data-period='{row['period']}']")
            assert amount(cell.inner_text()) == pytest.approx(float(row[line]), abs=0.005)
    shot(page, "customer-A")
    # follow the trace: January's acquisition cost, 180.00, to its activities and resources
    page.click("#pnl tr[data-line='acquisition_cost'] td[data-period='2026-01'] a")
    page.wait_for_url("**#trace-2026-01-acquisition_cost")
    group = page.locator("tbody#trace-2026-01-acquisition_cost")
    rows = group.locator("tr:not(.total)")
    shown = [[c.strip() for c in r.split("\t")] for r in rows.all_inner_texts()]
    trace = [
        r
        for r in table(tiny_out, "cost_trace")
        if r["customer_id"] == "A" and r["period"] == "2026-01" and r["line"] == "acquisition_cost"
    ]
    assert len(shown) == len(trace) == 3
    for cells, want in zip(shown, trace):
        assert cells[2:4] == [want["activity"], want["resource"]]
        minutes, rate, cost = (amount(c) for c in cells[4:7])
        assert (minutes, rate, cost) == pytest.approx(
            (float(want["minutes"]), float(want["cost_per_minute"]), float(want["cost"]))
        )
        assert minutes * rate == pytest.approx(cost)
    assert amount(group.locator(".trace-total").inner_text()) == pytest.approx(180.0)
    assert "= P&L line" in group.locator("tr.total").inner_text()
    shot(page, "customer-A-trace")


def test_prospects_and_quality(page, live_server):
    page.goto(live_server + "/prospects")
    assert "Not in this run" in page.locator("#not-in-run").inner_text()
    shot(page, "prospects")
    page.goto(live_server + "/quality")
    assert page.locator("#row-counts tbody tr").count() == 6
    shot(page, "quality")


def test_not_found_page(page, live_server):
    response = page.goto(live_server + "/customers/NOPE")
    assert response.status == 404
    assert "NOPE" in page.locator("#error-message").inner_text()
    shot(page, "not-found")
