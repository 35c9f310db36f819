"""Export and erasure: what a patient may ask of oncord, and the suppression erasing leaves behind."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from oncord.contacts import data_subject
from oncord.messaging import ledger, suppressions
from oncord.messaging.deliver import deliver
from oncord.messaging.drafts import EmailDraft, SmsDraft
from oncord.models import (
    ActivityEvent, Appointment, ConsentChange, ConsentStatus, Contact, Message, OutboxEdit, Suppression,
)
from oncord.sync import pull
from tests.factories import AppointmentFactory, ContactFactory
from tests.messaging.conftest import recording  # noqa: F401 (fixture)
from tests.messaging.recording_channel import calls


def email(to="pat@mail.example"):
    return EmailDraft(to=to, subject="Your check-up", text="Hello Pat", html="<p>Hello Pat</p>",
                      headers={"To": to, "Subject": "Your check-up"})


def _subscribed(db, **fields):
    contact = ContactFactory(email="pat@mail.example", phone="+61412345678", first_name="Pat", last_name="Quinn",
                             email_status=ConsentStatus.SUBSCRIBED.value, sms_status=ConsentStatus.SUBSCRIBED.value,
                             **fields)
    db.session.commit()
    return contact


def test_export_holds_fields_appointments_activity_messages_and_ledger(db, recording):
    contact = _subscribed(db, linked=True)
    AppointmentFactory(contact_id=contact.id, patient_id=contact.cliniko_patient_id)
    from oncord.messaging import consent
    consent.set_status(contact, "email", ConsentStatus.UNSUBSCRIBED.value, "staff")
    db.session.commit()
    deliver("reminder:1", contact, SmsDraft(to=contact.phone, body="See you at 9"), kind="factual", source="automation")

    exported = json.loads(json.dumps(data_subject.export_contact(contact)))  # JSON-ready as it is

    assert exported["contact"]["email"] == "pat@mail.example"
    assert exported["contact"]["cliniko_patient_id"] == contact.cliniko_patient_id
    assert len(exported["appointments"]) == 1 and exported["appointments"][0]["starts_at"]
    assert [m["body_text"] for m in exported["messages"]] == ["See you at 9"]
    assert exported["messages"][0]["status"] == "sent"
    assert any(e["kind"] == "message" and e["title"] == "Message" for e in exported["activity"])
    assert [(c["channel"], c["new_status"], c["source"]) for c in exported["consent_ledger"]] == [
        ("email", "unsubscribed", "staff")]


def test_erase_keeps_only_a_suppression_and_blank_message_rows(db, recording, sender_identity):
    contact = _subscribed(db, linked=True)
    patient_id, contact_id = contact.cliniko_patient_id, contact.id
    AppointmentFactory(contact_id=contact.id, patient_id=patient_id)
    db.session.add(OutboxEdit(contact_id=contact.id, patient_id=patient_id, field="first_name", value={"v": "P"}))
    db.session.commit()
    sent = deliver("campaign:1:contact:1", contact, email(), kind="marketing", source="campaign")
    skipped = ledger.record_skip("campaign:2:contact:1", email(), channel="email", contact=contact, kind="marketing",
                                 source="campaign", reason="Bounced for pat@mail.example")

    suppression = data_subject.erase_contact(contact, user_id=None)
    db.session.commit()
    db.session.expire_all()

    assert db.session.get(Contact, contact_id) is None
    for model in (Appointment, OutboxEdit):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert db.session.scalar(select(func.count()).select_from(ActivityEvent)) == 0
    rows = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert [(m.key, m.status) for m in rows] == [("campaign:1:contact:1", "sent"), ("campaign:2:contact:1", "skipped")]
    for message in rows:
        assert (message.address, message.subject, message.body_text, message.body_html, message.headers,
                message.contact_id) == (None, None, None, None, {}, None)
    assert "pat@mail.example" not in (db.session.get(Message, skipped.id).reason or "")
    erased = db.session.scalars(select(ConsentChange).where(ConsentChange.source == "erase")).all()
    assert {(c.channel, c.new_status, c.cliniko_patient_id) for c in erased} == {
        ("email", "unsubscribed", patient_id), ("sms", "unsubscribed", patient_id)}
    row = db.session.get(Suppression, suppression.id)
    assert row.cliniko_patient_id == patient_id
    assert row.email_hash == suppressions.email_hash("PAT@mail.example ")
    assert row.phone_hash == suppressions.phone_hash("+61 412 345 678")
    # never twice still holds: the blanked row still owns its key
    assert deliver("campaign:1:contact:1", None, email(), kind="marketing", source="campaign") is None
    assert sent.id


def test_nothing_reaches_an_erased_address_even_under_a_new_contact(db, recording, sender_identity):
    contact = _subscribed(db)
    data_subject.erase_contact(contact, user_id=None)
    db.session.commit()
    again = _subscribed(db)  # typed in again by staff, same email and mobile

    by_email = deliver("campaign:3:contact:2", again, email(), kind="marketing", source="campaign")
    by_sms = deliver("reminder:9", again, SmsDraft(to="+61412345678", body="Hi"), kind="factual", source="automation")

    assert (by_email.status, by_sms.status) == ("skipped", "skipped")
    assert by_email.reason == "This person was erased from oncord and must not be contacted."
    assert calls(recording) == []

    suppression = db.session.scalars(select(Suppression)).one()
    data_subject.lift_suppression(suppression, user_id=None)
    db.session.commit()
    assert deliver("campaign:4:contact:2", again, email(), kind="marketing", source="campaign").status == "sent"


def test_erase_pull_lift_pull_cycle_against_the_sandbox(db, sandbox, connected):
    sandbox.reset(patients=5, appointments=10, seed=3)
    pull.run(connected.id)
    contact = db.session.scalars(select(Contact).order_by(Contact.id)).first()
    patient_id = contact.cliniko_patient_id
    total = db.session.scalar(select(func.count(Contact.id)))
    appointments = db.session.scalar(select(func.count(Appointment.id)).where(Appointment.patient_id == patient_id))
    assert appointments

    suppression = data_subject.erase_contact(contact, user_id=None)
    db.session.commit()
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.patient_id == patient_id)) == 0

    run = pull.run(connected.id, full=True)
    assert db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == patient_id)) is None
    assert db.session.scalar(select(func.count(Appointment.id)).where(Appointment.patient_id == patient_id)) == 0
    assert run.counts["patients"]["erased"] == 1
    assert run.counts["appointments"].get("erased", 0) == appointments
    assert db.session.scalar(select(func.count(Contact.id))) == total - 1

    sandbox.world.update_patient(patient_id, first_name="Changed")
    pull.run(connected.id)  # an incremental pull: still not back, even if the patient changed
    assert db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == patient_id)) is None

    data_subject.lift_suppression(db.session.get(Suppression, suppression.id), user_id=None)
    db.session.commit()
    pull.run(connected.id, full=True)
    back = db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == patient_id))
    assert back is not None
    back_appointments = select(func.count(Appointment.id)).where(Appointment.contact_id == back.id)
    assert db.session.scalar(back_appointments) == appointments
    assert db.session.scalar(select(func.count(Contact.id))) == total


def test_lifting_twice_is_refused(db):
    row = Suppression(cliniko_patient_id=5)
    db.session.add(row)
    db.session.commit()
    assert data_subject.lift_suppression(row, user_id=None) is True
    assert data_subject.lift_suppression(row, user_id=None) is False
