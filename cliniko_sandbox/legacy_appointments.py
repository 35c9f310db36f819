"""The deprecated `/appointments` family, which patients', practitioners' and
businesses' `appointments` links still point at.

Cliniko dropped it from its docs in Feb 2018 ("we are still going to support it",
redguava/cliniko-api e99beae) and it is absent from the OpenAPI spec, so it follows
the last docs that described it: key `appointments`, rows in the old shape
(`appointment_start`, `cancellation_time`, links under `/appointments/{id}`), the
filters listed there, and separate `/cancelled` and `/deleted` lists — so the plain
lists hide cancelled rows, and archived ones like every list today.
"""

from __future__ import annotations

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from cliniko_sandbox import render, resources
from cliniko_sandbox.resources import Listing
from cliniko_sandbox.responses import json_response

LEGACY_FILTERS = {
    "appointment_end": "datetime", "appointment_start": "datetime",
    "appointment_type_id": "int", "business_id": "int", "created_at": "datetime",
    "id": "int", "patient_id": "int", "practitioner_id": "int", "updated_at": "datetime",
    # not in that list, but every repeating row's `repeats` link filters on it
    "repeated_from_appointment_id": "int",
}
LEGACY_APPOINTMENTS = Listing(
    "appointments", "appointments", LEGACY_FILTERS,
    ("archived_at", "cancelled_at", "deleted_at"), render.legacy_appointment,
    extra_select=resources.APPOINTMENTS.extra_select,
    aliases={"appointment_start": "starts_at", "appointment_end": "ends_at",
             "repeated_from_appointment_id": "repeated_from_id"},
)
# owner -> (its listing, the appointments column naming it)
OWNERS = {
    "patients": (resources.PATIENTS, "patient_id"),
    "practitioners": (resources.PRACTITIONERS, "practitioner_id"),
    "businesses": (resources.BUSINESSES, "business_id"),
}
# which rows each list holds: (extra WHERE, hidden columns it lets in)
STATES = {
    "": (None, ()),
    "/cancelled": ("appointments.cancelled_at IS NOT NULL", ("cancelled_at",)),
    "/deleted": ("appointments.deleted_at IS NOT NULL",
                 ("deleted_at", "cancelled_at", "archived_at")),
}


def rules() -> list[Rule]:
    r = [Rule(f"/appointments{state}", endpoint="legacy_appointments", methods=["GET"],
              defaults={"owner": None, "state": state}) for state in STATES]
    r += [Rule(f"/{owner}/<id>/appointments{state}", endpoint="legacy_appointments",
               methods=["GET"], defaults={"owner": owner, "state": state})
          for owner in OWNERS for state in STATES]
    r.append(Rule("/appointments/<id>", endpoint="legacy_show_appointment", methods=["GET"]))
    r.append(Rule("/appointments/<id>/conflicts", endpoint="appointment_conflicts",
                  methods=["GET"]))
    return r


class LegacyAppointmentRoutes:
    """Needs `Api`'s `world` and `_list`."""

    def legacy_appointments(self, request: Request, base: str, owner: str | None, state: str,
                            id: str | None = None) -> Response:
        where, params = [], []
        if owner is not None:
            listing, column = OWNERS[owner]
            # an archived owner still has its appointments (issue #318)
            self.world.fetch(listing, id, reveal=("archived_at",))
            where.append(f"appointments.{column} = ?")
            params.append(int(id))
        condition, reveal = STATES[state]
        if condition:
            where.append(condition)
        return self._list(request, base, LEGACY_APPOINTMENTS, where=where, params=params,
                          reveal=reveal)

    def legacy_show_appointment(self, request: Request, base: str, id: str) -> Response:
        # the `/cancelled` list's rows link here, so cancelled ones answer too
        return json_response(self.world.fetch(LEGACY_APPOINTMENTS, id, base=base,
                                              reveal=("cancelled_at",)))
