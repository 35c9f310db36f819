from datetime import datetime, timedelta, timezone

from sqlalchemy import event

from oncord.contacts.feed import contact_feed, event_title
from oncord.models import ActivityEvent, EventKind
from tests.factories import ActivityEventFactory, AppointmentFactory, ContactFactory

T0 = datetime(2025, 3, 1, tzinfo=timezone.utc)


def test_feed_is_newest_first_in_pages(db):
    contact = ContactFactory(linked=True)
    events = [ActivityEventFactory(contact=contact, occurred_at=T0 + timedelta(hours=n)) for n in range(5)]
    events.append(ActivityEventFactory(contact=contact, occurred_at=T0 + timedelta(hours=4)))  # same time: id decides
    ActivityEventFactory(occurred_at=T0 + timedelta(days=1))  # someone else's

    first = contact_feed(contact.id, limit=4)
    assert [e.id for e in first.events] == [events[5].id, events[4].id, events[3].id, events[2].id]
    rest = contact_feed(contact.id, before=first.next_before, limit=4)
    assert [e.id for e in rest.events] == [events[1].id, events[0].id] and rest.next_before is None


def test_a_cursor_from_another_contact_gives_nothing(db):
    mine, theirs = ActivityEventFactory(), ActivityEventFactory()
    assert contact_feed(mine.contact_id, before=theirs.id).events == []


def test_appointments_come_with_type_and_practitioner_in_few_queries(app, db):
    contact = ContactFactory(linked=True)
    for n in range(6):
        appointment = AppointmentFactory(contact=contact)
        ActivityEventFactory(contact=contact, appointment=appointment, kind=EventKind.APPOINTMENT_BOOKED.value,
                             occurred_at=T0 + timedelta(hours=n))
    db.session.commit()
    contact_id = contact.id
    db.session.expunge_all()

    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        page = contact_feed(contact_id)
        described = [(e.appointment.appointment_type.name, e.appointment.practitioner.name) for e in page.events]
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert len(described) == 6 and all(name for pair in described for name in pair)
    assert len(statements) == 4  # events, appointments, types, practitioners


def test_event_titles_are_plain_words():
    assert event_title(ActivityEvent(kind="appointment_did_not_arrive")) == "Did not arrive for an appointment"
    assert event_title(ActivityEvent(kind="patient_archived")) == "Archived in Cliniko"
    assert event_title(ActivityEvent(kind="something_new")) == "Something new"
