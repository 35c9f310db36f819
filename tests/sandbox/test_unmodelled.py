"""Lists of things the sandbox does not model answer as a clinic with none of them
would: the usual envelope, empty, with the spec's filters and a 404 parent."""

from __future__ import annotations

import re

import pytest

from cliniko_sandbox.unmodelled import EMPTY_LISTS
from tests.sandbox.openapi import spec_dict, validate

SPEC_KINDS = {"int64": "int", "integer": "int", "date-time": "datetime", "date": "date",
              "string": "string", "boolean": "bool", "array": "array"}


def spec_path(route):
    return re.sub(r"^/(\w+)/<id>", lambda m: f"/{m[1]}/{{{m[1].removesuffix('s')}_id}}",
                  route)


def spec_filters(route):
    operation = spec_dict()["paths"][spec_path(route)]["get"]
    (q,) = [p for p in operation["parameters"] if p.get("name") == "q[]"]
    return {name: SPEC_KINDS[kind]
            for name, kind in re.findall(r"\|\s*(\w+)\s*\|\s*\[([\w-]+)\]", q["description"])}


@pytest.fixture
def parents(sandbox):
    world = sandbox.world
    patient = world.create_patient()
    appointment = world.book_appointment(patient["id"])
    return {
        "patients": patient["id"],
        "practitioners": appointment["practitioner"]["links"]["self"].rsplit("/", 1)[1],
        "attendees": str(world.store.scalar("SELECT attendee_id FROM appointments")),
        "appointments": appointment["id"],
    }


def url_for(route, parents):
    owner = route.split("/")[1]
    return route.replace("<id>", parents.get(owner, ""))


@pytest.mark.parametrize("route", sorted(EMPTY_LISTS))
def test_filters_are_the_specs(route):
    assert EMPTY_LISTS[route].filters == spec_filters(route)


@pytest.mark.parametrize("route", sorted(EMPTY_LISTS))
def test_empty_envelope(sandbox, sandbox_session, parents, route):
    path = url_for(route, parents)
    response = sandbox_session.get(sandbox.base_url + path, params={"per_page": 10},
                                   allow_redirects=False)
    assert response.status_code == 200, response.text
    validate(response, sandbox.base_url)
    key = EMPTY_LISTS[route].key
    assert response.json() == {key: [], "total_entries": 0, "links": {
        "self": f"{sandbox.base_url}{path}?page=1&per_page=10"}}


@pytest.mark.parametrize("route", sorted(EMPTY_LISTS))
def test_filters_sort_and_parent_are_checked(sandbox, sandbox_session, parents, route):
    url = sandbox.base_url + url_for(route, parents)
    good = {"q[]": ["created_at:>2020-01-01T00:00:00Z", "id:=1,2"], "sort": "updated_at:desc"}
    assert sandbox_session.get(url, params=good).status_code == 200
    bad = sandbox_session.get(url, params={"q[]": "colour:=red"})
    assert (bad.status_code, bad.json()) == (400, {"message": "This column is not searchable."})
    assert sandbox_session.get(url, params={"sort": "colour"}).status_code == 400
    if "<id>" in route:
        missing = sandbox.base_url + route.replace("<id>", "1390000000000000999")
        assert sandbox_session.get(missing).status_code == 404


def test_hidden_parents_keep_their_lists(sandbox, sandbox_session, parents):
    """An archived patient's or a cancelled appointment's records are still listed."""
    world = sandbox.world
    world.archive_patient(parents["patients"])
    world.cancel_appointment(parents["appointments"])
    for route in ("/patients/<id>/medical_alerts", "/attendees/<id>/invoices",
                  "/appointments/<id>/invoices"):
        response = sandbox_session.get(sandbox.base_url + url_for(route, parents))
        assert response.status_code == 200, route
    world.delete_patient(parents["patients"])
    response = sandbox_session.get(sandbox.base_url + url_for("/patients/<id>/invoices", parents))
    assert response.status_code == 404
