"""The referral feature of a run: ``referral_chains`` and the referral summary columns."""

from __future__ import annotations

import ibis

from profitlens.referral_graph import CHAIN_COLUMNS, referral_chains

from .value import customer_referral_value, referral_summary, referred_values

CHAIN_SCHEMA = {
    "customer_id": "string",
    "referrer_id": "string",
    "root_id": "string",
    "depth": "int64",
    "direct_referrals": "int64",
    "chain_referrals": "int64",
    "referral_value": "float64",
}
SUMMARY_SCHEMA = {
    "customer_id": "string",
    "referrals_made": "int64",
    "referral_value": "float64",
    "value_quadrant": "string",
}


def referral_feature(contract, features) -> None:
    """referral_chains (one row per customer in a referral), and referrals_made,
    referral_value, value_quadrant in customer_summary (:mod:`profitlens.referrals.value`).

    Reads the lifetime values of the clv feature (``features.frames["clv"]``, absent when no
    model could be fitted) and leaves ``features.frames["referrals"]`` (the summary columns)
    for the decisions.
    """
    staged = contract.staged
    referrals = staged.tables["referrals"]
    profits = (
        contract.tables["customer_summary"]
        .select("customer_id", "segment", "profit", "acquisition_cost")
        .to_pyarrow()
    )
    summary = ibis.memtable(profits)
    profits = profits.select(["customer_id", "profit"]).to_pandas()
    clv = features.frames.get("clv")
    clv_table = None
    if clv is not None:
        clv_table = ibis.memtable(
            clv.loc[:, ["customer_id", "clv_profit"]],
            schema={"customer_id": "string", "clv_profit": "float64"},
        )
    values = referred_values(referrals, summary, clv_table, staged.model.referrals.attribution)
    by_referrer = customer_referral_value(values).execute()
    columns = referral_summary(profits, by_referrer, clv)
    edges = referrals.select("referrer_id", "referred_id").execute()
    chains = referral_chains(edges["referrer_id"].astype(str), edges["referred_id"].astype(str))
    chains["referral_value"] = (
        columns.set_index("customer_id")["referral_value"]
        .reindex(chains["customer_id"])
        .fillna(0.0)
        .to_numpy()
    )
    chains = chains.loc[:, [*CHAIN_COLUMNS, "referral_value"]]
    chains["referrer_id"] = (
        chains["referrer_id"].astype(object).where(chains["referrer_id"].notna(), None)
    )
    features.tables["referral_chains"] = ibis.memtable(chains, schema=CHAIN_SCHEMA)
    features.summary_columns.append(ibis.memtable(columns, schema=SUMMARY_SCHEMA))
    features.frames["referrals"] = columns
