"""Cliniko's list query: repeated `q[]=field:OPvalue` filters, `sort`, and `per_page`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .parsing import format_id, format_utc

PER_PAGE = 100  # Cliniko's maximum; fewer pages means fewer requests against the rate limit


class Query:
    """Builds the params for one listing; filters AND together."""

    def __init__(self) -> None:
        self.filters: list[str] = []

    def add(self, expression: str) -> "Query":
        if not expression or " " in expression.split(":", 1)[0]:
            raise ValueError(f"not a Cliniko filter: {expression!r}")
        self.filters.append(expression)
        return self

    def after(self, field: str, when: datetime | None) -> "Query":
        return self if when is None else self.add(f"{field}:>{format_utc(when)}")

    def at_or_after(self, field: str, when: datetime | None) -> "Query":
        return self if when is None else self.add(f"{field}:>={format_utc(when)}")

    def before(self, field: str, when: datetime | None) -> "Query":
        return self if when is None else self.add(f"{field}:<{format_utc(when)}")

    def any_value(self, field: str, enabled: bool = True) -> "Query":
        """`field:*` matches null too: it lifts Cliniko's default hiding of archived/cancelled rows."""
        return self.add(f"{field}:*") if enabled else self

    def ids(self, field: str, values: int | Iterable[int] | None) -> "Query":
        if values is None:
            return self
        values = [values] if isinstance(values, (int, str, float)) else list(values)
        if not values:
            raise ValueError(f"{field}: an empty id list matches nothing")
        return self.add(f"{field}:=" + ",".join(format_id(v) for v in values))

    def params(self, sort: str | None = None, per_page: int = PER_PAGE) -> list[tuple[str, str]]:
        if not 1 <= per_page <= PER_PAGE:
            raise ValueError("per_page must be between 1 and 100")
        params = [("per_page", str(per_page))]
        if sort:
            params.append(("sort", sort))
        params.extend(("q[]", f) for f in self.filters)
        return params
