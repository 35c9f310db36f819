"""The consent ledger: every status change, by whatever code makes it, leaves a row."""
from __future__ import annotations

from sqlalchemy import select

from oncord.extensions import db as _db
from oncord.messaging import consent
from oncord.models import ConsentChange, ConsentSource, Contact
from oncord.sync import pull
from tests.blueprints.test_contact_editing import _form
from tests.factories import ContactFactory


def ledger_rows(contact_id=None) -> list[tuple]:
    query = select(ConsentChange).order_by(ConsentChange.id)
    if contact_id is not None:
        query = query.where(ConsentChange.contact_id == contact_id)
    return [(c.channel, c.old_status, c.new_status, c.source) for c in _db.session.scalars(query)]


def test_set_status_changes_the_contact_and_records_who_and_why(db, make_user):
    user = make_user()
    contact = ContactFactory(email_status="subscribed", linked=True)
    db.session.commit()
    change = consent.set_status(contact, "email", "unsubscribed", ConsentSource.UNSUBSCRIBE_PAGE,
                                evidence={"ip": "203.0.113.9", "user_agent": "Mail/1.0", "message_id": 12}, user=user)
    db.session.commit()
    assert contact.email_status == "unsubscribed" and contact.email_status_changed_at == change.created_at
    assert (change.old_status, change.new_status, change.user_id) == ("subscribed", "unsubscribed", user.id)
    assert change.cliniko_patient_id == contact.cliniko_patient_id and change.evidence["ip"] == "203.0.113.9"
    assert consent.set_status(contact, "email", "unsubscribed", "staff") is None  # unchanged: no row
    db.session.commit()
    assert db.session.query(ConsentChange).count() == 1


def test_the_ledger_outlives_an_erased_contact(db):
    contact = ContactFactory(linked=True)
    db.session.commit()
    consent.set_status(contact, "sms", "unsubscribed", ConsentSource.SMS_KEYWORD, evidence={"inbound_sid": "SM1"})
    db.session.commit()
    patient_id = contact.cliniko_patient_id
    db.session.delete(contact)
    db.session.commit()
    row = db.session.query(ConsentChange).one()
    assert row.contact_id is None and row.cliniko_patient_id == patient_id


def test_a_pull_records_first_statuses_and_later_changes(db, sandbox, connected):
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Una", last_name="Sub", accepted_email_marketing=True,
                                             accepted_sms_marketing=False)
    pull.run(connected.id)
    contact = db.session.query(Contact).filter_by(cliniko_patient_id=int(patient["id"])).one()
    assert ledger_rows(contact.id) == [("email", None, "subscribed", "cliniko_pull"), ("sms", None, "pending", "cliniko_pull")]
    first = db.session.query(ConsentChange).first()
    assert first.evidence["accepted_email_marketing"] is True and first.evidence["sync_run_id"]
    sandbox.world.update_patient(patient["id"], first_name="Una-Maria")  # no status change: no row
    pull.run(connected.id)
    assert len(ledger_rows()) == 2
    sandbox.world.update_patient(patient["id"], accepted_sms_marketing=True)
    pull.run(connected.id)
    assert ledger_rows()[-1] == ("sms", "pending", "subscribed", "cliniko_pull")
    assert len(ledger_rows()) == 3


def test_a_pull_linking_an_existing_contact_records_its_change(db, sandbox, connected):
    sandbox.reset(patients=0, appointments=0, seed=1)
    sandbox.world.create_patient(first_name="Ada", last_name="L", email="ada@example.com", accepted_sms_marketing=True,
                                   accepted_email_marketing=False)
    ours = ContactFactory(email="ada@example.com", sms_status="pending", email_status="pending")
    db.session.commit()
    pull.run(connected.id)
    assert ledger_rows(ours.id) == [("sms", "pending", "subscribed", "cliniko_pull")]


def test_staff_edits_record_the_staff_member(client, db, login_as, csrf_token):
    user = login_as()
    contact = ContactFactory(linked=True, email="ok@example.com", sms_status="subscribed")
    db.session.commit()
    response = client.post(f"/contacts/{contact.id}/edit", data=_form(
        contact, sms_status="unsubscribed", csrf_token=csrf_token(f"/contacts/{contact.id}/edit")))
    assert response.status_code == 302
    row = db.session.query(ConsentChange).one()
    assert (row.channel, row.old_status, row.new_status, row.source, row.user_id) == (
        "sms", "subscribed", "unsubscribed", "staff", user.id)
    db.session.refresh(contact)
    assert contact.sms_status == "unsubscribed" and contact.sms_status_changed_at is not None


def test_a_contact_added_by_staff_starts_its_ledger(client, db, login_as, csrf_token):
    user = login_as()
    client.post("/contacts/new", data={"first_name": "Ana", "email": "ana@mail.example",
                                       "csrf_token": csrf_token("/contacts/new")})
    contact = db.session.query(Contact).one()
    assert ledger_rows(contact.id) == [("email", None, "pending", "contact_created"),
                                       ("sms", None, "pending", "contact_created")]
    assert {r.user_id for r in db.session.query(ConsentChange)} == {user.id}
