"""The customer list: sort, filter, search and page a million customers in milliseconds.

``customer_summary`` (one row per customer) is held in memory as an Arrow table. The order of
the rows by each sort column is computed once, the first time that column is asked for, and
kept (a million int32 positions, 4 MB per column and direction); a page is then a slice of that
order, and a filtered page the same order masked by the filters (numpy on a million booleans).
So a deep page costs what the first one does: nothing is sorted per request and no OFFSET
walks the table. Filters compare small integer codes, never text; the search is a
case-insensitive substring match done by Arrow (on lower-cased copies of the searched columns), with no SQL involved.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .store import OutputStore, clean

#: filters on a column's value: parameter name -> column of customer_summary
VALUE_FILTERS = {
    "segment": "segment",
    "status": "trend_status",
    "recommendation": "recommendation",
    "quadrant": "value_quadrant",
}
#: columns searched by ``q`` when the summary has them
SEARCHED = ("customer_id", "name")
ORDERS = ("asc", "desc")
MAX_LIMIT = 1000
MAX_TEXT = 200
CSV_CHUNK = 100_000
#: selections (filtered and ordered row positions, up to 4 MB each) kept for paging
SELECTIONS_KEPT = 16


class BadQuery(ValueError):
    """A list query the server refuses (400): unknown sort column, bad order, too long text."""


@dataclass(frozen=True)
class ListQuery:
    """One request for a page of customers (the parameters of ``/api/customers``)."""

    sort: str = "rank"
    order: str = "asc"
    limit: int = 50
    offset: int = 0
    q: str = ""
    values: dict[str, str] = field(default_factory=dict)
    loss_makers: bool = False
    liabilities: bool = False


class CustomerList:
    """``customer_summary`` in memory, with the orders and codes that page it fast.

    Parameters
    ----------
    store : OutputStore
        The run's outputs.
    """

    def __init__(self, store: OutputStore):
        self.table = store.arrow("SELECT * FROM customer_summary ORDER BY customer_id")
        self.n = self.table.num_rows
        self.columns = self.table.column_names
        #: the allow-list of sort columns: every column of a type that sorts
        self.sortable = tuple(c for c in self.columns if _sortable(self.table.schema.field(c)))
        self._orders: dict[tuple[str, str], np.ndarray] = {}
        self._selections: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._codes = {
            name: self._encode(column)
            for name, column in VALUE_FILTERS.items()
            if column in self.columns
        }
        #: the searched columns in lower case, so a search is a plain substring match
        self._searched = [
            pc.utf8_lower(self.table.column(c)) for c in SEARCHED if c in self.columns
        ]
        profit = self.table.column("profit").to_numpy(zero_copy_only=False)
        self._loss = np.round(profit, 2) < 0
        self._liability = (
            self.table.column("liability")
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
            .astype(bool)
            if "liability" in self.columns
            else None
        )

    def _encode(self, column: str) -> tuple[np.ndarray, list[str]]:
        encoded = pc.dictionary_encode(self.table.column(column)).combine_chunks()
        codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
        return codes, encoded.dictionary.to_pylist()

    def choices(self, name: str) -> list[str]:
        """The values a value filter can take (sorted), empty when the run lacks its column."""
        return (
            sorted(v for v in self._codes[name][1] if v is not None) if name in self._codes else []
        )

    def order(self, sort: str, order: str) -> np.ndarray:
        """Row positions in the order of ``sort`` (then customer_id), nulls last; built once."""
        key = (sort, order)
        with self._lock:
            found = self._orders.get(key)
            if found is None:
                direction = "ascending" if order == "asc" else "descending"
                keys = [(sort, direction, "at_end")] + (
                    [("customer_id", "ascending", "at_end")] if sort != "customer_id" else []
                )
                found = pc.sort_indices(self.table, sort_keys=keys)
                found = found.to_numpy().astype(np.int32)
                self._orders[key] = found
        return found

    def check(self, query: ListQuery) -> None:
        """Refuse what the list cannot answer, naming what was expected (raises BadQuery)."""
        if query.sort not in self.sortable:
            raise BadQuery(f"sort must be one of {', '.join(self.sortable)}")
        if query.order not in ORDERS:
            raise BadQuery("order must be asc or desc")
        if not 1 <= query.limit <= MAX_LIMIT:
            raise BadQuery(f"limit must be between 1 and {MAX_LIMIT}")
        if query.offset < 0:
            raise BadQuery("offset must be 0 or more")
        texts = [query.q, *query.values.values()]
        if any(len(t) > MAX_TEXT or "\x00" in t for t in texts):
            raise BadQuery(
                f"search and filter values are at most {MAX_TEXT} characters, without NUL"
            )

    def mask(self, query: ListQuery) -> np.ndarray | None:
        """Which rows pass the query's filters and search (None: every row)."""
        masks = []
        for name, value in query.values.items():
            if not value:
                continue
            codes, values = self._codes.get(name, (None, []))
            wanted = values.index(value) if value in values else -2
            masks.append(codes == wanted if codes is not None else np.zeros(self.n, bool))
        if query.loss_makers:
            masks.append(self._loss)
        if query.liabilities:
            masks.append(self._liability if self._liability is not None else np.zeros(self.n, bool))
        if query.q:
            needle = query.q.lower()
            found = [pc.match_substring(column, needle) for column in self._searched]
            hit = found[0]
            for more in found[1:]:
                hit = pc.or_(hit, more)
            masks.append(hit.fill_null(False).to_numpy(zero_copy_only=False).astype(bool))
        if not masks:
            return None
        return np.logical_and.reduce(masks) if len(masks) > 1 else masks[0]

    def selection(self, query: ListQuery) -> np.ndarray:
        """Positions of every row the query selects, in its order.

        The last :data:`SELECTIONS_KEPT` selections are kept, so paging through one filtered
        list (the same selection at another offset) is a slice.
        """
        self.check(query)
        key = (
            query.sort,
            query.order,
            query.q,
            tuple(sorted(query.values.items())),
            query.loss_makers,
            query.liabilities,
        )
        with self._lock:
            if key in self._selections:
                self._selections.move_to_end(key)
                return self._selections[key]
        ordered = self.order(query.sort, query.order)
        mask = self.mask(query)
        chosen = ordered if mask is None else ordered[mask[ordered]]
        with self._lock:
            self._selections[key] = chosen
            while len(self._selections) > SELECTIONS_KEPT:
                self._selections.popitem(last=False)
        return chosen

    def page(self, query: ListQuery) -> tuple[int, list[dict]]:
        """``(total, rows)``: how many rows match, and the page of them the query asks for."""
        chosen = self.selection(query)
        rows = self.table.take(chosen[query.offset : query.offset + query.limit])
        return len(chosen), [clean(r) for r in rows.to_pylist()]

    def find(self, customer_id: str) -> dict | None:
        """The summary row of one customer, None when there is none."""
        at = pc.index(self.table.column("customer_id"), customer_id).as_py()
        return None if at < 0 else clean(self.table.slice(at, 1).to_pylist()[0])

    def csv(self, query: ListQuery) -> Iterator[bytes]:
        """Every row the query selects (all pages, in its order) as CSV, in chunks; the query
        is checked before the first chunk (raises BadQuery)."""
        return self._csv_chunks(self.selection(query))

    def _csv_chunks(self, chosen: np.ndarray) -> Iterator[bytes]:
        for start in range(0, max(len(chosen), 1), CSV_CHUNK):
            buffer = io.BytesIO()
            options = pacsv.WriteOptions(include_header=start == 0)
            pacsv.write_csv(self.table.take(chosen[start : start + CSV_CHUNK]), buffer, options)
            yield buffer.getvalue()


def _sortable(column: pa.Field) -> bool:
    t = column.type
    return (
        pa.types.is_integer(t)
        or pa.types.is_floating(t)
        or pa.types.is_boolean(t)
        or pa.types.is_string(t)
        or pa.types.is_large_string(t)
        or pa.types.is_date(t)
    )
