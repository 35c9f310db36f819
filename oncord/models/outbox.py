"""Edits waiting to reach Cliniko, and patients whose contact staff deleted."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class OutboxStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for the next push
    REJECTED = "rejected"  # Cliniko refused it (422); kept until the contact is edited again


class OutboxEdit(db.Model):
    """One changed field of a linked contact, written in the same transaction as the edit.

    One row per (contact, field): a later edit of the field replaces the value, so ten
    edits before a push still make one PATCH.
    """

    __tablename__ = "outbox_edits"
    __table_args__ = (UniqueConstraint("contact_id", "field", name="uq_outbox_edits_contact_field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    patient_id: Mapped[int] = mapped_column(BigInteger)
    field: Mapped[str] = mapped_column(String(40))  # oncord's field name
    value: Mapped[dict] = mapped_column(JSON)  # {"v": the new value}
    first_edited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # when the batch clock started
    edited_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # the latest edit
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.PENDING.value)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)


class DeletedContactLink(db.Model):
    """A linked contact staff deleted: the pull does not bring the patient back unless the
    patient changes in Cliniko after the deletion."""

    __tablename__ = "deleted_contact_links"

    patient_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    deleted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    patient_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # as last pulled
