"""The tick's cost follows the rows due, not the size of the database."""
from datetime import timedelta

from sqlalchemy import event

from oncord.automations import tick as automation_tick
from oncord.extensions import db as _db
from oncord.models import Appointment, Automation, AutomationStep, ClinikoConnection, MessageTemplate
from oncord.timestamps import utcnow
from tests.factories import ContactFactory


def _world(db, appointments: int):
    now = utcnow().replace(microsecond=0)
    db.session.add(ClinikoConnection(live_since=now - timedelta(days=400)))
    contact = ContactFactory()
    db.session.flush()
    for i in range(appointments):  # one a day, a year back and forward: none near a window
        start = now - timedelta(days=appointments // 2 - i, hours=12)
        db.session.add(Appointment(id=i + 1, contact_id=contact.id, starts_at=start, ends_at=start + timedelta(hours=1)))
    template = MessageTemplate(name="T", channel="sms", kind="factual", body="Hi")
    db.session.add(template)
    db.session.flush()
    for trigger, fields in (("upcoming", {"offset_minutes": 60}), ("finished", {}), ("no_return", {"no_return_days": 7}),
                            ("cancelled", {}), ("booked", {}), ("did_not_arrive", {})):
        automation = Automation(name=trigger, trigger=trigger, enabled=True, enabled_at=now - timedelta(days=400),
                                scanned_to=now - timedelta(minutes=1), **fields)
        automation.steps.append(AutomationStep(position=0, type="sms", template_id=template.id))
        db.session.add(automation)
    db.session.commit()
    return now


def _count(now):
    counts = {"statements": 0, "appointments": 0}

    def statement(*args):
        counts["statements"] += 1

    def loaded(target, context):
        counts["appointments"] += 1

    _db.session.expunge_all()  # every appointment the tick touches is read from the database
    event.listen(_db.engine, "after_cursor_execute", statement)
    event.listen(Appointment, "load", loaded)
    try:
        automation_tick.tick(now)
    finally:
        event.remove(_db.engine, "after_cursor_execute", statement)
        event.remove(Appointment, "load", loaded)
    return counts


def test_an_idle_tick_reads_no_appointment_and_runs_a_fixed_number_of_statements(db):
    now = _world(db, 400)
    edited = {a.id: a.updated_at for a in db.session.query(Automation)}
    idle = _count(now)
    assert {a.id: a.updated_at for a in db.session.query(Automation)} == edited  # a tick is not an edit
    assert idle["appointments"] == 0
    # The connection, the automations; per automation its events, its window and the known keys of
    # what the window re-read; one watermark UPDATE; the due runs.
    assert idle["statements"] <= 2 + 6 * 3 + 2
    more = Appointment(id=10_000, contact_id=db.session.query(Appointment.contact_id).first()[0],
                       starts_at=now + timedelta(minutes=59, seconds=30), ends_at=now + timedelta(hours=2))
    db.session.add(more)
    db.session.commit()
    busy = _count(now + timedelta(seconds=1))
    assert 1 <= busy["appointments"] <= 2  # the one due is read (found, then advanced), and only it
