"""Reading a Cliniko list from a saved position, so a pull can stop anywhere and go on later.

Each page is asked for afresh: rows at or after the last committed `(updated_at, id)`,
sorted by both. Offset paging (`links.next`) cannot resume after a restart, and skips a
row whenever an earlier one changes and moves to the end while we read; asking from the
position does neither. A row changed meanwhile simply comes again, later in the order.
"""
from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from oncord import cliniko
from oncord.cliniko.parsing import format_id, format_utc
from oncord.cliniko.query import PER_PAGE

# fetch(extra q[] filters, sort, per_page) -> a Listing of records with `id` and `updated_at`
Fetch = Callable[[list[str], str, int], cliniko.Listing]
ORDER = "updated_at,id"


@dataclass(frozen=True)
class Position:
    """The last row committed: everything before it in (updated_at, id) order is done."""
    updated_at: datetime | None = None
    id: int | None = None

    def is_before(self, row) -> bool:
        if self.updated_at is None:
            return True
        return (row.updated_at, row.id) > (self.updated_at, self.id if self.id is not None else -1)


def pages_from(fetch: Fetch, position: Position, on_bad_row: Callable | None = None,
               size: int = PER_PAGE, on_total: Callable[[int], None] | None = None) -> Iterator[tuple[list, Position]]:
    """Pages of rows after `position`, each with the position to commit once it is applied.
    `on_total(n)`: told once how many rows are left, from the first page's `total_entries`."""
    strictly_after = False
    while True:
        if position.updated_at is None:
            filters = []
        else:
            operator = ">" if strictly_after else ">="
            filters = [f"updated_at:{operator}{format_utc(position.updated_at)}"]
        listing = fetch(filters, ORDER, size)
        results = listing.results()
        raw, rows = _next_page(results, on_bad_row, size)
        if on_total is not None:
            on_total(listing.total or 0)
            on_total = None
        while len(raw) >= size and not rows:
            # A whole page we cannot read gives no position to go on from: step over it by page number.
            raw, rows = _next_page(results, on_bad_row, size)
        rows = [row for row in rows if position.is_before(row)]
        if not rows and len(raw) >= size and not strictly_after:
            # A whole page of rows sharing `updated_at` that we already have: finish that
            # second by id, then go on strictly after it.
            for page, position in _same_second(fetch, position, on_bad_row, size):
                yield page, position
            strictly_after = True
            continue
        if rows:
            position = Position(rows[-1].updated_at, rows[-1].id)
            yield rows, position
            strictly_after = False
        if len(raw) < size:
            return


def _same_second(fetch: Fetch, position: Position, on_bad_row, size: int) -> Iterator[tuple[list, Position]]:
    second = format_utc(position.updated_at)
    while True:
        filters = [f"updated_at:>={second}", f"updated_at:<={second}"]
        if position.id is not None:
            filters.append(f"id:>{format_id(position.id)}")
        raw, rows = _next_page(fetch(filters, "id", size).results(), on_bad_row, size)
        if rows:
            position = Position(position.updated_at, rows[-1].id)
            yield rows, position
        if len(raw) < size:
            return


def _next_page(results: Iterator, on_bad_row, size: int) -> tuple[list, list]:
    """One request's rows from a listing's `results()`: (everything read, the rows we could
    parse, in order). Taking exactly a page's worth never asks for the next page."""
    raw = list(itertools.islice(results, size))
    rows = []
    for item in raw:
        if isinstance(item, cliniko.ClinikoDataError):
            if on_bad_row is not None:
                on_bad_row(item)
        else:
            rows.append(item)
    rows.sort(key=lambda row: (row.updated_at, row.id))
    return raw, rows
