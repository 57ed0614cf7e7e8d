"""The text of a starting ``costmodel.yaml``: settings, resources and activities, each number
with a comment saying what it means and where to get it (used by :mod:`.init`)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

from ..costmodel import PLACEHOLDER

TEAMS = {"sales": "sales_team", "service": "service_team", "fulfilment": "fulfilment_team"}
GENERIC_TEAM = "team"

HEADER = """\
# costmodel.yaml: a starting cost model written by `profitlens init` for {folder}
# Fill in every {todo} (the comments say what each number means and where to find it), then:
#   profitlens run {folder} --out OUT_DIR
# The rules: DATA_CONTRACT.md section 2. Nothing here is a default profitlens guessed for you
# except where a comment says "default".
#
{counts}
# Periods found ({n_periods} month{s}): {periods}
"""

SETTINGS = """
{currency}
period: month                # month | quarter: the P&L's periods; resource costs below are per period
annual_discount_rate: 0.10   # default. Discounts lifetime and referral values: your cost of
                             # capital (WACC), from finance
annual_carrying_rate: 0.08   # default. What money tied up in unpaid invoices costs a year: the rate
                             # on your credit line, or your WACC. 0 to leave carrying cost out
payment_terms_days: 30       # default. Due date of a line without due_date = invoice_date + this:
                             # your standard payment terms
"""

RESOURCES = """
resources:
  # What each team (or vehicle, machine, ...) costs per period, and its practical capacity.
  #   cost: per month, the payroll of its people with employer charges and benefits, plus their
  #     share of rent, IT and equipment (from payroll and the general ledger).
  #   capacity_minutes: practical capacity per month = people x working days x hours a day x 60
  #     x about 0.8 (the share of paid time left for work after breaks, training and meetings;
  #     Kaplan & Anderson). E.g. 4 people x 21 days x 7.5 h x 60 x 0.8 = 30,240.
  # Split or rename teams freely; every activity below names the resources it uses.
  # A period whose cost or capacity differs (a hire, a raise, a holiday month) goes in
  # resource_costs.csv: period, resource, cost, capacity_minutes.
"""

ACTIVITIES = """
activities:
  # One entry per activity name found in activities (the rows use exactly these names).
  #   category: sales | service | fulfilment, the P&L line its cost lands on (sales before a
  #     customer's acquired_on is acquisition cost).
  #   minutes: the time one occurrence takes: time a few, or ask the people who do it; a row's
  #     own minutes column, where given, wins. minutes_per_unit: extra minutes per unit of a
  #     row's quantity (e.g. per item of an order).
"""

PER_INVOICE = """\
  # Work done once per invoice has no rows of its own; declare it with per: invoice, e.g.
  # order_handling: {category: fulfilment, resources: [fulfilment_team], per: invoice,
  #                  minutes: 5, minutes_per_unit: 2}
"""

COMMISSION = """
commission:
  default_rate: 0.0     # share of revenue paid as sales commission (from the sales compensation
                        # plan); 0 if you pay none
{by_segment}"""


def costmodel_text(found, category_guess: Callable[[str], str | None]) -> str:
    """The whole file for a :class:`~profitlens.importer.init.Found` survey."""
    activities = found.activities
    guesses = {a: category_guess(a) for a in activities["activity"]}
    teams = sorted(
        {TEAMS[c] if c else GENERIC_TEAM for c in guesses.values()} | set(found.cost_resources)
    )
    parts = [
        HEADER.format(
            folder=found.folder,
            todo=PLACEHOLDER,
            counts=_wrapped(
                "Found: " + ", ".join(f"{n:,} {t} rows" for t, n in found.counts.items())
            ),
            n_periods=len(found.periods),
            s="" if len(found.periods) == 1 else "s",
            periods=_periods(found.periods),
        ),
        SETTINGS.format(currency=_currency(found.currencies)),
        RESOURCES,
    ]
    parts += [_resource(team, found.cost_resources) for team in teams or ["team"]]
    parts.append(ACTIVITIES)
    parts += [_activity(row, guesses[row.activity]) for row in activities.itertuples()]
    if activities.empty:
        parts.append("  # (no activity rows found)\n")
    parts.append(PER_INVOICE)
    parts.append(COMMISSION.format(by_segment=_by_segment(found)))
    return "".join(parts)


def _wrapped(text: str) -> str:
    return "\n".join(textwrap.wrap(text, 96, initial_indent="# ", subsequent_indent="#   "))


def _periods(periods: list[str]) -> str:
    if not periods:
        return "none (no dated invoice, payment, activity or referral)"
    if len(periods) <= 12:
        return ", ".join(periods)
    return f"{periods[0]} to {periods[-1]}"


def _currency(currencies: list[str]) -> str:
    if len(currencies) == 1:
        return (
            f"currency: {currencies[0]}        # found in invoice_lines.currency; a line in "
            "another currency is quarantined"
        )
    found = f" (invoice_lines.currency holds {', '.join(currencies)})" if currencies else ""
    return (
        f"# currency: EUR             # optional: the currency of every amount{found}; "
        "lines in another are quarantined"
    )


def _resource(team: str, cost_resources: list[str]) -> str:
    note = (
        "   # also in resource_costs: this is its default for periods not there"
        if team in cost_resources
        else ""
    )
    return f"  {team}: {{cost: {PLACEHOLDER}, capacity_minutes: {PLACEHOLDER}}}{note}\n"


def _activity(row, category: str | None) -> str:
    team = TEAMS[category] if category else GENERIC_TEAM
    given_everywhere = row.with_minutes == row.rows
    minutes = "0" if given_everywhere else PLACEHOLDER
    first, last = (str(d)[:10] for d in (row.first, row.last))
    seen = f"{row.rows:,} row{'' if row.rows == 1 else 's'}, " + (
        first if first == last else f"{first} to {last}"
    )
    if given_everywhere:
        seen += "; every row gives its minutes"
    elif row.with_minutes:
        seen += f"; {row.with_minutes:,} give minutes, mean {row.mean_minutes:.1f}"
    guess = (
        "category guessed from the name: check"
        if category
        else f"category {PLACEHOLDER}: sales, service or fulfilment"
    )
    return (
        f"  {_key(row.activity)}: {{category: {category or PLACEHOLDER}, resources: [{team}], "
        f"minutes: {minutes}}}\n    # {seen}; {guess}\n"
    )


def _key(name: str) -> str:
    """A YAML key for an activity name, quoted when YAML would read it as something else."""
    plain = name.replace("_", "").replace("-", "").isalnum() and not name[0].isdigit()
    return (
        name
        if plain and name.lower() not in ("yes", "no", "true", "false", "null", "on", "off")
        else '"' + name.replace('"', '\\"') + '"'
    )


def _by_segment(found) -> str:
    lines = []
    if found.segments:
        shown = ", ".join(found.segments[:12]) + (", ..." if len(found.segments) > 12 else "")
        lines.append(
            f"  # by_segment: {{{found.segments[0]}: 0.03}}   # a rate per segment; "
            f"segments found: {shown}\n"
        )
    if found.has_commissions:
        lines.append(
            "  # commissions.csv exists: it is then the whole truth about commissions "
            "and these rates are not used\n"
        )
    return "".join(lines)
