"""A contact's activity feed: events newest first by when they happened, appointments loaded with them, in pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from oncord.extensions import db
from oncord.models import ActivityEvent, Appointment, Contact, EventKind, Message

FEED_PAGE_SIZE = 20

# Plain words for each kind, as staff would say it.
EVENT_TITLES = {
    EventKind.APPOINTMENT_BOOKED: "Appointment booked",
    EventKind.APPOINTMENT_RESCHEDULED: "Appointment rescheduled",
    EventKind.APPOINTMENT_CANCELLED: "Appointment cancelled",
    EventKind.APPOINTMENT_DID_NOT_ARRIVE: "Did not arrive for an appointment",
    EventKind.APPOINTMENT_ARRIVED: "Arrived for an appointment",
    EventKind.PATIENT_IMPORTED: "Added as a patient in Cliniko",
    EventKind.PATIENT_UPDATED: "Details updated in Cliniko",
    EventKind.PATIENT_ARCHIVED: "Archived in Cliniko",
    EventKind.PATIENT_UNARCHIVED: "Restored from the archive in Cliniko",
    EventKind.PATIENT_DELETED: "Deleted in Cliniko",
    EventKind.PATIENT_MERGED: "Merged into another patient in Cliniko",
    EventKind.PATIENT_MERGED_IN: "Another patient was merged into this patient",
    EventKind.PUSHED_TO_CLINIKO: "Changes sent to Cliniko",
    EventKind.PUSH_REJECTED: "Cliniko refused changes",
    EventKind.CONFLICT_RESOLVED: "Edited in both oncord and Cliniko",
    EventKind.UNLINKED: "Unlinked from Cliniko",
    EventKind.MESSAGE: "Message",
    EventKind.SMS_RECEIVED: "SMS received",
}
# The same events for a seat in a class (the class's name shows beside them).
CLASS_EVENT_TITLES = {
    EventKind.APPOINTMENT_BOOKED: "Booked into a class",
    EventKind.APPOINTMENT_RESCHEDULED: "Class moved",
    EventKind.APPOINTMENT_CANCELLED: "Cancelled a class place",
    EventKind.APPOINTMENT_DID_NOT_ARRIVE: "Did not arrive for a class",
    EventKind.APPOINTMENT_ARRIVED: "Arrived for a class",
}
SMS_KEYWORD_NOTES = {"opt_out": "opted out of SMS", "opt_in": "opted back in to SMS (if they had opted out)"}


def event_detail(event: ActivityEvent) -> str | None:
    """A line under the title for events about syncing: what moved, and what was overwritten."""
    data = event.data or {}
    fields = ", ".join(f.replace("_", " ") for f in data.get("fields", []))
    if event.kind == EventKind.PUSHED_TO_CLINIKO.value:
        return fields or None
    if event.kind == EventKind.PUSH_REJECTED.value:
        return f"{fields}: {data.get('message', '')}"
    if event.kind == EventKind.CONFLICT_RESOLVED.value:
        winner = "Cliniko's" if data.get("kept") == "cliniko" else "oncord's"
        return (f"{data.get('field', '').replace('_', ' ')}: kept {winner} later value "
                f"{data.get('kept_value')!r}; overwritten {data.get('overwritten_value')!r}")
    if event.kind == EventKind.SMS_RECEIVED.value:
        note = SMS_KEYWORD_NOTES.get(data.get("keyword"))
        return f"“{data.get('body', '')}”" + (f" · {note}" if note else "")
    if event.kind == EventKind.UNLINKED.value:
        return f"Cliniko patient {data.get('patient_id')} no longer exists"
    return None


# Shown on history found by the first sync, instead of a "history" tag staff had to guess at.
IMPORTED_NOTE = "Imported from Cliniko"


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[ActivityEvent] = field(default_factory=list)
    next_before: int | None = None  # pass as `before` for older events
    # The other side of each merge on this page, by Cliniko patient id (as the events' data has it).
    partners: dict[str, Contact] = field(default_factory=dict)
    # The messages of this page's message events, by id, with their status as it is now.
    messages: dict[int, Message] = field(default_factory=dict)


def event_message(event: ActivityEvent, messages: dict[int, Message]) -> Message | None:
    if event.kind != EventKind.MESSAGE.value:
        return None
    return messages.get((event.data or {}).get("message_id"))


def _messages_of(events: list[ActivityEvent]) -> dict[int, Message]:
    """One query for the page's messages (their status changes after the event is written)."""
    ids = [(e.data or {}).get("message_id") for e in events if e.kind == EventKind.MESSAGE.value]
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(select(Message).where(Message.id.in_(ids)))}


def merge_partner(event: ActivityEvent, partners: dict[str, Contact]) -> Contact | None:
    """The survivor of a "merged into" event, or the absorbed contact of a "was merged into this patient" one."""
    data = event.data or {}
    if event.kind == EventKind.PATIENT_MERGED.value:
        return partners.get(data.get("merged_into"))
    if event.kind == EventKind.PATIENT_MERGED_IN.value:
        return partners.get(data.get("absorbed_patient_id"))
    return None


def _merge_partners(events: list[ActivityEvent]) -> dict[str, Contact]:
    wanted = {(e.data or {}).get(key) for e in events for key in ("merged_into", "absorbed_patient_id")}
    ids = [int(pid) for pid in wanted if pid and str(pid).isdigit()]
    if not ids:
        return {}
    return {str(c.cliniko_patient_id): c for c in db.session.scalars(
        select(Contact).where(Contact.cliniko_patient_id.in_(ids)))}


def contact_feed(contact_id: int, *, before: int | None = None, limit: int = FEED_PAGE_SIZE) -> FeedPage:
    """Events of one contact, newest first, older than the event `before` (an id from the last page)."""
    conditions = [ActivityEvent.contact_id == contact_id]
    order = (ActivityEvent.occurred_at, ActivityEvent.id)
    if before is not None:
        cursor = db.session.execute(
            select(*order).where(ActivityEvent.id == before, ActivityEvent.contact_id == contact_id)).first()
        if cursor is None:
            return FeedPage()
        conditions.append(tuple_(*order) < tuple(cursor))
    stmt = (
        select(ActivityEvent).where(*conditions)
        .order_by(*(col.desc() for col in order)).limit(limit + 1)
        .options(selectinload(ActivityEvent.appointment).options(
            selectinload(Appointment.appointment_type), selectinload(Appointment.practitioner)))
    )
    events = list(db.session.scalars(stmt))
    more = len(events) > limit
    events = events[:limit]
    return FeedPage(events, next_before=events[-1].id if more else None, partners=_merge_partners(events),
                    messages=_messages_of(events))


def event_title(event: ActivityEvent, partners: dict[str, Contact] | None = None) -> str:
    """The feed's line for an event; merges name the other contact when oncord has it."""
    partner = merge_partner(event, partners or {})
    if partner is not None and event.kind == EventKind.PATIENT_MERGED.value:
        return f"Merged into {partner.name}"
    if partner is not None:
        return f"{partner.name} was merged into this patient"
    try:
        if event.appointment is not None and event.appointment.is_class:
            return CLASS_EVENT_TITLES.get(EventKind(event.kind)) or EVENT_TITLES[EventKind(event.kind)]
        return EVENT_TITLES[EventKind(event.kind)]
    except (ValueError, KeyError):  # a kind newer than this code
        return event.kind.replace("_", " ").capitalize()


def is_appointment_event(event: ActivityEvent) -> bool:
    return event.kind.startswith("appointment_")
