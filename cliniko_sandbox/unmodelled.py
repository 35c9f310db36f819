"""Cliniko lists of things the sandbox keeps none of (invoices, medical alerts,
attachments, ...), served empty because the rows it renders link to them.

Each is a list in Cliniko's OpenAPI spec and behaves like one: an unknown parent is
404, `q[]` is checked against the spec's filters for that list (400 as usual), `sort`
and paging are read, and the envelope is the usual one with no rows in it. That is
what a clinic with no such records would see, so nothing here invents data.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from cliniko_sandbox import resources
from cliniko_sandbox.queries import parse_filters, parse_page, parse_sort
from cliniko_sandbox.resources import Listing
from cliniko_sandbox.responses import json_response, page_links

# The spec's q[] filters (its `integer` and `int64` both read as "int" here).
_INVOICE_FILTERS = {
    "appointment_id": "int", "archived_at": "datetime", "attendee_id": "int",
    "business_id": "int", "closed_at": "datetime", "created_at": "datetime",
    "deleted_at": "datetime", "id": "int", "issue_date": "date", "number": "int",
    "original_invoice_id": "int", "patient_id": "int", "practitioner_id": "int",
    "status": "int", "updated_at": "datetime",
}


def _invoices_without(parent: str) -> dict[str, str]:
    """A nested invoice list does not filter on its own parent."""
    return {name: kind for name, kind in _INVOICE_FILTERS.items() if name != parent}


@dataclass(frozen=True)
class Parent:
    """The row a nested list hangs off; rows Cliniko hides still have their lists
    (issue #318: an archived patient's data still shows elsewhere)."""

    listing: Listing
    column: str = "id"
    reveal: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmptyList:
    key: str
    filters: dict[str, str]
    parent: Parent | None = None


PATIENT = Parent(resources.PATIENTS, reveal=("archived_at",))
PRACTITIONER = Parent(resources.PRACTITIONERS)
ATTENDEE = Parent(resources.ATTENDEES, "id", ("archived_at", "cancelled_at"))
APPOINTMENT = Parent(resources.APPOINTMENTS, reveal=("archived_at", "cancelled_at"))

EMPTY_LISTS = {
    "/patients/<id>/invoices": EmptyList("invoices", _invoices_without("patient_id"), PATIENT),
    "/patients/<id>/medical_alerts": EmptyList("medical_alerts", {
        "archived_at": "datetime", "created_at": "datetime", "deleted_at": "datetime",
        "id": "int", "updated_at": "datetime"}, PATIENT),
    "/patients/<id>/patient_attachments": EmptyList("patient_attachments", {
        "archived_at": "datetime", "content_type": "string", "created_at": "datetime",
        "description": "string", "filename": "string", "id": "int",
        "processed_at": "datetime", "size": "int", "updated_at": "datetime",
        "user_id": "int"}, PATIENT),
    "/practitioners/<id>/invoices": EmptyList(
        "invoices", _invoices_without("practitioner_id"), PRACTITIONER),
    "/practitioners/<id>/practitioner_reference_numbers": EmptyList(
        "practitioner_reference_numbers", {
            "business_id": "int", "created_at": "datetime", "id": "int",
            "reference_number": "string", "updated_at": "datetime"}, PRACTITIONER),
    "/attendees/<id>/invoices": EmptyList(
        "invoices", _invoices_without("attendee_id"), ATTENDEE),
    "/attendees/<id>/patient_forms": EmptyList("patient_forms", {
        "archived_at": "datetime", "completed_at": "datetime", "created_at": "datetime",
        "id": "int", "patient_id": "int", "updated_at": "datetime"}, ATTENDEE),
    "/appointments/<id>/invoices": EmptyList(
        "invoices", _invoices_without("appointment_id"), APPOINTMENT),
    "/relationships": EmptyList("relationships", {
        "archived_at": "datetime", "created_at": "datetime", "id": "int",
        "patient_id": "int", "updated_at": "datetime"}),
    "/appointment_type_billable_items": EmptyList("appointment_type_billable_items", {
        "appointment_type_id": "int", "billable_item_id": "int", "created_at": "datetime",
        "id": "int", "updated_at": "datetime"}),
    "/appointment_type_products": EmptyList("appointment_type_products", {
        "appointment_type_id": "int", "created_at": "datetime", "id": "int",
        "product_id": "int", "updated_at": "datetime"}),
}


def rules() -> list[Rule]:
    # one endpoint; the route's own path (a default, not in the URL) says which list
    return [Rule(path, endpoint="unmodelled_list", methods=["GET"], defaults={"route": path})
            for path in EMPTY_LISTS]


class UnmodelledRoutes:
    """Needs `Api`'s `world`."""

    def unmodelled_list(self, request: Request, base: str, route: str, id: str | None = None
                        ) -> Response:
        empty = EMPTY_LISTS[route]
        if empty.parent is not None:
            parent = empty.parent
            self.world.fetch(parent.listing, id, column=parent.column, reveal=parent.reveal)
        parse_filters(request.args.getlist("q[]") + request.args.getlist("q"), empty.filters)
        sortable = {n for n, kind in empty.filters.items() if kind != "array"}
        parse_sort(request.args.get("sort"), request.args.get("order"),
                   sortable | {"created_at", "updated_at", "id"})
        page = parse_page(request.args.get("page"), request.args.get("per_page"))
        return json_response({empty.key: [], "total_entries": 0,
                              "links": page_links(request, base, page.number, page.per_page, 0)})
