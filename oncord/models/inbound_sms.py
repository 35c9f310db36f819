"""SMS that patients send to the clinic's number, one row per contact it came from.

Kept so staff see replies that ask to cancel or move an appointment ("may want to
cancel"), and so a webhook Twilio retries is handled once (the MessageSid).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class InboundSms(db.Model):
    __tablename__ = "inbound_sms"
    __table_args__ = (Index("ix_inbound_sms_open", "may_cancel", "done_at"),)  # the dashboard's open notices

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), index=True)  # Twilio's id for the SMS
    # The contact with this number (a shared family phone gives one row per contact); None: unknown number.
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"), index=True)
    from_number: Mapped[str] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text, default="")
    keyword: Mapped[str | None] = mapped_column(String(16))  # "opt_out" | "opt_in": Twilio acted on it
    may_cancel: Mapped[bool] = mapped_column(default=False)  # it says cancel or reschedule: staff should look
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # staff dealt with it
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    contact = relationship("Contact", viewonly=True)
