"""Activity events: what happened to a contact, in order, as rows automations can read."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class EventKind(str, enum.Enum):
    APPOINTMENT_BOOKED = "appointment_booked"
    APPOINTMENT_RESCHEDULED = "appointment_rescheduled"
    APPOINTMENT_CANCELLED = "appointment_cancelled"
    APPOINTMENT_DID_NOT_ARRIVE = "appointment_did_not_arrive"
    APPOINTMENT_ARRIVED = "appointment_arrived"
    PATIENT_IMPORTED = "patient_imported"
    PATIENT_UPDATED = "patient_updated"
    PATIENT_ARCHIVED = "patient_archived"
    PATIENT_UNARCHIVED = "patient_unarchived"
    PATIENT_DELETED = "patient_deleted"
    PATIENT_MERGED = "patient_merged"  # on the absorbed patient's contact
    PATIENT_MERGED_IN = "patient_merged_in"  # on the survivor's: another patient was merged into it
    PUSHED_TO_CLINIKO = "pushed_to_cliniko"
    PUSH_REJECTED = "push_rejected"
    CONFLICT_RESOLVED = "conflict_resolved"
    UNLINKED = "unlinked"
    MESSAGE = "message"  # an email or SMS recorded in the send ledger; data: {"message_id": id}
    SMS_RECEIVED = "sms_received"  # an SMS from the contact's number: data has the body and Twilio's id


class ActivityEvent(db.Model):
    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_contact_occurred", "contact_id", "occurred_at"),
        Index("ix_activity_kind_occurred", "kind", "occurred_at"),
        Index("ix_activity_kind_recorded", "kind", "recorded_at"),  # the automations tick
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    appointment_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Cliniko's id
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())  # when it happened in Cliniko
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # True for history found by the first pull: shown in the feed, never acted upon.
    backfill: Mapped[bool] = mapped_column(default=False)
    sync_run_id: Mapped[int | None] = mapped_column(ForeignKey("sync_runs.id", ondelete="SET NULL"))
    data: Mapped[dict] = mapped_column(JSON, default=dict)

    appointment = relationship("Appointment", primaryjoin="foreign(ActivityEvent.appointment_id) == Appointment.id", viewonly=True)
