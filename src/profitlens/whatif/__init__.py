"""What-if scenarios (``profitlens whatif``, DATA_CONTRACT.md section 5.5).

:func:`run_whatif` computes the P&L twice with the one engine
(:func:`profitlens.pipeline.stages.contract_tables`): on the data and cost model as they are, and
on the scenario's (:mod:`.scenario`, :mod:`.apply`), over the same periods, and writes the
comparison (:mod:`.compare`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from profitlens.io.outputs import write_outputs
from profitlens.pipeline.stages import contract_tables, load_data

from ..engine import child, is_uri, read_text
from .apply import scenario_staged
from .compare import comparison_tables
from .scenario import Scenario, read_scenario, scenario_model

__all__ = ["Scenario", "read_scenario", "run_whatif"]


def run_whatif(
    data_dir,
    scenario_file: Path,
    out_dir: Path,
    as_of: dt.date | None = None,
    engine: str = "duckdb",
    progress=None,
) -> dict:
    """Compare the P&L of a scenario with the base P&L and write the comparison.

    Parameters
    ----------
    data_dir : Path or str
        The data folder (as for ``profitlens run``).
    scenario_file : Path
        The scenario YAML (:mod:`profitlens.whatif.scenario`).
    out_dir : Path
        Where ``scenario_comparison`` and ``scenario_totals`` are written (CSV and Parquet).

    Returns
    -------
    dict
        What was compared, also written to ``run_info.json``.

    Raises
    ------
    ScenarioError
        For a scenario file that cannot be used (unknown key, unknown customer, bad value).
    """
    say = progress or (lambda _stage: None)
    scenario = read_scenario(scenario_file)  # a bad scenario stops before any data work
    say("load + validate")
    staged = load_data(data_dir, engine, as_of)
    path = child(data_dir, "costmodel.yaml")
    text = read_text(path, staged.con) if is_uri(path) else Path(path).read_text("utf-8")
    model = scenario_model(text, scenario, scenario_file)
    say("base P&L")
    base = contract_tables(staged)
    say("scenario P&L")
    other = scenario_staged(staged, model, scenario, data_dir, base.calendar, scenario_file)
    changed = contract_tables(other, calendar=base.calendar)
    tables = comparison_tables(base, changed)
    info = {
        "as_of": staged.as_of.isoformat(),
        "currency": staged.model.currency,
        "scenario": str(scenario_file),
        "end_customers": len(scenario.end_customers),
        "price_change": scenario.price_change.model_dump(),
        "cost_model_changes": sorted(scenario.overrides),
    }
    write_outputs(tables, Path(out_dir), info, progress=say, database=False)
    return info
