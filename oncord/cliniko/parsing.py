"""Readers for Cliniko's JSON scalars: int64 string ids, UTC stamps, dates and link objects."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timezone
from typing import Any
from urllib.parse import urlsplit

INT64_MAX = 2**63 - 1
_DIGITS = re.compile(r"[0-9]+")


def parse_id(value: Any) -> int:
    """Cliniko ids are int64 carried as strings; int() keeps every digit (float() would not)."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"id must be a string of digits, got {type(value).__name__}")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        # floats included: 1.3907108631024857e18 has already lost the id's last digits
        raise ValueError("id is not an integer string")
    if not 0 < number <= INT64_MAX:
        raise ValueError("id is outside Cliniko's int64 range")
    return number


def format_id(value: Any) -> str:
    """An id on its way to Cliniko (path, filter or body): int64 digits as a string."""
    return str(parse_id(value))


def parse_optional_id(value: Any) -> int | None:
    return None if value in (None, "") else parse_id(value)


def parse_utc(value: Any) -> datetime | None:
    """'2016-07-21T03:45:00Z' -> aware UTC datetime; None or "" -> None."""
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise TypeError("timestamp must be a string")
    text = value.strip()
    if text.endswith(" UTC"):  # Rails' default rendering in old payloads
        text = text[:-4].strip() + "+00:00"
    elif text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:  # Cliniko speaks UTC; a bare stamp is UTC too
        return parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def require_utc(value: Any) -> datetime:
    parsed = parse_utc(value)
    if parsed is None:
        raise ValueError("required timestamp is missing")
    return parsed


def parse_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise TypeError("date must be a string")
    return date.fromisoformat(value.strip()[:10])


def parse_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise TypeError("expected a boolean")


def parse_int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise TypeError("expected an integer")
    if isinstance(value, float) and not value.is_integer():
        raise ValueError("expected a whole number")
    return int(value)


def parse_decimal(value: Any) -> str | None:
    """Money comes as a decimal string ("12.50"); kept as text so no float rounds it."""
    if value in (None, ""):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise TypeError("expected a decimal string")
    text = str(value).strip()
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise ValueError("not a decimal")
    return text


def parse_str(value: Any) -> str | None:
    """Optional text: old payloads use "" where modern ones use null; both become None."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("expected a string")
    return clean_text(value) or None


# NUL: PostgreSQL text refuses it. Lone surrogates (JSON's "\ud800"): no database can encode them.
_UNSTORABLE = re.compile("\x00|[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Text any database can store: NULs dropped, lone surrogates shown as U+FFFD."""
    if not _UNSTORABLE.search(value):
        return value
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", value)


def parse_ids(values: Any) -> tuple[int, ...]:
    if values in (None, ""):
        return ()
    return tuple(parse_id(v) for v in values)


def link_url(link: Any) -> str | None:
    """A Cliniko link object is {"links": {"self": url}}; it may also be null or absent."""
    if not isinstance(link, Mapping):
        return None
    links = link.get("links")
    if not isinstance(links, Mapping):
        return None
    url = links.get("self")
    return url if isinstance(url, str) and url else None


def link_id(link: Any) -> int | None:
    """The id at the end of a link's self URL: .../v1/patients/123 -> 123."""
    url = link_url(link)
    if url is None:
        return None
    path = urlsplit(url).path.rstrip("/")
    return parse_id(path.rsplit("/", 1)[-1])


def format_utc(value: datetime) -> str:
    """Cliniko wants UTC with a Z and whole seconds; naive datetimes are refused as ambiguous."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("datetime filters must be timezone-aware")
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
