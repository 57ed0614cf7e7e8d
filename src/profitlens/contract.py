"""The data contract's input tables: names, columns, types and keys.

One place states what a data folder may hold (``DATA_CONTRACT.md`` section 1); staging, the
generator and the tests all read it from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# logical types used by staging: "string", "date", "float64", "period"
STRING, DATE, FLOAT = "string", "date", "float64"


@dataclass(frozen=True)
class TableSpec:
    """What the contract says of one input table.

    Parameters
    ----------
    name : str
        File stem (``customers`` for ``customers.csv`` / ``customers.parquet``).
    key : tuple of str
        Columns that identify a row; a later row repeating a key is quarantined.
    required, optional : dict
        Column name -> logical type.
    event_date : str or None
        The column whose date may not lie after the as-of date.
    extra_columns : bool
        Whether columns the contract does not name are kept (as read) beside its own: a
        prospect's further attributes, which the prospect scores learn from.
    """

    name: str
    key: tuple[str, ...]
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    event_date: str | None = None
    extra_columns: bool = False

    @property
    def columns(self) -> dict[str, str]:
        return {**self.required, **self.optional}


_PROFILE = {
    "segment": STRING,
    "industry": STRING,
    "region": STRING,
    "channel": STRING,
    "employees": FLOAT,
    "annual_revenue": FLOAT,
}

CUSTOMERS = TableSpec(
    "customers",
    ("customer_id",),
    {"customer_id": STRING, "acquired_on": DATE},
    {"name": STRING, **_PROFILE, "ended_on": DATE},
)
PROSPECTS = TableSpec(
    "prospects",
    ("prospect_id",),
    {"prospect_id": STRING, "created_on": DATE},
    {**_PROFILE, "converted_customer_id": STRING, "closed_on": DATE},
    extra_columns=True,
)
INVOICE_LINES = TableSpec(
    "invoice_lines",
    ("invoice_id", "line_id"),
    {
        "invoice_id": STRING,
        "customer_id": STRING,
        "invoice_date": DATE,
        "revenue": FLOAT,
        "cost": FLOAT,
    },
    {
        "line_id": STRING,
        "due_date": DATE,
        "product_id": STRING,
        "quantity": FLOAT,
        "sales_rep_id": STRING,
        "currency": STRING,
    },
    event_date="invoice_date",
)
PAYMENTS = TableSpec(
    "payments",
    ("payment_id",),
    {"payment_id": STRING, "invoice_id": STRING, "paid_on": DATE, "amount": FLOAT},
    {"kind": STRING},
    event_date="paid_on",
)
ACTIVITIES = TableSpec(
    "activities",
    ("activity_id",),
    {"activity_id": STRING, "activity": STRING, "occurred_on": DATE},
    {
        "customer_id": STRING,
        "prospect_id": STRING,
        "minutes": FLOAT,
        "quantity": FLOAT,
        "employee_id": STRING,
        "channel": STRING,
    },
    event_date="occurred_on",
)
RESOURCE_COSTS = TableSpec(
    "resource_costs",
    ("period", "resource"),
    {"period": STRING, "resource": STRING, "cost": FLOAT, "capacity_minutes": FLOAT},
)
COMMISSIONS = TableSpec(
    "commissions",
    (),
    {"customer_id": STRING, "paid_on": DATE, "amount": FLOAT},
    {"invoice_id": STRING, "sales_rep_id": STRING},
    event_date="paid_on",
)
REFERRALS = TableSpec(
    "referrals",
    ("referred_id",),
    {"referrer_id": STRING, "referred_id": STRING, "referred_on": DATE},
    {"reward": FLOAT},
    event_date="referred_on",
)

TABLES: dict[str, TableSpec] = {
    s.name: s
    for s in (
        CUSTOMERS,
        PROSPECTS,
        INVOICE_LINES,
        PAYMENTS,
        ACTIVITIES,
        RESOURCE_COSTS,
        COMMISSIONS,
        REFERRALS,
    )
}
REQUIRED_TABLES = ("customers", "invoice_lines")

# the P&L lines of section 3, in statement order
COST_LINES = (
    "commission",
    "acquisition_cost",
    "sales_cost",
    "service_cost",
    "fulfilment_cost",
    "credit_cost",
    "referral_cost",
)
PNL_COLUMNS = ("revenue", "cogs", "gross_margin", *COST_LINES, "profit")
#: money is kept to the millionth: engines' float sums differ in their last bits with the
#: order they add in, and no amount means anything below a millionth
MONEY_DECIMALS = 6
CATEGORIES = ("sales", "service", "fulfilment")
