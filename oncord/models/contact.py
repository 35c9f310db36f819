"""Contacts: the people a clinic markets to, most of them Cliniko patients."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, ColumnElement, Date, Index, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class ConsentStatus(str, enum.Enum):
    """Marketing status per channel; only SUBSCRIBED live contacts are sent marketing (`Contact.can_receive_marketing`)."""

    SUBSCRIBED = "subscribed"
    PENDING = "pending"
    UNSUBSCRIBED = "unsubscribed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


# PostgreSQL's trigram index on `search_text`, made by a migration where pg_trgm is available.
# It lives outside the models (SQLite has no equivalent), so schema comparisons skip it.
SEARCH_TRIGRAM_INDEX = "ix_contacts_search_text_trgm"


class Contact(db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        Index("ix_contacts_last_first", "last_name", "first_name"),
        Index("ix_contacts_email_lower", "email_lower"),
        Index("ix_contacts_phone", "phone"),  # the duplicate check as staff type a number
        Index("ix_contacts_updated_at", "updated_at"),  # has anything changed? (campaigns.address_checks)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Cliniko's patient id (an int64; never a float). Unique: one contact per patient.
    cliniko_patient_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    email: Mapped[str | None] = mapped_column(String(255))
    email_lower: Mapped[str | None] = mapped_column(String(255))  # for matching and search
    phone: Mapped[str | None] = mapped_column(String(32))  # E.164 when it parses
    phone_raw: Mapped[str | None] = mapped_column(String(64))  # as Cliniko had it
    address_1: Mapped[str | None] = mapped_column(String(255))
    address_2: Mapped[str | None] = mapped_column(String(255))
    address_3: Mapped[str | None] = mapped_column(String(255))
    city: Mapped[str | None] = mapped_column(String(255))  # "suburb"
    post_code: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str | None] = mapped_column(String(255))
    country: Mapped[str | None] = mapped_column(String(255))  # a name, e.g. "Australia"
    country_code: Mapped[str | None] = mapped_column(String(2))  # ISO 3166-1 alpha-2
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(255))  # Cliniko's gender_identity
    sex: Mapped[str | None] = mapped_column(String(64))
    email_status: Mapped[str] = mapped_column(String(16), default=ConsentStatus.PENDING.value)
    sms_status: Mapped[str] = mapped_column(String(16), default=ConsentStatus.PENDING.value)
    email_status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sms_status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the current status came from (a ConsentSource, kept by messaging.consent): campaigns that use
    # health information reach only consent the contact gave, in Cliniko or to us.
    email_consent_source: Mapped[str | None] = mapped_column(String(32))
    sms_consent_source: Mapped[str | None] = mapped_column(String(32))
    # Cliniko's own consent flags as last pulled, to tell a change in Cliniko from an old value.
    cliniko_accepts_email: Mapped[bool | None]
    cliniko_accepts_sms: Mapped[bool | None]
    cliniko_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    merged_into_patient_id: Mapped[int | None] = mapped_column(BigInteger)
    # Every phone number Cliniko has, as last pulled: a push replaces the whole list.
    cliniko_phone_numbers: Mapped[list | None] = mapped_column(JSON)
    link_note: Mapped[str | None] = mapped_column(Text)  # why it was (not) linked as it is
    search_text: Mapped[str] = mapped_column(Text, default="")  # lowercased name, email, phone digits
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or self.email or "(no name)"

    @property
    def is_linked(self) -> bool:
        return self.cliniko_patient_id is not None

    @property
    def cliniko_state(self) -> str | None:
        """How the patient stands in Cliniko, for a badge; None when all is normal."""
        if self.cliniko_deleted_at:
            return "deleted in Cliniko"
        if self.merged_into_patient_id:
            return "merged in Cliniko"
        if self.cliniko_archived_at:
            return "archived in Cliniko"
        return None

    @property
    def is_merged_away(self) -> bool:
        """Cliniko merged this patient into another: the survivor's contact carries on, this one never."""
        return self.merged_into_patient_id is not None

    @property
    def not_messaged_reason(self) -> str | None:
        """Why no marketing ever goes to this contact whatever its consent says; None when it may."""
        if self.merged_into_patient_id is not None:
            return "Merged"
        if self.cliniko_deleted_at is not None:
            return "Deleted"
        if self.cliniko_archived_at is not None:
            return "Archived"
        return None

    def can_receive_marketing(self, channel: str) -> bool:
        """The one check a send makes: subscribed on `channel` ("email" or "sms") and still a live patient.

        Merged-away, deleted and archived patients are never messaged (`marketable` is the same rule in SQL).
        """
        status = {"email": self.email_status, "sms": self.sms_status}[channel]
        return status == ConsentStatus.SUBSCRIBED.value and self.not_messaged_reason is None

    @classmethod
    def marketable(cls, channel: str) -> ColumnElement[bool]:
        """`can_receive_marketing` as a WHERE clause, for choosing whom a campaign or automation sends to."""
        status = {"email": cls.email_status, "sms": cls.sms_status}[channel]
        return and_(status == ConsentStatus.SUBSCRIBED.value, cls.merged_into_patient_id.is_(None),
                    cls.cliniko_deleted_at.is_(None), cls.cliniko_archived_at.is_(None))


def contact_search_text(first_name: str | None, last_name: str | None, email: str | None, phone: str | None) -> str:
    """What search matches against: one lowercased string, phone digits included."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    local = "0" + digits[2:] if digits.startswith("61") else ""  # +61 4.. is also typed 04..
    return " ".join(p for p in ((first_name or "").lower(), (last_name or "").lower(), (email or "").lower(), digits, local) if p)
