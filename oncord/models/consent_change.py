"""The consent ledger: every change of a contact's email or SMS status, with its evidence.

New Zealand's law puts the burden of proving consent on the sender; these rows are that
proof, so they outlive the contact (erasing a contact keeps them, with the patient id).
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class ConsentSource(str, enum.Enum):
    CONTACT_CREATED = "contact_created"  # the first status a new contact got
    CLINIKO_PULL = "cliniko_pull"
    STAFF = "staff"
    UNSUBSCRIBE_PAGE = "unsubscribe_page"
    ONE_CLICK = "one_click"  # RFC 8058 List-Unsubscribe-Post
    SMS_KEYWORD = "sms_keyword"
    PROVIDER = "provider"  # the SMS provider refused to send: the patient had replied STOP (Twilio 21610)
    ERASE = "erase"


class ConsentChange(db.Model):
    __tablename__ = "consent_changes"
    __table_args__ = (Index("ix_consent_changes_contact_created", "contact_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    cliniko_patient_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # evidence after an erase
    channel: Mapped[str] = mapped_column(String(8))  # "email" | "sms"
    old_status: Mapped[str | None] = mapped_column(String(16))  # None: the contact was new
    new_status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(32))  # ConsentSource
    # Message id, inbound SMS id, IP address and User-Agent of a web unsubscribe, sync run id...
    evidence: Mapped[dict] = mapped_column(JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))  # staff who changed it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cliniko_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when a push told Cliniko
