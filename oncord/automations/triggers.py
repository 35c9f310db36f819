"""What each trigger makes due, and when: indexed range reads, so the cost follows the rows due.

Time triggers (upcoming, finished, no return) read the appointments table by start or end;
event triggers (cancelled, did not arrive, booked) read the activity events the sync records,
never backfill ones. A late booking or a reschedule reaches an upcoming automation through its
"booked"/"rescheduled" event.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import aliased

from oncord.automations.clinic_time import minus_offset, plus_offset
from oncord.extensions import db
from oncord.models import (
    ActivityEvent, Appointment, AppointmentKind, Automation, BookingKinds, ClinikoConnection, EventKind, Trigger,
)

# Events are re-read for this long: a sync batch may commit after the tick read past its rows.
EVENT_OVERLAP = timedelta(minutes=15)
# Appointment windows are re-read a little: nothing is lost between two ticks.
WINDOW_OVERLAP = timedelta(minutes=2)

EVENT_KINDS = {
    Trigger.CANCELLED: [EventKind.APPOINTMENT_CANCELLED.value],
    Trigger.DID_NOT_ARRIVE: [EventKind.APPOINTMENT_DID_NOT_ARRIVE.value],
    Trigger.BOOKED: [EventKind.APPOINTMENT_BOOKED.value],
    # A booking after its reminder was due, or a move into the reminder's window.
    Trigger.UPCOMING: [EventKind.APPOINTMENT_BOOKED.value, EventKind.APPOINTMENT_RESCHEDULED.value],
}


@dataclass(frozen=True, slots=True)
class Candidate:
    appointment: Appointment
    occurrence: str
    due_at: datetime
    late: bool = False  # booked after its reminder was due

    @property
    def contact_id(self) -> int | None:
        return self.appointment.contact_id


def occurrence_of(trigger: str, appointment: Appointment) -> str:
    """Upcoming: the start, so a moved appointment gets a new key; otherwise the trigger itself."""
    if trigger == Trigger.UPCOMING.value:
        return f"start-{appointment.starts_at:%Y%m%dT%H%M%SZ}"
    return trigger


def run_key(automation_id: int, appointment_id: int, occurrence: str) -> str:
    return f"automation:{automation_id}:appointment:{appointment_id}:{occurrence}"


def send_key(automation_id: int, position: int, appointment_id: int, occurrence: str) -> str:
    return f"automation:{automation_id}:step:{position}:appointment:{appointment_id}:{occurrence}"


def go_live() -> datetime | None:
    """When the integration went live (its first full sync finished): nothing before it ever counts."""
    return db.session.scalar(select(ClinikoConnection.live_since).order_by(ClinikoConnection.id).limit(1))


def start_point(automation: Automation, live_since: datetime | None) -> datetime | None:
    """Activity before this never counts: go-live, and enabling (or a confirmed backfill date)."""
    since = automation.backfill_since or automation.enabled_at
    if live_since is None or not automation.enabled or since is None:
        return None  # switched on without a time (see lifecycle.switch_on): nothing, rather than a replay
    return max(since, live_since)


def due_of(automation: Automation, appointment: Appointment) -> datetime | None:
    """When a time trigger falls due for this appointment (None: event triggers, or no end)."""
    trigger = Trigger(automation.trigger)
    if trigger is Trigger.UPCOMING:
        return minus_offset(appointment.starts_at, automation.offset_minutes or 0)
    if appointment.ends_at is None:
        return None
    if trigger is Trigger.FINISHED:
        return appointment.ends_at + timedelta(minutes=automation.grace_minutes)
    if trigger is Trigger.NO_RETURN:
        return appointment.ends_at + timedelta(days=automation.no_return_days or 0)
    return None


def with_filters(stmt, automation: Automation, table=Appointment):
    """Individual appointments, classes or both; types, practitioners, locations: an empty list means any."""
    stmt = stmt.where(table.contact_id.is_not(None), table.archived_at.is_(None))
    if automation.booking_kinds in (BookingKinds.INDIVIDUAL.value, BookingKinds.GROUP.value):
        kind = AppointmentKind.GROUP if automation.booking_kinds == BookingKinds.GROUP.value else AppointmentKind.INDIVIDUAL
        stmt = stmt.where(table.kind == kind.value)
    if automation.appointment_type_ids:
        stmt = stmt.where(table.appointment_type_id.in_([int(i) for i in automation.appointment_type_ids]))
    if automation.practitioner_ids:
        stmt = stmt.where(table.practitioner_id.in_([int(i) for i in automation.practitioner_ids]))
    if automation.business_ids:
        stmt = stmt.where(table.business_id.in_([int(i) for i in automation.business_ids]))
    return stmt


_LATER = aliased(Appointment, name="later")


def nothing_booked_after(appointment=Appointment):
    """SQL: the contact has no appointment (not cancelled) starting after this one."""
    later = _LATER
    return ~exists().where(later.contact_id == appointment.contact_id, later.starts_at > appointment.starts_at,
                           later.cancelled_at.is_(None), later.archived_at.is_(None))


def time_candidates(automation: Automation, lo: datetime, hi: datetime) -> list[Candidate]:
    """Appointments whose time trigger falls due in [lo, hi]."""
    trigger = Trigger(automation.trigger)
    stmt = with_filters(select(Appointment), automation)
    if trigger is Trigger.UPCOMING:
        minutes = automation.offset_minutes or 0
        # The starts whose reminder falls in [lo, hi]: exact, in UTC or on the wall clock (whole days).
        first = min(lo + timedelta(minutes=minutes), plus_offset(lo, minutes))
        last = max(hi + timedelta(minutes=minutes), plus_offset(hi, minutes))
        stmt = stmt.where(Appointment.starts_at >= first, Appointment.starts_at <= last,
                          Appointment.cancelled_at.is_(None))
    elif trigger in (Trigger.FINISHED, Trigger.NO_RETURN):
        after = (timedelta(minutes=automation.grace_minutes) if trigger is Trigger.FINISHED
                 else timedelta(days=automation.no_return_days or 0))
        stmt = stmt.where(Appointment.ends_at >= lo - after, Appointment.ends_at <= hi - after,
                          Appointment.cancelled_at.is_(None), Appointment.did_not_arrive.is_(False))
        if trigger is Trigger.NO_RETURN:
            stmt = stmt.where(nothing_booked_after())
    else:
        return []
    found = []
    for appointment in db.session.scalars(stmt.order_by(Appointment.starts_at)):
        due = due_of(automation, appointment)
        if due is not None and lo <= due <= hi:
            found.append(Candidate(appointment, occurrence_of(automation.trigger, appointment), due))
    return found


def event_candidates(automation: Automation, recorded_from: datetime, hi: datetime, *,
                     occurred_since: datetime | None, now: datetime) -> list[Candidate]:
    """Sync events recorded in [recorded_from, hi] that fire this automation (never backfill ones)."""
    trigger = Trigger(automation.trigger)
    kinds = EVENT_KINDS.get(trigger)
    if not kinds:
        return []
    stmt = with_filters(
        select(ActivityEvent, Appointment).join(Appointment, Appointment.id == ActivityEvent.appointment_id),
        automation,
    ).where(ActivityEvent.kind.in_(kinds), ActivityEvent.backfill.is_(False),
            ActivityEvent.recorded_at >= recorded_from, ActivityEvent.recorded_at <= hi)
    if occurred_since is not None:
        stmt = stmt.where(ActivityEvent.occurred_at >= occurred_since)
    found = []
    for event, appointment in db.session.execute(stmt.order_by(ActivityEvent.recorded_at, ActivityEvent.id)):
        if trigger is Trigger.UPCOMING:
            due = due_of(automation, appointment)
            # Due already (booked late, or moved into the window) and still ahead: send at once.
            if appointment.cancelled_at is None and due <= now < appointment.starts_at:
                late = (event.kind == EventKind.APPOINTMENT_BOOKED.value
                        and appointment.cliniko_created_at is not None and appointment.cliniko_created_at > due)
                found.append(Candidate(appointment, occurrence_of(automation.trigger, appointment),
                                       max(event.recorded_at, due), late))
            continue
        found.append(Candidate(appointment, occurrence_of(automation.trigger, appointment), event.recorded_at))
    return found


def is_first_appointment(appointment: Appointment) -> bool:
    """No other (not cancelled) appointment of this contact starts before it."""
    earlier = select(Appointment.id).where(
        Appointment.contact_id == appointment.contact_id, Appointment.id != appointment.id,
        Appointment.starts_at < appointment.starts_at, Appointment.cancelled_at.is_(None)).limit(1)
    return db.session.scalar(earlier) is None


def has_upcoming_after(appointment: Appointment) -> bool:
    later = select(Appointment.id).where(
        Appointment.contact_id == appointment.contact_id, Appointment.starts_at > appointment.starts_at,
        Appointment.cancelled_at.is_(None), Appointment.archived_at.is_(None)).limit(1)
    return db.session.scalar(later) is not None


