"""`/_sandbox/...`: the HTTP control surface, for tests in another process."""

from __future__ import annotations


def test_info(sandbox, control):
    info = control("GET", "/")
    assert info["base_url"] == sandbox.base_url
    assert info["api_key"] == sandbox.api_key and info["shard"] == "au1"
    assert info["counts"]["patients"] == 0


def test_control_needs_no_auth_and_is_not_counted(sandbox, control):
    control("GET", "/requests")
    assert sandbox.requests.total == 0


def test_reset_and_reseed(sandbox, control):
    assert control("POST", "/reset", json={"patients": 12, "appointments": 30, "seed": 5})[
        "counts"]["patients"] == 12
    first = sandbox.world.patient_ids()
    control("POST", "/reseed", json={"seed": 5})
    assert sandbox.world.patient_ids() == first
    assert control("POST", "/reseed", json={"patients": 0, "appointments": 0})[
        "counts"]["appointments"] == 0


def test_patient_lifecycle(sandbox, control):
    created = control("POST", "/patients", 201, json={"first_name": "Zoë", "last_name": "O'Brien",
                                                      "email": None})
    pid = created["id"]
    assert created["email"] is None and created["last_name"] == "O'Brien"
    assert control("PATCH", f"/patients/{pid}", json={"email": "z@example.com"})["email"] == \
        "z@example.com"
    assert control("PATCH", f"/patients/{pid}", 422, json={"first_name": ""})["errors"]
    assert control("POST", f"/patients/{pid}/archive")["archived_at"]
    assert control("POST", f"/patients/{pid}/unarchive")["archived_at"] is None
    other = control("POST", "/patients", 201, json={})["id"]
    merged = control("POST", f"/patients/{other}/merge", json={"into": pid})
    assert merged["merged_with_patient"]["links"]["self"].endswith(pid)
    control("DELETE", f"/patients/{other}?hard=1", 204)
    control("GET", f"/patients/{other}", 404)
    control("DELETE", f"/patients/{pid}", 204)
    assert control("GET", f"/patients/{pid}")["deleted_at"]


def test_appointment_lifecycle(sandbox, control):
    booked = control("POST", "/appointments", 201, json={"starts_at": "2031-05-06T00:00:00Z"})
    aid = booked["id"]
    moved = control("POST", f"/appointments/{aid}/reschedule",
                    json={"starts_at": "2031-05-07T00:00:00Z"})
    assert moved["starts_at"] == "2031-05-07T00:00:00Z"
    assert control("PATCH", f"/appointments/{aid}", json={"notes": "x"})["notes"] == "x"
    assert control("POST", f"/appointments/{aid}/arrive")["patient_arrived"] is True
    assert control("POST", f"/appointments/{aid}/did_not_arrive")["did_not_arrive"] is True
    cancelled = control("POST", f"/appointments/{aid}/cancel", json={"reason": 20, "note": "n"})
    assert cancelled["cancellation_reason_description"] == "Condition Worse"
    assert control("POST", f"/appointments/{aid}/archive")["archived_at"]
    assert control("POST", f"/appointments/{aid}/unarchive")["archived_at"] is None
    control("DELETE", f"/appointments/{aid}", 204)
    assert control("GET", f"/appointments/{aid}")["deleted_at"]
    control("POST", "/appointments", 422, json={"patient_id": "1390000000000000001"})


def test_clinic_setup(sandbox, control):
    t = control("POST", "/appointment_types", 201, json={"name": "Initial Consultation",
                                                          "duration_in_minutes": 60})
    assert t["duration_in_minutes"] == 60
    p = control("POST", "/practitioners", 201, json={"first_name": "Mei", "last_name": "Chen"})
    assert control("POST", f"/practitioners/{p['id']}/deactivate")["active"] is False
    assert control("POST", f"/practitioners/{p['id']}/activate")["active"] is True
    b = control("POST", "/businesses", 201, json={"business_name": "Second Site"})
    assert b["business_name"] == "Second Site"


def test_faults_rate_limit_and_counters(sandbox, control, sandbox_session):
    assert control("POST", "/faults", json={"error_next": 1, "error_status": 502})[
        "error_next"] == 1
    assert sandbox_session.get(sandbox.base_url + "/patients").status_code == 502
    assert control("GET", "/faults")["error_next"] == 0
    control("POST", "/faults", json={"error_rate": 1.0})
    control("DELETE", "/faults")
    assert sandbox_session.get(sandbox.base_url + "/patients").status_code == 200
    control("POST", "/faults", 400, json={"bogus": 1})

    assert control("POST", "/rate_limit", json={"enabled": True, "per_minute": 1}) == {
        "enabled": True, "per_minute": 1}
    assert sandbox_session.get(sandbox.base_url + "/user").status_code == 200
    assert sandbox_session.get(sandbox.base_url + "/user").status_code == 429
    control("POST", "/rate_limit", json={"enabled": False})

    counts = control("GET", "/requests")
    assert counts["total"] == 4
    assert counts["by_endpoint"] == {"GET /patients": 2, "GET /user": 2}
    assert counts["by_status"] == {"502": 1, "200": 2, "429": 1}
    assert control("DELETE", "/requests")["total"] == 0


def test_request_counts_use_route_templates(sandbox, sandbox_session):
    pid = sandbox.world.create_patient()["id"]
    sandbox_session.get(f"{sandbox.base_url}/patients/{pid}")
    sandbox_session.patch(f"{sandbox.base_url}/patients/{pid}", json={"notes": "x"})
    assert sandbox.requests.count() == 2
    assert sandbox.requests.count("GET /patients/{id}") == 1
    assert sandbox.requests.count("PATCH /patients/{id}") == 1
    assert sandbox.requests.entries[0]["path"] == f"/v1/patients/{pid}"


def test_activity_and_live(sandbox, control):
    sandbox.world.reset(patients=20, appointments=40, seed=2)
    events = control("POST", "/activity", json={"steps": 25})["events"]
    assert len(events) == 25
    assert sandbox.world.counts()["patients"] >= 20
    assert control("POST", "/live", json={"enabled": True, "interval": 0.05})["running"]
    assert control("POST", "/live", json={"enabled": False})["running"] is False


def test_unknown_control_route(control):
    control("GET", "/nope", 404)
