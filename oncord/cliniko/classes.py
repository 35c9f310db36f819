"""Classes: group appointments and their attendees, and `/bookings` rows of any kind.

A class (`GroupAppointment`) has a time, type, practitioner and location but no patient;
each patient in it is an `Attendee` with their own arrival and cancellation. `/attendees`
also lists the single attendee of every individual appointment: `Attendee.booking_id`
is whichever booking the seat is in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .parsing import link_id, parse_bool, parse_id, parse_ids, parse_int, parse_str, parse_utc, require_utc
from .records import Appointment, _reading


@dataclass(frozen=True, slots=True)
class GroupAppointment:
    """A class (`/group_appointments`); its patients come through attendees."""

    id: int
    starts_at: datetime
    ends_at: datetime | None
    appointment_type_id: int | None
    practitioner_id: int | None
    business_id: int | None
    max_attendees: int | None
    patient_ids: tuple[int, ...]
    notes: str | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "GroupAppointment":
        return _reading("group appointment", raw, lambda r: cls(
            id=parse_id(r["id"]),
            starts_at=require_utc(r["starts_at"]),
            ends_at=parse_utc(r.get("ends_at")),
            appointment_type_id=link_id(r.get("appointment_type")),
            practitioner_id=link_id(r.get("practitioner")),
            business_id=link_id(r.get("business")),
            max_attendees=parse_int(r.get("max_attendees")),
            patient_ids=parse_ids(r.get("patient_ids") or []),
            notes=parse_str(r.get("notes")),
            created_at=require_utc(r["created_at"]),
            updated_at=require_utc(r["updated_at"]),
            archived_at=parse_utc(r.get("archived_at")),
            deleted_at=parse_utc(r.get("deleted_at")),
        ))


@dataclass(frozen=True, slots=True)
class Attendee:
    """A patient's seat in a booking (`/attendees`): `arrived` True, False (did not
    arrive) or None (not marked)."""

    id: int
    booking_id: int | None
    patient_id: int | None
    arrived: bool | None
    cancelled_at: datetime | None
    cancellation_reason: int | None
    cancellation_reason_description: str | None
    cancellation_note: str | None
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def from_api(cls, raw: Mapping[str, Any]) -> "Attendee":
        return _reading("attendee", raw, lambda r: cls(
            id=parse_id(r["id"]),
            booking_id=link_id(r.get("booking")),
            patient_id=link_id(r.get("patient")),
            arrived=parse_bool(r.get("arrived")),
            cancelled_at=parse_utc(r.get("cancelled_at")),
            cancellation_reason=parse_int(r.get("cancellation_reason")),
            cancellation_reason_description=parse_str(r.get("cancellation_reason_description")),
            cancellation_note=parse_str(r.get("cancellation_note")),
            created_at=require_utc(r["created_at"]),
            updated_at=require_utc(r["updated_at"]),
            archived_at=parse_utc(r.get("archived_at")),
            deleted_at=parse_utc(r.get("deleted_at")),
        ))


@dataclass(frozen=True, slots=True)
class UnavailableBlock:
    """A `/bookings` row that is neither: time a practitioner is away. Only its place in
    the listing matters to us."""

    id: int
    updated_at: datetime


Booking = Appointment | GroupAppointment | UnavailableBlock


def booking_from_api(raw: Mapping[str, Any]) -> Booking:
    """The spec's `anyOf`, told apart by fields: an individual appointment has a patient,
    a class has `max_attendees`, an unavailable block neither."""
    if isinstance(raw, Mapping) and "max_attendees" in raw:
        return GroupAppointment.from_api(raw)
    if isinstance(raw, Mapping) and "patient" in raw:
        return Appointment.from_api(raw)
    return _reading("booking", raw, lambda r: UnavailableBlock(
        id=parse_id(r["id"]), updated_at=require_utc(r["updated_at"])))
