"""A contact's appointments for the contact page: the next upcoming first, then the past, latest first.

Read in pages, so a patient with hundreds of appointments costs a few small indexed queries.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import selectinload

from oncord.extensions import db
from oncord.models import Appointment, Business

APPOINTMENTS_PAGE_SIZE = 8
MAX_OFFSET = 100_000  # past any real patient's history; keeps a hand-typed offset harmless


@dataclass(frozen=True, slots=True)
class AppointmentsPage:
    appointments: list[Appointment] = field(default_factory=list)
    upcoming: int = 0  # of all the contact's appointments, how many are still to come
    total: int = 0
    next_offset: int | None = None  # pass as `offset` for the rest
    show_locations: bool = False  # the clinic has more than one location: say where each one is

    @property
    def past(self) -> int:
        return self.total - self.upcoming


def contact_appointments(contact_id: int, *, now: datetime, offset: int = 0,
                         limit: int = APPOINTMENTS_PAGE_SIZE) -> AppointmentsPage:
    """Appointments `offset` onwards in the card's order; ones deleted in Cliniko are left out."""
    offset = max(0, min(offset, MAX_OFFSET))
    mine = (Appointment.contact_id == contact_id, Appointment.archived_at.is_(None))
    total, upcoming = db.session.execute(select(
        func.count(), func.coalesce(func.sum(case((Appointment.starts_at >= now, 1), else_=0)), 0)).where(*mine)).one()
    found: list[Appointment] = []
    if offset < upcoming:
        found += _page(select(Appointment).where(*mine, Appointment.starts_at >= now)
                       .order_by(Appointment.starts_at, Appointment.id).offset(offset).limit(limit))
    if len(found) < limit:
        found += _page(select(Appointment).where(*mine, Appointment.starts_at < now)
                       .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
                       .offset(max(0, offset - upcoming)).limit(limit - len(found)))
    shown = offset + len(found)
    return AppointmentsPage(found, upcoming=upcoming, total=total, next_offset=shown if shown < total else None,
                            show_locations=any(a.business for a in found) and Business.count_locations() > 1)


def _page(stmt) -> list[Appointment]:
    return list(db.session.scalars(stmt.options(
        selectinload(Appointment.appointment_type), selectinload(Appointment.practitioner),
        selectinload(Appointment.business))))


def appointment_badge(appointment: Appointment, now: datetime) -> tuple[str, str] | None:
    """(label, colour) for the card's status badge; None for a past visit nobody marked."""
    if appointment.cancelled_at:
        return "Cancelled", "red"
    if appointment.did_not_arrive:
        return "Did not arrive", "amber"
    if appointment.patient_arrived:
        return "Arrived", "green"
    if appointment.starts_at >= now:
        return "Upcoming", "blue"
    return None
