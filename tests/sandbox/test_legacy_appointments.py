"""The deprecated `/appointments` family behind patients', practitioners' and
businesses' `appointments` links (docs-old, redguava/cliniko-api e99beae^)."""

from __future__ import annotations

import pytest

# Every key docs-old's last example row shows.
LEGACY_KEYS = {
    "appointment_end", "appointment_start", "created_at", "did_not_arrive",
    "email_reminder_sent", "id", "invoice_status", "notes", "online_booking_policy_accepted",
    "patient_name", "patient_arrived", "repeat_rule", "sms_reminder_sent",
    "treatment_note_status", "updated_at", "deleted_at", "cancellation_time",
    "cancellation_note", "cancellation_reason", "booking_ip_address", "repeats",
    "appointment_repeated_from", "appointment_type", "business", "conflicts", "patient",
    "practitioner", "invoices", "links",
}


@pytest.fixture
def clinic(sandbox):
    world = sandbox.world
    first, second = world.create_patient(), world.create_patient()
    early = world.book_appointment(first["id"], starts_at="2030-01-01T09:00:00Z")
    late = world.book_appointment(first["id"], starts_at="2030-01-03T09:00:00Z")
    cancelled = world.book_appointment(first["id"], starts_at="2030-01-02T09:00:00Z")
    world.cancel_appointment(cancelled["id"], 30, "Flu")
    other = world.book_appointment(second["id"], starts_at="2030-01-04T09:00:00Z")
    return {"first": first, "second": second, "early": early, "late": late,
            "cancelled": cancelled, "other": other}


@pytest.fixture
def get(sandbox, sandbox_session):
    def get(path, expect=200, **params):
        response = sandbox_session.get(sandbox.base_url + path, params=params,
                                       allow_redirects=False)
        assert response.status_code == expect, response.text
        return response.json()

    return get


def ids(body):
    return [row["id"] for row in body["appointments"]]


def test_patient_link_lists_that_patients_appointments_in_the_old_shape(
        sandbox, clinic, get):
    patient = get(f"/patients/{clinic['first']['id']}")
    url = patient["appointments"]["links"]["self"]
    assert url == f"{sandbox.base_url}/patients/{clinic['first']['id']}/appointments"
    body = get(url.removeprefix(sandbox.base_url))
    assert ids(body) == [clinic["early"]["id"], clinic["late"]["id"]]  # cancelled hidden
    assert body["total_entries"] == 2
    assert body["links"] == {"self": f"{url}?page=1"}
    row = body["appointments"][0]
    assert set(row) == LEGACY_KEYS
    early = clinic["early"]
    assert row["appointment_start"] == early["starts_at"]
    assert row["appointment_end"] == early["ends_at"]
    assert row["patient"] == early["patient"] and row["practitioner"] == early["practitioner"]
    assert row["links"]["self"] == f"{sandbox.base_url}/appointments/{early['id']}"
    assert row["repeats"] is None and row["repeat_rule"] == {}
    assert row["appointment_repeated_from"] == {"links": {}}


def test_practitioner_and_business_links_list_theirs(sandbox, clinic, get):
    appointment = clinic["other"]
    for owner in ("practitioner", "business"):
        owner_url = appointment[owner]["links"]["self"]
        shown = get(owner_url.removeprefix(sandbox.base_url))
        body = get(shown["appointments"]["links"]["self"].removeprefix(sandbox.base_url))
        column = f"{owner}_id"
        expected = [str(r[0]) for r in sandbox.world.store.select(
            f"SELECT id FROM appointments WHERE {column} = ? AND cancelled_at IS NULL "
            "ORDER BY created_at, id", [int(owner_url.rsplit("/", 1)[1])])]
        assert appointment["id"] in ids(body)
        assert ids(body) == expected


def test_cancelled_and_deleted_lists(sandbox, clinic, get):
    patient = clinic["first"]["id"]
    sandbox.world.delete_appointment(clinic["late"]["id"])
    cancelled = get(f"/patients/{patient}/appointments/cancelled")
    assert ids(cancelled) == [clinic["cancelled"]["id"]]
    assert cancelled["appointments"][0]["cancellation_time"] is not None
    assert cancelled["appointments"][0]["cancellation_reason"] == 30
    assert ids(get(f"/patients/{patient}/appointments/deleted")) == [clinic["late"]["id"]]
    assert ids(get(f"/patients/{patient}/appointments")) == [clinic["early"]["id"]]
    assert ids(get("/appointments/cancelled")) == [clinic["cancelled"]["id"]]


def test_filters_sort_and_paging(clinic, get):
    patient = clinic["first"]["id"]
    path = f"/patients/{patient}/appointments"
    assert ids(get(path, **{"q[]": "appointment_start:>2030-01-02T00:00:00Z"})) == [
        clinic["late"]["id"]]
    assert ids(get("/appointments", sort="appointment_start:desc")) == [
        clinic["other"]["id"], clinic["late"]["id"], clinic["early"]["id"]]
    assert ids(get("/appointments", q=f"patient_id:={clinic['second']['id']}")) == [
        clinic["other"]["id"]]
    page = get(path, per_page=1)
    assert page["total_entries"] == 2 and len(page["appointments"]) == 1
    assert "next" in page["links"]
    # the old list had separate cancelled/deleted lists, not these filters
    assert get(path, 400, **{"q[]": "cancelled_at:*"}) == {
        "message": "This column is not searchable."}
    assert get(path, 400, **{"q[]": "starts_at:>2030-01-01T00:00:00Z"})["message"]


def test_repeats_link_answers(sandbox, clinic, get):
    world = sandbox.world
    world.update_appointment(clinic["early"]["id"], repeat_rule={
        "repeat_type": "Daily", "number_of_repeats": 2, "repeating_interval": 1})
    repeat = world.book_appointment(clinic["first"]["id"], starts_at="2030-01-02T10:00:00Z")
    world.store.update("appointments", int(repeat["id"]),
                       {"repeated_from_id": int(clinic["early"]["id"])})
    row = get(f"/appointments/{clinic['early']['id']}")
    repeats = get(row["repeats"]["links"]["self"].removeprefix(sandbox.base_url))
    assert ids(repeats) == [repeat["id"]]
    origin = repeats["appointments"][0]["appointment_repeated_from"]["links"]["self"]
    assert get(origin.removeprefix(sandbox.base_url))["id"] == clinic["early"]["id"]


def test_one_appointment_its_conflicts_and_what_404s(sandbox, clinic, get):
    world = sandbox.world
    row = get(f"/appointments/{clinic['cancelled']['id']}")  # the /cancelled rows link here
    assert row["cancellation_time"] is not None
    assert get(row["conflicts"]["links"]["self"].removeprefix(sandbox.base_url)) == {
        "conflicts": {"exist": False}}
    world.archive_appointment(clinic["early"]["id"])
    get(f"/appointments/{clinic['early']['id']}", 404)
    get("/appointments/123", 404)
    get("/patients/123/appointments", 404)
    get("/practitioners/nope/appointments", 404)


def test_an_archived_patients_appointments_still_list(sandbox, clinic, get):
    patient = clinic["first"]["id"]
    sandbox.world.archive_patient(patient)
    get(f"/patients/{patient}", 404)
    assert ids(get(f"/patients/{patient}/appointments")) == [
        clinic["early"]["id"], clinic["late"]["id"]]
