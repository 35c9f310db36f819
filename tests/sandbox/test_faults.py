"""Injected faults: 5xx share, latency, 429 bursts, malformed/truncated JSON and a
connection closed mid-response; per run (constructor/CLI) and at runtime."""

from __future__ import annotations

import json
import time

import pytest
import requests


def get(sandbox, path="/patients"):
    return requests.get(sandbox.base_url + path, auth=sandbox.auth, headers=sandbox.headers,
                        timeout=5)


def test_error_rate_is_a_seeded_share(sandbox):
    sandbox.faults.set(error_rate=0.3, seed=11)
    first = [get(sandbox).status_code for _ in range(100)]
    sandbox.faults.set(seed=11)
    again = [get(sandbox).status_code for _ in range(100)]
    assert first == again
    errors = [s for s in first if s >= 500]
    assert 15 <= len(errors) <= 45
    assert set(errors) <= {500, 502, 503}


def test_error_bodies(sandbox):
    sandbox.faults.fail_next(1, status=500)
    response = get(sandbox)
    assert response.status_code == 500 and response.json() == {"message": "Internal Server Error"}
    sandbox.faults.fail_next(1, status=503)
    assert get(sandbox).status_code == 503
    assert get(sandbox).status_code == 200


def test_latency(sandbox):
    sandbox.faults.set(latency=0.3)
    started = time.perf_counter()
    assert get(sandbox).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_burst_of_429(sandbox):
    sandbox.faults.rate_limit_next(3, reset_in=2)
    responses = [get(sandbox) for _ in range(4)]
    assert [r.status_code for r in responses] == [429, 429, 429, 200]
    assert int(responses[0].headers["X-RateLimit-Reset"]) >= int(time.time())


def test_malformed_json_page(sandbox):
    sandbox.world.create_patient()
    sandbox.faults.malform_next(1)
    response = get(sandbox)
    assert response.status_code == 200
    assert int(response.headers["Content-Length"]) == len(response.content)
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)
    get(sandbox).json()  # only the next one


def test_truncated_json_page(sandbox):
    sandbox.world.create_patient()
    full = get(sandbox).content
    sandbox.faults.truncate_next(1)
    response = get(sandbox)
    assert response.content == full[: len(full) // 2]
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_connection_dropped_mid_response(sandbox):
    sandbox.world.create_patient()
    sandbox.faults.drop_next(1)
    with pytest.raises(requests.exceptions.RequestException) as caught:
        get(sandbox).json()
    assert isinstance(caught.value, (requests.exceptions.ChunkedEncodingError,
                                     requests.exceptions.ConnectionError))
    assert get(sandbox).status_code == 200  # the server lives on
    assert sandbox.requests.by_status[0] == 1


def test_match_limits_faults_to_some_paths(sandbox):
    sandbox.faults.set(error_rate=1.0, match="/individual_appointments")
    assert get(sandbox, "/patients").status_code == 200
    assert get(sandbox, "/individual_appointments").status_code >= 500


def test_faults_come_after_auth(sandbox):
    sandbox.faults.fail_next(1)
    bad = requests.get(sandbox.base_url + "/patients", auth=("nope-au1", ""),
                       headers=sandbox.headers)
    assert bad.status_code == 401
    assert get(sandbox).status_code == 500


def test_clear_and_reset_remove_faults(sandbox):
    sandbox.faults.set(error_rate=1.0)
    sandbox.faults.clear()
    assert get(sandbox).status_code == 200
    sandbox.faults.set(error_rate=1.0)
    sandbox.reset()
    assert get(sandbox).status_code == 200


def test_unknown_setting_is_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.faults.set(explode=True)
    with pytest.raises(ValueError):
        sandbox.faults.set(error_rate=2)


def test_faults_set_at_start(make_sandbox):
    sb = make_sandbox(faults={"rate_limit_next": 1, "error_next": 1}, rate_limit=False)
    assert [get(sb).status_code for _ in range(3)] == [429, 500, 200]
