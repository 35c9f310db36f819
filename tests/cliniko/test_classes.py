"""The client reads classes: `/bookings` of both kinds, group appointments and attendees."""

from __future__ import annotations

from oncord.cliniko import Appointment, Attendee, GroupAppointment, booking_from_api

from .test_client_sandbox import client_for


def test_bookings_read_individual_appointments_and_classes(sandbox):
    sandbox.world.reset(patients=20, appointments=30, seed=4, classes=1)
    with client_for(sandbox) as client:
        rows = list(client.bookings())
        classes = [r for r in rows if isinstance(r, GroupAppointment)]
        individual = [r for r in rows if isinstance(r, Appointment)]
        assert len(individual) == 30 and len(classes) == len(sandbox.world.class_ids())
        assert all(c.max_attendees and c.appointment_type_id for c in classes)
        assert [r.updated_at for r in rows] == sorted(r.updated_at for r in rows)
        group = classes[0]
        assert client.group_appointment(group.id) == group
        seats = list(client.attendees(booking_ids=[group.id]))
        assert {s.booking_id for s in seats} == {group.id}
        assert {s.patient_id for s in seats if s.cancelled_at is None} == set(group.patient_ids)
        assert client.attendee(seats[0].id) == seats[0]
        assert [g.id for g in client.group_appointments(ids=[group.id])] == [group.id]


def test_attendee_polls_see_cancellations_and_arrivals(sandbox):
    sandbox.world.reset(patients=20, appointments=0, seed=4, classes=1)
    world = sandbox.world
    group = world.class_ids(upcoming=False)[-1]
    seat = world.seat_ids(group)[0]
    with client_for(sandbox) as client:
        latest = max(a.updated_at for a in client.attendees())
        world.mark_attendee_arrived(seat, False)
        changed = list(client.attendees(updated_since=latest))
        assert [(a.id, a.arrived) for a in changed] == [(int(seat), False)]
        world.cancel_attendee(seat, 30)
        cancelled = list(client.attendees(cancelled_since=latest))
        assert [(a.id, a.cancellation_reason_description) for a in cancelled] == [(int(seat), "Sick")]


def test_a_booking_with_neither_patient_nor_places_is_an_unavailable_block():
    block = booking_from_api({"id": "5", "updated_at": "2026-01-01T00:00:00Z", "starts_at": "x"})
    assert type(block).__name__ == "UnavailableBlock" and block.id == 5
    assert isinstance(Attendee.from_api({
        "id": "7", "booking": {"links": {"self": "https://x/v1/bookings/9"}}, "arrived": None,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}), Attendee)
