"""What the skip decisions need beyond the run itself: a patient's other appointments, erased
addresses, recent tagged sends. The tick asks the database per run (it handles a few runs a
minute); the preview, which decides for thousands of rows at once, reads them all in a few
queries first and answers the same questions from memory."""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select

from oncord.automations import triggers
from oncord.extensions import db
from oncord.messaging import suppressions
from oncord.models import Appointment, Automation, AutomationLog, Contact, Outcome, Suppression, Trigger

CHUNK = 5000  # ids per IN list, well under SQLite's limit on bound parameters


def spacing_tag(tag: str | None) -> str | None:
    """Tags group automations whatever their case or stray spaces ("Recall" and "recall ")."""
    return (tag or "").strip().casefold() or None


class LiveFacts:
    """Each answer from the database, when it is asked."""

    def is_first_appointment(self, appointment: Appointment) -> bool:
        return triggers.is_first_appointment(appointment)

    def has_upcoming_after(self, appointment: Appointment) -> bool:
        return triggers.has_upcoming_after(appointment)

    def is_suppressed(self, *, email: str | None = None, phone: str | None = None,
                      patient_id: int | None = None) -> bool:
        return suppressions.is_suppressed(email=email, phone=phone, patient_id=patient_id)

    def last_tagged_send(self, contact_id: int, tag: str, since: datetime, now: datetime,
                         run_id: int | None) -> datetime | None:
        stmt = select(AutomationLog.at).where(
            AutomationLog.contact_id == contact_id, AutomationLog.tag == tag,
            AutomationLog.outcome == Outcome.SENT.value, AutomationLog.at >= since, AutomationLog.at <= now)
        if run_id is not None:
            stmt = stmt.where(AutomationLog.run_id != run_id)  # its own earlier steps do not count
        return db.session.scalar(stmt.order_by(AutomationLog.at.desc()).limit(1))


LIVE = LiveFacts()


def chunks(values):
    values = list(values)
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class PreloadedFacts(LiveFacts):
    """The same answers for a known set of contacts and a time span, read up front: a handful of
    statements however many rows are decided. Only what this automation's checks use is read."""

    def __init__(self, automation: Automation, contacts: dict[int, Contact], lo: datetime):
        ids = list(contacts)
        trigger = Trigger(automation.trigger)
        self._first_start: dict[int, datetime] = {}
        self._last_start: dict[int, datetime] = {}
        if trigger is Trigger.BOOKED and automation.first_appointment_only:
            for chunk in chunks(ids):
                self._first_start.update(db.session.execute(
                    select(Appointment.contact_id, func.min(Appointment.starts_at))
                    .where(Appointment.contact_id.in_(chunk), Appointment.cancelled_at.is_(None))
                    .group_by(Appointment.contact_id)).all())
        if trigger is Trigger.NO_RETURN:
            for chunk in chunks(ids):
                self._last_start.update(db.session.execute(
                    select(Appointment.contact_id, func.max(Appointment.starts_at))
                    .where(Appointment.contact_id.in_(chunk), Appointment.cancelled_at.is_(None),
                           Appointment.archived_at.is_(None))
                    .group_by(Appointment.contact_id)).all())
        self._suppressed_patients: set[int] = set()
        self._suppressed_emails: set[str] = set()
        self._suppressed_phones: set[str] = set()
        # Each address hashed once here, not again for every row that asks about it.
        self._email_hashes = {c.email: suppressions.email_hash(c.email) for c in contacts.values() if c.email}
        self._phone_hashes = {c.phone: suppressions.phone_hash(c.phone) for c in contacts.values() if c.phone}
        for chunk in chunks(ids):
            people = [contacts[i] for i in chunk]
            patients = [c.cliniko_patient_id for c in people if c.cliniko_patient_id is not None]
            emails = [h for h in (self._email_hashes.get(c.email) for c in people if c.email) if h]
            phones = [h for h in (self._phone_hashes.get(c.phone) for c in people if c.phone) if h]
            rows = db.session.execute(select(Suppression.cliniko_patient_id, Suppression.email_hash,
                                             Suppression.phone_hash).where(
                Suppression.lifted_at.is_(None), or_(Suppression.cliniko_patient_id.in_(patients),
                                                     Suppression.email_hash.in_(emails),
                                                     Suppression.phone_hash.in_(phones))))
            for patient_id, email_hash, phone_hash in rows:
                self._suppressed_patients.add(patient_id)
                self._suppressed_emails.add(email_hash)
                self._suppressed_phones.add(phone_hash)
        self._tagged: dict[int, list[tuple[datetime, int | None]]] = defaultdict(list)
        if automation.tag and automation.skip_if_messaged_within_days:
            since = lo - timedelta(days=automation.skip_if_messaged_within_days)
            for chunk in chunks(ids):
                for contact_id, at, run_id in db.session.execute(
                        select(AutomationLog.contact_id, AutomationLog.at, AutomationLog.run_id).where(
                            AutomationLog.contact_id.in_(chunk), AutomationLog.tag == spacing_tag(automation.tag),
                            AutomationLog.outcome == Outcome.SENT.value, AutomationLog.at >= since)):
                    self._tagged[contact_id].append((at, run_id))
            for sends in self._tagged.values():
                sends.sort(key=lambda s: s[0])

    def is_first_appointment(self, appointment: Appointment) -> bool:
        first = self._first_start.get(appointment.contact_id)
        return first is None or first >= appointment.starts_at

    def has_upcoming_after(self, appointment: Appointment) -> bool:
        last = self._last_start.get(appointment.contact_id)
        return last is not None and last > appointment.starts_at

    def is_suppressed(self, *, email: str | None = None, phone: str | None = None,
                      patient_id: int | None = None) -> bool:
        if patient_id is not None and patient_id in self._suppressed_patients:
            return True
        if email is not None:
            hashed = self._email_hashes[email] if email in self._email_hashes else suppressions.email_hash(email)
            if hashed in self._suppressed_emails:
                return True
        if phone is not None:
            hashed = self._phone_hashes[phone] if phone in self._phone_hashes else suppressions.phone_hash(phone)
            if hashed in self._suppressed_phones:
                return True
        return False

    def last_tagged_send(self, contact_id: int, tag: str, since: datetime, now: datetime,
                         run_id: int | None) -> datetime | None:
        sends = self._tagged.get(contact_id, [])
        times = [at for at, _ in sends]
        inside = sends[bisect_left(times, since):bisect_right(times, now)]
        return next((at for at, rid in reversed(inside) if run_id is None or rid != run_id), None)
