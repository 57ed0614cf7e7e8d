"""The run's holdout check of the lifetime-value model (clv_tracking, clv_calibration,
clv_holdout_errors) against purchases counted independently with pandas, and its report charts.

Company: generate_company(800 customers, 24 months, seed 4), run as of its last day
2024-12-31. Conventions counted here by hand (profitlens.clv.summary): a purchase is a
customer's day with invoice lines whose net revenue is not negative (same-day lines merged,
negative days are returns, not purchases); the first purchase is not a repeat; the holdout
check uses the customers whose first purchase is on or before the calibration end, which is the
as-of date minus a third of the days since the first invoice (rounded down).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from profitlens.generate import generate_company
from profitlens.pipeline.stages import run

AS_OF = dt.date(2024, 12, 31)


@pytest.fixture(scope="module")
def company(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("holdout")
    data, out = root / "data", root / "out"
    generate_company(data, customers=800, months=24, seed=4)
    run(data, out, as_of=AS_OF)
    return data, out


@pytest.fixture(scope="module")
def expected(company) -> dict:
    """Calibration end and purchase counts, from invoice_lines with pandas only."""
    data, _ = company
    lines = pd.read_parquet(data / "invoice_lines.parquet")
    lines["invoice_date"] = pd.to_datetime(lines["invoice_date"])
    lines = lines[lines["invoice_date"] <= pd.Timestamp(AS_OF)]
    days = lines.groupby(["customer_id", "invoice_date"], as_index=False)["revenue"].sum()
    days = days[days["revenue"] >= 0]
    days["first"] = days.groupby("customer_id")["invoice_date"].transform("min")
    span = (pd.Timestamp(AS_OF) - lines["invoice_date"].min()).days
    cal_end = pd.Timestamp(AS_OF) - pd.Timedelta(days=span // 3)
    cohort = days[days["first"] <= cal_end]
    repeats = cohort[cohort["invoice_date"] > cohort["first"]]
    return {
        "calibration_end": cal_end,
        "span": span,
        "cohort": cohort["customer_id"].nunique(),
        "start": cohort["first"].min(),
        "repeat_dates": np.sort(repeats["invoice_date"].to_numpy()),
        "calibration_repeats": int((repeats["invoice_date"] <= cal_end).sum()),
        "holdout_repeats": int((repeats["invoice_date"] > cal_end).sum()),
        "frequency": repeats[repeats["invoice_date"] <= cal_end]
        .groupby("customer_id")
        .size()
        .reindex(cohort["customer_id"].unique(), fill_value=0),
    }


def test_holdout_tables_are_written(company, expected):
    _, out = company
    errors = pd.read_parquet(out / "clv_holdout_errors.parquet")
    assert len(errors) == 1
    e = errors.iloc[0]
    assert expected["span"] == 730  # 2023-01-01 .. 2024-12-31
    assert (
        pd.Timestamp(e["calibration_end"])
        == expected["calibration_end"]
        == pd.Timestamp("2024-05-02")
    )  # 730 // 3 = 243 days before the as-of date
    assert pd.Timestamp(e["observation_end"]) == pd.Timestamp(AS_OF)
    assert e["time_unit"] == "week"
    info = json.loads((out / "run_info.json").read_text())
    assert "clv_holdout" not in info["notes"]
    assert e["model"] in {"bgnbd", "mbgnbd", "pareto"}


def test_tracking_counts_repeat_purchase_days(company, expected):
    _, out = company
    track = pd.read_parquet(out / "clv_tracking.parquet")
    # the last row is the as-of date; its cumulative count holds the calibration and the
    # holdout repeats of the calibration customers
    assert pd.Timestamp(track["date"].iloc[-1]) == pd.Timestamp(AS_OF)
    assert expected["holdout_repeats"] > 1000 and expected["calibration_repeats"] > 1000
    assert track["actual"].iloc[-1] == expected["calibration_repeats"] + expected["holdout_repeats"]
    # every week: repeat purchase days on or before that date (whole-day steps from the start)
    assert pd.Timestamp(track["date"].iloc[0]) == expected["start"]
    dates = pd.to_datetime(track["date"]).dt.normalize().to_numpy()
    counted = np.searchsorted(expected["repeat_dates"], dates, side="right")
    np.testing.assert_array_equal(track["actual"].to_numpy(), counted.astype(float))
    # holdout repeats = cumulative at the as-of date minus cumulative at the calibration end
    at_cal_end = np.searchsorted(
        expected["repeat_dates"], expected["calibration_end"].to_datetime64(), side="right"
    )
    assert track["actual"].iloc[-1] - at_cal_end == expected["holdout_repeats"]
    assert set(
        track.loc[pd.to_datetime(track["date"]) > expected["calibration_end"], "period"]
    ) == {"holdout"}
    assert (np.diff(track["model"]) >= 0).all()


def test_errors_and_calibration_by_frequency(company, expected):
    _, out = company
    e = pd.read_parquet(out / "clv_holdout_errors.parquet").iloc[0]
    assert e["customers"] == expected["cohort"]
    assert e["actual_total"] == expected["holdout_repeats"]
    assert e["total_error_pct"] == pytest.approx(
        (e["predicted_total"] - e["actual_total"]) / e["actual_total"] * 100
    )
    assert 0 <= e["mae"] <= e["rmse"]
    cal = pd.read_parquet(out / "clv_calibration.parquet")
    assert cal["customers"].sum() == expected["cohort"]
    groups = np.minimum(expected["frequency"], 7).value_counts().sort_index()
    assert cal["frequency"].tolist() == groups.index.tolist()
    assert cal["customers"].tolist() == groups.tolist()
    assert cal["label"].iloc[-1] == "7+"
    # customer-weighted mean of the groups' actual means = holdout purchases per customer
    assert (cal["actual"] * cal["customers"]).sum() == pytest.approx(expected["holdout_repeats"])
    assert (cal["model"] * cal["customers"]).sum() == pytest.approx(e["predicted_total"])


def test_report_shows_holdout_charts(company):
    from profitlens.report import write_report

    _, out = company
    html = write_report(out).read_text("utf-8")
    section = re.search(r'<section id="clv">(.*?)</section>', html, re.S).group(1)
    assert 'aria-label="Cumulative repeat purchases, actual and model"' in section
    assert (
        'aria-label="Mean holdout purchases by calibration frequency, actual and model"' in section
    )
    assert "<h3>Holdout errors</h3>" in section
    e = pd.read_parquet(out / "clv_holdout_errors.parquet").iloc[0]
    assert f"{e['total_error_pct']:.1f}%" in section
    assert "refitted on the purchases up to 2024-05-02" in section


def test_short_history_is_noted(tmp_path):
    """The tiny example spans 2026-01-15 .. 2026-03-31: 75 days, 10.7 weeks < 24."""
    data = Path(__file__).parents[1] / "data" / "tiny"
    info = run(data, tmp_path / "out", as_of=dt.date(2026, 3, 31))
    note = info["notes"]["clv_holdout"]
    assert "10.7 weeks, shorter than the 24 weeks" in note
    assert not (tmp_path / "out" / "clv_tracking.parquet").exists()
