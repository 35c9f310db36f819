"""A STOP reply reaches Cliniko's accepted_sms_marketing within one push cycle, and the ledger says when."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from oncord.models import ConsentChange, Contact
from oncord.sync import pull
from oncord.timestamps import utcnow

TWO_PM = datetime(2026, 11, 25, 3, 0, tzinfo=timezone.utc)
TOKEN, PUBLIC = "test-auth-token-not-real", "https://crm.clinic.example"
PATCH = "PATCH /patients/{id}"


@pytest.fixture
def sms_patient(app, db, sandbox, connected, make_user, monkeypatch):
    """A sandbox patient who accepts marketing SMS, pulled into oncord, and Twilio configured."""
    make_user()
    for key, value in (("TWILIO_ACCOUNT_SID", "AC" + "1" * 32), ("TWILIO_AUTH_TOKEN", TOKEN),
                       ("TWILIO_FROM", "+61400000000"), ("PUBLIC_URL", PUBLIC)):
        monkeypatch.setitem(app.config, key, value)
    sandbox.reset(patients=0, appointments=0, seed=1)
    patient = sandbox.world.create_patient(first_name="Mia", last_name="Chen", accepted_sms_marketing=True,
                                           patient_phone_numbers=[{"phone_type": "Mobile", "number": "0412 345 678"}])
    pull.run(connected.id)
    contact = db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == int(patient["id"])))
    assert (contact.phone, contact.sms_status) == ("+61412345678", "subscribed")
    sandbox.requests.reset()
    return contact, patient["id"]


def text(client, body, sid):
    form = {"MessageSid": sid, "From": "+61412345678", "To": "+61400000000", "Body": body}
    signature = RequestValidator(TOKEN).compute_signature(PUBLIC + "/webhooks/twilio/sms", form)
    assert client.post("/webhooks/twilio/sms", data=form, headers={"X-Twilio-Signature": signature}).status_code == 200


def test_stop_then_start_reach_cliniko_in_one_push_cycle_each(db, client, sandbox, sms_patient, run_jobs):
    contact, patient_id = sms_patient
    with time_machine.travel(TWO_PM, tick=False) as clock:
        text(client, "STOP", "SM" + "1" * 32)
        clock.move_to(TWO_PM + timedelta(minutes=2))
        run_jobs(due_by=utcnow())
        assert sandbox.world.patient(patient_id)["accepted_sms_marketing"] is False
        assert sandbox.requests.count(PATCH) == 1
        stop = db.session.scalar(select(ConsentChange).where(ConsentChange.contact_id == contact.id,
                                                             ConsentChange.source == "sms_keyword"))
        assert stop.cliniko_told_at == TWO_PM + timedelta(minutes=2)

        clock.move_to(TWO_PM + timedelta(minutes=10))
        text(client, "start", "SM" + "2" * 32)
        clock.move_to(TWO_PM + timedelta(minutes=12))
        run_jobs(due_by=utcnow())
    assert sandbox.world.patient(patient_id)["accepted_sms_marketing"] is True
    db.session.expire_all()
    assert db.session.get(Contact, contact.id).sms_status == "subscribed"
    told = db.session.execute(select(ConsentChange.new_status, ConsentChange.cliniko_told_at)
                              .where(ConsentChange.source == "sms_keyword").order_by(ConsentChange.id)).all()
    assert told == [("unsubscribed", TWO_PM + timedelta(minutes=2)), ("subscribed", TWO_PM + timedelta(minutes=12))]
    pulled = db.session.scalar(select(ConsentChange).where(ConsentChange.contact_id == contact.id,
                                                           ConsentChange.source == "cliniko_pull"))
    assert pulled is None or pulled.cliniko_told_at is None  # the pull's own rows came from Cliniko
