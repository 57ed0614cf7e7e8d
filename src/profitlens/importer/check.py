"""What ``profitlens run`` will make of an imported data folder: rows used and quarantined.

The import's last step is the run's own load+validate stage (:func:`profitlens.pipeline.stages.
load_data`), so the user sees the quarantine before the first run, with its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis
import pandas as pd

from profitlens.pipeline.stages import load_data


@dataclass
class Validation:
    """Rows read, used and quarantined per table, and the quarantine's reasons.

    Attributes
    ----------
    rows : dict of str to dict of str to int
        ``{"customers": {"read": 10, "used": 9, "quarantined": 1}, ...}``.
    reasons : pandas.DataFrame
        table, reason, rows (distinct rows with that reason), most frequent first.
    """

    rows: dict[str, dict[str, int]]
    reasons: pd.DataFrame

    @property
    def quarantined_share(self) -> float:
        """Quarantined rows over rows read, all tables together."""
        read = sum(c["read"] for c in self.rows.values())
        return sum(c["quarantined"] for c in self.rows.values()) / read if read else 0.0


def validate_folder(data_dir: Path) -> Validation:
    """Stage ``data_dir`` as ``profitlens run`` would and count what it sets aside.

    Raises
    ------
    ProfitlensError
        As :func:`profitlens.pipeline.stages.load_data` (e.g. a cost model with placeholders left).
    """
    staged = load_data(Path(data_dir))
    distinct = staged.quarantine.select("table", "row", "reason").distinct()
    reasons = (
        distinct.group_by(["table", "reason"])
        .agg(rows=distinct.row.count())
        .order_by(["table", ibis.desc("rows")])
        .execute()
    )
    return Validation(staged.row_counts(), reasons)
