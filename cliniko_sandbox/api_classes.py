"""`/v1` handlers for classes: group appointments and attendees (seats in classes and on
individual appointments alike). `Api` mixes them in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from cliniko_sandbox import resources, validation
from cliniko_sandbox.responses import json_response, no_content, read_body

if TYPE_CHECKING:
    from cliniko_sandbox.world import World

G = resources.GROUP_APPOINTMENTS
ATT = resources.ATTENDEES


class ClassRoutes:
    """Needs `Api`'s `world`, `_list`, `_show` and `_visible`."""

    world: World

    # -- group appointments ----------------------------------------------------------

    def list_group_appointments(self, request: Request, base: str) -> Response:
        return self._list(request, base, G)

    def show_group_appointment(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, G, id)

    def create_group_appointment(self, request: Request, base: str) -> Response:
        row = self.world.create_group_appointment(read_body(request))
        row = self.world.fetch(G, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_group_appointment(self, request: Request, base: str, id: str) -> Response:
        self._visible(G, id)
        self.world.update_group_appointment(id, **read_body(request))
        return self._show(request, base, G, id)

    def archive_group_appointment(self, request: Request, base: str, id: str) -> Response:
        self._visible(G, id)
        self.world.archive_group_appointment(id)
        return no_content()

    def group_appointment_conflicts(self, request: Request, base: str, id: str) -> Response:
        self._visible(G, id)
        row = self.world.store.get("group_appointments", int(id))
        clash = self.world.store.scalar(
            "SELECT count(*) FROM bookings WHERE practitioner_id = ? AND id != ? AND "
            "cancelled_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND "
            "starts_at < ? AND ends_at > ?",
            (row["practitioner_id"], row["id"], row["ends_at"], row["starts_at"]))
        return json_response({"conflicts": {"exist": bool(clash)}})

    def group_appointment_attendees(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(G, id, ["archived_at:*"])
        return self._list(request, base, ATT, where=["attendees.booking_id = ?"],
                          params=[int(id)], reveal=("cancelled_at", "archived_at"))

    # -- attendees -------------------------------------------------------------------

    def list_attendees(self, request: Request, base: str) -> Response:
        return self._list(request, base, ATT)

    def show_attendee(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, ATT, id)

    def create_attendee(self, request: Request, base: str) -> Response:
        row = self.world.add_attendee(read_body(request))
        row = self.world.fetch(ATT, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_attendee(self, request: Request, base: str, id: str) -> Response:
        self._visible(ATT, id)
        self.world.update_attendee(id, **read_body(request))
        return self._show(request, base, ATT, id)

    def cancel_attendee(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(ATT, id, ["cancelled_at:*"])
        reason, note = validation.clean_cancel(read_body(request))
        self.world.cancel_attendee(id, reason, note)
        return no_content()

    def archive_attendee(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(ATT, id, ["cancelled_at:*"])
        self.world.archive_attendee(id)
        return no_content()
