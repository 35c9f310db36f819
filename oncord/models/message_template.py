"""Message templates: an email (subject, preheader, Markdown body) or an SMS, with merge fields."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class TemplateChannel(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"

    @property
    def label(self) -> str:
        return {"email": "Email", "sms": "SMS"}[self.value]


class TemplateKind(str, enum.Enum):
    """Marketing goes only to subscribed contacts and carries unsubscribe/STOP; factual (a reminder)
    also reaches pending contacts."""

    MARKETING = "marketing"
    FACTUAL = "factual"

    @property
    def label(self) -> str:
        return {"marketing": "Marketing", "factual": "Factual (reminder)"}[self.value]


class MessageTemplate(db.Model):
    __tablename__ = "message_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(16), default=TemplateKind.MARKETING.value)
    subject: Mapped[str] = mapped_column(String(500), default="")
    preheader: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def channel_label(self) -> str:
        return TemplateChannel(self.channel).label

    @property
    def kind_label(self) -> str:
        return TemplateKind(self.kind).label
