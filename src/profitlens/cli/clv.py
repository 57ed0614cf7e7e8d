"""``profitlens clv``: fit a lifetime-value model at a calibration date, validate it, value customers."""

from __future__ import annotations

import json
import math
from pathlib import Path

import typer

from ..errors import ProfitlensError

MODELS = ("auto", "bgnbd", "mbgnbd", "pareto")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def clv(
    data_dir: Path = typer.Argument(
        ...,
        help="Folder with costmodel.yaml, customers and "
        "invoice_lines (and optionally the cost tables).",
    ),
    calibration_end: str = typer.Option(
        ..., "--calibration-end", help="Last day of the calibration period, YYYY-MM-DD."
    ),
    time_unit: str = typer.Option("week", "--time-unit", help="day, week or month."),
    model: str = typer.Option(
        "auto", "--model", help="bgnbd, mbgnbd, pareto, or auto (best held-out log-likelihood)."
    ),
    out: Path = typer.Option(Path("profitlens-clv"), "--out", "-o", help="Output folder."),
    horizon_months: int = typer.Option(36, "--horizon-months", help="Months valued."),
) -> None:
    """Fit a lifetime-value model on purchases up to a date, check it on the later ones, and
    write clv_model.json, customer_clv.csv and the validation charts.

    Example: profitlens clv ./data --calibration-end 1997-09-30 --time-unit week --out ./clv
    """
    from profitlens.pipeline.stages import contract_tables, load_data

    from ..clv.cost_to_serve import customer_cost_to_serve
    from ..clv.summary import (
        TIME_UNITS,
        _as_date,
        calibration_holdout_summary,
        in_customer_order,
        purchases,
    )
    from ..clv.validation import calibration_by_frequency, holdout_errors, tracking_data
    from ..clv.value import fit_lifetime_value

    if model not in MODELS:
        raise ProfitlensError(f"--model must be one of {', '.join(MODELS)}, not {model!r}")
    if time_unit not in TIME_UNITS:
        raise ProfitlensError(
            f"--time-unit must be one of {', '.join(TIME_UNITS)}, not {time_unit!r}"
        )
    try:
        cal_end = _as_date(calibration_end)
    except ValueError as exc:
        raise ProfitlensError(f"--calibration-end: {exc}") from None
    staged = load_data(Path(data_dir))
    if cal_end > staged.as_of:
        raise ProfitlensError(
            f"--calibration-end {cal_end} is after the last data date {staged.as_of}"
        )
    lines = staged.tables["invoice_lines"]
    contract = contract_tables(staged)
    costs = customer_cost_to_serve(
        contract.tables["customer_pnl"], staged.tables["customers"], cal_end, staged.model.period
    ).execute()
    try:
        result = fit_lifetime_value(
            lines,
            costs,
            staged.model.annual_discount_rate,
            as_of=cal_end,
            time_unit=time_unit,
            model=model,
            horizon_months=horizon_months,
            period=staged.model.period,
        )
    except ValueError as exc:
        raise ProfitlensError(str(exc)) from None

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    report = {
        "calibration_end": cal_end.isoformat(),
        "time_unit": time_unit,
        "currency": staged.model.currency,
        "transaction_model": result.transaction_model.to_dict(),
        "revenue_model": result.revenue_model.to_dict(),
        "margin_model": result.margin_model.to_dict(),
        "selection": None
        if result.selection is None
        else {
            "chosen": result.selection.chosen,
            "heldout_mean_log_likelihood": result.selection.scores,
            "n_train": result.selection.n_train,
            "n_test": result.selection.n_test,
        },
        "settings": result.settings,
    }
    if staged.as_of > cal_end:
        summary = in_customer_order(
            calibration_holdout_summary(lines, cal_end, staged.as_of, time_unit).execute()
        )
        tm = result.transaction_model
        report["validation"] = {
            "observation_end": staged.as_of.isoformat(),
            **holdout_errors(summary, tm),
        }
        from ..clv.plots import calibration_by_frequency_chart, tracking_chart

        track = tracking_data(purchases(lines).execute(), tm, staged.as_of, time_unit, cal_end)
        tracking_chart(track, unit=time_unit).save(out / "clv_tracking.html")
        calibration_by_frequency_chart(calibration_by_frequency(summary, tm)).save(
            out / "clv_calibration_by_frequency.html"
        )
        track.to_csv(out / "clv_tracking.csv", index=False)
    (out / "clv_model.json").write_text(json.dumps(_jsonable(report), indent=2) + "\n")
    result.table.to_csv(out / "customer_clv.csv", index=False)
    typer.echo(
        f"{result.transaction_model!r}\nwrote {out / 'clv_model.json'} and "
        f"{out / 'customer_clv.csv'} ({len(result.table)} customers)"
    )
