"""Group appointments (classes) and their attendees, and every way to change them.

`World` mixes this in, so `/v1`, the control surface and live activity book, cancel and
mark seats through the same methods (and `updated_at` moves as in Cliniko). An individual
appointment's own attendee lives on its appointment row; `/attendees` shows both kinds
through the `attendees` view (schema.VIEWS), and these methods send each change where
its row is.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from cliniko_sandbox import resources, validation
from cliniko_sandbox.store import format_time, parse_id, parse_time, utcnow
from cliniko_sandbox.validation import ValidationFailed

if TYPE_CHECKING:
    import random

    from cliniko_sandbox.store import IdMint, Store

CLASS_FULL = "has no free places left"
ONLY_CLASSES = "Only attendees of group appointments can be cancelled here"


class Classes:
    """Needs `World`'s store, mint, rng, `fetch`, `_row`, `_exists`, `now` and appointments."""

    store: Store
    mint: IdMint
    rng: random.Random

    # -- reading ---------------------------------------------------------------------

    def group_appointment(self, group_id: int | str) -> dict[str, Any]:
        return self.fetch(resources.GROUP_APPOINTMENTS, group_id,
                          reveal=resources.GROUP_APPOINTMENTS.hidden)

    def attendee(self, attendee_id: int | str) -> dict[str, Any]:
        return self.fetch(resources.ATTENDEES, attendee_id, reveal=resources.ATTENDEES.hidden)

    def _seat(self, attendee_id: int | str) -> dict[str, Any]:
        """The attendee as stored (view row): `kind` says which table holds it."""
        row_id = parse_id(attendee_id)
        rows = self.store.select("SELECT * FROM attendees WHERE id = ?", (row_id,))
        if not rows:
            from cliniko_sandbox.world import NotFound
            raise NotFound(f"attendee {attendee_id}")
        return self.store.decode("attendees", rows[0])

    def class_ids(self, *, upcoming: bool | None = None) -> list[str]:
        """Live classes' ids; `upcoming` True/False: only those starting after/before now."""
        sql = "SELECT id FROM group_appointments WHERE archived_at IS NULL AND deleted_at IS NULL"
        params: list[Any] = []
        if upcoming is not None:
            sql += f" AND starts_at {'>' if upcoming else '<='} ?"
            params.append(format_time(utcnow()))
        return [str(r[0]) for r in self.store.select(sql + " ORDER BY starts_at, id", params)]

    def seat_ids(self, group_id: int | str, *, include_cancelled: bool = False) -> list[str]:
        hidden = "" if include_cancelled else " AND cancelled_at IS NULL"
        return [str(r[0]) for r in self.store.select(
            f"SELECT id FROM group_attendees WHERE booking_id = ? AND archived_at IS NULL"
            f" AND deleted_at IS NULL{hidden} ORDER BY id", (int(group_id),))]

    # -- classes ---------------------------------------------------------------------

    def create_group_appointment(self, body: dict[str, Any]) -> dict[str, Any]:
        values = validation.clean_group_appointment(body, creating=True, exists=self._exists(body))
        kind = self._row("appointment_types", values["appointment_type_id"])
        if not values.get("ends_at"):
            values["ends_at"] = format_time(parse_time(values["starts_at"])
                                            + timedelta(minutes=kind["duration_in_minutes"]))
        if "max_attendees" not in values:  # the type's, as Cliniko does
            values["max_attendees"] = kind["max_attendees"]
            if not 1 < (kind["max_attendees"] or 0) < 100:
                raise ValidationFailed({"max_attendees": validation.INVALID})
        validation.check_times(values["starts_at"], values["ends_at"])
        stamp = self.now()
        row = {**values, "id": self.mint.one(), "created_at": stamp, "updated_at": stamp}
        self.store.insert("group_appointments", row)
        return self.group_appointment(row["id"])

    def update_group_appointment(self, group_id: int | str, /, **body: Any) -> dict[str, Any]:
        row = self._row("group_appointments", group_id)
        values = validation.clean_group_appointment(body, creating=False, exists=self._exists(body))
        merged = {**row, **values}
        if "ends_at" in values and values["ends_at"] is None:
            minutes = self._row("appointment_types", merged["appointment_type_id"])[
                "duration_in_minutes"]
            values["ends_at"] = merged["ends_at"] = format_time(
                parse_time(merged["starts_at"]) + timedelta(minutes=minutes))
        validation.check_times(merged["starts_at"], merged["ends_at"])
        return self._touch_class(row["id"], values)

    def reschedule_group_appointment(self, group_id: int | str, starts_at: datetime | str
                                     ) -> dict[str, Any]:
        """Move the class; it keeps its length."""
        row = self._row("group_appointments", group_id)
        start = parse_time(starts_at) if isinstance(starts_at, str) else starts_at
        length = parse_time(row["ends_at"]) - parse_time(row["starts_at"])
        return self.update_group_appointment(row["id"], starts_at=format_time(start),
                                             ends_at=format_time(start + length))

    def archive_group_appointment(self, group_id: int | str) -> dict[str, Any]:
        return self._touch_class(group_id, {"archived_at": self.now()})

    def _touch_class(self, group_id: int | str, values: dict[str, Any]) -> dict[str, Any]:
        row = self._row("group_appointments", group_id)
        self.store.update("group_appointments", row["id"], {**values, "updated_at": self.now()})
        return self.group_appointment(row["id"])

    # -- seats -----------------------------------------------------------------------

    def add_attendee(self, body: dict[str, Any]) -> dict[str, Any]:
        """A patient takes a seat in a class (`POST /attendees`)."""
        values = validation.clean_attendee(body, creating=True)
        group = self.store.get("group_appointments", values["booking_id"])
        if group is None or group["archived_at"] or group["deleted_at"]:
            raise ValidationFailed({"booking": "must exist"})
        if self.store.get("patients", values["patient_id"]) is None:
            raise ValidationFailed({"patient": "must exist"})
        if len(self.seat_ids(group["id"])) >= group["max_attendees"]:
            raise ValidationFailed({"booking": CLASS_FULL})
        stamp = self.now()
        row = {"arrived": None, "email_reminder_sent": False, "sms_reminder_sent": False,
               **values, "id": self.mint.one(), "created_at": stamp, "updated_at": stamp}
        self.store.insert("group_attendees", row)
        return self.attendee(row["id"])

    def book_class(self, patient_id: int | str | None = None,
                   group_id: int | str | None = None) -> dict[str, Any]:
        """A patient (random if not given) takes a seat in a class (an upcoming one with
        room, at random, if not given)."""
        with self._lock:
            if group_id is None:
                open_classes = [g for g in self.class_ids(upcoming=True) if self._has_room(g)]
                group_id = self.rng.choice(open_classes)  # IndexError: none has room
            if patient_id is None:
                taken = {r[0] for r in self.store.select(
                    "SELECT patient_id FROM group_attendees WHERE booking_id = ?", (int(group_id),))}
                patient_id = self.rng.choice([p for p in self.patient_ids() if int(p) not in taken])
        return self.add_attendee({"booking_id": group_id, "patient_id": patient_id})

    def _has_room(self, group_id: str) -> bool:
        seats = self.store.scalar("SELECT max_attendees FROM group_appointments WHERE id = ?",
                                  (int(group_id),))
        return len(self.seat_ids(group_id)) < seats

    def update_attendee(self, attendee_id: int | str, /, **body: Any) -> dict[str, Any]:
        """`PATCH /attendees/{id}`: `arrived` and `notes`, wherever the seat is kept."""
        seat = self._seat(attendee_id)
        values = validation.clean_attendee(body, creating=False)
        if seat["kind"] == "individual":
            if "arrived" in values:
                self.mark_arrived(seat["booking_id"], values["arrived"])
            if "notes" in values:
                self.update_appointment(seat["booking_id"], notes=values["notes"])
        else:
            self._touch_seat(seat["id"], values)
        return self.attendee(seat["id"])

    def mark_attendee_arrived(self, attendee_id: int | str, arrived: bool | None = True
                              ) -> dict[str, Any]:
        return self.update_attendee(attendee_id, arrived=arrived)

    def cancel_attendee(self, attendee_id: int | str, reason: int = 50,
                        note: str | None = None) -> dict[str, Any]:
        """A patient gives up a seat in a class; once cancelled it stays cancelled."""
        seat = self._seat(attendee_id)
        if seat["kind"] != "group":
            raise ValidationFailed({"base": ONLY_CLASSES})
        reason, note = validation.clean_cancel({"cancellation_reason": reason,
                                                "cancellation_note": note})
        if not seat["cancelled_at"]:
            self._touch_seat(seat["id"], {"cancelled_at": self.now(),
                                          "cancellation_reason": reason,
                                          "cancellation_note": note})
        return self.attendee(seat["id"])

    def archive_attendee(self, attendee_id: int | str) -> dict[str, Any]:
        seat = self._seat(attendee_id)
        if seat["kind"] == "individual":
            self.archive_appointment(seat["booking_id"])
        else:
            self._touch_seat(seat["id"], {"archived_at": self.now()})
        return self.attendee(seat["id"])

    def _touch_seat(self, attendee_id: int, values: dict[str, Any]) -> None:
        self.store.update("group_attendees", attendee_id, {**values, "updated_at": self.now()})
