"""Campaigns: one email or SMS sent to an audience chosen by appointment conditions.

The audience is fixed when sending starts: one `CampaignRecipient` row per contact, and
one send-ledger key per campaign and contact (`campaign:<id>:contact:<id>`), so a
restarted or repeated job can never message anyone twice.
"""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class CampaignStatus(str, enum.Enum):
    DRAFT = "draft"  # being written; nothing fixed
    SCHEDULED = "scheduled"  # send_at is set; an RQ job is due then
    SENDING = "sending"  # audience fixed; batches running
    PAUSED = "paused"  # by staff, or by itself (paused_reason says why)
    CANCELLED = "cancelled"  # stopped for good; recipients not yet sent are skipped
    FINISHED = "finished"  # every recipient has a final outcome

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RecipientState(str, enum.Enum):
    PENDING = "pending"  # in the fixed audience, not yet handed to the send ledger
    DONE = "done"  # handed to the ledger: the Message row (message_id) says what happened
    SKIPPED = "skipped"  # never handed over (cancelled campaign...): reason says why


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_status_send_at", "status", "send_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(8))  # "email" | "sms"
    subject: Mapped[str | None] = mapped_column(String(255))  # email
    preheader: Mapped[str | None] = mapped_column(String(255))  # email
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown (email) or plain text (SMS)
    # The audience builder's conditions (oncord.campaigns.audience.Conditions.to_json()).
    conditions: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    send_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # scheduled sends, in UTC
    paused_reason: Mapped[str | None] = mapped_column(Text)  # staff words: why it paused itself
    consecutive_failures: Mapped[int] = mapped_column(default=0)  # auto-pause counter
    audience_size: Mapped[int | None]  # recipients fixed when sending started
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    recipients = relationship("CampaignRecipient", back_populates="campaign", lazy="dynamic",
                              cascade="all, delete-orphan", passive_deletes=True)

    @property
    def message_key_prefix(self) -> str:
        return f"campaign:{self.id}:contact:"

    def message_key(self, contact_id: int) -> str:
        """The send ledger's idempotency key for this campaign and contact."""
        return f"{self.message_key_prefix}{contact_id}"


class CampaignRecipient(db.Model):
    """One contact of a campaign's fixed audience, in sending order (`id`)."""

    __tablename__ = "campaign_recipients"
    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id", name="uq_campaign_recipients_campaign_contact"),
        Index("ix_campaign_recipients_campaign_state_id", "campaign_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=RecipientState.PENDING.value)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    # Extra facts kept with the recipient when the audience was fixed (e.g. the matching appointment).
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    campaign = relationship("Campaign", back_populates="recipients")
