"""Reading and adding single contacts. Contacts added here stay in oncord: nothing goes to Cliniko."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pycountry
from sqlalchemy import select

from oncord.extensions import db
from oncord.messaging import consent
from oncord.models import ClinikoConnection, ConsentSource, Contact, contact_search_text


class ContactNotFound(LookupError):
    """No contact has this id (the view answers 404)."""

    def __init__(self, contact_id: int):
        super().__init__(f"no contact {contact_id}")
        self.contact_id = contact_id


NAME_FIELDS = ("first_name", "last_name")


@dataclass(frozen=True, slots=True)
class ContactDetails:
    """A contact as staff enter it (add or edit); `phone` already E.164 (see `phones.to_e164`),
    `country_code` ISO 3166-1 alpha-2."""

    first_name: str
    last_name: str = ""
    email: str | None = None
    phone: str | None = None
    address_1: str | None = None
    address_2: str | None = None
    address_3: str | None = None
    city: str | None = None
    post_code: str | None = None
    state: str | None = None
    country_code: str | None = None
    date_of_birth: date | None = None
    gender: str | None = None
    sex: str | None = None
    email_status: str = "pending"
    sms_status: str = "pending"


def country_name(code: str | None) -> str | None:
    country = pycountry.countries.get(alpha_2=code.upper()) if code else None
    return getattr(country, "common_name", None) or (country.name if country else None)


def apply_details(contact: Contact, details: ContactDetails) -> None:
    """Copy staff's details onto the contact, with the columns derived from them."""
    for name in ContactDetails.__dataclass_fields__:
        value = getattr(details, name)
        if isinstance(value, str):
            value = value.strip()
        setattr(contact, name, value or (None if name not in NAME_FIELDS else ""))
    contact.country = country_name(contact.country_code)
    contact.email_lower = contact.email.lower() if contact.email else None
    contact.search_text = contact_search_text(contact.first_name, contact.last_name, contact.email, contact.phone)


def get_contact(contact_id: int) -> Contact:
    contact = db.session.get(Contact, contact_id)
    if contact is None:
        raise ContactNotFound(contact_id)
    return contact


def create_contact(details: ContactDetails, user_id: int | None = None) -> Contact:
    """Add an unlinked contact (never sent to Cliniko); the caller commits."""
    contact = Contact()
    apply_details(contact, details)
    contact.phone_raw = contact.phone
    db.session.add(contact)
    db.session.flush()
    consent.record_new_contact(contact, ConsentSource.CONTACT_CREATED, user=user_id)
    return contact


def cliniko_patient_url(contact: Contact) -> str | None:
    """The linked patient's page in Cliniko, when the connection knows the clinic's address."""
    if not contact.is_linked:
        return None
    connection = db.session.scalars(select(ClinikoConnection).order_by(ClinikoConnection.id).limit(1)).first()
    return connection.patient_url(contact.cliniko_patient_id) if connection else None


def merge_survivor(contact: Contact) -> Contact | None:
    """The contact of the patient Cliniko merged this one into, once a sync has brought it."""
    if contact.merged_into_patient_id is None:
        return None
    return db.session.scalar(select(Contact).where(Contact.cliniko_patient_id == contact.merged_into_patient_id))
