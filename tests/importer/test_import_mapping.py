"""The mapping file: everything not understood is refused with its location."""

from __future__ import annotations

import pytest

from profitlens.errors import MappingError
from profitlens.importer.mapping import mapping_from_text

GOOD = """
tables:
  customers: {sql: "SELECT 1 AS customer_id, DATE '2024-01-01' AS acquired_on"}
  invoice_lines: {sql: "SELECT 1"}
"""


def test_a_good_mapping_is_read():
    mapping = mapping_from_text(GOOD, "m.yaml")
    assert list(mapping.tables) == ["customers", "invoice_lines"]
    assert mapping.costmodel is None and mapping.sources == {}


@pytest.mark.parametrize(
    "text, words",
    [
        (
            GOOD + "  payments: {sql: x, colums: {}}\n",
            "m.yaml: tables.payments.colums: unknown key",
        ),
        (GOOD.replace("tables:", "tabels:"), "tabels: unknown key"),
        (GOOD + "  orders: {sql: x}\n", "'orders' is not a contract table"),
        ("tables:\n  customers: {sql: x}\n", "no SELECT for the required table 'invoice_lines'"),
        (
            GOOD + "  payments: {sql: x, columns: {paid: {date_format: D/M/YYYY}}}\n",
            "'paid' is not a column of payments",
        ),
        (
            GOOD + "  payments: {sql: x, columns: {amount: {date_format: D/M/YYYY}}}\n",
            "amount is not a date",
        ),
        (
            GOOD + "  payments: {sql: x, columns: {paid_on: {decimal: ','}}}\n",
            "paid_on is not a number",
        ),
        (
            GOOD + "  payments: {sql: x, columns: {amount: {decimal: ',', thousands: ','}}}\n",
            "must differ",
        ),
        (GOOD + "  payments: {sql: x, columns: {amount: {}}}\n", "give date_format, or decimal"),
        (GOOD + "  payments: {sql: ''}\n", "tables.payments.sql"),
        ("- just a list", "expected a mapping with a 'tables' key"),
        ("tables: [", "not valid YAML"),
    ],
)
def test_a_bad_mapping_is_refused_with_its_location(text, words):
    with pytest.raises(MappingError) as caught:
        mapping_from_text(text, "m.yaml")
    assert words in str(caught.value)
