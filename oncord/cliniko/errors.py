"""The ClinikoError tree. Messages never carry the API key."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any


class ClinikoError(Exception):
    """Base for everything the Cliniko client raises."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidApiKey(ClinikoError, ValueError):
    """The key is empty or its shard suffix is not a Cliniko shard."""


class BadRequest(ClinikoError):
    """400: usually a filter Cliniko does not allow ("This column is not searchable.")."""


class AuthenticationFailed(ClinikoError):
    """401: the key is wrong, revoked, or used against the wrong shard."""


class Forbidden(ClinikoError):
    """403: the key's user lacks the role for this, or the User-Agent was refused."""


class NotFound(ClinikoError):
    """404: no such record (archived records need include_archived=True)."""


class ValidationFailed(ClinikoError):
    """422: Cliniko refused an update; `errors` maps field -> message."""

    def __init__(self, message: str, errors: Mapping[str, Any], *, status: int = 422) -> None:
        super().__init__(message, status=status)
        self.errors: dict[str, str] = {str(k): _join(v) for k, v in errors.items()}

    def __str__(self) -> str:
        fields = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        return f"{self.args[0]} ({fields})" if fields else str(self.args[0])


class RateLimited(ClinikoError):
    """429 kept coming after the retry budget was spent."""

    def __init__(self, message: str, *, reset_at: datetime | None = None) -> None:
        super().__init__(message, status=429)
        self.reset_at = reset_at


class Unavailable(ClinikoError):
    """5xx, timeouts, dropped connections or garbled bodies outlived the retries."""


class MalformedResponse(Unavailable):
    """A 2xx answer that was not the JSON shape Cliniko documents."""


class ClinikoDataError(ClinikoError):
    """One record we could not read; callers log it and carry on."""

    def __init__(self, resource: str, id: Any, reason: str = "") -> None:  # noqa: A002
        self.resource = resource
        self.id = _safe_id(id)
        detail = f": {reason}" if reason else ""
        super().__init__(f"unreadable {resource} {self.id}{detail}")


def _join(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def _safe_id(value: Any) -> int | str | None:
    if value is None or isinstance(value, int):
        return value
    text = str(value)
    return int(text) if text.isdigit() else text[:40]
