"""No leakage: what happens after a past prospect's created_on never reaches its inputs."""

from __future__ import annotations

import shutil

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from profitlens.pipeline.stages import contract_tables, load_data
from profitlens.prospects import attribute_frame, prospect_history, run_outcomes
from profitlens.prospects.scoring import OUTCOME_COLUMNS

NO_CLV = ibis.memtable(
    pd.DataFrame({"customer_id": pd.Series([], dtype=str), "p_alive": pd.Series([], dtype=float)})
)


def _history(folder):
    staged = load_data(folder)
    contract = contract_tables(staged)
    return prospect_history(contract, run_outcomes(contract, NO_CLV)).set_index("prospect_id")


def test_later_events_change_outcomes_but_never_inputs(company, tmp_path):
    changed = tmp_path / "changed"
    shutil.copytree(company, changed, ignore=shutil.ignore_patterns("truth"))
    prospects = pd.read_parquet(company / "prospects.parquet")
    created = prospects.set_index("prospect_id").created_on
    acts = pd.read_parquet(company / "activities.parquet")
    later = acts.prospect_id.notna() & (
        pd.to_datetime(acts.occurred_on) > pd.to_datetime(acts.prospect_id.map(created))
    )
    acts.loc[later, "minutes"] = 999.0  # every later pursuit activity
    pq.write_table(pa.Table.from_pandas(acts, preserve_index=False), changed / "activities.parquet")
    lines = pd.read_parquet(company / "invoice_lines.parquet")
    won = set(prospects.converted_customer_id.dropna())
    lines.loc[lines.customer_id.isin(won), "revenue"] *= 3.0  # the won customers' invoices
    pq.write_table(
        pa.Table.from_pandas(lines, preserve_index=False), changed / "invoice_lines.parquet"
    )

    before, after = _history(company), _history(changed)
    past = before.index[before.status != "open"]
    inputs = [
        attribute_frame(h.reset_index().drop(columns=list(OUTCOME_COLUMNS))).loc[past]
        for h in (before, after)
    ]
    pd.testing.assert_frame_equal(inputs[0], inputs[1])
    assert list(inputs[0].columns) == [
        "segment",
        "industry",
        "region",
        "channel",
        "employees",
        "annual_revenue",
    ]
    # the change is real: the outcomes the rows learn from did move
    assert later.sum() > 100
    assert (after.loc[past, "pursuit_cost"] > before.loc[past, "pursuit_cost"] + 1).mean() > 0.5
    was_won = before.status == "won"
    assert np.all(after.operating_profit[was_won] > before.operating_profit[was_won])
