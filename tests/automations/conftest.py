"""Automation scenarios: a clinic in the sandbox, oncord synced to it, and a clock the test moves."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import select

from oncord.automations import tick as automation_tick
from oncord.extensions import db as _db
from oncord.models import (
    Appointment, Automation, AutomationLog, AutomationRun, AutomationStep, ConsentStatus, Contact, Message,
    MessageTemplate, Trigger,
)
from oncord.sync import pull

UTC = timezone.utc
# Tue 1 Dec 2026 11:00 in Sydney (AEDT, UTC+11): daytime, far from quiet hours.
START = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


class Clinic:
    """Drives one scenario: Cliniko changes in the sandbox, syncs, the clock, and ticks."""

    def __init__(self, sandbox, connection, traveller):
        self.world = sandbox.world
        self.sandbox = sandbox
        self.connection = connection
        self.traveller = traveller
        self.practitioners = self.world.clinic.practitioner_ids
        self.types = self.world.clinic.type_ids
        self.business = self.world.clinic.business_ids[0]

    # the clock
    def at(self, when: datetime) -> None:
        self.traveller.move_to(when)

    def now(self) -> datetime:
        return datetime.now(UTC)

    # Cliniko
    def patient(self, first="Ana", last="Smith", *, email_ok=True, sms_ok=True, **fields) -> str:
        values = {"first_name": first, "last_name": last, "email": f"{first.lower()}.{last.lower()}@mail.example",
                  "patient_phone_numbers": [{"number": "0412 345 678", "phone_type": "Mobile"}],
                  "accepted_email_marketing": email_ok, "accepted_sms_marketing": sms_ok, **fields}
        return self.world.create_patient(**values)["id"]

    def book(self, patient_id: str, starts_at: datetime, *, practitioner=None, type_id=None) -> int:
        practitioner = practitioner or self.practitioners[0]
        fields = {"practitioner_id": str(practitioner), "appointment_type_id": str(type_id or self.types[0]),
                  "business_id": str(self.business)}
        return int(self.world.book_appointment(patient_id, starts_at=starts_at, **fields)["id"])

    def sync(self):
        run = pull.run(self.connection.id)
        assert run.status == "succeeded", run.status
        _db.session.expire_all()
        return run

    # oncord
    def contact(self, patient_id: str) -> Contact:
        return _db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == int(patient_id)))

    def template(self, channel="sms", body="Hi {{ contact.first_name }}, see you {{ appointment.starts_at }}.",
                 kind="factual", subject="Your visit") -> MessageTemplate:
        template = MessageTemplate(name=f"{channel} {kind}", channel=channel, kind=kind, subject=subject, body=body)
        _db.session.add(template)
        _db.session.flush()
        return template

    def automation(self, trigger: Trigger, steps=None, *, enabled=True, **fields) -> Automation:
        automation = Automation(name=f"{trigger.value} automation", trigger=trigger.value, enabled=enabled,
                                enabled_at=self.now() if enabled else None, **fields)
        for position, step in enumerate(steps or [self.sms_step()]):
            step.position = position
            automation.steps.append(step)
        _db.session.add(automation)
        _db.session.commit()
        return automation

    def sms_step(self, kind="factual") -> AutomationStep:
        return AutomationStep(type="sms", template_id=self.template("sms", kind=kind).id, kind=kind)

    def email_step(self, kind="factual") -> AutomationStep:
        return AutomationStep(type="email", template_id=self.template("email", kind=kind).id, kind=kind)

    def tick(self, at: datetime | None = None):
        if at is not None:
            self.at(at)
        report = automation_tick.tick()
        _db.session.expire_all()
        return report

    # what happened
    def messages(self, automation: Automation | None = None) -> list[Message]:
        stmt = select(Message).where(Message.source == "automation")
        if automation is not None:
            stmt = stmt.where(Message.source_id == automation.id)
        return list(_db.session.scalars(stmt.order_by(Message.id)))

    def sent_to(self, automation: Automation | None = None) -> list[str]:
        return [m.address for m in self.messages(automation) if m.status in ("sent", "delivered")]

    def logs(self, automation: Automation) -> list[AutomationLog]:
        return list(_db.session.scalars(select(AutomationLog).where(AutomationLog.automation_id == automation.id)
                                        .order_by(AutomationLog.id)))

    def reasons(self, automation: Automation) -> list[str]:
        return [entry.reason for entry in self.logs(automation) if entry.reason]

    def runs(self, automation: Automation) -> list[AutomationRun]:
        return list(_db.session.scalars(select(AutomationRun).where(AutomationRun.automation_id == automation.id)
                                        .order_by(AutomationRun.id)))

    def appointment(self, appointment_id: int) -> Appointment:
        return _db.session.get(Appointment, appointment_id)


@pytest.fixture
def clinic(db, sandbox, app, monkeypatch):
    """Connected and synced at START (the go-live), with an empty clinic."""
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "Australia/Sydney")
    with time_machine.travel(START, tick=True) as traveller:
        from oncord.sync import connection as connections

        connection = connections.connect(sandbox.api_key, base_url=sandbox.base_url, subdomain="demo-clinic")
        _db.session.commit()
        scenario = Clinic(sandbox, connection, traveller)
        scenario.sync()
        yield scenario


def subscribed(contact: Contact) -> bool:
    return contact.sms_status == ConsentStatus.SUBSCRIBED.value


HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
