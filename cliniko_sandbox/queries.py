"""Cliniko's `q[]` filters, `sort`/`order` and paging, compiled to SQL.

Operators per field type follow docs.api.cliniko.com "Filtering Results":
date `= >= > <= < ? !?` (wildcards `*` in the value), date-time `>= > <= < ? !? *`
(no `=`), int64 `= != >= > <= < ? !?` (`=` takes a list), string `= != ~ ~~ ? !?`,
boolean `= !=`, array `~`. Anything else is Cliniko's 400.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cliniko_sandbox.store import INT64_MAX, format_time, parse_time

NOT_SEARCHABLE = "This column is not searchable."

OPERATORS = {
    "date": ("=", ">=", ">", "<=", "<", "?", "!?"),
    "datetime": (">=", ">", "<=", "<", "?", "!?", "*"),
    "int": ("=", "!=", ">=", ">", "<=", "<", "?", "!?"),
    "string": ("=", "!=", "~~", "~", "?", "!?"),
    "bool": ("=", "!="),
    "array": ("~",),
}
# Longest first, so `>=` is not read as `>` followed by "=value".
_ALL_OPS = ("!?", "!=", "~~", ">=", "<=", "?", "*", "=", ">", "<", "~")
_VALUELESS = {"?", "!?", "*"}


class QueryError(Exception):
    """A filter or sort Cliniko would refuse with 400 and this message."""

    def __init__(self, message: str = NOT_SEARCHABLE) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Query:
    """WHERE clause pieces plus which hidden columns the filters let back in."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    revealed: set[str] = field(default_factory=set)


def parse_filters(
    raw_filters: Iterable[str], fields: Mapping[str, str], hidden: Iterable[str] = (),
    aliases: Mapping[str, str] | None = None,
) -> Query:
    """`fields` maps each filterable name to its type; `hidden` are the `*_at` columns
    whose rows are hidden unless a filter on that column asks for them."""
    query = Query()
    hidden = set(hidden)
    for raw in raw_filters:
        name, sep, rest = raw.partition(":")
        if not sep or name not in fields:
            raise QueryError()
        kind = fields[name]
        op = next((o for o in _ALL_OPS if rest.startswith(o)), None)
        if op is None or op not in OPERATORS[kind]:
            raise QueryError()
        value = rest[len(op):]
        if op in _VALUELESS and value:
            raise QueryError()
        _compile(query, name, (aliases or {}).get(name, name), kind, op, value)
        # `*`, `?` and any comparison can only match hidden rows' timestamps, so they
        # lift the default exclusion; `!?` (is null) keeps it.
        if name in hidden and op != "!?":
            query.revealed.add(name)
    return query


def _compile(query: Query, name: str, col: str, kind: str, op: str, value: str) -> None:
    if op == "*":
        return
    if op == "?":
        query.where.append(f"{col} IS NOT NULL")
        return
    if op == "!?":
        query.where.append(f"{col} IS NULL")
        return
    if kind == "int":
        _compile_int(query, name, col, op, value)
    elif kind == "datetime":
        query.where.append(f"{col} {op} ?")
        query.params.append(_datetime_value(value))
    elif kind == "date":
        _compile_date(query, col, op, value)
    elif kind == "bool":
        if value.lower() not in ("true", "false"):
            raise QueryError(f"Filter value for {name} must be true or false")
        query.where.append(f"{col} IS {'NOT ' if op == '!=' else ''}?")
        query.params.append(int(value.lower() == "true"))
    elif kind == "string":
        _compile_string(query, col, op, value)
    elif kind == "array":
        # JSON arrays of int ids stored as text: match one element exactly.
        query.where.append(f"EXISTS (SELECT 1 FROM json_each({col}) WHERE json_each.value = ?)")
        query.params.append(_int_value(name, value))


def _compile_int(query: Query, name: str, col: str, op: str, value: str) -> None:
    if op == "=":
        numbers = [_int_value(name, part) for part in value.split(",")]
        query.where.append(f"{col} IN ({', '.join('?' * len(numbers))})")
        query.params.extend(numbers)
    elif op == "!=":
        query.where.append(f"({col} IS NULL OR {col} != ?)")
        query.params.append(_int_value(name, value))
    else:
        query.where.append(f"{col} {op} ?")
        query.params.append(_int_value(name, value))


def _compile_date(query: Query, col: str, op: str, value: str) -> None:
    if op == "=" and "*" in value:
        if not re.fullmatch(r"[0-9*]{4}-[0-9*]{2}-[0-9*]{2}", value):
            raise QueryError(f"Filter value for {col} must be a date")
        query.where.append(f"{col} LIKE ?")
        query.params.append(value.replace("*", "_"))
        return
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise QueryError(f"Filter value for {col} must be a date")
    query.where.append(f"{col} {op} ?")
    query.params.append(value)


def _compile_string(query: Query, col: str, op: str, value: str) -> None:
    if op == "=":
        query.where.append(f"{col} = ?")
        query.params.append(value)
    elif op == "!=":
        query.where.append(f"({col} IS NULL OR {col} != ?)")
        query.params.append(value)
    elif op == "~":
        query.where.append(f"{col} LIKE ? ESCAPE '\\'")
        query.params.append(f"%{_escape_like(value)}%")
    else:  # `~~`: the caller's `%` are the wildcards, everything else is literal
        query.where.append(f"{col} LIKE ? ESCAPE '\\'")
        query.params.append("%".join(_escape_like(part) for part in value.split("%")))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _int_value(name: str, value: str) -> int:
    if not re.fullmatch(r"-?[0-9]+", value.strip()) or abs(int(value)) > INT64_MAX:
        raise QueryError(f"Filter value for {name} must be a number")
    return int(value)


def _datetime_value(value: str) -> str:
    try:
        return format_time(parse_time(value))
    except ValueError:
        raise QueryError(f"Filter value must be a date time, got {value!r}") from None


def parse_sort(
    sort: str | None, order: str | None, sortable: Iterable[str]
) -> list[tuple[str, str]]:
    """`sort=a,b:desc`; the deprecated `order=` sets the direction of bare columns.
    Always ends with `id` so pages never overlap."""
    allowed = set(sortable)
    default_dir = "desc" if (order or "").lower() == "desc" else "asc"
    keys: list[tuple[str, str]] = []
    for part in (sort or "created_at").split(","):
        part = part.strip()
        if not part:
            continue
        name, _, direction = part.partition(":")
        direction = (direction or default_dir).lower()
        if name not in allowed or direction not in ("asc", "desc"):
            raise QueryError("This column is not sortable.")
        keys.append((name, direction))
    if not keys:
        keys.append(("created_at", default_dir))
    if all(name != "id" for name, _ in keys):
        keys.append(("id", keys[0][1]))
    return keys


def order_by(keys: list[tuple[str, str]], prefix: str = "") -> str:
    return ", ".join(f"{prefix}{name} {direction.upper()}" for name, direction in keys)


@dataclass(frozen=True)
class Page:
    number: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page


def parse_page(page: str | None, per_page: str | None) -> Page:
    """Lenient like Rails' `to_i`: junk means default; per_page clamps to 1..100."""
    number = _to_int(page, 1)
    size = _to_int(per_page, 50)
    # past the last row is an empty page; capped so the OFFSET still fits an int64
    return Page(number=min(max(number, 1), INT64_MAX // 100), per_page=min(max(size, 1), 100))


def _to_int(text: str | None, default: int) -> int:
    match = re.match(r"\s*(-?[0-9]+)", text or "")
    return int(match.group(1)) if match else default
