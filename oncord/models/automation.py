"""Automations: appointment-triggered workflows, their runs (one per appointment occurrence) and run log."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class Trigger(str, enum.Enum):
    UPCOMING = "upcoming"  # offset_minutes before the start
    CANCELLED = "cancelled"  # from the sync's activity events
    DID_NOT_ARRIVE = "did_not_arrive"  # from the sync's activity events
    FINISHED = "finished"  # end + grace_minutes passed, neither cancelled nor did-not-arrive
    BOOKED = "booked"  # from the sync's activity events
    NO_RETURN = "no_return"  # no_return_days after a finished visit, nothing booked since

    @property
    def label(self) -> str:
        return {
            "upcoming": "Upcoming appointment", "cancelled": "Appointment cancelled",
            "did_not_arrive": "Did not arrive", "finished": "Appointment finished",
            "booked": "Appointment booked", "no_return": "No return visit",
        }[self.value]


class LateBooking(str, enum.Enum):
    SEND = "send"  # booked after the reminder was due: send at once if the start is still ahead
    SKIP = "skip"


class BookingKinds(str, enum.Enum):
    """Which appointments an automation is for: individual ones, class attendances, or both."""
    BOTH = "both"
    INDIVIDUAL = "individual"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {"both": "Individual appointments and group classes",
                "individual": "Individual appointments only", "group": "Group classes only"}[self.value]


class StepType(str, enum.Enum):
    EMAIL = "email"
    SMS = "sms"
    WAIT = "wait"
    NOTIFY_STAFF = "notify_staff"

    @property
    def label(self) -> str:
        return {"email": "Send email", "sms": "Send SMS", "wait": "Wait",
                "notify_staff": "Notify a staff member"}[self.value]


class RunStatus(str, enum.Enum):
    WAITING = "waiting"  # next_step is due at next_at
    DONE = "done"
    STOPPED = "stopped"  # stop_reason says why
    SKIPPED = "skipped"  # never started: stop_reason says why


class Outcome(str, enum.Enum):
    SENT = "sent"
    SKIPPED = "skipped"
    FAILED = "failed"
    WAITING = "waiting"


class Automation(db.Model):
    __tablename__ = "automations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    trigger: Mapped[str] = mapped_column(String(24))  # Trigger
    offset_minutes: Mapped[int | None]  # upcoming: how long before the start
    grace_minutes: Mapped[int] = mapped_column(default=60)  # finished: after the end
    no_return_days: Mapped[int | None]  # no_return: days after a finished visit
    first_appointment_only: Mapped[bool] = mapped_column(default=False)  # booked
    late_booking: Mapped[str] = mapped_column(String(8), default=LateBooking.SEND.value)
    # Filters: Cliniko ids; an empty list means any.
    appointment_type_ids: Mapped[list] = mapped_column(JSON, default=list)
    practitioner_ids: Mapped[list] = mapped_column(JSON, default=list)
    business_ids: Mapped[list] = mapped_column(JSON, default=list)
    booking_kinds: Mapped[str] = mapped_column(String(10), default=BookingKinds.BOTH.value,
                                               server_default=BookingKinds.BOTH.value)
    # Spacing: skip a contact messaged by any automation with this tag within the last N days.
    tag: Mapped[str | None] = mapped_column(String(64), index=True)
    skip_if_messaged_within_days: Mapped[int | None]
    enabled: Mapped[bool] = mapped_column(default=False)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # activity before it never counts
    backfill_since: Mapped[datetime | None] = mapped_column(UTCDateTime())  # a confirmed "also since"
    # The tick's watermark: trigger times up to here were scanned (a small overlap is re-read).
    scanned_to: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Deleted by staff: gone from the list and never run again; its run log and messages are kept.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    steps = relationship("AutomationStep", order_by="AutomationStep.position", cascade="all, delete-orphan",
                         back_populates="automation")

    @property
    def trigger_label(self) -> str:
        return Trigger(self.trigger).label


class AutomationStep(db.Model):
    __tablename__ = "automation_steps"
    __table_args__ = (UniqueConstraint("automation_id", "position", name="uq_automation_steps_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    position: Mapped[int]  # 0, 1, 2... the order of the workflow
    type: Mapped[str] = mapped_column(String(16))  # StepType
    template_id: Mapped[int | None] = mapped_column(ForeignKey("message_templates.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default="factual")  # MessageKind: marketing | factual
    wait_minutes: Mapped[int | None]
    staff_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    automation = relationship("Automation", back_populates="steps")
    template = relationship("MessageTemplate", viewonly=True)
    staff_user = relationship("User", viewonly=True)


class AutomationRun(db.Model):
    """One workflow run per (automation, appointment, occurrence); a waiting run is a row, not a job."""

    __tablename__ = "automation_runs"
    __table_args__ = (
        Index("ix_automation_runs_status_next_at", "status", "next_at"),  # the tick's query
        Index("ix_automation_runs_automation_created", "automation_id", "created_at"),
        Index("ix_automation_runs_contact", "contact_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "automation:{id}:appointment:{appointment_id}:{occurrence}": a second run cannot be recorded.
    key: Mapped[str] = mapped_column(String(255), unique=True)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger)  # Cliniko's id
    occurrence: Mapped[str] = mapped_column(String(64))  # the start for upcoming; the trigger otherwise
    triggered_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when the trigger was due
    next_step: Mapped[int] = mapped_column(default=0)  # position of the step to run next
    next_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.WAITING.value)
    stop_reason: Mapped[str | None] = mapped_column(Text)  # staff words
    # Since when Cliniko could not be reached for the truth check: retried for a bounded time.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    automation = relationship("Automation", viewonly=True)
    contact = relationship("Contact", viewonly=True)


class AutomationLog(db.Model):
    """The run log staff read: what each step did, and why, in staff words."""

    __tablename__ = "automation_logs"
    __table_args__ = (
        Index("ix_automation_logs_automation_at", "automation_id", "at", "id"),
        Index("ix_automation_logs_run", "run_id"),
        # Spacing: "did this contact get a message from an automation tagged X lately?"
        Index("ix_automation_logs_contact_tag_at", "contact_id", "tag", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    automation_id: Mapped[int] = mapped_column(ForeignKey("automations.id", ondelete="CASCADE"))
    run_id: Mapped[int | None] = mapped_column(ForeignKey("automation_runs.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger)
    step_position: Mapped[int | None]
    step_type: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(16))  # Outcome
    reason: Mapped[str | None] = mapped_column(Text)  # staff words: why skipped/failed, or "until ..."
    tag: Mapped[str | None] = mapped_column(String(64))  # the automation's tag when sent, for spacing
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))

    automation = relationship("Automation", viewonly=True)
    contact = relationship("Contact", viewonly=True)
    message = relationship("Message", viewonly=True)
