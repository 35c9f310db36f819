"""How the clinic sends: SMTP, Twilio, the sender's identity and branding (one row).

Environment variables override these fields (see `oncord.messaging.settings`); until an
SMTP host (or Twilio account) is configured, email (or SMS) stays in outbox mode.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncord.encryption import EncryptedText
from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow

DEFAULT_SMS_OPT_OUT_WORDING = "Reply STOP to opt out"


class MessagingSettings(db.Model):
    __tablename__ = "messaging_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    smtp_host: Mapped[str | None] = mapped_column(String(255))
    smtp_port: Mapped[int | None]
    smtp_security: Mapped[str] = mapped_column(String(8), default="starttls")  # starttls | ssl | none
    smtp_username: Mapped[str | None] = mapped_column(String(255))
    smtp_password: Mapped[str | None] = mapped_column(EncryptedText())  # never shown again, never logged
    from_name: Mapped[str | None] = mapped_column(String(255))
    from_address: Mapped[str | None] = mapped_column(String(320))
    reply_to: Mapped[str | None] = mapped_column(String(320))
    twilio_account_sid: Mapped[str | None] = mapped_column(String(64))
    twilio_auth_token: Mapped[str | None] = mapped_column(EncryptedText())
    twilio_sender: Mapped[str | None] = mapped_column(String(64))  # number, alphanumeric ID or MG... SID
    clinic_name: Mapped[str | None] = mapped_column(String(255))
    postal_address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(64))
    website: Mapped[str | None] = mapped_column(String(255))
    logo_url: Mapped[str | None] = mapped_column(String(1024))
    accent_colour: Mapped[str | None] = mapped_column(String(16))
    sms_opt_out_wording: Mapped[str] = mapped_column(String(160), default=DEFAULT_SMS_OPT_OUT_WORDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
