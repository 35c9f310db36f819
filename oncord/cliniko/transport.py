"""HTTP for the Cliniko client: auth, headers, the rate budget, retries and error mapping."""

from __future__ import annotations

import base64
import email.utils
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from .errors import (
    AuthenticationFailed,
    BadRequest,
    ClinikoError,
    Forbidden,
    MalformedResponse,
    NotFound,
    RateLimited,
    Unavailable,
    ValidationFailed,
)
from .rate_budget import RateBudget
from .shards import key_identity

log = logging.getLogger("oncord.cliniko")

_RETRYABLE_NETWORK = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to keep trying. 5xx/network/garbled bodies spend attempts; 429s spend time."""

    max_attempts: int = 6
    max_elapsed: float = 120.0  # seconds, across every retry of one request
    backoff_base: float = 0.5
    backoff_cap: float = 20.0
    max_reset_wait: float = 75.0  # ignore absurd reset headers beyond this
    max_rate_limited: int = 20  # 429s in a row before RateLimited, whatever the clock says

    def backoff(self, attempt: int) -> float:
        """Exponential with jitter: uniformly between half and all of base * 2**(attempt-1)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)


class _KeyAuth(requests.auth.AuthBase):
    """Basic auth with the key as username and a blank password; its repr hides the key."""

    __slots__ = ("_header", "_secrets")

    def __init__(self, api_key: str) -> None:
        self._header = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode("ascii")
        # Everything that could betray the key in a message: the key with and without its
        # shard suffix (both authenticate) and the encoded header.
        body = key_identity(api_key)
        secrets = {api_key, self._header.split(" ", 1)[1], body if len(body) >= 8 else ""}
        self._secrets = tuple(sorted((s for s in secrets if s), key=len, reverse=True))

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def __repr__(self) -> str:
        return "<Basic auth: key hidden>"


class _Retry(Exception):
    def __init__(self, reason: str, wait: float | None = None, *, rate_limited: bool = False,
                 reset_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait = wait
        self.rate_limited = rate_limited
        self.reset_at = reset_at


class Transport:
    def __init__(
        self,
        api_key: str,
        user_agent: str,
        base_url: str,
        *,
        budget: RateBudget,
        retry: RetryPolicy,
        timeout: float | tuple[float, float],
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._origin = urlsplit(self.base_url)[:2]
        self.budget = budget
        self.retry = retry
        self.timeout = timeout
        self._sleep = sleep
        self._clock = clock
        self._auth = _KeyAuth(api_key)  # the only place the key lives; its repr hides it
        self.session = session or requests.Session()
        self.session.auth = self._auth
        self.session.headers.update(
            {"User-Agent": user_agent, "Accept": "application/json"}
        )
        self.requests_sent = 0

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        json: Any = None,
        check: Callable[[Any], None] | None = None,
    ) -> Any:
        """Send one logical request, retrying what can be retried; returns the parsed JSON."""
        url = self._resolve(url)
        started = self._clock()
        attempt = limited = 0
        while True:
            self._wait_for_budget()
            try:
                return self._attempt(method, url, params, json, check)
            except _Retry as retry:
                elapsed = self._clock() - started
                label = f"{method} {_path(url)}"
                if retry.rate_limited:
                    limited += 1
                    wait = retry.wait if retry.wait is not None else self.retry.backoff(limited)
                    if limited > self.retry.max_rate_limited or elapsed + wait > self.retry.max_elapsed:
                        raise RateLimited(
                            f"{label}: still rate limited after {limited} tries", reset_at=retry.reset_at
                        ) from None
                    self.budget.pause(wait)  # everyone sharing the budget backs off, not just us
                    log.warning("cliniko %s: 429, resuming in %.1fs", label, wait)
                    continue
                attempt += 1
                wait = retry.wait if retry.wait is not None else self.retry.backoff(attempt)
                if attempt >= self.retry.max_attempts or elapsed + wait > self.retry.max_elapsed:
                    error = MalformedResponse if retry.reason.startswith("malformed") else Unavailable
                    raise error(f"{label}: gave up after {attempt} attempts ({retry.reason})") from None
                log.warning("cliniko %s: %s; retry %d in %.2fs", label, retry.reason, attempt, wait)
                self._sleep(wait)

    def _wait_for_budget(self) -> None:
        wait = self.budget.acquire()
        if wait > 0:
            log.debug("cliniko rate budget: waiting %.2fs", wait)
            self._sleep(wait)

    def _attempt(self, method, url, params, json, check) -> Any:
        t0 = self._clock()
        try:
            self.requests_sent += 1
            response = self.session.request(
                method, url, params=params, json=json, timeout=self.timeout, allow_redirects=False
            )
        except _RETRYABLE_NETWORK as exc:
            raise _Retry(f"network error: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise ClinikoError(f"{method} {_path(url)}: {self._scrub(type(exc).__name__)}") from None
        status = response.status_code
        log.debug("cliniko %s %s -> %d in %.0fms", method, _path(response.url or url), status,
                  (self._clock() - t0) * 1000)
        if 200 <= status < 300:
            return self._body(response, check)
        if status == 429:
            wait, reset_at = self._rate_limit_wait(response)
            raise _Retry("rate limited", wait, rate_limited=True, reset_at=reset_at)
        if status >= 500:
            raise _Retry(f"HTTP {status}", _retry_after(response, self.retry.max_reset_wait))
        raise self._error(method, url, response)

    def _body(self, response: requests.Response, check) -> Any:
        if response.status_code == 204 or not response.content:
            return None
        try:
            body = response.json()
        except ValueError:
            raise _Retry("malformed JSON body") from None
        if check is not None:
            try:
                check(body)
            except MalformedResponse as exc:
                raise _Retry(f"malformed body: {exc}") from None
        return body

    def _rate_limit_wait(self, response: requests.Response) -> tuple[float | None, datetime | None]:
        """Retry-After if present, else X-RateLimit-Reset (epoch seconds), else backoff."""
        cap = self.retry.max_reset_wait
        now = time.time()
        wait = _retry_after(response, cap)
        reset_epoch = _reset_epoch(response.headers.get("X-RateLimit-Reset"), now)
        if reset_epoch is not None and wait is None:
            wait = min(cap, max(0.0, reset_epoch - now)) + random.uniform(0.05, 0.25)
        if reset_epoch is None and wait is not None:
            reset_epoch = now + wait
        reset_at = datetime.fromtimestamp(reset_epoch, timezone.utc) if reset_epoch is not None else None
        return wait, reset_at

    def _error(self, method: str, url: str, response: requests.Response) -> ClinikoError:
        status = response.status_code
        body = _json_or_none(response)
        message = body.get("message") if isinstance(body, Mapping) else None
        if not isinstance(message, str) or not message:
            message = (response.text or response.reason or "").strip()[:200]
        message = self._scrub(message)
        label = f"{method} {_path(url)}: HTTP {status}"
        if status == 422:
            errors = body.get("errors") if isinstance(body, Mapping) else None
            errors = errors if isinstance(errors, Mapping) else {}
            return ValidationFailed(
                f"{label} {message}", {str(k): self._scrub(_field_message(v)) for k, v in errors.items()}
            )
        kinds = {400: BadRequest, 401: AuthenticationFailed, 403: Forbidden, 404: NotFound}
        return kinds.get(status, ClinikoError)(f"{label} {message}".rstrip(), status=status)

    def _resolve(self, url: str) -> str:
        """Paths join the base URL; absolute links (links.next) must stay on our own host."""
        if url.startswith("/"):
            return self.base_url + url
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            # Never send the key to a host we were not configured for.
            log.warning("cliniko link to another host rebased onto the configured one")
            parts = parts._replace(scheme=self._origin[0], netloc=self._origin[1])
            return urlunsplit(parts)
        return url

    def _scrub(self, text: str) -> str:
        return self._auth.scrub(text)


def _reset_epoch(value: str | None, now: float) -> float | None:
    """X-RateLimit-Reset is the reset moment in UNIX epoch seconds (Cliniko's docs).

    Tolerated as well: epoch milliseconds, and a small number meaning seconds from now.
    """
    if not value:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if number != number or number < 0:  # NaN or negative
        return None
    if number >= 1e11:  # milliseconds since the epoch
        number /= 1000.0
    elif number < 1e9:  # a delay in seconds, not a moment (1e9 s is 2001)
        number += now
    try:
        datetime.fromtimestamp(number, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None
    return number


def _retry_after(response: requests.Response, cap: float) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return min(cap, max(0.0, seconds))


def _field_message(value: Any) -> str:
    """Cliniko sends one string per field; Rails-style lists are joined rather than repr'd."""
    if isinstance(value, (list, tuple)):
        return "; ".join(_field_message(v) for v in value)
    return str(value)


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")
