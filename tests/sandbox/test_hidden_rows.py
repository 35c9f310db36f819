"""Archived, cancelled and deleted rows hide by default; `q[]=...:*` and the legacy
`/archived`, `/cancelled`, `/deleted` lists bring them back."""

from __future__ import annotations

import pytest


@pytest.fixture
def world(sandbox):
    return sandbox.world


def listing(session, sandbox, path, *filters):
    response = session.get(sandbox.base_url + path, params={"q[]": list(filters)})
    assert response.status_code == 200, response.text
    return response.json()


def test_archived_patients_hide_until_asked(sandbox, sandbox_session, world):
    kept, archived = world.create_patient(), world.create_patient()
    world.archive_patient(archived["id"])
    visible = listing(sandbox_session, sandbox, "/patients")
    assert [p["id"] for p in visible["patients"]] == [kept["id"]]
    everything = listing(sandbox_session, sandbox, "/patients", "archived_at:*")
    assert {p["id"] for p in everything["patients"]} == {kept["id"], archived["id"]}
    only = listing(sandbox_session, sandbox, "/patients", "archived_at:?")
    assert [p["id"] for p in only["patients"]] == [archived["id"]]
    since = listing(sandbox_session, sandbox, "/patients", "archived_at:>2000-01-01T00:00:00Z")
    assert [p["id"] for p in since["patients"]] == [archived["id"]]


def test_show_archived_patient_needs_the_filter(sandbox, sandbox_session, world):
    pid = world.create_patient()["id"]
    world.archive_patient(pid)
    url = f"{sandbox.base_url}/patients/{pid}"
    assert sandbox_session.get(url).status_code == 404
    assert sandbox_session.get(url).json() == {"message": "Not Found"}
    shown = sandbox_session.get(url, params={"q[]": "archived_at:*"})
    assert shown.status_code == 200
    assert shown.json()["archived_at"] is not None


def test_show_accepts_only_hidden_columns(sandbox, sandbox_session, world):
    pid = world.create_patient()["id"]
    response = sandbox_session.get(f"{sandbox.base_url}/patients/{pid}",
                                   params={"q[]": "first_name:=x"})
    assert response.status_code == 400


def test_cancelled_appointments_hide_until_asked(sandbox, sandbox_session, world):
    kept = world.book_appointment()
    cancelled = world.book_appointment()
    world.cancel_appointment(cancelled["id"], 30, "Flu")
    path = "/individual_appointments"
    assert [a["id"] for a in listing(sandbox_session, sandbox, path)[
        "individual_appointments"]] == [kept["id"]]
    both = listing(sandbox_session, sandbox, path, "cancelled_at:*")["individual_appointments"]
    assert {a["id"] for a in both} == {kept["id"], cancelled["id"]}
    shown = sandbox_session.get(f"{sandbox.base_url}{path}/{cancelled['id']}")
    assert shown.status_code == 404
    shown = sandbox_session.get(f"{sandbox.base_url}{path}/{cancelled['id']}",
                                params={"q[]": "cancelled_at:*"}).json()
    assert shown["cancellation_reason"] == 30
    assert shown["cancellation_reason_description"] == "Sick"
    assert shown["cancellation_note"] == "Flu"


def test_archived_and_cancelled_need_both_filters(sandbox, sandbox_session, world):
    appointment = world.book_appointment()
    world.cancel_appointment(appointment["id"])
    world.archive_appointment(appointment["id"])
    path = "/individual_appointments"
    assert listing(sandbox_session, sandbox, path, "cancelled_at:*")["total_entries"] == 0
    assert listing(sandbox_session, sandbox, path, "cancelled_at:*",
                   "archived_at:*")["total_entries"] == 1


def test_legacy_patient_lists(sandbox, sandbox_session, world):
    archived, deleted, live = (world.create_patient() for _ in range(3))
    world.archive_patient(archived["id"])
    world.delete_patient(deleted["id"])
    assert [p["id"] for p in listing(sandbox_session, sandbox, "/patients/archived")[
        "patients"]] == [archived["id"]]
    gone = listing(sandbox_session, sandbox, "/patients/deleted")["patients"]
    assert gone == [{"id": deleted["id"], "deleted_at": gone[0]["deleted_at"],
                     "links": {"self": f"{sandbox.base_url}/patients/{deleted['id']}"}}]
    assert gone[0]["deleted_at"]
    assert all(p["id"] != deleted["id"] for p in listing(
        sandbox_session, sandbox, "/patients", "archived_at:*")["patients"])
    response = sandbox_session.get(sandbox.base_url + "/patients/deleted",
                                   params={"q[]": "updated_at:>2020-01-01T00:00:00Z"})
    assert response.status_code == 400
    assert response.json() == {"message": "This column is not searchable."}


def test_legacy_appointment_lists(sandbox, sandbox_session, world):
    cancelled, archived, deleted, live = (world.book_appointment() for _ in range(4))
    world.cancel_appointment(cancelled["id"])
    world.archive_appointment(archived["id"])
    world.delete_appointment(deleted["id"])
    base = "/individual_appointments"
    assert [a["id"] for a in listing(sandbox_session, sandbox, base + "/cancelled")[
        "individual_appointments"]] == [cancelled["id"]]
    assert [a["id"] for a in listing(sandbox_session, sandbox, base + "/archived")[
        "individual_appointments"]] == [archived["id"]]
    assert [a["id"] for a in listing(sandbox_session, sandbox, base + "/deleted")[
        "individual_appointments"]] == [deleted["id"]]
    assert listing(sandbox_session, sandbox, base, "deleted_at:*")["total_entries"] == 2


def test_legacy_appointment_type_and_business_lists(sandbox, sandbox_session, world):
    extra = world.add_appointment_type("Old service", 15)
    assert sandbox_session.post(
        f"{sandbox.base_url}/appointment_types/{extra['id']}/archive").status_code == 204
    archived = listing(sandbox_session, sandbox, "/appointment_types/archived")
    assert [t["id"] for t in archived["appointment_types"]] == [extra["id"]]
    assert extra["id"] not in [t["id"] for t in listing(
        sandbox_session, sandbox, "/appointment_types")["appointment_types"]]
    assert listing(sandbox_session, sandbox, "/businesses/archived")["total_entries"] == 0


def test_inactive_practitioners_are_listed_apart(sandbox, sandbox_session, world):
    gone = world.add_practitioner("Retired", "Person")
    world.set_practitioner_active(gone["id"], False)
    active = listing(sandbox_session, sandbox, "/practitioners")["practitioners"]
    inactive = listing(sandbox_session, sandbox, "/practitioners/inactive")["practitioners"]
    assert gone["id"] not in [p["id"] for p in active]
    assert [p["id"] for p in inactive] == [gone["id"]]
