"""Appointments, one page at a time: stored per contact, changes recorded as events.

Class attendances (sync/classes.py) are written through the same `write_rows`."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update

from oncord.cliniko import Appointment as ClinikoAppointment
from oncord.extensions import db
from oncord.messaging import suppressions
from oncord.models import ActivityEvent, Appointment, AppointmentKind, AppointmentType, Contact, EventKind
from oncord.sync.patients import PageResult
from oncord.sync.upsert import bulk_upsert, fit_to_columns
from oncord.timestamps import utcnow

COMPARED = (
    "kind", "contact_id", "patient_id", "appointment_type_id", "practitioner_id", "business_id", "starts_at",
    "ends_at", "patient_arrived", "did_not_arrive", "cancelled_at", "cancellation_reason", "cancellation_note",
    "archived_at", "group_appointment_id", "attendee_id", "cliniko_updated_at",
)


@dataclass(frozen=True, slots=True)
class Stamps:
    """When Cliniko made and last changed what a row was built from: events are dated by them."""
    created_at: datetime | None
    updated_at: datetime


def appointment_row(appointment: ClinikoAppointment, contact_id: int | None) -> dict:
    reason = appointment.cancellation_reason_description or (
        str(appointment.cancellation_reason) if appointment.cancellation_reason is not None else None)
    return {
        "id": appointment.id,
        "kind": AppointmentKind.INDIVIDUAL.value,
        "contact_id": contact_id,
        "patient_id": appointment.patient_id,
        "appointment_type_id": appointment.appointment_type_id,
        "practitioner_id": appointment.practitioner_id,
        "business_id": appointment.business_id,
        "starts_at": appointment.starts_at,
        "ends_at": appointment.ends_at,
        "patient_arrived": bool(appointment.patient_arrived),
        "did_not_arrive": bool(appointment.did_not_arrive),
        "cancelled_at": appointment.cancelled_at,
        "cancellation_reason": reason,
        "cancellation_note": appointment.cancellation_note,
        "archived_at": appointment.archived_at or appointment.deleted_at,
        "group_appointment_id": None,
        "attendee_id": None,
        "cliniko_created_at": appointment.created_at,
        "cliniko_updated_at": appointment.updated_at,
    }


def apply_appointments(appointments: Sequence[ClinikoAppointment], *, run_id: int, backfill: bool) -> PageResult:
    """Upsert one page of appointments and record booked/rescheduled/cancelled/... events."""
    result = PageResult()
    appointments = without_erased(list({a.id: a for a in appointments}.values()), result)
    if not appointments:
        return result
    contacts = contacts_by_patient(a.patient_id for a in appointments)
    known_types = set(db.session.scalars(select(AppointmentType.id).where(
        AppointmentType.id.in_({a.appointment_type_id for a in appointments if a.appointment_type_id}))))
    built = []
    for appointment in appointments:
        row = appointment_row(appointment, contacts.get(appointment.patient_id))
        if appointment.appointment_type_id and appointment.appointment_type_id not in known_types:
            result.problems.append(f"appointment {appointment.id}: unknown appointment type {appointment.appointment_type_id}")
        built.append((row, Stamps(appointment.created_at, appointment.updated_at), f"appointment {appointment.id}"))
    return write_rows(built, result, run_id=run_id, backfill=backfill)


def without_erased(records: list, result: PageResult) -> list:
    """Nothing is kept about people erased from oncord."""
    if erased := suppressions.suppressed_patient_ids(r.patient_id for r in records):
        kept = [r for r in records if r.patient_id not in erased]
        result.erased += len(records) - len(kept)
        return kept
    return records


def contacts_by_patient(patient_ids: Iterable[int | None]) -> dict[int, int]:
    wanted = {p for p in patient_ids if p is not None}
    if not wanted:
        return {}
    return dict(db.session.execute(
        select(Contact.cliniko_patient_id, Contact.id).where(Contact.cliniko_patient_id.in_(wanted))).all())


def write_rows(built: list[tuple[dict, Stamps, str]], result: PageResult, *, run_id: int, backfill: bool
               ) -> PageResult:
    """Upsert appointment rows (either kind), counting them and recording their events."""
    before = {a.id: a for a in db.session.scalars(
        select(Appointment).where(Appointment.id.in_([row["id"] for row, _, _ in built])))}
    now = utcnow()
    rows, events = [], []
    for row, stamps, label in built:
        result.problems.extend(fit_to_columns(Appointment.__table__, row, label))
        if row["patient_id"] is not None and row["contact_id"] is None:
            result.problems.append(f"{label}: patient {row['patient_id']} not synced yet")
        old = before.get(row["id"])
        if not result.count_row(old, row, COMPARED):
            continue
        rows.append(row)
        events.extend(_events(old, row, stamps, backfill=backfill, run_id=run_id, now=now))
        if old is not None and old.contact_id != row["contact_id"] and row["contact_id"] is not None:
            # The appointment moved patient (a merge): its history follows it.
            db.session.execute(update(ActivityEvent).where(ActivityEvent.appointment_id == row["id"])
                               .values(contact_id=row["contact_id"]))
    if refused := bulk_upsert(Appointment.__table__, rows):
        result.count_refused(label.split(" ")[0], refused, existed=before)
        gone = {row.key for row in refused}
        events = [event for event in events if event["appointment_id"] not in gone]
    if events:
        db.session.execute(ActivityEvent.__table__.insert(), events)
    return result


def _events(old: Appointment | None, row: dict, appointment: Stamps, *, backfill: bool, run_id: int,
            now: datetime) -> list[dict]:
    def event(kind: EventKind, occurred_at: datetime | None, **data) -> dict:
        return {"contact_id": row["contact_id"], "appointment_id": row["id"], "kind": kind.value,
                "occurred_at": occurred_at or appointment.updated_at, "recorded_at": now, "backfill": backfill,
                "sync_run_id": run_id, "data": {k: _plain(v) for k, v in data.items()}}

    if old is None and backfill:
        # History found by the first pull: one entry per appointment; the feed shows its current state.
        return [event(EventKind.APPOINTMENT_BOOKED, appointment.created_at)]
    found = []
    if old is None:
        found.append(event(EventKind.APPOINTMENT_BOOKED, appointment.created_at, starts_at=row["starts_at"]))
    elif old.starts_at != row["starts_at"]:
        found.append(event(EventKind.APPOINTMENT_RESCHEDULED, appointment.updated_at,
                           previous_starts_at=old.starts_at, starts_at=row["starts_at"]))
    if row["cancelled_at"] and (old is None or not old.cancelled_at):
        found.append(event(EventKind.APPOINTMENT_CANCELLED, row["cancelled_at"], reason=row["cancellation_reason"]))
    if row["did_not_arrive"] and (old is None or not old.did_not_arrive):
        found.append(event(EventKind.APPOINTMENT_DID_NOT_ARRIVE, appointment.updated_at))
    if row["patient_arrived"] and (old is None or not old.patient_arrived):
        found.append(event(EventKind.APPOINTMENT_ARRIVED, appointment.updated_at))
    return found


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value
