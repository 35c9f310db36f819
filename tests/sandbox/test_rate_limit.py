"""Cliniko's 200 requests a minute per key owner: 429 with X-RateLimit-Reset."""

from __future__ import annotations

import time

import requests


def hammer(sandbox, count, auth=None):
    statuses = []
    for _ in range(count):
        statuses.append(requests.get(sandbox.base_url + "/user", auth=auth or sandbox.auth,
                                     headers=sandbox.headers).status_code)
    return statuses


def test_limit_is_on_by_default_at_200_a_minute(make_sandbox):
    sb = make_sandbox()
    assert sb.rate_limiter.enabled and sb.rate_limiter.per_minute == 200
    statuses = hammer(sb, 201)
    assert statuses[:200] == [200] * 200
    assert statuses[200] == 429


def test_429_carries_the_reset_epoch(sandbox):
    sandbox.set_rate_limit(True, per_minute=3)
    hammer(sandbox, 3)
    before = time.time()
    response = requests.get(sandbox.base_url + "/user", auth=sandbox.auth,
                            headers=sandbox.headers)
    assert response.status_code == 429
    reset = int(response.headers["X-RateLimit-Reset"])
    assert before < reset <= before + 61
    assert response.json() == {"message": "Too Many Requests"}
    assert "Retry-After" not in response.headers  # Cliniko documents only the reset header


def test_key_with_and_without_suffix_share_one_budget(sandbox):
    sandbox.set_rate_limit(True, per_minute=4)
    body = sandbox.api_key.rpartition("-")[0]
    assert hammer(sandbox, 2) == [200, 200]
    assert hammer(sandbox, 3, auth=(body, "")) == [200, 200, 429]


def test_refused_requests_do_not_spend_the_budget(sandbox):
    sandbox.set_rate_limit(True, per_minute=2)
    hammer(sandbox, 5, auth=("wrong-au1", ""))
    assert hammer(sandbox, 2) == [200, 200]


def test_switch_off_at_runtime(sandbox):
    sandbox.set_rate_limit(True, per_minute=1)
    assert hammer(sandbox, 2) == [200, 429]
    sandbox.set_rate_limit(False)
    assert hammer(sandbox, 5) == [200] * 5


def test_window_reopens(sandbox):
    sandbox.set_rate_limit(True, per_minute=1)
    sandbox.rate_limiter.window = 0.3
    try:
        assert hammer(sandbox, 2) == [200, 429]
        time.sleep(0.35)
        assert hammer(sandbox, 1) == [200]
    finally:
        sandbox.rate_limiter.window = 60.0


def test_retry_after_is_optional(make_sandbox):
    sb = make_sandbox(rate_limit_per_minute=1, retry_after_header=True)
    hammer(sb, 1)
    response = requests.get(sb.base_url + "/user", auth=sb.auth, headers=sb.headers)
    assert response.status_code == 429 and int(response.headers["Retry-After"]) <= 61


def test_reset_restores_startup_settings(sandbox):
    sandbox.set_rate_limit(True, per_minute=1)
    sandbox.reset()
    assert not sandbox.rate_limiter.enabled
