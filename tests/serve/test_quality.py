"""The quality page lists the quarantine with its reasons."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from profitlens.pipeline.stages import run
from profitlens.serve import create_app

AS_OF = dt.date(2026, 3, 31)


def test_quarantined_rows_are_listed_with_reasons(tiny, tmp_path):
    with open(tiny / "invoice_lines.csv", "a") as fh:
        fh.write("INV9,1,ZZ,2026-02-01,widget,1,10,5\n")  # no customer ZZ
        fh.write("INV10,1,A,not-a-date,widget,1,10,5\n")
    run(tiny, tmp_path / "out", as_of=AS_OF, report=False)
    page = TestClient(create_app(tmp_path / "out")).get("/quality").text
    assert "Rows 1–2 of 2." in page
    assert "ZZ" in page and "not-a-date" in page
    assert "unknown customer" in page.lower()
    counts = page[page.index('id="row-counts"') : page.index("</table>")]
    assert (
        '<td>invoice_lines</td><td class="num">8</td><td class="num">6</td>'
        '<td class="num">2</td>' in counts
    )
