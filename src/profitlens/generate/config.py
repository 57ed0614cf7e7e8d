"""Parameters of the synthetic company: segments, products, activities, cost rates, calendar.

Everything the generator draws from is stated here, so a reader can see what kind of company
comes out without reading the sampling code. Money is in EUR, time in days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

DEFAULT_START = "2023-01-01"
CHUNK_CUSTOMERS = 10_000  # customers per chunk: bounds memory, fixes the random streams
CURRENCY = "EUR"
EPOCH = dt.date(1970, 1, 1)


@dataclass(frozen=True)
class Population:
    """BG/NBD population (Fader et al. 2005): lambda ~ Gamma(r, rate alpha) /day, p ~ Beta(a, b)."""

    r: float = 0.7
    alpha: float = 31.0
    a: float = 1.3
    b: float = 30.0


POPULATION = Population()


@dataclass(frozen=True)
class Segment:
    """How customers of one segment buy, pay and call."""

    name: str
    share: float  # of customers
    prospect_share: float  # of prospects
    order_median: float  # median invoice value, EUR (lognormal)
    order_sigma: float  # per-invoice log-sd
    customer_sigma: float  # log-sd of a customer's typical order size
    extra_lines: float  # invoice lines = 1 + Poisson(extra_lines)
    margin_shift: float  # added to the product margin (discounts for big accounts)
    commission: float  # by_segment commission rate
    terms_days: int  # payment terms
    contractual: float  # share of customers on a contract (ended_on known on churn)
    tickets: float  # support tickets per active month
    calls: float  # call-center contacts per active month
    complaint_per_invoice: float
    account_calls: float  # account-management sales calls per active month
    account_visits: float  # site visits per active month
    acq_calls: float  # sales calls before the win (direct channel)
    acq_visits: float  # site visits before the win
    pursuit_days: float  # mean length of a prospect pursuit
    referral_reward: float  # paid to the referrer of a customer of this segment
    employees_median: float
    channels: tuple[float, float, float, float]  # direct_sales, partner, web, referral


SEGMENTS = (
    Segment(
        "enterprise",
        0.08,
        0.20,
        4200.0,
        0.55,
        0.60,
        4.0,
        -0.06,
        0.03,
        60,
        0.60,
        2.5,
        3.0,
        0.020,
        1.5,
        0.30,
        6.0,
        2.0,
        90.0,
        1500.0,
        2500.0,
        (0.85, 0.15, 0.0, 0.0),
    ),
    Segment(
        "mid_market",
        0.27,
        0.40,
        900.0,
        0.60,
        0.60,
        2.2,
        0.0,
        0.05,
        45,
        0.35,
        1.4,
        1.6,
        0.025,
        1.1,
        0.05,
        5.0,
        1.0,
        50.0,
        400.0,
        180.0,
        (0.55, 0.20, 0.10, 0.15),
    ),
    Segment(
        "smb",
        0.65,
        0.40,
        220.0,
        0.65,
        0.70,
        0.9,
        0.04,
        0.07,
        30,
        0.10,
        1.0,
        1.2,
        0.030,
        0.75,
        0.0,
        3.0,
        0.3,
        30.0,
        120.0,
        14.0,
        (0.20, 0.15, 0.45, 0.20),
    ),
)
SEGMENT_NAMES = tuple(s.name for s in SEGMENTS)
CHANNELS = ("direct_sales", "partner", "web", "referral")
REGIONS = ("north", "south", "east", "west")
INDUSTRIES = ("manufacturing", "retail", "food", "construction", "healthcare", "logistics")
PROSPECT_CHANNELS = ("inbound", "outbound", "event", "partner")


def wage(month):
    """Pay level in window month ``month`` (0-based, an int or an array) against the first:
    ``WAGE_RISE`` more every twelve months."""
    return (1.0 + WAGE_RISE) ** (month // 12)


def seg_param(field: str) -> np.ndarray:
    """One parameter of every segment, indexed by segment code."""
    return np.array([getattr(s, field) for s in SEGMENTS], dtype=float)


# product catalogue: id, base margin, unit price, commission override (or None), weight per segment
PRODUCTS = (
    ("HW-100", 0.20, 180.0, None, (0.15, 0.20, 0.25)),
    ("HW-200", 0.24, 650.0, None, (0.20, 0.18, 0.10)),
    ("HW-500", 0.18, 2400.0, None, (0.15, 0.07, 0.02)),
    ("CONS-A", 0.42, 35.0, None, (0.10, 0.18, 0.25)),
    ("CONS-B", 0.38, 60.0, None, (0.08, 0.12, 0.15)),
    ("PARTS", 0.30, 90.0, None, (0.10, 0.10, 0.10)),
    ("SW-LIC", 0.78, 1200.0, 0.10, (0.10, 0.07, 0.05)),
    ("SVC-INST", 0.35, 450.0, 0.08, (0.07, 0.05, 0.03)),
    ("SVC-MAINT", 0.55, 300.0, None, (0.05, 0.03, 0.05)),
)
PRODUCT_IDS = tuple(p[0] for p in PRODUCTS)
PRODUCT_MARGIN = np.array([p[1] for p in PRODUCTS])
PRODUCT_PRICE = np.array([p[2] for p in PRODUCTS])
PRODUCT_MIX = np.array([p[4] for p in PRODUCTS]).T  # segment x product
PRODUCT_MIX = PRODUCT_MIX / PRODUCT_MIX.sum(axis=1, keepdims=True)
BY_PRODUCT_COMMISSION = {p[0]: p[3] for p in PRODUCTS if p[3] is not None}
DEFAULT_COMMISSION = 0.05

# order values by calendar month (Jan..Dec): year-end push, quiet summer
SEASONALITY = np.array([0.85, 0.90, 1.05, 1.00, 1.00, 1.05, 0.90, 0.80, 1.05, 1.10, 1.15, 1.25])

# resources: EUR per minute of practical capacity, staffing unit (minutes), target utilisation
RESOURCES = {
    "sales_team": (1.10, 2400.0, 0.85),
    "support_team": (0.55, 2400.0, 0.85),
    "ops_team": (0.45, 2400.0, 0.85),
    "field_vehicles": (0.35, 1200.0, 0.70),
}
RESOURCE_NAMES = tuple(RESOURCES)
WAGE_RISE = 0.03  # pay rise every 12 months of the window

# activities of costmodel.yaml: category, resources, minutes, minutes_per_unit, per
ACTIVITIES = {
    "sales_call": ("sales", ("sales_team",), 30.0, 0.0, "row"),
    "site_visit": ("sales", ("sales_team", "field_vehicles"), 120.0, 0.0, "row"),
    "proposal": ("sales", ("sales_team",), 240.0, 0.0, "row"),
    "account_review": ("sales", ("sales_team",), 90.0, 0.0, "row"),
    "support_ticket": ("service", ("support_team",), 20.0, 0.0, "row"),
    "complaint": ("service", ("support_team",), 45.0, 0.0, "row"),
    "call_center": ("service", ("support_team",), 8.0, 1.0, "row"),
    "collection_call": ("service", ("support_team",), 15.0, 0.0, "row"),
    "return_handling": ("fulfilment", ("ops_team",), 25.0, 0.0, "row"),
    "order_handling": ("fulfilment", ("ops_team",), 5.0, 2.0, "invoice"),
}
ACTIVITY_NAMES = tuple(ACTIVITIES)
ACTIVITY_CODE = {name: i for i, name in enumerate(ACTIVITY_NAMES)}
# minutes + minutes_per_unit x quantity, by activity code
ACTIVITY_MINUTES = np.array([a[2] for a in ACTIVITIES.values()])
ACTIVITY_PER_UNIT = np.array([a[3] for a in ACTIVITIES.values()])
# activity code x resource code: 1 where the activity uses the resource
ACTIVITY_RESOURCES = np.array(
    [[r in a[1] for r in RESOURCE_NAMES] for a in ACTIVITIES.values()], dtype=float
)
SUPPORT_RATE = RESOURCES["support_team"][0]

# payment behaviour: share, mean days after due (normal), sd, chance of paying in two parts
PAYERS = (
    ("prompt", 0.35, -6.0, 3.0, 0.02),
    ("normal", 0.40, 4.0, 5.0, 0.05),
    ("late", 0.18, 25.0, 10.0, 0.12),
    ("chronic", 0.07, 65.0, 25.0, 0.25),
)

# planted behaviours (shares of customers)
HIGH_SERVICE_SHARE, HIGH_SERVICE_FACTOR = 0.06, 9.0
HEAVY_REFERRER_SHARE, HEAVY_REFERRER_WEIGHT = 0.02, 25.0
# the customers a heavy referrer brings: service propensity and typical order scaled by these
ADVOCATE_SERVICE_FACTOR, ADVOCATE_ORDER_FACTOR = 0.3, 1.5
TURNING_SHARE = 0.03  # of all customers (all the candidates when fewer qualify)
# a turning customer is clearly profitable before its turn: its expected operating profit per
# month (gross margin less its expected cost to serve) is at least this many EUR and this share
# of its expected gross margin (planted.expected_monthly_cost_to_serve)
TURNING_MIN_PROFIT, TURNING_MIN_PROFIT_SHARE = 50.0, 0.25
DEFAULTER_SHARE = 0.12  # of customers who stopped buying early enough to be written off
PRE_WINDOW_SHARE = 0.25  # customers acquired in the year before the window
RETURN_RATE = 0.04  # invoices followed by a return on the next invoice
CREDIT_NOTE_RATE = 0.35  # complaints followed by a credit note


@dataclass(frozen=True)
class Window:
    """The data window: ``months`` calendar months from ``start``; as-of is the last day."""

    start: dt.date
    months: int

    @property
    def month_starts(self) -> np.ndarray:
        """Day numbers (since 1970-01-01) of the first day of each month and of the month after."""
        out = []
        y, m = self.start.year, self.start.month
        for _ in range(self.months + 1):
            out.append((dt.date(y, m, 1) - EPOCH).days)
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return np.array(out, dtype=np.int64)

    @property
    def start_day(self) -> int:
        return int(self.month_starts[0])

    @property
    def as_of_day(self) -> int:
        return int(self.month_starts[-1] - 1)

    @property
    def as_of(self) -> dt.date:
        return EPOCH + dt.timedelta(days=self.as_of_day)

    @property
    def periods(self) -> list[str]:
        return [
            (EPOCH + dt.timedelta(days=int(d))).strftime("%Y-%m") for d in self.month_starts[:-1]
        ]

    def month_of(self, days: np.ndarray) -> np.ndarray:
        """Window month index (0-based) of each day number; -1 before the window."""
        return np.searchsorted(self.month_starts, days, side="right") - 1

    def calendar_month(self, days: np.ndarray) -> np.ndarray:
        """Calendar month 0..11 of each day number."""
        return (
            np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12
        )


def parse_start(start: str | dt.date) -> dt.date:
    """The window's first day; must be the first of a month."""
    day = start if isinstance(start, dt.date) else dt.date.fromisoformat(str(start))
    if day.day != 1:
        raise ValueError(f"start must be the first day of a month, got {day.isoformat()}")
    return day


#: account reviews per month, by segment
ACCOUNT_REVIEWS = np.array([0.33, 0.15, 0.0])
