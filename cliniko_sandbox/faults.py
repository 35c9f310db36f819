"""Things that go wrong on purpose: injected faults, Cliniko's rate limit, and the
request tally tests use to count what a client sent."""

from __future__ import annotations

import math
import random
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

FAULT_KINDS = ("rate_limit", "error", "drop", "malformed", "truncate")


@dataclass
class Fault:
    """What to do to one response; `kind` is one of FAULT_KINDS."""

    kind: str
    status: int = 500
    reset_in: int = 1


@dataclass
class FaultSettings:
    error_rate: float = 0.0  # share of requests answered with a 5xx
    error_statuses: tuple[int, ...] = (500, 502, 503)
    latency: float = 0.0  # seconds added to every response
    latency_jitter: float = 0.0  # plus up to this much, seeded
    match: str | None = None  # only requests whose path contains this
    seed: int = 0
    # one-shot queues: the next N matching requests get this fault
    rate_limit_next: int = 0
    rate_limit_reset_in: int = 1
    error_next: int = 0
    error_status: int = 500
    drop_next: int = 0
    malformed_next: int = 0
    truncate_next: int = 0


class Faults:
    """Thread-safe fault plan. Randomness comes from its own seeded RNG, so a
    sequential client sees the same failures on every run."""

    def __init__(self, **settings: Any) -> None:
        self._lock = threading.Lock()
        self.settings = FaultSettings()
        self._rng = random.Random(0)
        self.set(**settings)

    def set(self, **settings: Any) -> dict[str, Any]:
        """Change any FaultSettings field; setting `seed` restarts the random stream."""
        with self._lock:
            for name, value in settings.items():
                if not hasattr(self.settings, name):
                    raise ValueError(f"unknown fault setting {name!r}")
                if name == "error_statuses":
                    value = tuple(int(v) for v in value)
                setattr(self.settings, name, value)
            if "seed" in settings:
                self._rng = random.Random(self.settings.seed)
            if not 0.0 <= self.settings.error_rate <= 1.0:
                raise ValueError("error_rate must be within 0..1")
            return self.snapshot()

    def clear(self) -> None:
        with self._lock:
            seed = self.settings.seed
            self.settings = FaultSettings(seed=seed)
            self._rng = random.Random(seed)

    def snapshot(self) -> dict[str, Any]:
        data = asdict(self.settings)
        data["error_statuses"] = list(data["error_statuses"])
        return data

    # one-shot helpers --------------------------------------------------------------

    def rate_limit_next(self, count: int, reset_in: int = 1) -> None:
        self.set(rate_limit_next=count, rate_limit_reset_in=reset_in)

    def fail_next(self, count: int, status: int = 500) -> None:
        self.set(error_next=count, error_status=status)

    def drop_next(self, count: int = 1) -> None:
        self.set(drop_next=count)

    def malform_next(self, count: int = 1) -> None:
        self.set(malformed_next=count)

    def truncate_next(self, count: int = 1) -> None:
        self.set(truncate_next=count)

    # used by the app ---------------------------------------------------------------

    def draw(self, path: str) -> tuple[float, Fault | None]:
        """Delay to add and the fault (if any) for one request, consuming queues."""
        with self._lock:
            s = self.settings
            if s.match and s.match not in path:
                return 0.0, None
            delay = s.latency + (self._rng.uniform(0, s.latency_jitter) if s.latency_jitter else 0)
            if s.rate_limit_next > 0:
                s.rate_limit_next -= 1
                return delay, Fault("rate_limit", 429, s.rate_limit_reset_in)
            if s.error_next > 0:
                s.error_next -= 1
                return delay, Fault("error", s.error_status)
            for kind in ("drop", "malformed", "truncate"):
                if getattr(s, f"{kind}_next") > 0:
                    setattr(s, f"{kind}_next", getattr(s, f"{kind}_next") - 1)
                    return delay, Fault(kind, 200)
            if s.error_rate and self._rng.random() < s.error_rate:
                return delay, Fault("error", self._rng.choice(s.error_statuses))
            return delay, None


class RateLimiter:
    """Cliniko's 200 requests a minute per key owner, as a fixed 60-second window;
    refusals carry `X-RateLimit-Reset` (epoch seconds when the window ends)."""

    def __init__(self, per_minute: int = 200, enabled: bool = True, window: float = 60.0) -> None:
        self._lock = threading.Lock()
        self.per_minute = per_minute
        self.enabled = enabled
        self.window = window
        self._windows: dict[str, tuple[float, int]] = {}

    def configure(self, *, enabled: bool | None = None, per_minute: int | None = None) -> None:
        with self._lock:
            if enabled is not None:
                self.enabled = bool(enabled)
            if per_minute is not None:
                self.per_minute = int(per_minute)
            self._windows.clear()

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()

    def hit(self, owner: str) -> tuple[bool, int]:
        """Count one request; returns (allowed, reset epoch seconds)."""
        now = time.time()
        with self._lock:
            start, used = self._windows.get(owner, (now, 0))
            if now - start >= self.window:
                start, used = now, 0
            reset_at = math.ceil(start + self.window)
            if self.enabled and used >= self.per_minute:
                return False, reset_at
            self._windows[owner] = (start, used + 1)
            return True, reset_at

    def snapshot(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "per_minute": self.per_minute}


@dataclass
class RequestLog:
    """Every `/v1` request the sandbox saw, by endpoint (`GET /patients/{id}`) and raw."""

    total: int = 0
    by_endpoint: Counter = field(default_factory=Counter)
    by_status: Counter = field(default_factory=Counter)
    entries: list[dict[str, Any]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, path: str, query: str, endpoint: str, status: int) -> None:
        with self._lock:
            self.total += 1
            self.by_endpoint[f"{method} {endpoint}"] += 1
            self.by_status[status] += 1
            self.entries.append({"method": method, "path": path, "query": query,
                                 "endpoint": endpoint, "status": status})
            del self.entries[:-10000]  # keep memory flat under --live demos

    def count(self, endpoint: str | None = None) -> int:
        """`count()` is the total; `count("GET /patients")` one endpoint's tally."""
        with self._lock:
            return self.total if endpoint is None else self.by_endpoint[endpoint]

    def reset(self) -> None:
        with self._lock:
            self.total = 0
            self.by_endpoint.clear()
            self.by_status.clear()
            self.entries.clear()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"total": self.total, "by_endpoint": dict(self.by_endpoint),
                    "by_status": {str(k): v for k, v in self.by_status.items()},
                    "entries": list(self.entries[-500:])}
