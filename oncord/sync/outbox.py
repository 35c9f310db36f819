"""Recording edits of linked contacts for Cliniko, in the transaction of the edit itself."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from oncord.extensions import db
from oncord.models import Contact, OutboxEdit, OutboxStatus

# oncord's contact fields that Cliniko keeps too, in the order a form shows them.
PUSHED_FIELDS = (
    "first_name", "last_name", "email", "phone", "address_1", "address_2", "address_3", "city", "post_code",
    "state", "country_code", "date_of_birth", "gender", "sex", "email_status", "sms_status",
)


def record_edits(contact: Contact, before: dict, *, user_id: int | None, now: datetime) -> list[str]:
    """Queue the fields of `contact` that differ from `before` (its values before the edit).

    Only linked contacts are pushed. A field already waiting takes the newer value and
    keeps its batch clock; rejected edits of the contact are tried again, as it changed.
    """
    changed = [name for name in PUSHED_FIELDS if name in before and before[name] != getattr(contact, name)]
    if not contact.is_linked or not changed:
        return changed
    waiting = {row.field: row for row in db.session.scalars(select(OutboxEdit).where(OutboxEdit.contact_id == contact.id))}
    for row in waiting.values():
        if row.status == OutboxStatus.REJECTED.value:
            row.status, row.error, row.first_edited_at = OutboxStatus.PENDING.value, None, now
    for name in changed:
        row = waiting.get(name)
        value = _plain(getattr(contact, name))
        if row is None:
            db.session.add(OutboxEdit(contact_id=contact.id, patient_id=contact.cliniko_patient_id, field=name,
                                      value={"v": value, "was": _plain(before[name])}, first_edited_at=now,
                                      edited_at=now, edited_by_id=user_id, status=OutboxStatus.PENDING.value))
        else:
            row.value = {"v": value, "was": row.value.get("was")}
            row.edited_at, row.edited_by_id = now, user_id
    db.session.flush()
    return changed


def waiting_count() -> int:
    """Edits not yet in Cliniko (rejected ones excluded)."""
    return db.session.scalar(select(func.count(OutboxEdit.id)).where(OutboxEdit.status == OutboxStatus.PENDING.value)) or 0


def edits_of(contact_id: int) -> list[OutboxEdit]:
    return list(db.session.scalars(select(OutboxEdit).where(OutboxEdit.contact_id == contact_id).order_by(OutboxEdit.field)))


def _plain(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def queue_push(contact: Contact) -> str:
    """After the edit is committed: make sure its batch is scheduled; say when it goes."""
    from zoneinfo import ZoneInfo

    from flask import current_app

    from oncord.background import UNAVAILABLE
    from oncord.sync import push, schedule
    from oncord.sync.connection import get_connection

    connection = get_connection()
    if connection is None or not connection.is_connected:
        return "Saved. Cliniko is not connected, so the change waits in oncord."
    if not connection.auto_sync:
        return ("Saved. Automatic sync is off: the change waits until it is switched back on "
                "or someone clicks Synchronise.")
    first = db.session.scalar(select(func.min(OutboxEdit.first_edited_at)).where(
        OutboxEdit.contact_id == contact.id, OutboxEdit.status == OutboxStatus.PENDING.value))
    if first is None:
        return "Saved."
    due = first + push.push_delay()
    try:
        schedule.queue_push(connection.id, due)
    except UNAVAILABLE:  # the edit is committed: a worker's schedule check or the next sync sends it
        return ("Saved. Background services are unavailable right now: the change is kept and "
                "sent to Cliniko when they are back.")
    local = due.astimezone(ZoneInfo(current_app.config["CLINIC_TIMEZONE"]))
    return f"Saved. The change reaches Cliniko at about {local:%-I:%M %p}."
