"""The truth check: just before an appointment message, re-read that appointment from Cliniko.

The last sync may be minutes old; a cancellation, a move or a did-not-arrive mark since then
must not get a reminder. One GET per send, through the client's shared rate budget; for a
class attendance two: the attendee (arrival, cancellation) and its class (time, archived).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from oncord import cliniko
from oncord.automations import clinic_time
from oncord.models import Automation, Trigger


class Unreachable(Exception):
    """Cliniko did not answer (or no connection): try again later, within bounds."""


@dataclass(frozen=True, slots=True)
class Attendance:
    """A seat in a class as Cliniko has it now: the attendee's marks at the class's time."""
    starts_at: datetime
    cancelled_at: datetime | None
    did_not_arrive: bool
    archived_at: datetime | None
    deleted_at: datetime | None

    @classmethod
    def of(cls, attendee: cliniko.Attendee, group: cliniko.GroupAppointment) -> "Attendance":
        return cls(starts_at=group.starts_at, cancelled_at=attendee.cancelled_at,
                   did_not_arrive=attendee.arrived is False,
                   archived_at=attendee.archived_at or group.archived_at,
                   deleted_at=attendee.deleted_at or group.deleted_at)


@dataclass(frozen=True, slots=True)
class Verdict:
    stop_reason: str | None = None  # skip, in staff words
    moved_to: datetime | None = None  # upcoming: the new start, to re-time the reminder


class TruthChecker:
    """One client for a whole tick; `read` raises Unreachable when Cliniko cannot be asked."""

    def __init__(self):
        self._client = None

    def read(self, appointment_id: int) -> cliniko.Appointment | Attendance | None:
        """Cliniko's current appointment, None when Cliniko says it no longer exists. A class
        attendance (a negative id: models.Appointment) is read as its attendee in its class."""
        try:
            if appointment_id < 0:
                attendee = self._open().attendee(-appointment_id)
                if attendee.booking_id is None:
                    return None
                return Attendance.of(attendee, self._open().group_appointment(attendee.booking_id))
            return self._open().appointment(appointment_id)
        except cliniko.NotFound:
            return None
        except (cliniko.ClinikoError, OSError) as exc:
            raise Unreachable(type(exc).__name__) from exc

    def _open(self):
        if self._client is None:
            from oncord.sync.connection import INTERACTIVE_RETRY, get_connection, make_client

            connection = get_connection()
            if connection is None or not connection.is_connected:
                raise Unreachable("not connected to Cliniko")
            # Retry briefly: the tick goes on, and the run asks again next minute.
            self._client = make_client(connection.api_key, connection.base_url, retry=INTERACTIVE_RETRY)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def verdict(automation: Automation, fresh: cliniko.Appointment | Attendance | None, starts_at: datetime) -> Verdict:
    """What Cliniko's answer means for this automation's pending send (`starts_at`: as synced)."""
    if fresh is None or fresh.deleted_at is not None or fresh.archived_at is not None:
        return Verdict("The appointment was deleted in Cliniko since the last sync.")
    trigger = Trigger(automation.trigger)
    if trigger is Trigger.CANCELLED:
        return Verdict(None if fresh.cancelled_at else "The appointment is no longer cancelled in Cliniko.")
    if fresh.cancelled_at is not None:
        return Verdict("The appointment was cancelled in Cliniko since the last sync.")
    if trigger is Trigger.DID_NOT_ARRIVE:
        return Verdict(None if fresh.did_not_arrive else "The did-not-arrive mark was removed in Cliniko.")
    if fresh.did_not_arrive:
        return Verdict("The patient was marked as did not arrive in Cliniko since the last sync.")
    if trigger is Trigger.UPCOMING and fresh.starts_at != starts_at:
        return Verdict(f"The appointment was moved in Cliniko to {clinic_time.format_local(fresh.starts_at)} "
                       "since the last sync; the reminder follows the new time.", moved_to=fresh.starts_at)
    return Verdict()
