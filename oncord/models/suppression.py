"""Suppressions: erased people, remembered only by keyed hashes and a Cliniko patient id.

No message goes to a suppressed address, and pulls do not bring the patient back, until an
admin lifts the suppression. The hashes are keyed (see `oncord.messaging.suppressions`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class Suppression(db.Model):
    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(primary_key=True)
    email_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # hex HMAC-SHA256
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    cliniko_patient_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lifted_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def active(self) -> bool:
        return self.lifted_at is None
