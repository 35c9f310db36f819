"""A token bucket per Cliniko user, shared through Redis so every process spends one budget.

Cliniko allows 200 requests a minute per user. A bucket holding `burst` tokens and refilling at
`rate` lets through at most `burst + rate * T` requests in any window of T seconds, so the
defaults (burst 10, rate 3/s) cap any 60-second window at 190: under the limit even for a
sliding window, with room for clock skew. Callers *reserve* a token and sleep until it is
theirs, so concurrent clients queue instead of stampeding.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from typing import Any, Protocol

from redis.exceptions import RedisError

from .shards import key_identity

DEFAULT_LIMIT = 200
DEFAULT_PERIOD = 60.0
DEFAULT_BURST = 10
DEFAULT_HEADROOM = 0.05
KEY_PREFIX = "oncord:cliniko:rate:"
log = logging.getLogger("oncord.cliniko")


class RateBudget(Protocol):
    def acquire(self) -> float:
        """Reserve one request; returns the seconds to wait before sending it."""

    def pause(self, seconds: float) -> None:
        """Hold everyone sharing this budget back for `seconds` (a 429 told us to)."""


def budget_key(api_key: str, prefix: str = KEY_PREFIX) -> str:
    """Redis key for a Cliniko user's budget: a hash, never the key itself."""
    digest = hashlib.sha256(key_identity(api_key).encode()).hexdigest()[:32]
    return f"{prefix}{digest}"


class _Shape:
    def __init__(self, limit: int, period: float, burst: int, headroom: float) -> None:
        if limit <= 0 or period <= 0:
            raise ValueError("limit and period must be positive")
        allowed = limit * (1.0 - headroom)
        self.capacity = float(max(1, min(burst, int(allowed) - 1)))
        self.rate = (allowed - self.capacity) / period  # tokens per second
        if self.rate <= 0:
            raise ValueError("burst leaves no room for a refill rate under the limit")

    def describe(self) -> str:
        return f"capacity={self.capacity:g} rate={self.rate:.3f}/s"


# KEYS[1]: the bucket. ARGV: rate/s, capacity, op ("take" | "pause"), pause seconds.
# Redis TIME keeps every process on the same clock. Returns the wait in microseconds.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local rate = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = cap
  ts = now
end
if now > ts then
  tokens = math.min(cap, tokens + (now - ts) * rate)
end
local wait = 0
if ARGV[3] == 'pause' then
  tokens = math.min(tokens, -tonumber(ARGV[4]) * rate)
else
  tokens = tokens - 1
  if tokens < 0 then wait = -tokens / rate end
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(((cap - tokens) / rate + 60) * 1000))
return math.ceil(wait * 1000000)
"""


class RedisRateBudget:
    """The shared budget: one atomic Lua call per request.

    If Redis stops answering, this process carries on with its own in-memory bucket of the
    same shape for `outage_retry` seconds before asking Redis again (logged): 429s are still
    honoured, and a sync beats a crash.
    """

    outage_retry = 30.0

    def __init__(
        self,
        redis: Any,
        api_key: str,
        *,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        burst: int = DEFAULT_BURST,
        headroom: float = DEFAULT_HEADROOM,
        prefix: str = KEY_PREFIX,
    ) -> None:
        self._shape = _Shape(limit, period, burst, headroom)
        self._redis = redis
        self.key = budget_key(api_key, prefix)
        self._script = redis.register_script(_LUA)
        self._fallback = LocalRateBudget(limit=limit, period=period, burst=burst, headroom=headroom)
        self._redis_down_until = 0.0

    def acquire(self) -> float:
        return self._call("take", 0.0)

    def pause(self, seconds: float) -> None:
        self._call("pause", max(0.0, seconds))

    def _call(self, op: str, seconds: float) -> float:
        if time.monotonic() >= self._redis_down_until:
            shape = self._shape
            try:
                micros = self._script(
                    keys=[self.key], args=[repr(shape.rate), repr(shape.capacity), op, repr(seconds)]
                )
                return int(micros) / 1_000_000
            except RedisError as exc:
                self._redis_down_until = time.monotonic() + self.outage_retry
                log.warning("cliniko rate budget: Redis unavailable (%s); using this process's "
                            "bucket for %.0fs", type(exc).__name__, self.outage_retry)
        if op == "pause":
            self._fallback.pause(seconds)
            return 0.0
        return self._fallback.acquire()

    def __repr__(self) -> str:
        return f"<RedisRateBudget {self.key} {self._shape.describe()}>"


class LocalRateBudget:
    """The fallback without Redis: the same bucket, shared by clients in this process only."""

    _registry: dict[str, "LocalRateBudget"] = {}
    _registry_lock = threading.Lock()

    def __init__(
        self,
        *,
        limit: int = DEFAULT_LIMIT,
        period: float = DEFAULT_PERIOD,
        burst: int = DEFAULT_BURST,
        headroom: float = DEFAULT_HEADROOM,
        clock=time.monotonic,
    ) -> None:
        self._shape = _Shape(limit, period, burst, headroom)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self._shape.capacity
        self._ts = clock()

    @classmethod
    def shared(cls, api_key: str, **shape: Any) -> "LocalRateBudget":
        name = budget_key(api_key)
        with cls._registry_lock:
            budget = cls._registry.get(name)
            if budget is None:
                budget = cls._registry[name] = cls(**shape)
            return budget

    def acquire(self) -> float:
        with self._lock:
            self._refill()
            self._tokens -= 1
            return -self._tokens / self._shape.rate if self._tokens < 0 else 0.0

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._refill()
            self._tokens = min(self._tokens, -max(0.0, seconds) * self._shape.rate)

    def _refill(self) -> None:
        now = self._clock()
        if now > self._ts:
            self._tokens = min(self._shape.capacity, self._tokens + (now - self._ts) * self._shape.rate)
            self._ts = now

    def __repr__(self) -> str:
        return f"<LocalRateBudget {self._shape.describe()}>"


def wait_for(budget: RateBudget, sleep=time.sleep) -> float:
    wait = budget.acquire()
    if wait > 0:
        sleep(wait)
    return wait

