"""A contact's activity feed: events newest first, appointments loaded with them, in pages."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, tuple_
from sqlalchemy.orm import selectinload

from oncord.extensions import db
from oncord.models import ActivityEvent, Appointment, EventKind

FEED_PAGE_SIZE = 20

# Plain words for each kind, as staff would say it.
EVENT_TITLES = {
    EventKind.APPOINTMENT_BOOKED: "Appointment booked",
    EventKind.APPOINTMENT_RESCHEDULED: "Appointment rescheduled",
    EventKind.APPOINTMENT_CANCELLED: "Appointment cancelled",
    EventKind.APPOINTMENT_DID_NOT_ARRIVE: "Did not arrive for an appointment",
    EventKind.APPOINTMENT_ARRIVED: "Arrived for an appointment",
    EventKind.PATIENT_IMPORTED: "Imported from Cliniko",
    EventKind.PATIENT_UPDATED: "Details updated in Cliniko",
    EventKind.PATIENT_ARCHIVED: "Archived in Cliniko",
    EventKind.PATIENT_UNARCHIVED: "Restored from the archive in Cliniko",
    EventKind.PATIENT_DELETED: "Deleted in Cliniko",
    EventKind.PATIENT_MERGED: "Merged into another patient in Cliniko",
    EventKind.PUSHED_TO_CLINIKO: "Changes sent to Cliniko",
    EventKind.PUSH_REJECTED: "Cliniko refused changes",
    EventKind.CONFLICT_RESOLVED: "Edited in both oncord and Cliniko",
    EventKind.UNLINKED: "Unlinked from Cliniko",
}


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
    if event.kind == EventKind.UNLINKED.value:
        return f"Cliniko patient {data.get('patient_id')} no longer exists"
    return None


@dataclass(frozen=True, slots=True)
class FeedPage:
    events: list[ActivityEvent] = field(default_factory=list)
    next_before: int | None = None  # pass as `before` for older events


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
    return FeedPage(events, next_before=events[-1].id if more else None)


def event_title(event: ActivityEvent) -> str:
    try:
        return EVENT_TITLES[EventKind(event.kind)]
    except (ValueError, KeyError):  # a kind newer than this code
        return event.kind.replace("_", " ").capitalize()


def is_appointment_event(event: ActivityEvent) -> bool:
    return event.kind.startswith("appointment_")
