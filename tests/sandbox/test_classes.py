"""Classes in the sandbox: group appointments and attendees as Cliniko's spec shapes them,
`/bookings` mixing both kinds, seeded classes, the control surface and live activity."""

from __future__ import annotations

import pytest

from cliniko_sandbox.live import LiveActivity
from tests.sandbox.openapi import missing_properties


@pytest.fixture
def world(sandbox):
    sandbox.world.reset(patients=30, appointments=40, seed=11, classes=2)
    return sandbox.world


def _id(link_holder, name):
    return link_holder[name]["links"]["self"].rsplit("/", 1)[1]


def test_seeded_classes_fill_most_places_with_some_cancelled_and_no_shows(world):
    classes = world.store.select(
        "SELECT g.id, g.max_attendees, count(a.id) FROM group_appointments g "
        "JOIN group_attendees a ON a.booking_id = g.id GROUP BY g.id")
    assert len(classes) >= 2 * 16  # two weekly series over sixteen weeks
    assert all(4 <= places <= 12 and places - 2 <= seats <= places for _, places, seats in classes)
    marks = dict(world.store.select(
        "SELECT coalesce(arrived, -1), count(*) FROM group_attendees GROUP BY 1"))
    assert marks[1] > marks[0] > 0  # most came, some did not
    assert world.store.scalar("SELECT count(*) FROM group_attendees WHERE cancelled_at IS NOT NULL")


def test_class_lists_and_shows_match_the_spec(world, call):
    body = call("GET", "/group_appointments?per_page=100", 200).json()
    assert body["group_appointments"]
    for row in body["group_appointments"]:
        assert missing_properties(row, "GroupAppointment") == set()
    group = body["group_appointments"][-1]
    assert call("GET", f"/group_appointments/{group['id']}", 200).json() == group
    seats = call("GET", f"/group_appointments/{group['id']}/attendees?q[]=cancelled_at:*",
                 200).json()["attendees"]
    assert {_id(s, "patient") for s in seats if not s["cancelled_at"]} == set(group["patient_ids"])
    for seat in seats:
        assert missing_properties(seat, "Attendee") == set()
        assert _id(seat, "booking") == group["id"]
    shown = call("GET", f"/attendees/{seats[0]['id']}?q[]=cancelled_at:*", 200).json()
    assert shown["id"] == seats[0]["id"]
    call("GET", f"/group_appointments/{group['id']}/conflicts", 200)


def test_attendee_filters_reach_class_seats(world, call, sandbox, sandbox_session):
    group = world.class_ids()[0]
    patient = world.store.scalar(
        "SELECT patient_id FROM group_attendees WHERE booking_id = ? AND cancelled_at IS NULL",
        (int(group),))
    found = call("GET", f"/attendees?q[]=patient_id:={patient}&q[]=appointment_id:={group}",
                 200).json()["attendees"]
    assert [(_id(a, "patient"), _id(a, "booking")) for a in found] == [(str(patient), group)]
    cancelled = call("GET", "/attendees?q[]=cancelled_at:>2000-01-01T00:00:00Z&per_page=100",
                     200).json()
    assert cancelled["total_entries"] and all(a["cancelled_at"] for a in cancelled["attendees"])
    refused = sandbox_session.get(sandbox.base_url + "/attendees?q[]=arrived:=true")
    assert refused.status_code == 400  # not one of the spec's filters
    by_patient = call("GET", f"/group_appointments?q[]=patient_ids:~{patient}", 200).json()
    assert group in [g["id"] for g in by_patient["group_appointments"]]


def test_bookings_mix_individual_appointments_and_classes(world, call):
    body = call("GET", "/bookings?per_page=100&sort=starts_at:desc", 200).json()
    kinds = {"max_attendees" in row for row in body["bookings"]}
    assert kinds == {True, False}
    assert body["total_entries"] == (world.store.scalar("SELECT count(*) FROM appointments "
                                                        "WHERE cancelled_at IS NULL AND archived_at IS NULL")
                                     + len(world.class_ids()))
    group = next(row for row in body["bookings"] if "max_attendees" in row)
    assert group["links"]["self"].endswith(f"/bookings/{group['id']}")
    assert missing_properties(group, "GroupAppointment") == set()
    assert call("GET", f"/bookings/{group['id']}", 200).json()["patient_ids"] == group["patient_ids"]


def test_class_and_attendee_writes_match_the_spec(world, call, sandbox, sandbox_session):
    def status(path):  # answers the spec has no schema for (404)
        return sandbox_session.get(sandbox.base_url + path).status_code

    group = world.group_appointment(world.class_ids()[0])
    body = {f"{k}_id": _id(group, k) for k in ("practitioner", "appointment_type", "business")}
    created = call("POST", "/group_appointments", 201, json={
        **body, "starts_at": "2030-01-02T03:00:00Z", "max_attendees": 2}).json()
    gid = created["id"]
    assert created["patient_ids"] == [] and created["ends_at"] > created["starts_at"]
    call("PATCH", f"/group_appointments/{gid}", 200, json={"notes": "Bring a towel"})
    call("POST", "/group_appointments", 422, json={"starts_at": "2030-01-02T03:00:00Z"})
    call("PATCH", f"/group_appointments/{gid}", 422, json={"max_attendees": 100})
    patients = world.patient_ids()[:3]
    seat = call("POST", "/attendees", 201, json={"booking_id": gid, "patient_id": patients[0]}).json()
    call("POST", "/attendees", 201, json={"booking_id": gid, "patient_id": patients[1]})
    full = call("POST", "/attendees", 422, json={"booking_id": gid, "patient_id": patients[2]})
    assert "booking" in full.json()["errors"]
    assert call("PATCH", f"/attendees/{seat['id']}", 200, json={"arrived": False}).json()[
        "arrived"] is False
    call("PATCH", f"/attendees/{seat['id']}", 422, json={"arrived": "maybe"})
    call("PATCH", f"/attendees/{seat['id']}/cancel", 204, json={"cancellation_reason": 40})
    cancelled = call("GET", f"/attendees/{seat['id']}?q[]=cancelled_at:*", 200).json()
    assert cancelled["cancellation_reason_description"] == "Away"
    assert status(f"/attendees/{seat['id']}") == 404  # hidden once cancelled, as Cliniko does
    assert call("GET", f"/group_appointments/{gid}", 200).json()["patient_ids"] == [patients[1]]
    other = call("GET", f"/group_appointments/{gid}/attendees", 200).json()["attendees"][0]
    call("POST", f"/attendees/{other['id']}/archive", 204)
    call("POST", f"/group_appointments/{gid}/archive", 204)
    assert status(f"/group_appointments/{gid}") == 404
    call("GET", f"/group_appointments/{gid}?q[]=archived_at:*", 200)


def test_only_class_seats_cancel_through_attendees(world, call, sandbox, sandbox_session):
    appointment = world.appointment_ids()[0]
    seat = call("GET", f"/individual_appointments/{appointment}/attendees", 200).json()["attendees"][0]
    refused = sandbox_session.patch(f"{sandbox.base_url}/attendees/{seat['id']}/cancel",
                                    json={"cancellation_reason": 10})
    assert refused.status_code == 422 and refused.json()["errors"]


def test_control_surface_books_cancels_and_marks_seats(world, control):
    group = world.class_ids(upcoming=True)[0]
    moved = control("POST", f"/classes/{group}/reschedule", json={"starts_at": "2031-05-06T07:00:00Z"})
    assert moved["starts_at"] == "2031-05-06T07:00:00Z"
    taken = set(world.seat_ids(group))
    if len(taken) >= moved["max_attendees"]:
        world.cancel_attendee(sorted(taken)[0])
    seat = control("POST", f"/classes/{group}/attendees", 201, json={})
    assert control("POST", f"/attendees/{seat['id']}/arrive")["arrived"] is True
    assert control("POST", f"/attendees/{seat['id']}/did_not_arrive")["arrived"] is False
    assert control("POST", f"/attendees/{seat['id']}/cancel", json={"reason": 30})["cancelled_at"]
    assert control("POST", f"/attendees/{seat['id']}/archive")["archived_at"]
    assert control("POST", f"/classes/{group}/archive")["archived_at"]


def test_live_activity_books_cancels_and_marks_class_seats(world):
    live = LiveActivity(world, interval=3600)
    before = world.store.scalar("SELECT count(*) FROM group_attendees")
    assert "into a class" in live.book_class()
    assert world.store.scalar("SELECT count(*) FROM group_attendees") == before + 1
    assert live.cancel_class_seat().startswith("cancelled class attendee")
    assert live.class_arrived().endswith("arrived")
    assert live.class_no_show().endswith("did not arrive")


def test_the_command_line_seeds_three_weekly_classes_per_business_unless_told():
    from cliniko_sandbox.__main__ import parse_args

    assert parse_args([]).classes == 3
    assert parse_args(["--classes", "0"]).classes == 0
