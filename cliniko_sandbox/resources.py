"""What each Cliniko list can filter and sort on, which rows it hides, and how it
reads and renders them. One `Listing` per endpoint family."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cliniko_sandbox import render

# Cliniko hides archived rows (and cancelled/deleted ones where the resource has
# them) unless a `q[]` on that column, such as `archived_at:*`, asks for them.
PATIENT_FILTERS = {
    "accepted_privacy_policy": "bool", "archived_at": "datetime", "created_at": "datetime",
    "updated_at": "datetime", "date_of_birth": "date", "email": "string",
    "first_name": "string", "last_name": "string", "old_reference_id": "string",
    "preferred_first_name": "string", "id": "int",
}
APPOINTMENT_FILTERS = {
    "appointment_type_id": "int", "business_id": "int", "id": "int", "patient_id": "int",
    "practitioner_id": "int", "repeated_from_id": "int", "archived_at": "datetime",
    "cancelled_at": "datetime", "created_at": "datetime", "deleted_at": "datetime",
    "ends_at": "datetime", "starts_at": "datetime", "updated_at": "datetime",
    "did_not_arrive": "bool",
}
# /bookings: the spec's list, which has `patient_ids` (array) where appointments have `patient_id`
BOOKING_FILTERS = {
    **{name: kind for name, kind in APPOINTMENT_FILTERS.items() if name != "patient_id"},
    "email_reminder_sent": "bool", "sms_reminder_sent": "bool", "invoice_status": "int",
    "treatment_note_status": "int", "patient_ids": "array",
}
APPOINTMENT_TYPE_FILTERS = {
    "appointment_confirmation_template_ids": "array",
    "appointment_follow_up_template_ids": "array",
    "appointment_reminder_template_ids": "array", "archived_at": "datetime",
    "created_at": "datetime", "updated_at": "datetime", "category": "string",
    "online_payments_mode": "string", "show_in_online_bookings": "bool", "id": "int",
}
PRACTITIONER_FILTERS = {
    "active": "bool", "show_in_online_bookings": "bool", "created_at": "datetime",
    "updated_at": "datetime", "id": "int", "user_id": "int",
}
BUSINESS_FILTERS = {
    "appointment_type_ids": "array", "archived_at": "datetime", "created_at": "datetime",
    "deleted_at": "datetime", "updated_at": "datetime", "id": "int",
    "show_in_online_bookings": "bool",
}
ATTENDEE_FILTERS = {
    "appointment_id": "int", "booking_id": "int", "id": "int", "patient_case_id": "int",
    "patient_id": "int", "archived_at": "datetime", "cancelled_at": "datetime",
    "created_at": "datetime", "deleted_at": "datetime", "updated_at": "datetime",
}
USER_FILTERS = {"created_at": "datetime", "updated_at": "datetime", "id": "int"}

GROUP_APPOINTMENT_FILTERS = {
    "appointment_type_id": "int", "business_id": "int", "id": "int", "practitioner_id": "int",
    "repeated_from_id": "int", "archived_at": "datetime", "created_at": "datetime",
    "deleted_at": "datetime", "ends_at": "datetime", "starts_at": "datetime",
    "updated_at": "datetime", "patient_ids": "array",
}

_PATIENT_NAME = ("(SELECT trim(coalesce(p.first_name, '') || ' ' || coalesce(p.last_name, ''))"
                 " FROM patients p WHERE p.id = {table}.patient_id) AS patient_name")
# a class's patients: its attendees who have not cancelled and were not removed
_CLASS_PATIENTS = ("(SELECT json_group_array(a.patient_id) FROM group_attendees a"
                   " WHERE a.booking_id = group_appointments.id AND a.cancelled_at IS NULL"
                   " AND a.archived_at IS NULL AND a.deleted_at IS NULL)")
# Only a booking `GET /bookings/{id}` shows (not cancelled, archived or deleted), so the
# link answers; Cliniko does not say which booking counts as the latest.
_LATEST_BOOKING = ("(SELECT a.id FROM appointments a WHERE a.patient_id = patients.id"
                   " AND a.cancelled_at IS NULL AND a.archived_at IS NULL"
                   " AND a.deleted_at IS NULL ORDER BY a.starts_at DESC LIMIT 1)"
                   " AS latest_booking_id")


@dataclass(frozen=True)
class Listing:
    key: str  # the envelope's array key, e.g. "patients"
    table: str
    filters: dict[str, str]
    hidden: tuple[str, ...]
    render: Callable[[dict[str, Any], str, str], dict[str, Any]]
    extra_select: str = ""
    # filter names that are really other columns (attendee `appointment_id` is our row id)
    aliases: dict[str, str] = field(default_factory=dict)
    sortable_extra: tuple[str, ...] = ()

    @property
    def sortable(self) -> set[str]:
        return {n for n, kind in self.filters.items() if kind != "array"} | {
            "created_at", "updated_at", "id", *self.sortable_extra}

    def select_sql(self) -> str:
        extra = f", {self.extra_select}" if self.extra_select else ""
        return f"SELECT {self.table}.*{extra} FROM {self.table}"


def _plain(fn: Callable[[dict[str, Any], str], dict[str, Any]]):
    return lambda row, base, subdomain: fn(row, base)


PATIENTS = Listing(
    "patients", "patients", PATIENT_FILTERS, ("archived_at", "deleted_at"),
    _plain(render.patient), extra_select=_LATEST_BOOKING,
    sortable_extra=("last_name", "first_name", "date_of_birth"),
)
APPOINTMENTS = Listing(
    "individual_appointments", "appointments", APPOINTMENT_FILTERS,
    ("archived_at", "cancelled_at", "deleted_at"), render.appointment,
    extra_select=_PATIENT_NAME.format(table="appointments"),
)
# `/bookings` mixes individual appointments and classes (the spec's `anyOf`), each row's
# `links.self` pointing there, as in a real capture. `bookings` is a view (schema.VIEWS).
BOOKINGS = Listing(
    "bookings", "bookings", BOOKING_FILTERS,
    ("archived_at", "cancelled_at", "deleted_at"), render.booking,
    extra_select=_PATIENT_NAME.format(table="bookings"),
)
GROUP_APPOINTMENTS = Listing(
    "group_appointments", "group_appointments", GROUP_APPOINTMENT_FILTERS,
    ("archived_at", "deleted_at"), render.group_appointment,
    extra_select=f"{_CLASS_PATIENTS} AS patient_ids", aliases={"patient_ids": _CLASS_PATIENTS},
)
# Seats in classes and on individual appointments alike (a view: schema.VIEWS).
ATTENDEES = Listing(
    "attendees", "attendees", ATTENDEE_FILTERS,
    ("archived_at", "cancelled_at", "deleted_at"), render.attendee,
    aliases={"appointment_id": "booking_id"},
)
APPOINTMENT_TYPES = Listing(
    "appointment_types", "appointment_types", APPOINTMENT_TYPE_FILTERS, ("archived_at",),
    _plain(render.appointment_type), sortable_extra=("name",),
)
PRACTITIONERS = Listing(
    "practitioners", "practitioners", PRACTITIONER_FILTERS, (), _plain(render.practitioner),
    sortable_extra=("last_name", "first_name"),
)
BUSINESSES = Listing(
    "businesses", "businesses", BUSINESS_FILTERS, ("archived_at", "deleted_at"),
    _plain(render.business), sortable_extra=("business_name",),
)
USERS = Listing("users", "users", USER_FILTERS, (), _plain(render.user))
