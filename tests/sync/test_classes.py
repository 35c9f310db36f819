"""Classes through the pull: every seat becomes an attendance row of its patient, and every
change to a seat (or to its class) is an event, as for individual appointments."""
from datetime import timedelta

import pytest

from oncord.models import ActivityEvent, Appointment, ClinikoConnection, Contact, EventKind, GroupAppointment, attendance_id
from oncord.extensions import db
from oncord.sync import pull
from oncord.timestamps import utcnow


@pytest.fixture
def world(db, sandbox, connected):
    sandbox.reset(patients=40, appointments=20, seed=3, classes=1)
    return sandbox.world


def seat_row(seat_id) -> Appointment:
    return db.session.get(Appointment, attendance_id(int(seat_id)))


def new_events(after_id: int, seat_id) -> list[str]:
    return sorted(e.kind for e in ActivityEvent.query.filter(
        ActivityEvent.id > after_id, ActivityEvent.appointment_id == attendance_id(int(seat_id))))


def last_event_id() -> int:
    return max([e.id for e in ActivityEvent.query.all()] or [0])


def test_first_pull_stores_every_seat_as_a_class_attendance_of_its_patient(db, world, connected):
    assert pull.run(connected.id).status == "succeeded"
    seats = world.store.select("SELECT id, booking_id, patient_id, arrived, cancelled_at FROM group_attendees")
    rows = Appointment.query.filter_by(kind="group").all()
    assert len(rows) == len(seats) and len(rows) > 20
    assert GroupAppointment.query.count() == len(world.class_ids())
    assert Appointment.query.filter_by(kind="individual").count() == 20
    seat = next(s for s in seats if s["arrived"] == 0)
    row = seat_row(seat["id"])
    group = world.group_appointment(seat["booking_id"])
    assert row.id < 0 and row.attendee_id == seat["id"] and row.group_appointment_id == seat["booking_id"]
    assert db.session.get(Contact, row.contact_id).cliniko_patient_id == seat["patient_id"] and row.is_class
    assert row.starts_at.isoformat().startswith(group["starts_at"][:19])
    assert row.appointment_type.name == "Clinical Pilates" and row.did_not_arrive and row.status == "did not arrive"
    cancelled = next(s for s in seats if s["cancelled_at"])
    assert seat_row(cancelled["id"]).cancellation_reason  # its reason in words
    events = ActivityEvent.query.filter(ActivityEvent.appointment_id < 0).all()
    assert len(events) == len(seats) and all(e.backfill for e in events)  # history, one entry each


def test_each_change_to_a_seat_is_an_event(db, world, connected):
    pull.run(connected.id)
    upcoming = world.class_ids(upcoming=True)[0]
    past = world.class_ids(upcoming=False)[-1]
    if len(world.seat_ids(upcoming)) >= world.group_appointment(upcoming)["max_attendees"]:
        world.cancel_attendee(world.seat_ids(upcoming)[0])
        pull.run(connected.id)
    mark = last_event_id()
    booked = world.book_class(group_id=upcoming)
    leaving = world.seat_ids(upcoming)[0]
    world.cancel_attendee(leaving, 40, "Away for work")
    arriving, missing = world.seat_ids(past)[:2]
    world.mark_attendee_arrived(arriving, None)  # not marked yet
    world.mark_attendee_arrived(missing, None)
    run = pull.run(connected.id)
    mark2 = last_event_id()
    world.mark_attendee_arrived(arriving, True)
    world.mark_attendee_arrived(missing, False)
    run = pull.run(connected.id)
    assert run.status == "succeeded" and run.requests <= 12
    assert new_events(mark, booked["id"]) == [EventKind.APPOINTMENT_BOOKED.value]
    assert new_events(mark, leaving) == [EventKind.APPOINTMENT_CANCELLED.value]
    assert seat_row(leaving).cancellation_reason == "Away" and seat_row(leaving).cancellation_note == "Away for work"
    assert new_events(mark2, arriving) == [EventKind.APPOINTMENT_ARRIVED.value]
    assert new_events(mark2, missing) == [EventKind.APPOINTMENT_DID_NOT_ARRIVE.value]
    assert not any(e.backfill for e in ActivityEvent.query.filter(ActivityEvent.id > mark))


def test_a_moved_or_archived_class_moves_or_archives_its_attendances(db, world, connected):
    pull.run(connected.id)
    group = world.class_ids(upcoming=True)[-1]
    seats = world.seat_ids(group)
    mark = last_event_id()
    moved = world.reschedule_group_appointment(group, (utcnow() + timedelta(days=30)).replace(microsecond=0))
    pull.run(connected.id)
    assert {seat_row(s).starts_at.isoformat()[:19] for s in seats} == {moved["starts_at"][:19]}
    assert {new_events(mark, s)[0] for s in seats} == {EventKind.APPOINTMENT_RESCHEDULED.value}
    world.archive_group_appointment(group)
    pull.run(connected.id)
    assert all(seat_row(s).archived_at is not None for s in seats)
    assert db.session.get(GroupAppointment, int(group)).archived_at is not None


def test_an_archived_seat_and_a_seat_in_an_unseen_class_are_pulled(db, world, connected):
    pull.run(connected.id)
    seat = world.seat_ids(world.class_ids(upcoming=True)[0])[0]
    world.archive_attendee(seat)
    like = world.store.select("SELECT practitioner_id, appointment_type_id, business_id FROM group_appointments")[0]
    created = world.create_group_appointment({
        **dict(zip(("practitioner_id", "appointment_type_id", "business_id"), like)),
        "starts_at": (utcnow() + timedelta(days=3)).replace(microsecond=0).isoformat()})
    # as if the class were written just after the sync read /bookings: only its seat's poll finds it
    world.store.update("group_appointments", int(created["id"]), {"updated_at": "2000-01-01T00:00:00Z"})
    newcomer = world.book_class(group_id=created["id"])
    pull.run(connected.id)
    assert seat_row(seat).archived_at is not None
    assert seat_row(newcomer["id"]).group_appointment_id == int(created["id"])
    assert db.session.get(GroupAppointment, int(created["id"])) is not None


def test_an_individual_cancellation_is_found_by_the_attendee_poll(db, world, connected):
    """`/bookings` has no cancelled poll now: an appointment cancelled without a new
    `updated_at` still comes, through its attendee's `cancelled_at`."""
    pull.run(connected.id)
    appointment = world.appointment_ids()[0]
    world.store.update("appointments", int(appointment), {"cancelled_at": world.now(), "cancellation_reason": 30})
    pull.run(connected.id)
    assert db.session.get(Appointment, int(appointment)).cancellation_reason == "Sick"


def test_seats_first_seen_after_an_upgrade_are_history(db, world, connected):
    """An install that synced before classes existed: its first pull of seats triggers nothing."""
    pull.run(connected.id)
    Appointment.query.filter(Appointment.id < 0).delete()
    ActivityEvent.query.filter(ActivityEvent.appointment_id < 0).delete()
    connection = db.session.get(ClinikoConnection, connected.id)
    connection.attendees_cursor = None
    db.session.commit()
    pull.run(connected.id)
    events = ActivityEvent.query.filter(ActivityEvent.appointment_id < 0).all()
    assert events and all(e.backfill for e in events)
    assert db.session.get(ClinikoConnection, connected.id).attendees_cursor is not None


def test_a_merged_patients_class_seats_move_to_the_survivor_with_their_history(db, world, connected):
    pull.run(connected.id)
    group = world.class_ids(upcoming=True)[0]
    seat = world.seat_ids(group)[0]
    absorbed = world.attendee(seat)["patient"]["links"]["self"].rsplit("/", 1)[1]
    survivor = next(p for p in world.patient_ids() if p != absorbed)
    world.merge_patients(absorbed, survivor)
    pull.run(connected.id)
    moved_to = db.session.scalar(db.select(Contact.id).where(Contact.cliniko_patient_id == int(survivor)))
    assert seat_row(seat).contact_id == moved_to
    assert {e.contact_id for e in ActivityEvent.query.filter_by(appointment_id=attendance_id(int(seat)))} == {moved_to}


def test_after_a_full_pull_the_seat_polls_start_where_bookings_left_off(db, world, connected):
    """Else the first idle sync would re-read every individual appointment's attendee changed
    since the last class seat did (pages of them in a big account)."""
    world.mark_arrived(world.appointment_ids()[0])  # an appointment changed after every class seat
    pull.run(connected.id)
    connection = db.session.get(ClinikoConnection, connected.id)
    latest_seat = max(world.attendee(s)["updated_at"] for g in world.class_ids() for s in world.seat_ids(g))
    assert connection.attendees_cursor == connection.appointments_cursor
    assert connection.attendees_cursor.isoformat()[:19] > latest_seat[:19]
