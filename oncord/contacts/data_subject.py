"""A patient's rights over their data here: everything oncord holds about them as JSON, and erasure.

Erasing deletes the contact and what hangs off it, blanks the personal content of their
messages (the rows, keys and statuses stay, so a message is still never sent twice), writes
a consent-ledger row and keeps a suppression (keyed hashes, Cliniko patient id) so no message
reaches them and no pull brings them back until an admin lifts it. Cliniko is never touched.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, or_, select

from oncord.contacts import feed
from oncord.extensions import db
from oncord.messaging import suppressions
from oncord.models import (
    ActivityEvent, Appointment, ConsentChange, ConsentSource, ConsentStatus, Contact, Message, OutboxEdit, Suppression,
)
from oncord.timestamps import utcnow

ERASED_REASON = "Erased from oncord at the patient's request"
# Message columns that hold what was said and to whom: blanked by an erase.
_PERSONAL_MESSAGE_FIELDS = ("address", "subject", "body_text", "body_html", "provider_answer")


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return value


def _row(obj, skip: tuple[str, ...] = ()) -> dict:
    return {column.key: _plain(getattr(obj, column.key)) for column in obj.__table__.columns if column.key not in skip}


def export_contact(contact: Contact) -> dict:
    """Everything oncord holds about one contact, as JSON-ready data (a subject access request)."""
    appointments = db.session.scalars(select(Appointment).where(_appointments_of(contact))
                                      .order_by(Appointment.starts_at))
    events = db.session.scalars(select(ActivityEvent).where(ActivityEvent.contact_id == contact.id)
                                .order_by(ActivityEvent.occurred_at, ActivityEvent.id))
    messages = db.session.scalars(select(Message).where(Message.contact_id == contact.id).order_by(Message.id))
    ledger = db.session.scalars(select(ConsentChange).where(_ledger_of(contact)).order_by(ConsentChange.id))
    return {
        "exported_at": utcnow().isoformat(),
        "contact": _row(contact, skip=("search_text",)),
        "appointments": [_row(a) | {"appointment_type": a.appointment_type.name if a.appointment_type else None,
                                    "practitioner": a.practitioner.name if a.practitioner else None}
                         for a in appointments],
        "activity": [_row(e, skip=("contact_id",)) | {"title": feed.event_title(e)} for e in events],
        "messages": [_row(m, skip=("contact_id",)) for m in messages],
        "consent_ledger": [_row(c, skip=("contact_id",)) for c in ledger],
    }


def _appointments_of(contact: Contact):
    if contact.cliniko_patient_id is None:
        return Appointment.contact_id == contact.id
    return or_(Appointment.contact_id == contact.id, Appointment.patient_id == contact.cliniko_patient_id)


def _ledger_of(contact: Contact):
    if contact.cliniko_patient_id is None:
        return ConsentChange.contact_id == contact.id
    return or_(ConsentChange.contact_id == contact.id, ConsentChange.cliniko_patient_id == contact.cliniko_patient_id)


def erase_contact(contact: Contact, *, user_id: int | None) -> Suppression:
    """Delete the contact's data here and keep only a suppression. The caller commits."""
    now = utcnow()
    suppression = suppressions.suppression_for(contact, reason=ERASED_REASON, user_id=user_id)
    db.session.flush()
    for channel in ("email", "sms"):  # the proof that we stopped, outliving the contact
        db.session.add(ConsentChange(
            contact_id=None, cliniko_patient_id=contact.cliniko_patient_id, channel=channel,
            old_status=getattr(contact, f"{channel}_status"), new_status=ConsentStatus.UNSUBSCRIBED.value,
            source=ConsentSource.ERASE.value, evidence={"suppression_id": suppression.id}, user_id=user_id,
            created_at=now))
    _blank_messages(contact)
    db.session.execute(ConsentChange.__table__.update().where(ConsentChange.contact_id == contact.id)
                       .values(contact_id=None))
    db.session.execute(delete(ActivityEvent).where(ActivityEvent.contact_id == contact.id))
    db.session.execute(delete(Appointment).where(_appointments_of(contact)))
    db.session.execute(delete(OutboxEdit).where(OutboxEdit.contact_id == contact.id))
    db.session.delete(contact)
    db.session.flush()
    return suppression


def _blank_messages(contact: Contact) -> None:
    """Keep each row's key, status and times; drop what was said and to whom."""
    personal = [value for value in (contact.email, contact.phone, contact.phone_raw, contact.first_name,
                                    contact.last_name) if value and len(value) > 2]
    for message in db.session.scalars(select(Message).where(Message.contact_id == contact.id)):
        for name in _PERSONAL_MESSAGE_FIELDS:
            setattr(message, name, None)
        message.headers = {}
        message.contact_id = None
        if message.reason and any(value.lower() in message.reason.lower() for value in personal):
            message.reason = "(Erased: the reason named the patient.)"


def list_suppressions(limit: int = 200) -> list[Suppression]:
    """Active suppressions first, newest first."""
    return list(db.session.scalars(select(Suppression).order_by(Suppression.lifted_at.is_not(None),
                                                                 Suppression.created_at.desc()).limit(limit)))


class SuppressionNotFound(LookupError):
    pass


def get_suppression(suppression_id: int) -> Suppression:
    if (row := db.session.get(Suppression, suppression_id)) is None:
        raise SuppressionNotFound(suppression_id)
    return row


def lift_suppression(suppression: Suppression, *, user_id: int | None) -> bool:
    """Allow messages again, and let the next full pull bring the patient back. False if lifted already."""
    if suppression.lifted_at is not None:
        return False
    suppression.lifted_at, suppression.lifted_by_user_id = utcnow(), user_id
    return True
