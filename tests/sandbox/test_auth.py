"""Cliniko's gates: User-Agent (403), HTTP Basic key (401), in that order."""

from __future__ import annotations

import requests

from tests.fixtures.sandbox import SANDBOX_API_KEY

UA = {"User-Agent": "oncord tests (tests@oncord.example)"}


def get(sandbox, *, auth=None, headers=None, path="/patients"):
    return requests.get(sandbox.base_url + path, auth=auth, headers=headers, timeout=5)


def test_good_key_with_shard_suffix(sandbox):
    response = get(sandbox, auth=(SANDBOX_API_KEY, ""), headers=UA)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")


def test_key_without_shard_suffix_is_accepted(sandbox):
    body = SANDBOX_API_KEY.rpartition("-")[0]
    assert get(sandbox, auth=(body, ""), headers=UA).status_code == 200


def test_password_is_ignored(sandbox):
    assert get(sandbox, auth=(SANDBOX_API_KEY, "whatever"), headers=UA).status_code == 200


def test_bad_key_gets_cliniko_401(sandbox):
    response = get(sandbox, auth=("nope-au1", ""), headers=UA)
    assert response.status_code == 401
    assert response.text == "HTTP Basic: Access denied.\n"
    assert response.headers["WWW-Authenticate"] == 'Basic realm="Application"'


def test_missing_credentials_get_401(sandbox):
    assert get(sandbox, headers=UA).status_code == 401
    bad = requests.get(sandbox.base_url + "/user", headers={**UA, "Authorization": "Basic %%%"})
    assert bad.status_code == 401


def test_key_for_another_shard_gets_401(sandbox):
    other_shard = SANDBOX_API_KEY.rpartition("-")[0] + "-uk1"
    assert get(sandbox, auth=(other_shard, ""), headers=UA).status_code == 401


def test_missing_user_agent_is_refused(sandbox):
    response = requests.get(sandbox.base_url + "/patients", auth=(SANDBOX_API_KEY, ""),
                            headers={"User-Agent": ""})
    assert response.status_code == 403
    assert response.text == "Requires a user agent"


def test_user_agent_without_contact_email_is_refused(sandbox):
    for agent in ("python-requests/2.32", "oncord", "oncord (no email here)"):
        response = get(sandbox, auth=(SANDBOX_API_KEY, ""), headers={"User-Agent": agent})
        assert response.status_code == 403, agent


def test_user_agent_is_checked_before_the_key(sandbox):
    response = get(sandbox, auth=("nope-au1", ""), headers={"User-Agent": ""})
    assert response.status_code == 403


def test_current_user_is_the_connection_test(sandbox, sandbox_session):
    user = sandbox_session.get(sandbox.base_url + "/user").json()
    assert user["role"] == "administrator"
    assert user["links"]["self"] == f"{sandbox.base_url}/users/{user['id']}"


def test_unknown_route_is_404_json(sandbox, sandbox_session):
    response = sandbox_session.get(sandbox.base_url + "/no_such_thing")
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}


def test_shard_suffix_is_case_insensitive(sandbox):
    body, _, shard = SANDBOX_API_KEY.rpartition("-")
    assert get(sandbox, auth=(f"{body}-{shard.upper()}", ""), headers=UA).status_code == 200
    assert get(sandbox, auth=(f"{body.upper()}-{shard}", ""), headers=UA).status_code == 401


def test_wrong_method_is_405_listing_the_allowed_ones(sandbox, sandbox_session):
    response = sandbox_session.delete(sandbox.base_url + "/patients")
    assert response.status_code == 405
    assert response.json() == {"message": "Method Not Allowed"}
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
    cancel = sandbox_session.post(sandbox.base_url + "/individual_appointments/1/cancel")
    assert cancel.status_code == 405 and "PATCH" in cancel.headers["Allow"]
