"""Chart rendering to inline SVG and the section registry."""

import re

import altair as alt
import pandas as pd

from profitlens.report import charts, render_report
from profitlens.report.sections import SECTIONS, paragraph, register


def test_to_svg_is_inline_and_prefixed():
    curve = pd.DataFrame({"customer_share": [0.0, 0.5, 1.0], "profit_share": [0.0, 1.2, 1.0]})
    svg = charts.to_svg(charts.whale_curve_chart(curve, "Peak"), 'a "quoted" <label>', "w1")
    assert svg.startswith('<svg role="img" aria-label="a &quot;quoted&quot; &lt;label&gt;"')
    assert "xmlns" not in svg and "http" not in svg


def test_to_svg_prefixes_ids_so_charts_can_share_a_page():
    clipped = (
        alt.Chart(pd.DataFrame({"x": [1, 2], "y": [1, 5]}))
        .mark_line(clip=True)
        .encode(x=alt.X("x:Q", scale=alt.Scale(domain=[0, 1.5])), y="y:Q")
    )
    first, second = (charts.to_svg(clipped, "c", p) for p in ("a1", "a2"))
    ids = re.findall(r'\bid="([^"]+)"', first + second)
    refs = re.findall(r"url\(#([^)]+)\)", first + second)
    assert len(ids) == 2 and ids[0].startswith("a1-clip") and ids[1].startswith("a2-clip")
    assert refs == ids


def test_registered_section_appears_only_with_its_table(tiny_out):
    @register("extra", "Extra", requires=("customer_extra",), order=85)
    def extra(ctx):
        frame = ctx.folder.table("customer_extra", ["customer_id", "x"])
        return paragraph(f"extra total {ctx.fmt.number(frame['x'].sum())}")

    try:
        assert 'id="extra"' not in render_report(tiny_out)
        pd.DataFrame({"customer_id": ["A"], "x": [2.5]}).to_parquet(
            tiny_out / "customer_extra.parquet"
        )
        html = render_report(tiny_out)
        assert "extra total 2.50" in html
        assert html.index('id="capacity"') < html.index('id="extra"') < html.index('id="quality"')
        assert '<a href="#extra">Extra</a>' in html
    finally:
        SECTIONS.pop("extra")


def test_charts_drawn_in_the_pool_are_put_in_place(tiny_out):
    from concurrent.futures import ThreadPoolExecutor

    from profitlens.report.formatting import NumberFormat
    from profitlens.report.outputs import OutputFolder
    from profitlens.report.sections import ReportContext

    folder = OutputFolder(tiny_out)
    curve = pd.DataFrame({"customer_share": [0.0, 0.5, 1.0], "profit_share": [0.0, 1.2, 1.0]})
    chart = charts.whale_curve_chart(curve, "Peak")

    def page(pool):
        ctx = ReportContext(folder, NumberFormat("EUR"), pd.DataFrame(), None, pool=pool)
        html = ctx.finish(ctx.chart(chart, "first") + ctx.chart(chart, "second", note="n"))
        return html, ctx.profit_by_period

    with ThreadPoolExecutor(max_workers=2) as pool:
        drawn, by_period = page(pool)
    at_once, computed = page(None)
    assert drawn == at_once and "<!--" not in drawn and drawn.count("<svg") == 2
    pd.testing.assert_frame_equal(by_period, computed)
