"""The contract's table-specific quarantine rules: domains, references and future dates.

Each function takes a table's parsed rows and returns the :class:`~.checks.Check` list for it;
reference rules first attach, by a left join, a flag telling whether the referenced key exists
among the *valid* rows of the referenced table, so a row pointing at a quarantined customer is
quarantined too.
"""

from __future__ import annotations

import datetime as dt

import ibis
import ibis.expr.types as ir

from ..costmodel import CostModel
from ..engine import ROW
from ..periods import PATTERNS
from ..referral_graph import cyclic_referred
from .checks import Check
from .parse import present

# (table, column) -> (referenced table, its key column)
REFERENCES = {
    ("prospects", "converted_customer_id"): ("customers", "customer_id"),
    ("invoice_lines", "customer_id"): ("customers", "customer_id"),
    ("payments", "invoice_id"): ("invoice_lines", "invoice_id"),
    ("activities", "customer_id"): ("customers", "customer_id"),
    ("activities", "prospect_id"): ("prospects", "prospect_id"),
    ("commissions", "customer_id"): ("customers", "customer_id"),
    ("commissions", "invoice_id"): ("invoice_lines", "invoice_id"),
    ("referrals", "referrer_id"): ("customers", "customer_id"),
    ("referrals", "referred_id"): ("customers", "customer_id"),
}


def prepare(name: str, parsed: ir.Table, raw: ir.Table) -> ir.Table:
    """Defaults the contract gives before keys are checked (line_id = row order in invoice)."""
    if name == "invoice_lines" and (
        "line_id" not in raw.columns or parsed[present("line_id")].notall().execute()
    ):
        position = ibis.row_number().over(group_by=parsed.invoice_id, order_by=parsed[ROW]) + 1
        return parsed.mutate(line_id=parsed.line_id.fill_null(position.cast("string")))
    return parsed


def domain_checks(name: str, p: ir.Table, model: CostModel) -> list[Check]:
    """Values outside their domain: negative minutes, capacity, foreign currency, ..."""
    if name == "invoice_lines" and model.currency:
        return [
            Check(
                "currency",
                p.currency.notnull() & (p.currency != model.currency),
                f"currency {{value}} is not the model's {model.currency}",
            )
        ]
    if name == "payments":
        return [
            Check(
                "kind",
                p.kind.notnull() & ~p.kind.isin(["payment", "write_off"]),
                "kind must be payment or write_off",
            )
        ]
    if name == "activities":
        per_invoice = list(model.activities_per("invoice"))
        checks = [
            Check("minutes", p.minutes < 0, "negative minutes"),
            Check("quantity", p.quantity < 0, "negative quantity"),
            Check(
                "customer_id",
                p.customer_id.isnull() & p.prospect_id.isnull(),
                "missing customer_id or prospect_id: an activity belongs to one of them",
            ),
            Check(
                "prospect_id",
                p.customer_id.notnull() & p.prospect_id.notnull(),
                "both customer_id and prospect_id given: an activity belongs to one of them",
            ),
            Check(
                "activity",
                p.activity.notnull() & ~p.activity.isin(list(model.activities)),
                "unknown activity {value} (not in costmodel.yaml)",
            ),
        ]
        if per_invoice:
            checks.append(
                Check(
                    "activity",
                    p.activity.isin(per_invoice),
                    "activity is charged per invoice by the cost model; rows of it are not used",
                )
            )
        return checks
    if name == "resource_costs":
        return [
            Check(
                "period",
                p.period.notnull() & ~p.period.re_search(PATTERNS[model.period]),
                f"cannot read period as a {model.period} "
                f"({'YYYY-MM' if model.period == 'month' else 'YYYY-Qn'})",
            ),
            Check("capacity_minutes", p.capacity_minutes <= 0, "capacity must be positive"),
            Check("cost", p.cost < 0, "negative cost"),
            Check(
                "resource",
                p.resource.notnull() & ~p.resource.isin(list(model.resources)),
                "unknown resource {value} (not in costmodel.yaml)",
            ),
        ]
    if name == "referrals":
        return referral_checks(p)
    return []


def referral_checks(p: ir.Table) -> list[Check]:
    """A customer who referred itself, and the referrals of a cycle (A brought B, B brought A):
    who brought whom cannot be told, so every row of the cycle is set aside."""
    checks = [
        Check(
            "referred_id",
            p.referred_id == p.referrer_id,
            "self-referral: customer {value} is named as its own referrer",
        )
    ]
    first = (
        (p._first_row.isnull() | (p[ROW] == p._first_row))
        if "_first_row" in p.columns
        else ibis.literal(True)
    )
    edges = p.filter(
        p.referrer_id.notnull() & p.referred_id.notnull() & (p.referrer_id != p.referred_id) & first
    )
    edges = edges.select("referrer_id", "referred_id").to_pyarrow()
    cyclic = cyclic_referred(
        edges["referrer_id"].to_numpy(zero_copy_only=False),
        edges["referred_id"].to_numpy(zero_copy_only=False),
    )
    if cyclic.size:
        checks.append(
            Check(
                "referred_id",
                p.referred_id.isin(cyclic.tolist()) & first,
                "referral cycle: customer {value} is among those who brought its "
                "own referrer; who brought whom cannot be told",
            )
        )
    return checks


def with_references(name: str, p: ir.Table, valid: dict[str, ir.Table]) -> ir.Table:
    """Attach ``_found_<column>`` flags: does each reference exist among valid rows?"""
    for (table, column), (target, key) in REFERENCES.items():
        if table != name or target not in valid:
            continue
        keys = (
            valid[target]
            .select(_ref_key=valid[target][key])
            .distinct()
            .mutate(**{f"_found_{column}": ibis.literal(True)})
        )
        p = p.left_join(keys, p[column] == keys._ref_key).drop("_ref_key")
    return p


def reference_checks(name: str, p: ir.Table) -> list[Check]:
    """Rows whose references point nowhere (after :func:`with_references`)."""
    checks = []
    for (table, column), (target, _key) in REFERENCES.items():
        flag = f"_found_{column}"
        if table == name and flag in p.columns:
            what = "invoice" if target == "invoice_lines" else target.removesuffix("s")
            checks.append(
                Check(column, p[column].notnull() & p[flag].isnull(), f"unknown {what} {{value}}")
            )
    return checks


def future_checks(p: ir.Table, column: str | None, as_of: dt.date) -> list[Check]:
    """Events dated after the as-of date."""
    if column is None:
        return []
    return [
        Check(
            column,
            p[column] > ibis.literal(as_of),
            f"{column} is after the as-of date {as_of.isoformat()}",
        )
    ]
