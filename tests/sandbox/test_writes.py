"""Creating and changing patients and appointments through `/v1`, Cliniko-style."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

BLANK = "can’t be blank"  # U+2019, as Cliniko sends it


@pytest.fixture
def url(sandbox):
    return lambda path: sandbox.base_url + path


def test_create_patient_returns_201_with_location(sandbox_session, url):
    response = sandbox_session.post(url("/patients"), json={
        "first_name": "José-María", "last_name": "Nguyễn", "email": "JM@Example.com",
        "patient_phone_numbers": [{"number": "0412 345 678", "phone_type": "Mobile"}],
        "accepted_email_marketing": True, "accepted_sms_marketing": False,
        "gender": "ignored: read-only", "id": "ignored"})
    assert response.status_code == 201
    body = response.json()
    assert response.headers["Location"] == body["links"]["self"] == url(f"/patients/{body['id']}")
    assert body["label"] == "José-María Nguyễn"
    assert body["patient_phone_numbers"] == [
        {"number": "0412 345 678", "phone_type": "Mobile", "normalized_number": "61412345678"}]
    assert body["accepted_email_marketing"] is True and body["accepted_sms_marketing"] is False
    assert body["gender"] is None
    assert body["created_at"] == body["updated_at"]


def test_ids_are_19_digit_int64_strings(sandbox, sandbox_session, url):
    sandbox.world.reset(patients=5, appointments=20, seed=3)
    for path, key in (("/patients", "patients"), ("/individual_appointments",
                                                   "individual_appointments"),
                      ("/practitioners", "practitioners"), ("/appointment_types",
                                                            "appointment_types")):
        for row in sandbox_session.get(url(path)).json()[key]:
            assert isinstance(row["id"], str) and re.fullmatch(r"\d{18,19}", row["id"])
            assert int(row["id"]) < 2**63


def test_create_patient_validation_is_cliniko_422(sandbox_session, url):
    response = sandbox_session.post(url("/patients"), json={"email": "nope"})
    assert response.status_code == 422
    assert response.json() == {"message": "Validation Failed", "errors": {
        "first_name": BLANK, "last_name": BLANK, "email": "is invalid"}}


@pytest.mark.parametrize("fields, field, error", [
    ({"first_name": "x" * 256}, "first_name", "is too long (maximum is 255 characters)"),
    ({"reminder_type": "Pigeon"}, "reminder_type", "is not included in the list"),
    ({"date_of_birth": "31/12/1990"}, "date_of_birth", "is invalid"),
    ({"time_zone": "Mars/Olympus"}, "time_zone", "is not included in the list"),
    ({"dva_card_number": "123"}, "dva_card_number", "is invalid"),
    ({"patient_phone_numbers": [{"number": "1", "phone_type": "Pager"}]},
     "patient_phone_numbers.phone_type", "is not included in the list"),
    ({"pronouns": {"nominative": "they"}}, "pronouns.accusative", BLANK),
    ({"last_name": ""}, "last_name", BLANK),
])
def test_update_patient_validation(sandbox, sandbox_session, url, fields, field, error):
    pid = sandbox.world.create_patient()["id"]
    response = sandbox_session.patch(url(f"/patients/{pid}"), json=fields)
    assert response.status_code == 422
    assert response.json()["message"] == "Validation Failed"
    assert response.json()["errors"][field] == error


def test_patch_is_partial_and_put_is_an_alias(sandbox, sandbox_session, url):
    before = sandbox.world.create_patient(first_name="Ann", last_name="Lee",
                                          email="ann@example.com")
    patched = sandbox_session.patch(url(f"/patients/{before['id']}"),
                                    json={"email": "new@example.com"}).json()
    assert (patched["first_name"], patched["email"]) == ("Ann", "new@example.com")
    put = sandbox_session.put(url(f"/patients/{before['id']}"), json={"first_name": "Anne"})
    assert put.status_code == 200 and put.json()["email"] == "new@example.com"


def test_body_without_json_content_type_is_ignored(sandbox_session, url):
    response = sandbox_session.post(url("/patients"), data="first_name=Ann&last_name=Lee",
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"first_name": BLANK, "last_name": BLANK}


def test_unparseable_json_is_400(sandbox_session, url):
    response = sandbox_session.post(url("/patients"), data="{oops",
                                    headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "message" in response.json()


def test_archive_unarchive_and_deprecated_delete(sandbox, sandbox_session, url):
    pid = sandbox.world.create_patient()["id"]
    archived = sandbox_session.post(url(f"/patients/{pid}/archive"))
    assert archived.status_code == 204 and archived.content == b""
    row = sandbox.world.patient(pid)
    assert row["archived_at"] is not None
    restored = sandbox_session.post(url(f"/patients/{pid}/unarchive"))
    assert restored.status_code == 200 and restored.json()["archived_at"] is None
    assert sandbox_session.delete(url(f"/patients/{pid}")).status_code == 204
    assert sandbox.world.patient(pid)["archived_at"] is not None  # DELETE now archives


def test_unknown_patient_is_404(sandbox_session, url):
    assert sandbox_session.get(url("/patients/1390000000000000001")).status_code == 404
    assert sandbox_session.patch(url("/patients/abc"), json={}).status_code == 404


def refs(appointment):
    return {f"{k}_id": appointment[k]["links"]["self"].rsplit("/", 1)[1]
            for k in ("patient", "practitioner", "appointment_type", "business")}


def test_create_appointment_derives_ends_at_from_the_type(sandbox, sandbox_session, url):
    template = sandbox.world.book_appointment()
    type_id = refs(template)["appointment_type_id"]
    minutes = sandbox_session.get(url(f"/appointment_types/{type_id}")).json()[
        "duration_in_minutes"]
    response = sandbox_session.post(url("/individual_appointments"), json={
        **refs(template), "starts_at": "2031-03-04T05:00:00Z"})
    assert response.status_code == 201
    body = response.json()
    ends = datetime(2031, 3, 4, 5, tzinfo=UTC) + timedelta(minutes=minutes)
    assert body["ends_at"] == ends.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert body["patient_name"] == sandbox.world.patient(refs(template)["patient_id"])["label"]
    assert body["patient"]["links"]["self"] == url(f"/patients/{refs(template)['patient_id']}")
    assert body["cancelled_at"] is None and body["cancellation_reason_description"] == ""
    assert body["patient_arrived"] is False and body["did_not_arrive"] is False


def test_create_appointment_validation(sandbox, sandbox_session, url):
    response = sandbox_session.post(url("/individual_appointments"), json={})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "patient": "must exist", "practitioner": "must exist", "appointment_type": "must exist",
        "business": "must exist", "starts_at": BLANK}
    template = refs(sandbox.world.book_appointment())
    response = sandbox_session.post(url("/individual_appointments"), json={
        **template, "patient_id": "1390000000000000001", "starts_at": "2031-01-01T00:00:00Z"})
    assert response.json()["errors"] == {"patient": "must exist"}
    response = sandbox_session.post(url("/individual_appointments"), json={
        **template, "starts_at": "2031-01-01T01:00:00Z", "ends_at": "2031-01-01T00:00:00Z"})
    assert response.json()["errors"] == {"ends_at": "must be after starts at"}


def test_reschedule_via_patch(sandbox, sandbox_session, url):
    appointment = sandbox.world.book_appointment(starts_at="2031-01-01T00:00:00Z")
    moved = sandbox_session.patch(url(f"/individual_appointments/{appointment['id']}"), json={
        "starts_at": "2031-01-02T00:00:00Z", "ends_at": None}).json()
    assert moved["starts_at"] == "2031-01-02T00:00:00Z"
    assert moved["ends_at"] > moved["starts_at"]


def test_cancel_sets_reason_and_hides_the_appointment(sandbox, sandbox_session, url):
    aid = sandbox.world.book_appointment()["id"]
    missing = sandbox_session.patch(url(f"/individual_appointments/{aid}/cancel"), json={})
    assert missing.status_code == 422
    assert missing.json()["errors"] == {"cancellation_reason": BLANK}
    wrong = sandbox_session.patch(url(f"/individual_appointments/{aid}/cancel"),
                                  json={"cancellation_reason": 99})
    assert wrong.json()["errors"] == {"cancellation_reason": "is not included in the list"}
    done = sandbox_session.patch(url(f"/individual_appointments/{aid}/cancel"), json={
        "cancellation_reason": 40, "cancellation_note": "Overseas"})
    assert done.status_code == 204
    row = sandbox.world.appointment(aid)
    assert (row["cancellation_reason"], row["cancellation_reason_description"],
            row["cancellation_note"]) == (40, "Away", "Overseas")
    first = row["cancelled_at"]
    sandbox_session.patch(url(f"/individual_appointments/{aid}/cancel"),
                          json={"cancellation_reason": 50})
    assert sandbox.world.appointment(aid)["cancelled_at"] == first  # never changes once set


def test_arrival_and_no_show_are_written_on_the_attendee(sandbox, sandbox_session, url):
    aid = sandbox.world.book_appointment()["id"]
    attendees = sandbox_session.get(url("/attendees"), params={
        "q[]": f"appointment_id:={aid}"}).json()["attendees"]
    assert len(attendees) == 1 and attendees[0]["arrived"] is None
    attendee = url(f"/attendees/{attendees[0]['id']}")
    assert sandbox_session.patch(attendee, json={"arrived": True}).json()["arrived"] is True
    row = sandbox.world.appointment(aid)
    assert (row["patient_arrived"], row["did_not_arrive"]) == (True, False)
    assert sandbox_session.patch(attendee, json={"arrived": False}).json()["arrived"] is False
    row = sandbox.world.appointment(aid)
    assert (row["patient_arrived"], row["did_not_arrive"]) == (False, True)
    assert sandbox_session.patch(attendee, json={"arrived": "yes"}).status_code == 422


def test_updated_at_moves_on_every_change(sandbox):
    import time_machine

    with time_machine.travel(datetime(2020, 1, 1, tzinfo=UTC), tick=False):
        aid = sandbox.world.book_appointment(starts_at="2031-01-01T00:00:00Z")["id"]
    assert sandbox.world.appointment(aid)["updated_at"] == "2020-01-01T00:00:00Z"
    sandbox.world.mark_arrived(aid)
    assert sandbox.world.appointment(aid)["updated_at"] > "2020-01-01T00:00:00Z"


def test_merge_archives_the_absorbed_patient_and_moves_appointments(sandbox, sandbox_session,
                                                                    url):
    w = sandbox.world
    keep, absorbed = w.create_patient()["id"], w.create_patient()["id"]
    aid = w.book_appointment(absorbed)["id"]
    merged = w.merge_patients(absorbed, keep)
    assert merged["merged_at"] and merged["archived_at"]
    assert merged["merged_with_patient"] == {"links": {"self": url(f"/patients/{keep}")}}
    assert refs(w.appointment(aid))["patient_id"] == keep
    assert sandbox_session.get(url(f"/patients/{absorbed}")).status_code == 404
    fetched = sandbox_session.get(url(f"/patients/{absorbed}"),
                                  params={"q[]": "archived_at:*"}).json()
    assert fetched["merged_with_patient"]["links"]["self"] == url(f"/patients/{keep}")
    not_merged = sandbox_session.get(url(f"/patients/{keep}")).json()
    assert not_merged["merged_at"] is None and not_merged["merged_with_patient"] == {"links": {}}


def test_appointment_type_create_and_validation(sandbox_session, url):
    created = sandbox_session.post(url("/appointment_types"), json={
        "name": "Initial Consultation", "duration_in_minutes": 60})
    assert created.status_code == 201
    assert created.json()["duration_in_minutes"] == 60
    invalid = sandbox_session.post(url("/appointment_types"), json={
        "name": "", "duration_in_minutes": 2000, "color": "blue"})
    assert invalid.json()["errors"] == {"name": BLANK, "duration_in_minutes": "is invalid",
                                        "color": "is invalid"}


def test_appointment_type_takes_every_writable_field(sandbox_session, url):
    """Spec request body `AppointmentType`: lead time, template ids, deposit and the
    write-only `business_ids` all stick."""
    business = sandbox_session.get(url("/businesses")).json()["businesses"][0]["id"]
    created = sandbox_session.post(url("/appointment_types"), json={
        "name": "Deposit visit", "duration_in_minutes": 30, "online_bookings_lead_time_hours": 24,
        "appointment_reminder_template_ids": ["11", "12"], "deposit_price": "25.5",
        "online_payments_mode": "deposit_required", "business_ids": []})
    assert created.status_code == 201, created.text
    row = created.json()
    assert row["online_bookings_lead_time_hours"] == 24
    assert row["appointment_reminder_template_ids"] == ["11", "12"]
    assert row["deposit_price"] == "25.50"
    offered = lambda: sandbox_session.get(url(f"/businesses/{business}")).json()[  # noqa: E731
        "appointment_type_ids"]
    assert row["id"] not in offered()
    patched = sandbox_session.patch(url(f"/appointment_types/{row['id']}"), json={
        "business_ids": [business], "online_bookings_lead_time_hours": None,
        "appointment_reminder_template_ids": None})
    assert patched.status_code == 200, patched.text
    assert patched.json()["online_bookings_lead_time_hours"] is None
    assert patched.json()["appointment_reminder_template_ids"] is None
    assert row["id"] in offered()


def test_appointment_type_field_validation(sandbox_session, url):
    invalid = sandbox_session.post(url("/appointment_types"), json={
        "name": "x" * 256, "duration_in_minutes": 30, "online_bookings_lead_time_hours": 5,
        "deposit_price": "lots", "appointment_follow_up_template_ids": ["one"]})
    assert invalid.status_code == 422
    assert invalid.json()["errors"] == {
        "name": "is too long (maximum is 255 characters)",
        "online_bookings_lead_time_hours": "is not included in the list",
        "deposit_price": "is invalid", "appointment_follow_up_template_ids": "is invalid"}


def test_business_create_update_archive_unarchive(sandbox_session, url):
    created = sandbox_session.post(url("/businesses"), json={
        "business_name": "Fitzroy Physio", "time_zone_identifier": "Australia/Perth",
        "appointment_type_ids": []})
    assert created.status_code == 201, created.text
    row = created.json()
    assert created.headers["Location"] == row["links"]["self"] == url(f"/businesses/{row['id']}")
    assert (row["label"], row["time_zone"], row["time_zone_identifier"]) == (
        "Fitzroy Physio", "Perth", "Australia/Perth")
    assert row["appointment_type_ids"] == []
    patched = sandbox_session.patch(url(f"/businesses/{row['id']}"), json={
        "display_name": "Fitzroy", "time_zone": "Sydney",
        "time_zone_identifier": "Australia/Darwin"})  # the label wins
    assert patched.status_code == 200, patched.text
    assert (patched.json()["label"], patched.json()["time_zone_identifier"]) == (
        "Fitzroy", "Australia/Sydney")
    assert sandbox_session.post(url(f"/businesses/{row['id']}/archive")).status_code == 204
    assert sandbox_session.get(url(f"/businesses/{row['id']}")).status_code == 404
    unarchived = sandbox_session.post(url(f"/businesses/{row['id']}/unarchive"))
    assert unarchived.status_code == 200 and unarchived.json()["archived_at"] is None
    assert sandbox_session.delete(url(f"/businesses/{row['id']}")).status_code == 204
    assert sandbox_session.get(url(f"/businesses/{row['id']}"),
                               params={"q[]": "archived_at:*"}).json()["archived_at"]


def test_business_validation_is_cliniko_422(sandbox_session, url):
    invalid = sandbox_session.post(url("/businesses"), json={
        "time_zone": "Atlantis", "additional_information": "x" * 5001})
    assert invalid.status_code == 422
    assert invalid.json() == {"message": "Validation Failed", "errors": {
        "business_name": BLANK, "time_zone": "is not included in the list",
        "additional_information": "is too long (maximum is 5000 characters)"}}


def test_204_answers_have_no_body_and_no_content_type(sandbox, sandbox_session, url):
    patient = sandbox.world.create_patient()
    response = sandbox_session.post(url(f"/patients/{patient['id']}/archive"))
    assert response.status_code == 204
    assert response.content == b""
    assert "Content-Type" not in response.headers
