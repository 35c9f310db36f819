"""`/bookings`: the read-only booking feed (fact sheet 7.3), which here holds the
individual appointments, each linking to itself under `/bookings`."""

from __future__ import annotations

from tests.sandbox.openapi import missing_properties, validate


def test_patient_and_attendee_links_to_bookings_resolve(sandbox, sandbox_session):
    world = sandbox.world
    patient = world.create_patient()
    appointment = world.book_appointment(patient["id"])
    shown = sandbox_session.get(f"{sandbox.base_url}/patients/{patient['id']}").json()
    latest = sandbox_session.get(shown["latest_booking"]["links"]["self"])
    assert latest.status_code == 200, latest.text
    assert latest.json()["id"] == appointment["id"]
    assert latest.json()["links"]["self"] == f"{sandbox.base_url}/bookings/{appointment['id']}"
    validate(latest, sandbox.base_url)
    assert missing_properties(latest.json(), "IndividualAppointment") == set()


def test_latest_booking_is_one_the_link_can_show(sandbox, sandbox_session):
    """Cancelled or archived bookings 404 at `/bookings/{id}`, so they are not linked."""
    world = sandbox.world
    patient = world.create_patient()
    earlier = world.book_appointment(patient["id"], starts_at="2030-01-01T09:00:00Z")
    later = world.book_appointment(patient["id"], starts_at="2030-01-02T09:00:00Z")

    def latest():
        shown = sandbox_session.get(f"{sandbox.base_url}/patients/{patient['id']}").json()
        return shown["latest_booking"]["links"].get("self")

    assert latest() == f"{sandbox.base_url}/bookings/{later['id']}"
    world.cancel_appointment(later["id"])
    assert latest() == f"{sandbox.base_url}/bookings/{earlier['id']}"
    world.archive_appointment(earlier["id"])
    assert latest() is None


def test_bookings_list_hides_and_filters_like_cliniko(sandbox, sandbox_session):
    world = sandbox.world
    first, second = world.create_patient(), world.create_patient()
    kept = world.book_appointment(first["id"], starts_at="2030-01-01T00:00:00Z")
    cancelled = world.book_appointment(second["id"], starts_at="2030-01-02T00:00:00Z")
    world.cancel_appointment(cancelled["id"])
    url = sandbox.base_url + "/bookings"

    def ids(*filters):
        response = sandbox_session.get(url, params={"q[]": list(filters)})
        assert response.status_code == 200, response.text
        validate(response, sandbox.base_url)
        return [row["id"] for row in response.json()["bookings"]]

    assert ids() == [kept["id"]]
    assert ids("cancelled_at:*") == [kept["id"], cancelled["id"]]
    assert ids(f"patient_ids:~{second['id']}", "cancelled_at:*") == [cancelled["id"]]
    assert ids("email_reminder_sent:=false") == [kept["id"]]
    assert sandbox_session.get(url, params={"q[]": f"patient_id:={first['id']}"}
                               ).status_code == 400  # the spec's /bookings has patient_ids
    one = sandbox_session.get(f"{url}/{cancelled['id']}")
    assert one.status_code == 404
    assert sandbox_session.get(f"{url}/{cancelled['id']}",
                               params={"q[]": "cancelled_at:*"}).status_code == 200
