"""Finding contacts that already have an email address or phone number, so staff are warned
before a second contact for the same person is saved."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from oncord.extensions import db
from oncord.models import Contact

MAX_SHOWN = 5  # a shared clinic inbox can match many; naming a few is enough to decide


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An existing contact and which typed detail (`email` or `phone`) it already has."""

    contact: Contact
    field: str

    @property
    def where(self) -> str:
        return "linked to Cliniko" if self.contact.is_linked else "only in oncord"

    @property
    def detail(self) -> str:
        return {"email": "email", "phone": "phone number"}[self.field]


def find_duplicates(email: str | None, phone: str | None, *, exclude_id: int | None = None) -> list[Duplicate]:
    """Up to MAX_SHOWN contacts with the same email (any case) or the same E.164 `phone`, oldest first.

    Contacts merged away in Cliniko are left out: their survivor is the one to point to.
    """
    email_lower = email.strip().lower() if email and email.strip() else None
    matches = [column == value for column, value in ((Contact.email_lower, email_lower), (Contact.phone, phone))
               if value]
    if not matches:
        return []
    stmt = select(Contact).where(or_(*matches), Contact.merged_into_patient_id.is_(None)).limit(MAX_SHOWN)
    if exclude_id is not None:
        stmt = stmt.where(Contact.id != exclude_id)
    # Sorted here, not in SQL: ORDER BY id lets PostgreSQL walk the primary key instead of the indexes.
    found = []
    for contact in sorted(db.session.scalars(stmt), key=lambda c: c.id):
        if email_lower and contact.email_lower == email_lower:
            found.append(Duplicate(contact, "email"))
        if phone and contact.phone == phone:
            found.append(Duplicate(contact, "phone"))
    return found
