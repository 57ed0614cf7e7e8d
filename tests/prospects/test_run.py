"""End to end: `profitlens run` writes prospect_scores, `profitlens prospects` lists them, and
bad input scores or says why not."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from profitlens.cli import app
from profitlens.pipeline.stages import run
from profitlens.prospects.scoring import SCORE_COLUMNS


def test_run_writes_one_score_per_open_prospect(company, company_run):
    out, info = company_run
    scores = pd.read_parquet(out / "prospect_scores.parquet")
    truth = pd.read_parquet(company / "truth" / "prospect_value.parquet")
    assert list(scores.columns) == list(SCORE_COLUMNS)
    assert set(scores.prospect_id) == set(truth.prospect_id[truth.status == "open"])
    assert "prospects" not in info["notes"]
    er = scores.p_convert * scores.expected_lifetime_profit - scores.expected_pursuit_cost
    # outputs are kept to the millionth, p_convert too: its rounding times the lifetime profit
    slack = 1e-6 * scores.expected_lifetime_profit.abs() + 1e-5
    assert ((scores.expected_return - er).abs() <= slack).all()
    assert ((scores.recommendation == "skip") == (scores.expected_return <= 0)).all()
    assert set(scores.recommendation) <= {"pursue", "deprioritise", "skip"}
    assert scores.p_convert.between(0, 1).all() and (scores.expected_pursuit_cost >= 0).all()
    assert scores.reasons.str.contains("convert 1 in").all()


def test_cli_lists_the_best_first(company_run):
    out, _ = company_run
    scores = pd.read_parquet(out / "prospect_scores.parquet")
    best = scores.sort_values("expected_return", ascending=False).prospect_id.iloc[0]
    result = CliRunner().invoke(app, ["prospects", str(out), "--top", "3"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert best in result.output and "3 of" in result.output
    result = CliRunner().invoke(app, ["prospects", str(out), "--recommendation", "maybe"])
    assert result.exit_code == 2 and "unknown recommendation" in result.output


def _copy(company, tmp_path):
    folder = tmp_path / "data"
    shutil.copytree(company, folder, ignore=shutil.ignore_patterns("truth"))
    return folder


def _rewrite(folder, name, frame):
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), folder / f"{name}.parquet")


def test_without_optional_columns_and_with_unseen_values(company, tmp_path):
    folder = _copy(company, tmp_path)
    prospects = pd.read_parquet(folder / "prospects.parquet")
    is_open = prospects.converted_customer_id.isna() & prospects.closed_on.isna()
    bare = prospects[
        ["prospect_id", "created_on", "converted_customer_id", "closed_on", "industry"]
    ].copy()
    bare.loc[is_open, "industry"] = "aerospace"  # never seen in training
    bare["tier"] = np.where(np.arange(len(bare)) % 2, "gold", "silver")  # a user's column
    _rewrite(folder, "prospects", bare)
    run(folder, tmp_path / "out", database=False)
    scores = pd.read_parquet(tmp_path / "out" / "prospect_scores.parquet")
    assert set(scores.prospect_id) == set(prospects.prospect_id[is_open])
    assert np.isfinite(scores.expected_return).all()


def test_too_little_history_is_a_note(company, tmp_path):
    folder = _copy(company, tmp_path)
    prospects = pd.read_parquet(folder / "prospects.parquet")
    past = prospects.converted_customer_id.notna() | prospects.closed_on.notna()
    kept = prospects[~past | (np.cumsum(past) <= 12)]
    _rewrite(folder, "prospects", kept)
    acts = pd.read_parquet(folder / "activities.parquet")
    _rewrite(
        folder,
        "activities",
        acts[acts.prospect_id.isna() | acts.prospect_id.isin(kept.prospect_id)],
    )
    info = run(folder, tmp_path / "out", database=False)
    assert "12 past prospects" in info["notes"]["prospects"]
    assert not (tmp_path / "out" / "prospect_scores.parquet").exists()
    assert json.loads((tmp_path / "out" / "run_info.json").read_text())["notes"]["prospects"]
    result = CliRunner().invoke(app, ["prospects", str(tmp_path / "out")], env={"COLUMNS": "250"})
    assert result.exit_code == 0 and "fewer than the 20 needed" in result.output


def test_report_section_lists_the_best_prospects(company_run, tmp_path):
    from profitlens.report.sections import prospects as section

    out, _ = company_run
    scores = pd.read_parquet(out / "prospect_scores.parquet")
    chart = section.value_effort_chart(scores, "EUR").to_dict()
    assert len(chart["layer"]) == 2  # the diagonal and the prospects
    shutil.copytree(out, tmp_path / "out")
    from profitlens.report import write_report

    write_report(tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    start = page.index('id="prospects"')
    part = page[start : page.index("</section>", start)]
    best = scores.sort_values("expected_return", ascending=False).prospect_id.iloc[0]
    assert "Expected value of each open prospect against its pursuit cost" in part
    assert f"{len(scores)} open prospects" in part and best in part
