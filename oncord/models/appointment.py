"""Appointments pulled from Cliniko, stored per contact."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime


KEPT = "cancelled_at IS NULL AND archived_at IS NULL"


class Appointment(db.Model):
    __tablename__ = "appointments"
    __table_args__ = (
        Index("ix_appointments_contact_starts", "contact_id", "starts_at"),
        Index("ix_appointments_starts_at", "starts_at"),
        Index("ix_appointments_ends_at", "ends_at"),  # finished and no-return automations
        # Campaign audiences ask about kept (not cancelled, not archived) appointments by time and by
        # contact: partial, covering indexes answer from the index alone.
        Index("ix_appointments_kept_starts_contact", "starts_at", "contact_id",
              postgresql_where=text(KEPT), sqlite_where=text(KEPT)),
        Index("ix_appointments_kept_contact_starts", "contact_id", "starts_at",
              postgresql_where=text(KEPT), sqlite_where=text(KEPT)),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Cliniko's id
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    patient_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Cliniko's patient id
    appointment_type_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    practitioner_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    business_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    patient_arrived: Mapped[bool] = mapped_column(default=False)
    did_not_arrive: Mapped[bool] = mapped_column(default=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancellation_reason: Mapped[str | None] = mapped_column(String(255))
    cancellation_note: Mapped[str | None] = mapped_column(Text)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_created_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    appointment_type = relationship("AppointmentType", primaryjoin="foreign(Appointment.appointment_type_id) == AppointmentType.id", viewonly=True)
    practitioner = relationship("Practitioner", primaryjoin="foreign(Appointment.practitioner_id) == Practitioner.id", viewonly=True)
    business = relationship("Business", primaryjoin="foreign(Appointment.business_id) == Business.id", viewonly=True)

    @property
    def status(self) -> str:
        """One word for the badge: cancelled, did not arrive, arrived, or booked."""
        if self.cancelled_at:
            return "cancelled"
        if self.did_not_arrive:
            return "did not arrive"
        if self.patient_arrived:
            return "arrived"
        return "booked"
