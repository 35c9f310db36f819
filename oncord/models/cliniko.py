"""The clinic's Cliniko connection and what is pulled alongside patients.

One install talks to one Cliniko account; the row is still keyed by id so jobs and
locks name the connection they work on.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from oncord.encryption import EncryptedText
from oncord.extensions import db
from oncord.timestamps import UTCDateTime, utcnow


class ClinikoConnection(db.Model):
    __tablename__ = "cliniko_connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key: Mapped[str | None] = mapped_column(EncryptedText())  # never shown again in full
    api_key_last4: Mapped[str | None] = mapped_column(String(4))
    shard: Mapped[str | None] = mapped_column(String(8))
    base_url: Mapped[str | None] = mapped_column(String(255))  # only for the local sandbox
    account_name: Mapped[str | None] = mapped_column(String(255))
    subdomain: Mapped[str | None] = mapped_column(String(100))  # for links to patient records
    user_name: Mapped[str | None] = mapped_column(String(255))  # whose key it is
    connected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    connected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Activity before this moment never triggers automations.
    live_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disconnected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    auto_sync: Mapped[bool] = mapped_column(default=True)
    # Incremental-sync cursors: the largest `updated_at` committed per resource.
    patients_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appointments_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())  # /bookings: both kinds
    attendees_cursor: Mapped[datetime | None] = mapped_column(UTCDateTime())  # seats in classes
    last_full_sync_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    booking_url: Mapped[str | None] = mapped_column(String(500))
    booking_embed_code: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def key_display(self) -> str:
        """How the key is shown once saved: never in full."""
        return f"••••{self.api_key_last4 or ''}" + (f"-{self.shard}" if self.shard else "")

    @property
    def is_connected(self) -> bool:
        return self.api_key is not None and self.disconnected_at is None

    def patient_url(self, patient_id: int) -> str | None:
        """The patient's record in Cliniko's web app, when we know the clinic's subdomain."""
        if not self.subdomain or not self.shard:
            return None
        return f"https://{self.subdomain}.{self.shard}.cliniko.com/patients/{patient_id}"


class AppointmentType(db.Model):
    __tablename__ = "appointment_types"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Cliniko's id
    name: Mapped[str] = mapped_column(String(255))
    duration_in_minutes: Mapped[int | None]
    color: Mapped[str | None] = mapped_column(String(16))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Business(db.Model):
    """A Cliniko business: one of the clinic's locations, named in automations, messages and the contact page."""

    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Cliniko's id
    name: Mapped[str] = mapped_column(String(255), default="")
    city: Mapped[str | None] = mapped_column(String(255))
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def label(self) -> str:
        return self.name or f"Location #{self.id}"

    @classmethod
    def names(cls, ids: Iterable[int] | None = None) -> dict[int, str]:
        """Staff-facing names by Cliniko id (every location, or just `ids`); a few rows, one query."""
        stmt = select(cls)
        if ids is not None:
            wanted = {int(i) for i in ids if i is not None}
            if not wanted:
                return {}
            stmt = stmt.where(cls.id.in_(wanted))
        return {b.id: b.label for b in db.session.scalars(stmt)}

    @classmethod
    def count_locations(cls) -> int:
        return db.session.scalar(select(func.count()).select_from(cls)) or 0


class Practitioner(db.Model):
    __tablename__ = "practitioners"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)  # Cliniko's id
    first_name: Mapped[str] = mapped_column(String(255), default="")
    last_name: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        return self.display_name or " ".join(p for p in (self.title, self.first_name, self.last_name) if p)
