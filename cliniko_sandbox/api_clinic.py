"""`/v1` handlers for the clinic's set-up: appointment types, practitioners,
businesses and users. `Api` mixes them in next to patients and appointments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from cliniko_sandbox import resources
from cliniko_sandbox.responses import json_response, no_content, read_body

if TYPE_CHECKING:
    from cliniko_sandbox.world import World


class ClinicRoutes:
    """Needs `Api`'s `world`, `_list`, `_show` and `_visible`."""

    world: World

    # -- appointment types -----------------------------------------------------------

    def list_appointment_types(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.APPOINTMENT_TYPES)

    def legacy_appointment_types_archived(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.APPOINTMENT_TYPES, reveal=("archived_at",),
                          where=["appointment_types.archived_at IS NOT NULL"])

    def show_appointment_type(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.APPOINTMENT_TYPES, id)

    def create_appointment_type(self, request: Request, base: str) -> Response:
        body = read_body(request)
        row = self.world.add_appointment_type(**{"name": None, "duration_in_minutes": None,
                                                 **body})
        row = self.world.fetch(resources.APPOINTMENT_TYPES, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_appointment_type(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.APPOINTMENT_TYPES, id)
        self.world.update_appointment_type(id, **read_body(request))
        return self._show(request, base, resources.APPOINTMENT_TYPES, id)

    def archive_appointment_type(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.APPOINTMENT_TYPES, id)
        stamp = self.world.now()
        self.world.store.update("appointment_types", int(id),
                                {"archived_at": stamp, "updated_at": stamp})
        return no_content()

    def practitioner_types(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(resources.PRACTITIONERS, id)
        return self._list(request, base, resources.APPOINTMENT_TYPES, params=[int(id)], where=[
            "EXISTS (SELECT 1 FROM json_each(appointment_types.practitioner_ids) j"
            " WHERE j.value = ?)"])

    # -- practitioners ---------------------------------------------------------------

    def list_practitioners(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.PRACTITIONERS, where=["active = 1"])

    def list_practitioners_inactive(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.PRACTITIONERS, where=["active = 0"])

    def show_practitioner(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.PRACTITIONERS, id)

    def type_practitioners(self, request: Request, base: str, id: str, active: int = 1
                           ) -> Response:
        self.world.fetch(resources.APPOINTMENT_TYPES, id, ["archived_at:*"])
        return self._list(request, base, resources.PRACTITIONERS, params=[int(id), active], where=[
            "EXISTS (SELECT 1 FROM appointment_types t, json_each(t.practitioner_ids) j"
            " WHERE t.id = ? AND j.value = practitioners.id)", "active = ?"])

    def type_practitioners_inactive(self, request: Request, base: str, id: str) -> Response:
        return self.type_practitioners(request, base, id, active=0)

    def business_practitioners(self, request: Request, base: str, id: str, active: int = 1
                               ) -> Response:
        self.world.fetch(resources.BUSINESSES, id, ["archived_at:*"])
        return self._list(request, base, resources.PRACTITIONERS, params=[int(id), active], where=[
            "EXISTS (SELECT 1 FROM json_each(practitioners.business_ids) j WHERE j.value = ?)",
            "active = ?"])

    def business_practitioners_inactive(self, request: Request, base: str, id: str) -> Response:
        return self.business_practitioners(request, base, id, active=0)

    # -- businesses and users --------------------------------------------------------

    def list_businesses(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.BUSINESSES)

    def legacy_businesses_archived(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.BUSINESSES, reveal=("archived_at",),
                          where=["businesses.archived_at IS NOT NULL"])

    def show_business(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.BUSINESSES, id)

    def create_business(self, request: Request, base: str) -> Response:
        body = {"business_name": None, **read_body(request)}
        row = self.world.add_business(**body)
        row = self.world.fetch(resources.BUSINESSES, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_business(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.BUSINESSES, id)
        self.world.update_business(id, **read_body(request))
        return self._show(request, base, resources.BUSINESSES, id)

    def archive_business(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.BUSINESSES, id)
        self.world.archive_business(id)
        return no_content()

    def unarchive_business(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(resources.BUSINESSES, id, ["archived_at:*"])
        self.world.unarchive_business(id)
        return json_response(self.world.fetch(resources.BUSINESSES, id, base=base))

    def current_user(self, request: Request, base: str) -> Response:
        return json_response(self.world.key_user(base))

    def list_users(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.USERS)

    def show_user(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.USERS, id)
