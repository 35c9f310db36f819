"""The send ledger: one row per intended send, written before anything leaves the machine."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class MessageStatus(str, enum.Enum):
    QUEUED = "queued"  # recorded, never handed to a provider: safe to send (again)
    SENDING = "sending"  # handed, or about to be handed, to a provider: never sent again
    SENT = "sent"  # the provider accepted it
    DELIVERED = "delivered"  # the provider says it arrived
    FAILED = "failed"  # refused: `reason` says why
    SKIPPED = "skipped"  # not sent on purpose: `reason` says why
    UNCERTAIN = "uncertain"  # a worker died while sending: perhaps sent, never resent

    @property
    def label(self) -> str:
        return self.value.capitalize()


class MessageKind(str, enum.Enum):
    MARKETING = "marketing"  # Subscribed contacts only
    FACTUAL = "factual"  # a plain reminder: Pending contacts too, never Unsubscribed
    TEST = "test"  # a test send from settings
    STAFF = "staff"  # a notice to a staff member (an automation step), not to a contact


class Message(db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_status_sending_at", "status", "sending_at"),  # the recovery query
        Index("ix_messages_created_at", "created_at"),  # the Messages list, newest first
        # Keyset pages of Marketing > Messages: all, by status, and a contact's messages.
        Index("ix_messages_created_id", "created_at", "id"),
        Index("ix_messages_status_created_id", "status", "created_at", "id"),
        Index("ix_messages_contact_created_id", "contact_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The idempotency key, e.g. "campaign:7:contact:9": a second send under it cannot be recorded.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    channel: Mapped[str] = mapped_column(String(8))  # "email" | "sms"
    kind: Mapped[str] = mapped_column(String(16))  # MessageKind
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    address: Mapped[str | None] = mapped_column(String(320))  # email address or E.164 number
    subject: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)  # exactly as sent (or as they would be)
    source: Mapped[str] = mapped_column(String(32))  # "automation" | "campaign" | "test" | ...
    source_id: Mapped[int | None]
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED.value)
    reason: Mapped[str | None] = mapped_column(Text)  # why skipped, failed or uncertain, in staff words
    provider_error_code: Mapped[str | None] = mapped_column(String(64))
    via: Mapped[str | None] = mapped_column(String(16))  # "outbox" | "smtp" | "twilio": who took it
    provider_id: Mapped[str | None] = mapped_column(String(255), index=True)  # Message-ID / Twilio SID
    provider_answer: Mapped[str | None] = mapped_column(Text)  # the provider's words on accepting it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sending_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # when it reached a final status
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # An uncertain message staff looked into (with the patient or the provider): kept, no longer listed.
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    checked_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contact = relationship("Contact", viewonly=True)
