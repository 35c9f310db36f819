"""Ids are int64 strings: anything that cannot be one is a client error, never a 500."""

from __future__ import annotations

import pytest

TOO_BIG = str(2**63)  # one past int64


@pytest.fixture
def patient(sandbox):
    return sandbox.world.create_patient(first_name="Ann", last_name="Lee")


@pytest.mark.parametrize("row_id", [TOO_BIG, "9" * 30, "²", "-1", "12abc"])
def test_a_path_id_that_is_not_an_int64_is_404(sandbox, sandbox_session, row_id):
    for collection in ("patients", "individual_appointments", "practitioners", "businesses"):
        response = sandbox_session.get(f"{sandbox.base_url}/{collection}/{row_id}")
        assert response.status_code == 404, (collection, response.text)
        assert response.json() == {"message": "Not Found"}


def test_the_largest_int64_is_a_plain_miss(sandbox, sandbox_session):
    response = sandbox_session.get(f"{sandbox.base_url}/patients/{2**63 - 1}")
    assert response.status_code == 404


@pytest.mark.parametrize("q", [f"id:={TOO_BIG}", f"id:>{TOO_BIG}", f"id:=1,{TOO_BIG}"])
def test_a_filter_value_past_int64_is_400(sandbox, sandbox_session, patient, q):
    response = sandbox_session.get(sandbox.base_url + "/patients", params={"q[]": q})
    assert response.status_code == 400
    assert "message" in response.json()


def test_a_huge_page_number_is_an_empty_page(sandbox, sandbox_session, patient):
    response = sandbox_session.get(sandbox.base_url + "/patients", params={"page": "9" * 30})
    assert response.status_code == 200
    assert response.json()["patients"] == []
    assert response.json()["total_entries"] == 1


def test_a_body_id_past_int64_is_422(sandbox, sandbox_session, patient):
    response = sandbox_session.patch(f"{sandbox.base_url}/patients/{patient['id']}",
                                     json={"concession_type_id": TOO_BIG})
    assert response.status_code == 422
    assert response.json()["errors"] == {"concession_type_id": "is invalid"}
    response = sandbox_session.post(sandbox.base_url + "/individual_appointments", json={
        "patient_id": TOO_BIG, "starts_at": "2030-01-01T00:00:00Z"})
    assert response.status_code == 422
    assert response.json()["errors"]["patient_id"] == "is invalid"


def test_body_keys_named_like_handler_arguments_are_just_ignored(sandbox, sandbox_session,
                                                                 patient):
    """A read-only or unknown key must not clash with the sandbox's own parameters."""
    response = sandbox_session.patch(f"{sandbox.base_url}/patients/{patient['id']}",
                                     json={"patient_id": "1", "first_name": "Anne"})
    assert response.status_code == 200
    assert response.json()["first_name"] == "Anne"
    appointment = sandbox.world.book_appointment(patient["id"])
    response = sandbox_session.patch(
        f"{sandbox.base_url}/individual_appointments/{appointment['id']}",
        json={"appointment_id": "1", "notes": "Bring scans"})
    assert response.status_code == 200
    assert response.json()["notes"] == "Bring scans"
    response = sandbox_session.post(sandbox.base_url + "/appointment_types", json={
        "self": "x", "name": "Short", "duration_in_minutes": 15})
    assert response.status_code == 201
