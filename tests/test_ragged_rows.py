"""A CSV row with more or fewer values than the header is quarantined, not the whole run."""

from __future__ import annotations

import datetime as dt

from profitlens.pipeline.stages import load_data


def test_rows_of_the_wrong_length_are_quarantined_in_their_place(tiny):
    lines = (tiny / "customers.csv").read_text().splitlines()
    lines.insert(2, "X,Stray, comma Ltd,smb,food,south,2026-01-05")  # 7 values, not 6
    lines.append("Y,Cut short")
    (tiny / "customers.csv").write_text("\n".join(lines) + "\n")
    staged = load_data(tiny, as_of=dt.date(2026, 3, 31))
    quarantine = staged.quarantine.execute()
    ragged = quarantine[quarantine["reason"].str.startswith("the row has more or fewer values")]
    assert ragged[["table", "row", "column"]].sort_values("row").values.tolist() == [
        ["customers", 2, "customer_id"],
        ["customers", 5, "customer_id"],
    ]
    # their values, matched to the wrong columns, fail the other checks too: listed per problem
    assert set(quarantine["row"]) == {2, 5}
    assert staged.row_counts()["customers"] == {"read": 5, "used": 3, "quarantined": 2}
    # the rows after the long one keep their values and their place
    customers = staged.tables["customers"].execute().set_index("customer_id")
    assert customers.loc["B", "name"] == "Birch Bakery" and len(customers) == 3
