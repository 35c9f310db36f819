"""Appointment types, practitioners and businesses: small lists, pulled whole on every sync."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from oncord import cliniko
from oncord.extensions import db
from oncord.models import AppointmentType, Business, Practitioner
from oncord.sync.patients import PageResult
from oncord.sync.upsert import bulk_upsert, fit_to_columns


def apply_appointment_types(types: Iterable[cliniko.AppointmentType]) -> PageResult:
    rows = [{"id": t.id, "name": t.name, "duration_in_minutes": t.duration_in_minutes, "color": t.color,
             "archived_at": t.archived_at, "updated_at": t.updated_at} for t in types]
    return _upsert(AppointmentType, rows, "appointment type")


def apply_practitioners(practitioners: Iterable[cliniko.Practitioner], active: bool) -> PageResult:
    rows = [{"id": p.id, "first_name": p.first_name or "", "last_name": p.last_name or "", "title": p.title,
             "display_name": p.display_name, "active": bool(p.active if p.active is not None else active),
             "updated_at": p.updated_at} for p in practitioners]
    return _upsert(Practitioner, rows, "practitioner")


def apply_businesses(businesses: Iterable[cliniko.Business]) -> PageResult:
    """A business deleted in Cliniko counts as archived: its appointments still name it."""
    rows = [{"id": b.id, "name": b.business_name or b.display_name or b.label or "", "city": b.city,
             "archived_at": b.archived_at or b.deleted_at, "updated_at": b.updated_at} for b in businesses]
    return _upsert(Business, rows, "location")


def _upsert(model, rows: list[dict], resource: str) -> PageResult:
    result = PageResult()
    rows = list({r["id"]: r for r in rows}.values())
    if not rows:
        return result
    for row in rows:
        result.problems.extend(fit_to_columns(model.__table__, row, f"{resource} {row['id']}"))
    existing = {obj.id: obj for obj in db.session.scalars(select(model).where(model.id.in_([r["id"] for r in rows])))}
    changed = [row for row in rows if result.count_row(existing.get(row["id"]), row, row.keys())]
    if refused := bulk_upsert(model.__table__, changed):
        result.count_refused(resource, refused, existed=existing)
    return result
