"""Appointments pulled from Cliniko, stored per contact: individual appointments and class
attendances alike, so everything that reads a contact's appointments sees both."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from oncord.extensions import db
from oncord.timestamps import UTCDateTime


KEPT = "cancelled_at IS NULL AND archived_at IS NULL"


class AppointmentKind(str, enum.Enum):
    INDIVIDUAL = "individual"
    GROUP = "group"  # a seat in a class


def attendance_id(attendee_id: int) -> int:
    """The row id of a class attendance: its Cliniko attendee id, negated (see Appointment)."""
    return -attendee_id


class Appointment(db.Model):
    """One patient's appointment. An individual appointment's row id is Cliniko's appointment
    id. A class attendance (kind "group": one attendee of a group appointment) gets the
    negated Cliniko attendee id: Cliniko's ids are positive int64s, and attendee and
    appointment ids come from different sequences that may well overlap, so a positive
    attendee id could collide with an appointment id, while no positive id ever equals
    a negative one. The row keeps both Cliniko ids (`attendee_id`, `group_appointment_id`);
    its time, type, practitioner and location are the class's, its arrival and
    cancellation the attendee's."""

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

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # see the docstring
    kind: Mapped[str] = mapped_column(String(10), default=AppointmentKind.INDIVIDUAL.value,
                                      server_default=AppointmentKind.INDIVIDUAL.value)
    group_appointment_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # Cliniko's class id
    attendee_id: Mapped[int | None] = mapped_column(BigInteger)  # Cliniko's attendee id (classes)
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
    def is_class(self) -> bool:
        return self.kind == AppointmentKind.GROUP.value

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


class GroupAppointment(db.Model):
    """A class as Cliniko last described it: what its attendances copy their time, type,
    practitioner and location from, and re-read when an attendee changes alone."""

    __tablename__ = "group_appointments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Cliniko's id
    appointment_type_id: Mapped[int | None] = mapped_column(BigInteger)
    practitioner_id: Mapped[int | None] = mapped_column(BigInteger)
    business_id: Mapped[int | None] = mapped_column(BigInteger)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    max_attendees: Mapped[int | None]
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cliniko_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
