"""Fixtures for the Cliniko client tests."""

from __future__ import annotations

import os
import uuid

import pytest
import redis as redis_lib

from oncord.cliniko import ClinikoClient, LocalRateBudget, RetryPolicy, user_agent

API_KEY = "MxJrZXkiOiI1Njd1amJmZTQ1NyJ9-au2"
BASE = "https://api.au2.cliniko.com/v1"
UA = user_agent("oncord", "admin@clinic.example")


@pytest.fixture
def redis_client(request):
    """A real Redis: the suite's `redis_url` (a test db, or a private server) when the root
    conftest offers it, else REDIS_URL. Fails loudly if unreachable: no silent skips."""
    try:
        url = request.getfixturevalue("redis_url")
    except pytest.FixtureLookupError:
        url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    client = redis_lib.Redis.from_url(url)
    client.ping()
    yield client
    client.close()


@pytest.fixture
def rate_prefix(redis_client):
    """A key prefix of our own, deleted afterwards."""
    prefix = f"test:oncord:cliniko:{uuid.uuid4().hex}:"
    yield prefix
    for key in redis_client.scan_iter(f"{prefix}*"):
        redis_client.delete(key)


class Sleeps(list):
    """A stand-in for time.sleep that records instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()


@pytest.fixture
def make_client(sleeps):
    """A client against the au2 shard with a roomy private budget and recorded sleeps."""

    def make(api_key: str = API_KEY, **kwargs) -> ClinikoClient:
        kwargs.setdefault("rate_budget", LocalRateBudget(limit=100_000, period=1))
        kwargs.setdefault("retry", RetryPolicy(max_attempts=4, backoff_base=0.01, backoff_cap=0.05))
        kwargs.setdefault("sleep", sleeps)
        return ClinikoClient(api_key, UA, **kwargs)

    return make
