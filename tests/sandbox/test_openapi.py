"""Every endpoint the sandbox implements answers as Cliniko's OpenAPI spec says."""

from __future__ import annotations

import pytest

from cliniko_sandbox.unmodelled import EMPTY_LISTS
from tests.sandbox.openapi import (
    missing_properties, property_paths, row_paths, spec_dict,
)


@pytest.fixture
def world(sandbox):
    sandbox.world.reset(patients=15, appointments=60, seed=7)
    return sandbox.world


def ids(world, table):
    return [str(r[0]) for r in world.store.select(f"SELECT id FROM {table} ORDER BY id")]


@pytest.mark.parametrize("path, key, schema", [
    ("/patients?q[]=archived_at:*", "patients", "Patient"),
    ("/individual_appointments?q[]=cancelled_at:*&q[]=archived_at:*", "individual_appointments",
     "IndividualAppointment"),
    ("/attendees", "attendees", "Attendee"),
    ("/appointment_types", "appointment_types", "AppointmentType"),
    ("/practitioners", "practitioners", "Practitioner"),
    ("/businesses", "businesses", "Business"),
    ("/users", "users", "User"),
])
def test_lists_match_the_spec(world, call, path, key, schema):
    body = call("GET", f"{path}&per_page=100" if "?" in path else f"{path}?per_page=100",
                200).json()
    assert body[key], "a seeded world should have rows to check"
    for row in body[key]:
        assert missing_properties(row, schema) == set(), row["id"]


def test_inactive_and_nested_lists_match_the_spec(world, call):
    practitioner = ids(world, "practitioners")[0]
    world.set_practitioner_active(practitioner, False)
    type_id, business = ids(world, "appointment_types")[0], ids(world, "businesses")[0]
    appointment = ids(world, "appointments")[0]
    call("GET", "/practitioners/inactive", 200)
    call("GET", f"/appointment_types/{type_id}/practitioners", 200)
    call("GET", f"/appointment_types/{type_id}/practitioners/inactive", 200)
    call("GET", f"/businesses/{business}/practitioners", 200)
    call("GET", f"/businesses/{business}/practitioners/inactive", 200)
    call("GET", f"/practitioners/{practitioner}/appointment_types", 200)
    call("GET", f"/individual_appointments/{appointment}/attendees?q[]=cancelled_at:*", 200)


def test_lists_of_unmodelled_records_match_the_spec(world, call):
    """Served empty (cliniko_sandbox/unmodelled.py), but still the spec's envelope."""
    parent = {"patients": ids(world, "patients")[0],
              "practitioners": ids(world, "practitioners")[0],
              "attendees": str(world.store.scalar("SELECT attendee_id FROM appointments")),
              "appointments": ids(world, "appointments")[0]}
    for route in EMPTY_LISTS:
        path = route.replace("<id>", parent.get(route.split("/")[1], ""))
        call("GET", f"{path}?q[]=created_at:*&sort=created_at:desc", 200)


def test_legacy_appointment_lists_are_not_in_the_spec():
    """So `/patients/{id}/appointments` and kin follow docs-old instead
    (tests/sandbox/test_legacy_appointments.py), and nothing here validates them."""
    legacy = [p for p in spec_dict()["paths"]
              if p.endswith(("/appointments", "/appointments/{id}", "/appointments/{id}/conflicts"))]
    assert legacy == []


@pytest.mark.parametrize("collection, table, schema, reveal", [
    ("patients", "patients", "Patient", "?q[]=archived_at:*"),
    ("individual_appointments", "appointments", "IndividualAppointment",
     "?q[]=archived_at:*&q[]=cancelled_at:*&q[]=deleted_at:*"),
    ("appointment_types", "appointment_types", "AppointmentType", ""),
    ("practitioners", "practitioners", "Practitioner", ""),
    ("businesses", "businesses", "Business", ""),
    ("users", "users", "User", ""),
])
def test_shows_match_the_spec(world, call, collection, table, schema, reveal):
    row = call("GET", f"/{collection}/{ids(world, table)[0]}{reveal}", 200).json()
    assert missing_properties(row, schema) == set()


def test_current_user_and_attendee_show_match_the_spec(world, call):
    assert missing_properties(call("GET", "/user", 200).json(), "User") == set()
    attendee = world.store.scalar("SELECT attendee_id FROM appointments LIMIT 1")
    row = call("GET", f"/attendees/{attendee}?q[]=cancelled_at:*&q[]=archived_at:*", 200).json()
    assert missing_properties(row, "Attendee") == set()


@pytest.mark.parametrize("role", ["administrator", "power receptionist"])
def test_settings_match_the_spec(world, call, role):
    world.set_key_user_role(role)
    body = call("GET", "/settings", 200).json()
    assert row_paths(body) == property_paths("Settings")  # every property, nothing more


@pytest.mark.parametrize("role", ["administrator", "scheduler"])
def test_public_settings_match_the_spec(world, call, role):
    world.set_key_user_role(role)
    body = call("GET", "/settings/public", 200).json()
    assert row_paths(body) == property_paths("PublicSettings")  # the private parts left out


def test_patient_writes_match_the_spec(world, call):
    created = call("POST", "/patients", 201, json={
        "first_name": "Zoë", "last_name": "Nguyễn", "email": "zoe@example.com",
        "patient_phone_numbers": [{"number": "0412 345 678", "phone_type": "Mobile"}],
        "accepted_email_marketing": True, "date_of_birth": "1990-02-03"}).json()
    pid = created["id"]
    call("PATCH", f"/patients/{pid}", 200, json={"accepted_sms_marketing": False})
    call("POST", "/patients", 422, json={"first_name": ""})
    call("PATCH", f"/patients/{pid}", 422, json={"email": "not-an-email"})
    call("POST", f"/patients/{pid}/archive", 204)
    call("POST", f"/patients/{pid}/unarchive", 200)
    call("DELETE", f"/patients/{pid}", 204)


def test_appointment_writes_match_the_spec(world, call):
    appointment = world.appointment(ids(world, "appointments")[-1])
    link_id = {k: appointment[k]["links"]["self"].rsplit("/", 1)[1]
               for k in ("patient", "practitioner", "appointment_type", "business")}
    body = {f"{k}_id": v for k, v in link_id.items()} | {"starts_at": "2030-01-02T03:00:00Z"}
    created = call("POST", "/individual_appointments", 201, json=body).json()
    aid = created["id"]
    call("PATCH", f"/individual_appointments/{aid}", 200, json={"notes": "Bring scans"})
    call("GET", f"/individual_appointments/{aid}/conflicts", 200)
    call("POST", "/individual_appointments", 422, json={"notes": "no patient"})
    call("PATCH", f"/individual_appointments/{aid}", 422, json={"starts_at": "yesterday"})
    attendee = call("GET", f"/individual_appointments/{aid}/attendees", 200).json()["attendees"][0]
    call("PATCH", f"/attendees/{attendee['id']}", 200, json={"arrived": True})
    call("PATCH", f"/individual_appointments/{aid}/cancel", 204, json={"cancellation_reason": 30})
    call("POST", f"/individual_appointments/{aid}/archive", 204)
    other = ids(world, "appointments")[0]
    call("DELETE", f"/individual_appointments/{other}", 204)


def test_appointment_type_writes_match_the_spec(world, call):
    created = call("POST", "/appointment_types", 201, json={
        "name": "Initial Consultation", "duration_in_minutes": 60, "color": "#aabbcc"}).json()
    tid = created["id"]
    call("PATCH", f"/appointment_types/{tid}", 200, json={"duration_in_minutes": 45})
    call("POST", "/appointment_types", 422, json={"name": "No length"})
    call("PATCH", f"/appointment_types/{tid}", 422, json={"color": "red"})
    call("POST", f"/appointment_types/{tid}/archive", 204)
    other = call("POST", "/appointment_types", 201, json={
        "name": "Short", "duration_in_minutes": 15}).json()["id"]
    call("DELETE", f"/appointment_types/{other}", 204)


def test_business_writes_match_the_spec(world, call):
    created = call("POST", "/businesses", 201, json={"business_name": "Second Site"}).json()
    bid = created["id"]
    call("PATCH", f"/businesses/{bid}", 200, json={"city": "Fitzroy"})
    call("POST", "/businesses", 422, json={"business_name": ""})
    call("POST", f"/businesses/{bid}/archive", 204)
    call("POST", f"/businesses/{bid}/unarchive", 200)
    call("DELETE", f"/businesses/{bid}", 204)
