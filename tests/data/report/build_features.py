"""Write the feature outputs of the tiny run (tests/data/report/features), Parquet + CSV.

Hand-made tables for the three customers of tests/data/report/tiny (A enterprise, B and C smb,
periods 2026-01..03), consistent with its customer_pnl so the report's figures can be checked
by hand (see tests/report/test_feature_sections.py):

- customer_trends: the profit bridge with windows of one period (prior 2026-02, recent
  2026-03), computed by the rules of profitlens.trends.decomposition from customer_pnl;
  statuses, forecasts and profit at risk set by hand (profit_at_risk = max(0, 3 x prior
  profit per period - sum of the three forecasts)).
- receivables: four open invoices (one per overdue bucket except 61-90), a settled one, a credit
  note and one open by less than a cent; expected_credit_loss = open balance x the provision
  matrix's rate of its bucket and segment.
- provision_matrix: rates for all customers (segment null), enterprise and smb.
- customer_credit: B and C flagged as liabilities.
- customer_clv: A and B (C has no estimate).

Run: .venv/bin/python tests/data/report/build_features.py
"""
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

HERE = Path(__file__).parent / "features"
PARTS = ("volume", "price_mix", "commission", "acquisition", "sales", "service", "fulfilment",
         "credit", "referral")

# A: prior R 2000, GM 500 (m0 0.25), costs 60 + 30 + 7 + 5.65 + 50; recent credit 3.10 only.
#    volume = -2000 x 0.25 = -500, price_mix = -500 - (-500) = 0, cost parts = -(recent - prior)
# B: prior service 32.50 only, no revenue in either window: every part 0 but service +32.50
# C: prior R 300, GM 110, costs 15 + 9 + 300.39; recent nothing: volume = -110
BRIDGE = {
    "A": dict(profit_prior=347.35, profit_recent=-3.10, volume=-500.0, price_mix=0.0,
              commission=60.0, acquisition=0.0, sales=30.0, service=0.0, fulfilment=7.0,
              credit=2.55, referral=50.0),
    "B": dict(profit_prior=-32.50, profit_recent=0.0, volume=0.0, price_mix=0.0, commission=0.0,
              acquisition=0.0, sales=0.0, service=32.50, fulfilment=0.0, credit=0.0,
              referral=0.0),
    "C": dict(profit_prior=-214.39, profit_recent=0.0, volume=-110.0, price_mix=0.0,
              commission=15.0, acquisition=0.0, sales=0.0, service=0.0, fulfilment=9.0,
              credit=300.39, referral=0.0),
}
TRENDS = pd.DataFrame({
    "customer_id": ["A", "B", "C"],
    "segment": ["enterprise", "smb", "smb"],
    "status": ["turned_unprofitable", "unprofitable", "unprofitable"],
    "turn_period": ["2026-03", None, None],
    "profit_prior": [BRIDGE[c]["profit_prior"] for c in "ABC"],
    "profit_recent": [BRIDGE[c]["profit_recent"] for c in "ABC"],
    **{f"change_{p}": [BRIDGE[c][p] for c in "ABC"] for p in PARTS},
    "attention_flag": [False, False, True],
    "forecast_1": [-3.10, 0.0, -300.0],
    "forecast_2": [-3.10, 0.0, -300.0],
    "forecast_3": [-3.10, 0.0, -300.0],
    # A: 3 x 347.35 + 9.30 = 1,051.35; B: 3 x -32.50 - 0 < 0; C: 3 x -214.39 + 900 = 256.83
    "profit_at_risk": [1051.35, 0.0, 256.83],
    "main_driver": ["volume", None, "volume"],
})
TRENDS.insert(6, "profit_change", TRENDS["profit_recent"] - TRENDS["profit_prior"])

RATES = {  # loss rate per bucket: all customers, enterprise, smb
    None: (0.003, 0.01, 0.03, 0.10, 0.25),
    "enterprise": (0.002, 0.008, 0.03, 0.08, 0.20),
    "smb": (0.005, 0.01, 0.04, 0.12, 0.25),
}
BUCKETS = ("current", "1-30", "31-60", "61-90", "over 90")
MATRIX = pd.DataFrame(
    [(segment, bucket, i, 10_000.0, 100.0, rate, rate)
     for segment, rates in RATES.items() for i, (bucket, rate) in enumerate(zip(BUCKETS, rates))],
    columns=["segment", "bucket", "bucket_order", "exposure", "loss", "historical_loss_rate",
             "loss_rate"])
MATRIX["bucket_order"] = MATRIX["bucket_order"].astype("int64")

RECEIVABLES = pd.DataFrame({
    "invoice_id": ["I1", "I2", "I3", "I4", "I5", "I6", "I7"],
    "customer_id": ["A", "A", "B", "C", "C", "B", "C"],
    "segment": ["enterprise", "enterprise", "smb", "smb", "smb", "smb", "smb"],
    "amount": [1000.0, 500.0, 200.0, 300.0, 80.0, -20.0, 50.0],
    "paid": [0.0, 0.0, 0.0, 0.0, 80.0, 0.0, 49.996],
    "open_balance": [1000.0, 500.0, 200.0, 300.0, 0.0, -20.0, 0.004],
    "days_past_due": [-10, 45, 95, 10, 0, 60, 5],
    "bucket": ["current", "31-60", "over 90", "1-30", None, None, "1-30"],
    "bucket_order": [0.0, 2.0, 4.0, 1.0, None, None, 1.0],
    # open balance x rate: 1000 x 0.2%, 500 x 3%, 200 x 25%, 300 x 1%
    "loss_rate": [0.002, 0.03, 0.25, 0.01, None, None, 0.01],
    "expected_credit_loss": [2.0, 15.0, 50.0, 3.0, 0.0, 0.0, 0.00004],
})

CREDIT = pd.DataFrame({
    "customer_id": ["A", "B", "C"],
    "segment": ["enterprise", "smb", "smb"],
    "credit_exposure": [1500.0, 180.0, 300.0],
    "unapplied_credit": [0.0, 20.0, 0.0],
    "overdue_balance": [500.0, 200.0, 300.0],
    "open_invoices": [2, 1, 1],
    "max_days_past_due": [45, 95, 10],
    "expected_credit_loss": [17.0, 50.0, 3.0],
    "dso": [30.0, 90.0, 40.0],
    "avg_days_late": [12.5, 60.0, 20.25],
    "late_share": [0.5, 1.0, 1.0],
    "lateness_trend": [3.0, 10.0, 15.0],
    "expected_margin": [900.0, 40.0, 100.0],
    "liability": [False, True, True],
    "liability_reasons": [None, "overdue beyond 60 days; ECL above expected margin",
                          "lateness worsening"],
})

CLV = pd.DataFrame({
    "customer_id": ["A", "B"],
    "p_alive": [0.9, 0.5],
    "expected_purchases_12m": [4.2, 0.8],
    "clv_revenue": [5000.0, 300.0],
    "clv_profit": [1200.0, -150.5],
})

TABLES = {"customer_trends": TRENDS, "provision_matrix": MATRIX, "receivables": RECEIVABLES,
          "customer_credit": CREDIT, "customer_clv": CLV}


def main() -> None:
    HERE.mkdir(exist_ok=True)
    for name, frame in TABLES.items():
        text = [c for c in frame.columns if frame[c].dtype == object or c in (
            "segment", "turn_period", "main_driver", "bucket", "liability_reasons")]
        schema = pa.Schema.from_pandas(frame, preserve_index=False)
        for column in text:
            schema = schema.set(schema.get_field_index(column), pa.field(column, pa.string()))
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        pq.write_table(table, HERE / f"{name}.parquet")
        frame.to_csv(HERE / f"{name}.csv", index=False)
        print(name, table.num_rows, table.schema.names)


if __name__ == "__main__":
    main()
