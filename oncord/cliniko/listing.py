"""Lazy listings that follow `links.next`, one page in memory at a time."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar

from .errors import ClinikoDataError, MalformedResponse

T = TypeVar("T")
log = logging.getLogger("oncord.cliniko")

FetchPage = Callable[[str, Any, Callable[[Any], None]], Any]


class Listing(Iterator[T], Generic[T]):
    """Iterate for records; `total` is Cliniko's `total_entries`, known after the first page.

    A row that cannot be read is skipped, not fatal: it is logged, kept in `skipped`
    and passed to `on_bad_row`. `results()` instead yields each ClinikoDataError in place.
    Single pass, like any iterator.
    """

    def __init__(
        self,
        fetch: FetchPage,
        path: str,
        params: Any,
        key: str,
        parse: Callable[[Mapping[str, Any]], T],
        on_bad_row: Callable[[ClinikoDataError], None] | None = None,
    ) -> None:
        self._fetch = fetch
        self._path = path
        self._params = params
        self.key = key
        self._parse = parse
        self._on_bad_row = on_bad_row
        self._first: Any = None
        self.total: int | None = None
        self.pages = 0
        self.done = 0  # rows handled so far, good or bad: progress is done / total
        self.skipped: list[ClinikoDataError] = []
        self._records: Iterator[T] | None = None

    def __repr__(self) -> str:
        return f"<Listing {self.key} {self.done}/{self.total if self.total is not None else '?'}>"

    def __next__(self) -> T:
        if self._records is None:
            self._records = self._good()
        return next(self._records)

    def count_total(self) -> int:
        """Fetch the first page now (if not yet) and return total_entries."""
        if self.total is None:
            self._first = self._get(self._path, self._params)
        return self.total if self.total is not None else 0

    def results(self) -> Iterator[T | ClinikoDataError]:
        """Every row in order: a record, or the ClinikoDataError for a row we could not read."""
        previous_ids: set[Any] = set()
        for page in self._pages():
            ids: set[Any] = set()
            for raw in page:
                self.done += 1
                row_id = raw.get("id") if isinstance(raw, Mapping) else None
                if row_id is not None and row_id in previous_ids:
                    # Offset paging: a row shifted by a concurrent change shows up twice.
                    continue
                ids.add(row_id)
                try:
                    yield self._parse(raw)
                except ClinikoDataError as exc:
                    yield exc
            previous_ids = ids

    def _good(self) -> Iterator[T]:
        for result in self.results():
            if isinstance(result, ClinikoDataError):
                log.warning("cliniko: skipped %s", result)
                self.skipped.append(result)
                if self._on_bad_row is not None:
                    self._on_bad_row(result)
                continue
            yield result

    def _pages(self) -> Iterator[list[Any]]:
        body = self._first if self._first is not None else self._get(self._path, self._params)
        self._first = None
        while True:
            yield body[self.key]
            next_url = (body.get("links") or {}).get("next")
            if not next_url:
                return
            body = self._get(next_url, None)  # links.next already carries per_page and filters

    def _get(self, url: str, params: Any) -> Any:
        body = self._fetch(url, params, self._check)
        self.pages += 1
        total = body.get("total_entries")
        if isinstance(total, int) and not isinstance(total, bool):
            self.total = total
        return body

    def _check(self, body: Any) -> None:
        """Refuse (so the transport retries) a 2xx body that is not a list envelope."""
        if not isinstance(body, Mapping):
            raise MalformedResponse("page is not a JSON object")
        if not isinstance(body.get(self.key), list):
            raise MalformedResponse(f"page has no {self.key!r} list")
        links = body.get("links")
        if links is not None and not isinstance(links, Mapping):
            raise MalformedResponse("page links is not an object")
        next_url = (links or {}).get("next")
        if next_url is not None and not isinstance(next_url, str):
            raise MalformedResponse("links.next is not a string")
