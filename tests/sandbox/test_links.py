"""Every `links` URL the sandbox hands out answers, unless Cliniko's data behind it is
something the sandbox does not model at all (listed below, each with its reason).

The crawl starts at every list the sandbox serves, follows each `links` object found
anywhere in the JSON (rows, nested link objects, the page envelope) and keeps going
through what those answer, visiting a few URLs per route shape so it stays quick.
"""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import unquote, urlsplit

import pytest

ENTRY_POINTS = (
    "/patients", "/individual_appointments", "/bookings", "/attendees", "/appointment_types",
    "/practitioners", "/practitioners/inactive", "/businesses", "/users", "/user",
    "/settings", "/settings/public",
)
PER_SHAPE = 3  # URLs visited per route shape (ids replaced by {id})

# Links into data the sandbox does not model. Cliniko serves them; the sandbox answers
# 404 rather than invent rows, and nothing in oncord reads them. Each shape must really
# still 404 (see below), so this list cannot go stale when an endpoint is added.
# (Lists of unmodelled things are served empty instead: see cliniko_sandbox/unmodelled.py.)
UNMODELLED = {
    "/concession_types/{id}": "no concession types: the sandbox keeps the id a client "
                              "writes to a patient but has no row to show for it",
    "/contacts/{id}": "no contacts: a patient's `referring_doctor_id` is kept, not the "
                      "contact it names",
    "/patient_cases/{id}": "no patient cases: an appointment's `patient_case_id` is kept, "
                           "not the case it names",
}


def shape(url: str) -> str:
    """`/patients/123/appointments?page=1` -> `/patients/{id}/appointments`; filter
    links keep their filter name: `/attendees?q[]=patient_id:={id}`."""
    parts = urlsplit(url)
    path = re.sub(r"/\d+(?=/|$)", "/{id}", parts.path.removeprefix("/v1"))
    filters = [q for q in unquote(parts.query).split("&") if q.startswith(("q[]=", "q="))]
    filters = [re.sub(r"\d+", "{id}", q) for q in filters]
    return path + (f"?{'&'.join(filters)}" if filters else "")


def links_in(node, found: list[str]) -> list[str]:
    """Every URL inside any `links` object, however deep."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "links" and isinstance(value, dict):
                found += [v for v in value.values() if isinstance(v, str)]
            else:
                links_in(value, found)
    elif isinstance(node, list):
        for item in node:
            links_in(item, found)
    return found


def crawl(session, base_url: str) -> dict[str, dict[str, int]]:
    """{shape: {url: status}} for everything reachable from the entry points."""
    seen: dict[str, dict[str, int]] = {}
    queue = deque(f"{base_url}{path}" for path in ENTRY_POINTS)
    while queue:
        url = queue.popleft()
        assert url.startswith(base_url + "/"), f"a link leaves the sandbox: {url}"
        visited = seen.setdefault(shape(url), {})
        if url in visited or len(visited) >= PER_SHAPE:
            continue
        response = session.get(url)
        visited[url] = response.status_code
        if response.status_code == 200:
            queue.extend(links_in(response.json(), []))
    return seen


@pytest.fixture
def world(sandbox):
    sandbox.world.reset(patients=20, appointments=80, seed=11)
    world = sandbox.world
    practitioner = world.store.scalar("SELECT id FROM practitioners ORDER BY id LIMIT 1")
    world.set_practitioner_active(practitioner, False)  # so /practitioners/inactive has a row
    # links that only appear once a client writes them
    patient = world.patient_ids()[0]
    world.update_patient(patient, concession_type_id="1390000000000000001",
                         referring_doctor_id="1390000000000000002")
    appointment = world.book_appointment(patient)["id"]
    world.update_appointment(appointment, patient_case_id="1390000000000000003",
                             repeat_rule={"repeat_type": "Weekly", "number_of_repeats": 2,
                                          "repeating_interval": 1})
    return world


def test_every_link_answers(world, sandbox, sandbox_session):
    seen = crawl(sandbox_session, sandbox.base_url)
    gaps = {s: sorted(set(urls.values())) for s, urls in seen.items()
            if s not in UNMODELLED and set(urls.values()) != {200}}
    assert gaps == {}, "links the sandbox hands out but does not serve"
    # the world above really hands out the links this test is about
    assert {"/patients/{id}/appointments", "/practitioners/{id}/appointments",
            "/businesses/{id}/appointments", "/patients/{id}/invoices",
            "/individual_appointments?q[]=repeated_from_id:={id}",
            "/appointments?q[]=repeated_from_appointment_id:={id}", *UNMODELLED} <= set(seen)


def test_unmodelled_links_are_still_unserved(world, sandbox, sandbox_session):
    """An allow-listed shape that starts answering belongs in the crawl, not the list."""
    seen = crawl(sandbox_session, sandbox.base_url)
    assert {s: set(seen[s].values()) for s in UNMODELLED} == {s: {404} for s in UNMODELLED}
