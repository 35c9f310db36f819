"""Classes, one page at a time: group appointments kept as Cliniko describes them, and each
attendee stored as an appointment of its patient (kind "group", id `-attendee_id`: see
models.Appointment), so the feed, the Appointments card, automations and campaigns read
attendances where they read appointments. Changes are events of the same kinds.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from oncord.cliniko import Attendee, ClinikoClient
from oncord.cliniko import GroupAppointment as ClinikoClass
from oncord.extensions import db
from oncord.models import Appointment, AppointmentKind, GroupAppointment, attendance_id
from oncord.sync.appointments import Stamps, apply_appointments, contacts_by_patient, without_erased, write_rows
from oncord.sync.patients import PageResult
from oncord.sync.upsert import bulk_upsert

CLASS_COMPARED = ("appointment_type_id", "practitioner_id", "business_id", "starts_at", "ends_at",
                  "max_attendees", "archived_at", "cliniko_updated_at")


@dataclass(frozen=True, slots=True)
class Seat:
    """What an attendance takes from its attendee (the rest comes from the class)."""
    attendee_id: int
    patient_id: int | None
    arrived: bool | None
    cancelled_at: datetime | None
    cancellation_reason: str | None
    cancellation_note: str | None
    archived_at: datetime | None
    created_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_attendee(cls, attendee: Attendee) -> "Seat":
        reason = attendee.cancellation_reason_description or (
            str(attendee.cancellation_reason) if attendee.cancellation_reason is not None else None)
        return cls(attendee.id, attendee.patient_id, attendee.arrived, attendee.cancelled_at, reason,
                   attendee.cancellation_note, attendee.archived_at or attendee.deleted_at,
                   attendee.created_at, attendee.updated_at)

    @classmethod
    def from_row(cls, row: Appointment, class_archived_at: datetime | None) -> "Seat":
        """A stored attendance, read back when only its class changed."""
        arrived = True if row.patient_arrived else False if row.did_not_arrive else None
        # archived only because its class was: that is the class's to say now
        own_archive = None if row.archived_at == class_archived_at else row.archived_at
        return cls(row.attendee_id, row.patient_id, arrived, row.cancelled_at, row.cancellation_reason,
                   row.cancellation_note, own_archive, row.cliniko_created_at, row.cliniko_updated_at)


def attendance_row(seat: Seat, group: GroupAppointment, contact_id: int | None) -> dict:
    return {
        "id": attendance_id(seat.attendee_id),
        "kind": AppointmentKind.GROUP.value,
        "contact_id": contact_id,
        "patient_id": seat.patient_id,
        "appointment_type_id": group.appointment_type_id,
        "practitioner_id": group.practitioner_id,
        "business_id": group.business_id,
        "starts_at": group.starts_at,
        "ends_at": group.ends_at,
        "patient_arrived": seat.arrived is True,
        "did_not_arrive": seat.arrived is False,
        "cancelled_at": seat.cancelled_at,
        "cancellation_reason": seat.cancellation_reason,
        "cancellation_note": seat.cancellation_note,
        "archived_at": seat.archived_at or group.archived_at,
        "group_appointment_id": group.id,
        "attendee_id": seat.attendee_id,
        "cliniko_created_at": seat.created_at,
        "cliniko_updated_at": max(seat.updated_at, group.cliniko_updated_at or seat.updated_at),
    }


def class_row(group: ClinikoClass) -> dict:
    return {
        "id": group.id, "appointment_type_id": group.appointment_type_id,
        "practitioner_id": group.practitioner_id, "business_id": group.business_id,
        "starts_at": group.starts_at, "ends_at": group.ends_at, "max_attendees": group.max_attendees,
        "archived_at": group.archived_at or group.deleted_at, "cliniko_updated_at": group.updated_at,
    }


def apply_classes(groups: Sequence[ClinikoClass], *, run_id: int, backfill: bool) -> PageResult:
    """Upsert classes; attendances already stored follow a class that moved, changed or was
    archived (a move records "rescheduled" for each attendee)."""
    result = PageResult()
    groups = list({g.id: g for g in groups}.values())
    if not groups:
        return result
    before = {g.id: g for g in db.session.scalars(
        select(GroupAppointment).where(GroupAppointment.id.in_([g.id for g in groups])))}
    rows = []
    for group in groups:
        row = class_row(group)
        if result.count_row(before.get(group.id), row, CLASS_COMPARED):
            rows.append(row)
    if refused := bulk_upsert(GroupAppointment.__table__, rows):
        result.count_refused("group appointment", refused, existed=before)
    changed = {row["id"] for row in rows} - {r.key for r in refused}
    if changed:
        old_archive = {gid: (before[gid].archived_at if gid in before else None) for gid in changed}
        seats = list(db.session.scalars(select(Appointment).where(Appointment.group_appointment_id.in_(changed))))
        followed = write_attendances([(Seat.from_row(s, old_archive[s.group_appointment_id]), s.group_appointment_id)
                                      for s in seats], run_id=run_id, backfill=backfill)
        result.problems.extend(followed.problems)
    return result


def apply_attendees(attendees: Iterable[Attendee], *, run_id: int, backfill: bool) -> PageResult:
    """Attendees of known classes, stored as attendances (others are not ours to store here)."""
    seats = [(Seat.from_attendee(a), a.booking_id) for a in {a.id: a for a in attendees}.values()]
    return write_attendances(seats, run_id=run_id, backfill=backfill)


def write_attendances(seats: list[tuple[Seat, int]], *, run_id: int, backfill: bool) -> PageResult:
    result = PageResult()
    kept = without_erased([seat for seat, _ in seats], result)
    if not kept:
        return result
    kept_ids = {seat.attendee_id for seat in kept}
    seats = [(seat, gid) for seat, gid in seats if seat.attendee_id in kept_ids]
    groups = {g.id: g for g in db.session.scalars(  # as just written, not as first loaded
        select(GroupAppointment).where(GroupAppointment.id.in_({gid for _, gid in seats}))
        .execution_options(populate_existing=True))}
    contacts = contacts_by_patient(seat.patient_id for seat, _ in seats)
    built = []
    for seat, gid in seats:
        if gid not in groups:
            result.skipped += 1
            result.problems.append(f"attendee {seat.attendee_id}: group appointment {gid} not synced yet")
            continue
        row = attendance_row(seat, groups[gid], contacts.get(seat.patient_id))
        built.append((row, Stamps(seat.created_at, row["cliniko_updated_at"]), f"attendee {seat.attendee_id}"))
    return write_rows(built, result, run_id=run_id, backfill=backfill) if built else result


def known_class_ids(ids: Iterable[int]) -> set[int]:
    wanted = set(ids)
    if not wanted:
        return set()
    return set(db.session.scalars(select(GroupAppointment.id).where(GroupAppointment.id.in_(wanted))))


def stored_appointments(ids: Iterable[int]) -> dict[int, Appointment]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {a.id: a for a in db.session.scalars(select(Appointment).where(Appointment.id.in_(wanted)))}


def all_class_ids() -> list[int]:
    return list(db.session.scalars(select(GroupAppointment.id).order_by(GroupAppointment.id)))


def apply_seats(client: ClinikoClient, page: list, *, run_id: int, backfill: bool) -> PageResult:
    """One page of attendees. Seats in classes become attendances; a seat of an individual
    appointment matters only when it says cancelled or archived and our appointment does not
    (then the appointment is read again); a booking we do not know yet is read first."""
    bookings = {a.booking_id for a in page if a.booking_id is not None}
    classes = known_class_ids(bookings)
    stored = stored_appointments(bookings - classes)
    result = PageResult()
    missing = bookings - classes - stored.keys()
    found = []
    for chunk in _chunks(sorted(missing)):
        found += list(client.group_appointments(ids=chunk))
    if found:
        result = merge_results(result, apply_classes(found, run_id=run_id, backfill=backfill))
        classes |= {g.id for g in found}
    reread = missing - classes
    for seat in page:
        mine = stored.get(seat.booking_id)
        if mine is not None and ((seat.cancelled_at and not mine.cancelled_at)
                                 or ((seat.archived_at or seat.deleted_at) and not mine.archived_at)):
            reread.add(seat.booking_id)
    for chunk in _chunks(sorted(reread)):
        appointments = list(client.appointments(q=[f"id:={','.join(str(i) for i in chunk)}"],
                                                include_cancelled=True, include_archived=True))
        result = merge_results(result, apply_appointments(appointments, run_id=run_id, backfill=backfill))
    seats = [a for a in page if a.booking_id in classes]
    return merge_results(result, apply_attendees(seats, run_id=run_id, backfill=backfill))


def _chunks(ids: list[int], size: int = 100) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def merge_results(first: PageResult, second: PageResult) -> PageResult:
    for name in ("created", "updated", "unchanged", "skipped", "erased"):
        setattr(first, name, getattr(first, name) + getattr(second, name))
    first.problems.extend(second.problems)
    return first
