"""Editing and deleting contacts. Edits of linked contacts queue a push to Cliniko in the
same transaction; nothing here ever creates or deletes a Cliniko patient."""
from __future__ import annotations

from datetime import datetime

from oncord.contacts.records import ContactDetails, apply_details
from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import ConsentSource, Contact, DeletedContactLink
from oncord.sync import outbox


def update_contact(contact: Contact, details: ContactDetails, *, user_id: int | None, now: datetime) -> list[str]:
    """Apply staff's edit; returns the fields that changed (queued for Cliniko if linked)."""
    before = {name: getattr(contact, name) for name in ContactDetails.__dataclass_fields__}
    country = contact.country
    apply_details(contact, details)
    if contact.country_code == before["country_code"]:
        contact.country = country  # keep Cliniko's spelling unless the country changed
    if contact.phone != before["phone"]:
        contact.phone_raw = contact.phone
    for channel in ("email", "sms"):  # through the consent ledger, with who changed it
        new_status = getattr(contact, f"{channel}_status")
        setattr(contact, f"{channel}_status", before[f"{channel}_status"])
        consent.set_status(contact, channel, new_status, ConsentSource.STAFF, user=user_id, now=now)
    return outbox.record_edits(contact, before, user_id=user_id, now=now)


def delete_contact(contact: Contact, *, now: datetime) -> None:
    """Delete in oncord only. A linked patient is remembered so the next pull does not bring
    the contact back, unless the patient changes in Cliniko after this moment."""
    if contact.is_linked:
        link = db.session.get(DeletedContactLink, contact.cliniko_patient_id) or DeletedContactLink(
            patient_id=contact.cliniko_patient_id)
        link.deleted_at, link.patient_updated_at = now, contact.cliniko_updated_at
        db.session.add(link)
    db.session.delete(contact)
    db.session.flush()
