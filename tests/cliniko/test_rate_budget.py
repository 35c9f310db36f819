"""The shared token bucket: one budget per Cliniko user, never above the per-minute limit."""

from __future__ import annotations

import threading
import time

import pytest

from oncord.cliniko import LocalRateBudget, RedisRateBudget, budget_key

from .conftest import API_KEY


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= window:
            start += 1
        best = max(best, end - start + 1)
    return best


def test_budget_key_is_a_hash_shared_by_both_spellings_of_a_key():
    key = budget_key(API_KEY)
    body = API_KEY.rsplit("-", 1)[0]
    assert body not in key and API_KEY not in key
    assert key == budget_key(body)  # with or without "-au2": the same user
    assert key != budget_key("another-au2")
    assert key.startswith("oncord:cliniko:rate:")


def test_default_shape_keeps_any_minute_under_200():
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    sends = []
    for _ in range(1000):  # callers as greedy as can be: send the moment the budget allows
        wait = budget.acquire()
        clock.now += wait
        sends.append(clock.now)
    assert max_in_window(sends, 60.0) <= 190
    assert sends[-1] - sends[0] == pytest.approx((1000 - 10) / 3.0, rel=0.01)  # 3/s after a burst of 10


def test_local_budget_bursts_then_spaces_requests():
    clock = FakeClock()
    budget = LocalRateBudget(limit=20, period=10, clock=clock)  # capacity 10, refill 0.9/s
    waits = [budget.acquire() for _ in range(13)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([1 / 0.9, 2 / 0.9, 3 / 0.9])


def test_pause_holds_everyone_back():
    clock = FakeClock()
    budget = LocalRateBudget(clock=clock)
    budget.pause(5.0)
    assert budget.acquire() == pytest.approx(5.0 + 1 / 3.0)
    clock.now += 60
    assert budget.acquire() == 0.0


def test_local_budgets_are_shared_per_key_in_process():
    a = LocalRateBudget.shared("k1-au1")
    assert LocalRateBudget.shared("k1") is a
    assert LocalRateBudget.shared("k2-au1") is not a


def test_redis_budget_is_shared_and_hashes_the_key(redis_client, rate_prefix):
    shape = dict(limit=20, period=10, prefix=rate_prefix)  # capacity 10, refill 0.9/s
    one = RedisRateBudget(redis_client, API_KEY, **shape)
    two = RedisRateBudget(redis_client, API_KEY, **shape)
    waits = [b.acquire() for _ in range(8) for b in (one, two)]
    assert waits.count(0.0) == 10  # one bucket between them
    keys = [k.decode() for k in redis_client.scan_iter(f"{rate_prefix}*")]
    assert keys == [one.key]
    assert API_KEY.split("-")[0] not in keys[0]
    assert 0 < redis_client.pttl(one.key) <= 120_000


def test_redis_budget_is_atomic_across_threads(redis_client, rate_prefix):
    budget_shape = dict(limit=20, period=10, prefix=rate_prefix)
    waits: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        budget = RedisRateBudget(redis_client, API_KEY, **budget_shape)
        mine = [budget.acquire() for _ in range(25)]
        with lock:
            waits.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    waits.sort()
    assert len(waits) == 200
    assert waits.count(0.0) in (10, 11)  # the burst, plus at most a token refilled meanwhile
    # Every later request got its own slot, spaced by the refill interval.
    gaps = [b - a for a, b in zip(waits[11:], waits[12:])]
    assert all(g == pytest.approx(1 / 0.9, abs=0.05) for g in gaps)


def test_redis_budget_pause_is_seen_by_other_instances(redis_client, rate_prefix):
    one = RedisRateBudget(redis_client, API_KEY, prefix=rate_prefix)
    two = RedisRateBudget(redis_client, API_KEY, prefix=rate_prefix)
    one.pause(4.0)
    assert 4.0 < two.acquire() < 4.5


def test_redis_budget_keeps_a_real_burst_under_the_window(redis_client, rate_prefix):
    """Two greedy clients for 2 s at limit 10/s: no 1-second window above 10.

    With 30% headroom the bucket admits at most 2 + 5 = 7 a second; the slack absorbs
    threads that wake late on a busy machine and bunch up."""
    sends: list[float] = []
    lock = threading.Lock()
    deadline = time.monotonic() + 2.0

    def worker() -> None:
        budget = RedisRateBudget(redis_client, API_KEY, limit=10, period=1, burst=2, headroom=0.3,
                                prefix=rate_prefix)
        while time.monotonic() < deadline:
            wait = budget.acquire()
            if wait:
                time.sleep(wait)
            with lock:
                sends.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert max_in_window(sends, 1.0) <= 10
    assert len(sends) >= 11  # and it did not starve either


def test_redis_outage_falls_back_to_a_local_bucket(caplog):
    import redis as redis_lib
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    dead = redis_lib.Redis(host="127.0.0.1", port=1, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0))
    budget = RedisRateBudget(dead, API_KEY, limit=20, period=10)
    assert [budget.acquire() for _ in range(10)] == [0.0] * 10
    assert budget.acquire() == pytest.approx(1 / 0.9, abs=0.01)
    budget.pause(2.0)
    assert budget.acquire() > 2.0
    assert caplog.text.count("Redis unavailable") == 1  # not retried on every request
