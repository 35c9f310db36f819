"""The `/v1` routes: Cliniko's endpoints for patients, individual appointments,
bookings, appointment types, practitioners, businesses, users and settings.

Handlers parse, call the world, and shape Cliniko's envelopes; the clinic set-up
handlers live in `api_clinic.py`, classes and attendees in `api_classes.py`, the settings ones in `settings.py`, the legacy
`/appointments` family in `legacy_appointments.py`, and the always-empty lists of
things the sandbox does not model in `unmodelled.py`. Auth, rate limit and faults
wrap them in `app.py`.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as NoRoute
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from cliniko_sandbox import legacy_appointments, render, resources, unmodelled, validation
from cliniko_sandbox.api_classes import ClassRoutes
from cliniko_sandbox.api_clinic import ClinicRoutes
from cliniko_sandbox.legacy_appointments import LegacyAppointmentRoutes
from cliniko_sandbox.queries import QueryError, parse_page, parse_sort
from cliniko_sandbox.resources import Listing
from cliniko_sandbox.responses import (
    BadBody, json_response, message, no_content, page_links, read_body,
)
from cliniko_sandbox.settings import SettingsRoutes
from cliniko_sandbox.unmodelled import UnmodelledRoutes
from cliniko_sandbox.validation import ValidationFailed
from cliniko_sandbox.world import NotFound, World

A = resources.APPOINTMENTS
PATIENTS_DELETED = Listing("patients", "patients", {"deleted_at": "datetime", "id": "int"}, (),
                           lambda row, base, _: render.deleted_stub(row, base, "patients"))
APPOINTMENTS_DELETED = Listing(
    "individual_appointments", "appointments", {"deleted_at": "datetime", "id": "int"}, (),
    lambda row, base, _: render.deleted_stub(row, base, "individual_appointments"))


def _rules() -> list[Rule]:
    r = []

    def add(path: str, endpoint: str, *methods: str) -> None:
        r.append(Rule(path, endpoint=endpoint, methods=list(methods)))

    add("/patients", "list_patients", "GET")
    add("/patients", "create_patient", "POST")
    add("/patients/archived", "legacy_patients_archived", "GET")
    add("/patients/deleted", "legacy_patients_deleted", "GET")
    add("/patients/<id>", "show_patient", "GET")
    add("/patients/<id>", "update_patient", "PATCH", "PUT")
    add("/patients/<id>", "archive_patient", "DELETE")
    add("/patients/<id>/archive", "archive_patient", "POST")
    add("/patients/<id>/unarchive", "unarchive_patient", "POST")
    add("/individual_appointments", "list_appointments", "GET")
    add("/individual_appointments", "create_appointment", "POST")
    add("/individual_appointments/cancelled", "legacy_appointments_cancelled", "GET")
    add("/individual_appointments/archived", "legacy_appointments_archived", "GET")
    add("/individual_appointments/deleted", "legacy_appointments_deleted", "GET")
    add("/individual_appointments/<id>", "show_appointment", "GET")
    add("/individual_appointments/<id>", "update_appointment", "PATCH", "PUT")
    add("/individual_appointments/<id>", "archive_appointment", "DELETE")
    add("/individual_appointments/<id>/archive", "archive_appointment", "POST")
    add("/individual_appointments/<id>/cancel", "cancel_appointment", "PATCH", "PUT")
    add("/individual_appointments/<id>/conflicts", "appointment_conflicts", "GET")
    add("/individual_appointments/<id>/attendees", "appointment_attendees", "GET")
    add("/bookings", "list_bookings", "GET")
    add("/bookings/<id>", "show_booking", "GET")
    add("/attendees", "list_attendees", "GET")
    add("/attendees", "create_attendee", "POST")
    add("/attendees/<id>", "show_attendee", "GET")
    add("/attendees/<id>", "update_attendee", "PATCH", "PUT")
    add("/attendees/<id>", "archive_attendee", "DELETE")
    add("/attendees/<id>/archive", "archive_attendee", "POST")
    add("/attendees/<id>/cancel", "cancel_attendee", "PATCH", "PUT")
    add("/group_appointments", "list_group_appointments", "GET")
    add("/group_appointments", "create_group_appointment", "POST")
    add("/group_appointments/<id>", "show_group_appointment", "GET")
    add("/group_appointments/<id>", "update_group_appointment", "PATCH", "PUT")
    add("/group_appointments/<id>", "archive_group_appointment", "DELETE")
    add("/group_appointments/<id>/archive", "archive_group_appointment", "POST")
    add("/group_appointments/<id>/conflicts", "group_appointment_conflicts", "GET")
    add("/group_appointments/<id>/attendees", "group_appointment_attendees", "GET")
    add("/appointment_types", "list_appointment_types", "GET")
    add("/appointment_types", "create_appointment_type", "POST")
    add("/appointment_types/archived", "legacy_appointment_types_archived", "GET")
    add("/appointment_types/<id>", "show_appointment_type", "GET")
    add("/appointment_types/<id>", "update_appointment_type", "PATCH", "PUT")
    add("/appointment_types/<id>", "archive_appointment_type", "DELETE")
    add("/appointment_types/<id>/archive", "archive_appointment_type", "POST")
    add("/appointment_types/<id>/practitioners", "type_practitioners", "GET")
    add("/appointment_types/<id>/practitioners/inactive", "type_practitioners_inactive", "GET")
    add("/practitioners", "list_practitioners", "GET")
    add("/practitioners/inactive", "list_practitioners_inactive", "GET")
    add("/practitioners/<id>", "show_practitioner", "GET")
    add("/practitioners/<id>/appointment_types", "practitioner_types", "GET")
    add("/businesses", "list_businesses", "GET")
    add("/businesses/archived", "legacy_businesses_archived", "GET")
    add("/businesses", "create_business", "POST")
    add("/businesses/<id>", "show_business", "GET")
    add("/businesses/<id>", "update_business", "PATCH", "PUT")
    add("/businesses/<id>", "archive_business", "DELETE")
    add("/businesses/<id>/archive", "archive_business", "POST")
    add("/businesses/<id>/unarchive", "unarchive_business", "POST")
    add("/businesses/<id>/practitioners", "business_practitioners", "GET")
    add("/businesses/<id>/practitioners/inactive", "business_practitioners_inactive", "GET")
    add("/user", "current_user", "GET")
    add("/users", "list_users", "GET")
    add("/users/<id>", "show_user", "GET")
    add("/settings", "show_settings", "GET")
    add("/settings/public", "show_public_settings", "GET")
    return r + legacy_appointments.rules() + unmodelled.rules()


class Api(ClassRoutes, ClinicRoutes, SettingsRoutes, LegacyAppointmentRoutes, UnmodelledRoutes):
    def __init__(self, world: World) -> None:
        self.world = world
        self.url_map = Map(_rules(), strict_slashes=False)

    def endpoint_for(self, method: str, path: str) -> tuple[str, str | None, dict[str, str]]:
        """(route template such as `/patients/{id}`, handler name, args) for counting."""
        adapter = self.url_map.bind("sandbox")
        try:
            rule, args = adapter.match(path, method=method, return_rule=True)
        except MethodNotAllowed as exc:
            return path, "method_not_allowed", {"allow": ", ".join(sorted(exc.valid_methods or ()))}
        except HTTPException:
            return path, None, {}
        return rule.rule.replace("<id>", "{id}"), rule.endpoint, args

    def dispatch(self, request: Request, handler: str | None, args: dict[str, str],
                 base: str) -> Response:
        if handler is None:
            return message("Not Found", 404)
        if handler == "method_not_allowed":  # RFC 9110: a 405 lists what the path allows
            return json_response({"message": "Method Not Allowed"}, 405, {"Allow": args["allow"]})
        try:
            return getattr(self, handler)(request, base, **args)
        except NotFound:
            return message("Not Found", 404)
        except QueryError as exc:
            return message(exc.message, 400)
        except ValidationFailed as exc:
            return json_response(exc.body(), 422)
        except BadBody as exc:
            return message(exc.args[0], 400)

    # -- shared shapes ---------------------------------------------------------------

    def _list(self, request: Request, base: str, listing: Listing, *,
              where: list[str] | None = None, params: list[Any] | None = None,
              reveal: tuple[str, ...] = ()) -> Response:
        filters = request.args.getlist("q[]") + request.args.getlist("q")
        sort = parse_sort(request.args.get("sort"), request.args.get("order"), listing.sortable)
        page = parse_page(request.args.get("page"), request.args.get("per_page"))
        rows, total = self.world.browse(listing, filters, sort, page, where=where,
                                        params=params, reveal=reveal, base=base)
        return json_response({listing.key: rows, "total_entries": total,
                              "links": page_links(request, base, page.number,
                                                   page.per_page, total)})

    def _show(self, request: Request, base: str, listing: Listing, row_id: str,
              column: str = "id") -> Response:
        # the single-record GETs accept `q[]` only on their hidden columns
        only_hidden = dataclasses.replace(
            listing, filters={n: k for n, k in listing.filters.items() if n in listing.hidden})
        filters = request.args.getlist("q[]") + request.args.getlist("q")
        return json_response(self.world.fetch(only_hidden, row_id, filters, base=base,
                                              column=column))

    # -- patients --------------------------------------------------------------------

    def list_patients(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.PATIENTS)

    def legacy_patients_archived(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.PATIENTS, reveal=("archived_at",),
                          where=["patients.archived_at IS NOT NULL"])

    def legacy_patients_deleted(self, request: Request, base: str) -> Response:
        return self._list(request, base, PATIENTS_DELETED, where=["deleted_at IS NOT NULL"])

    def show_patient(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.PATIENTS, id)

    def create_patient(self, request: Request, base: str) -> Response:
        values = validation.clean_patient(read_body(request), creating=True)
        row = self.world.insert_patient(values)
        row = self.world.fetch(resources.PATIENTS, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_patient(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.PATIENTS, id)
        self.world.update_patient(id, **read_body(request))
        return self._show(request, base, resources.PATIENTS, id)

    def archive_patient(self, request: Request, base: str, id: str) -> Response:
        self._visible(resources.PATIENTS, id)
        self.world.archive_patient(id)
        return no_content()

    def unarchive_patient(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(resources.PATIENTS, id, ["archived_at:*"])
        self.world.unarchive_patient(id)
        return json_response(self.world.fetch(resources.PATIENTS, id, base=base))

    def _visible(self, listing: Listing, row_id: str) -> None:
        self.world.fetch(listing, row_id)  # 404 for missing or hidden rows

    # -- individual appointments -----------------------------------------------------

    def list_appointments(self, request: Request, base: str) -> Response:
        return self._list(request, base, A)

    def legacy_appointments_cancelled(self, request: Request, base: str) -> Response:
        return self._list(request, base, A, reveal=("cancelled_at",),
                          where=["appointments.cancelled_at IS NOT NULL"])

    def legacy_appointments_archived(self, request: Request, base: str) -> Response:
        return self._list(request, base, A, reveal=("archived_at", "cancelled_at"),
                          where=["appointments.archived_at IS NOT NULL"])

    def legacy_appointments_deleted(self, request: Request, base: str) -> Response:
        return self._list(request, base, APPOINTMENTS_DELETED, where=["deleted_at IS NOT NULL"])

    def show_appointment(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, A, id)

    def create_appointment(self, request: Request, base: str) -> Response:
        row = self.world.create_appointment(read_body(request))
        row = self.world.fetch(A, row["id"], base=base)
        return json_response(row, 201, {"Location": row["links"]["self"]})

    def update_appointment(self, request: Request, base: str, id: str) -> Response:
        self._visible(A, id)
        self.world.update_appointment(id, **read_body(request))
        return self._show(request, base, A, id)

    def archive_appointment(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(A, id, ["cancelled_at:*"])
        self.world.archive_appointment(id)
        return no_content()

    def cancel_appointment(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(A, id, ["cancelled_at:*"])
        reason, note = validation.clean_cancel(read_body(request))
        self.world.cancel_appointment(id, reason, note)
        return no_content()

    def appointment_conflicts(self, request: Request, base: str, id: str) -> Response:
        row = self.world.fetch(A, id, ["cancelled_at:*"])
        clash = self.world.store.scalar(
            "SELECT count(*) FROM appointments WHERE practitioner_id = ? AND id != ? AND "
            "cancelled_at IS NULL AND archived_at IS NULL AND deleted_at IS NULL AND "
            "starts_at < ? AND ends_at > ?",
            (int(row["practitioner"]["links"]["self"].rsplit("/", 1)[1]), int(id),
             row["ends_at"], row["starts_at"]))
        return json_response({"conflicts": {"exist": bool(clash)}})

    def list_bookings(self, request: Request, base: str) -> Response:
        return self._list(request, base, resources.BOOKINGS)

    def show_booking(self, request: Request, base: str, id: str) -> Response:
        return self._show(request, base, resources.BOOKINGS, id)

    def appointment_attendees(self, request: Request, base: str, id: str) -> Response:
        self.world.fetch(A, id, ["cancelled_at:*", "archived_at:*"])
        return self._list(request, base, resources.ATTENDEES, where=["attendees.booking_id = ?"],
                          params=[int(id)], reveal=("cancelled_at", "archived_at"))
