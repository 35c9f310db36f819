from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from oncord.contacts.appointments import appointment_badge, contact_appointments
from tests.factories import AppointmentFactory, ContactFactory

NOW = datetime(2025, 6, 1, 0, 0, tzinfo=timezone.utc)


def at(days: float) -> datetime:
    return NOW + timedelta(days=days)


def test_next_upcoming_first_then_the_past_latest_first(db):
    contact = ContactFactory(linked=True)
    # Booked in an order unlike their times, as a clinic books them.
    later = AppointmentFactory(contact=contact, starts_at=at(30))
    long_ago = AppointmentFactory(contact=contact, starts_at=at(-300))
    soon = AppointmentFactory(contact=contact, starts_at=at(2))
    last_week = AppointmentFactory(contact=contact, starts_at=at(-7))
    AppointmentFactory(contact=contact, starts_at=at(5), archived_at=at(-1))  # deleted in Cliniko
    AppointmentFactory(contact=ContactFactory(linked=True), starts_at=at(1))  # someone else's

    page = contact_appointments(contact.id, now=NOW)
    assert [a.id for a in page.appointments] == [soon.id, later.id, last_week.id, long_ago.id]
    assert (page.upcoming, page.past, page.total, page.next_offset) == (2, 2, 4, None)


def test_pages_continue_across_upcoming_and_past(db):
    contact = ContactFactory(linked=True)
    upcoming = [AppointmentFactory(contact=contact, starts_at=at(n + 1)) for n in range(3)]
    past = [AppointmentFactory(contact=contact, starts_at=at(-n - 1)) for n in range(4)]
    seen, offset = [], 0
    while offset is not None:
        page = contact_appointments(contact.id, now=NOW, offset=offset, limit=2)
        assert len(page.appointments) <= 2
        seen += [a.id for a in page.appointments]
        offset = page.next_offset
    assert seen == [a.id for a in upcoming + past]
    assert contact_appointments(contact.id, now=NOW, offset=10**18).appointments == []  # a silly offset: nothing


def test_hundreds_of_appointments_cost_a_few_queries(app, db):
    contact = ContactFactory(linked=True)
    for n in range(300):
        AppointmentFactory(contact=contact, starts_at=at(n - 250), appointment_type=None, practitioner=None)
    db.session.commit()
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = contact_appointments(contact.id, now=NOW)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(page.appointments) == 8 and page.total == 300 and page.upcoming == 50
    assert len(statements) <= 4  # counts, upcoming, past (types and practitioners only when present)


def test_badges_say_what_became_of_each_appointment(db):
    contact = ContactFactory(linked=True)
    cases = [
        (AppointmentFactory(contact=contact, starts_at=at(3)), ("Upcoming", "blue")),
        (AppointmentFactory(contact=contact, starts_at=at(3), cancelled_at=at(-1)), ("Cancelled", "red")),
        (AppointmentFactory(contact=contact, starts_at=at(-3), patient_arrived=True), ("Arrived", "green")),
        (AppointmentFactory(contact=contact, starts_at=at(-3), did_not_arrive=True), ("Did not arrive", "amber")),
        (AppointmentFactory(contact=contact, starts_at=at(-3)), None),
    ]
    assert [appointment_badge(a, NOW) for a, _ in cases] == [badge for _, badge in cases]
