"""The audience builder's endpoints: signed in only, CSRF, the live count, presets, bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest

from oncord.models import ConsentSource
from oncord.timestamps import utcnow
from tests.factories import PractitionerFactory


@pytest.fixture
def token(client, login_as, csrf_token):
    login_as()
    return csrf_token("/marketing/audience/")


def post_count(client, token, data, htmx=True):
    headers = {"X-CSRFToken": token, **({"HX-Request": "true"} if htmx else {})}
    return client.post("/marketing/audience/count", data=data, headers=headers)


def test_pages_need_a_signed_in_user(client, db, csrf_token, make_user):
    make_user("admin")  # past first-run setup: the login wall is what answers
    assert client.get("/marketing/audience/").status_code == 302
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_token("/login")}
    assert client.post("/marketing/audience/count", data={}, headers=headers).status_code == 401
    assert client.get("/marketing/audience/preset/no_upcoming").status_code == 302


def test_count_without_a_csrf_token_is_refused(client, login_as):
    login_as()
    response = client.post("/marketing/audience/count", data={"channel": "email"}, headers={"HX-Request": "true"})
    assert response.status_code == 400


def test_the_page_shows_the_builder_with_its_live_count(client, token):
    html = client.get("/marketing/audience/").get_data(as_text=True)
    assert 'id="audience-builder"' in html and 'hx-post="/marketing/audience/count"' in html
    assert 'name="aud_appointment_date_mode"' in html and "Ready-made" in html


def test_count_answers_with_the_number_the_rule_and_names(client, db, token, person, visit):
    doctor = PractitionerFactory(first_name="Ann", last_name="Lee")
    pat = person(first_name="Pat", last_name="Able")
    visit(pat, utcnow() - timedelta(days=3), practitioner=doctor)
    staff_set = person(ConsentSource.STAFF, first_name="Sam", last_name="Staff")
    visit(staff_set, utcnow() - timedelta(days=3), practitioner=doctor)
    db.session.commit()
    response = post_count(client, token, {"channel": "email", "aud_appointment_date_mode": "last",
                                          "aud_appointment_date_days": "30", "aud_practitioner_ids": str(doctor.id)})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<strong id="audience-included">1</strong>' in html
    assert "Pat Able" in html and "Sam Staff" not in html
    assert "Uses health information" in html
    assert "Consent not given explicitly (health information rule)" in html
    assert "Had an appointment (not cancelled) with Dr Ann Lee in the last 30 days" in html


def test_the_channel_decides_whose_address_counts(client, db, token, person):
    person(email=None, phone="+61412345678")
    db.session.commit()
    email = post_count(client, token, {"channel": "email"}).get_data(as_text=True)
    sms = post_count(client, token, {"channel": "sms"}).get_data(as_text=True)
    assert '<strong id="audience-included">0</strong>' in email and "No email address" in email
    assert '<strong id="audience-included">1</strong>' in sms


@pytest.mark.parametrize("data, message", [
    ({"aud_appointment_date_mode": "last", "aud_appointment_date_days": "many"},
     "Appointment date: enter a whole number of days from 1 to 3,650."),
    ({"aud_appointment_date_mode": "last"}, "enter how many days"),
    ({"aud_booked_mode": "between", "aud_booked_start": "2025-13-40"}, "is not a date"),
    ({"aud_booked_mode": "between", "aud_booked_start": "2025-03-10", "aud_booked_end": "2025-03-01"},
     "end date is before the start date"),
    ({"aud_first_appointment_mode": "fortnight"}, "choose a kind of date range"),
    ({"aud_practitioner_ids": "Dr Lee"}, "Choose each practitioner from the list"),
    ({"aud_statuses": "rescheduled"}, "is not an appointment status"),
    ({"aud_last_appointment_months": "-3"}, "Last appointment: enter a whole number of months from 1 to 240."),
    ({"aud_upcoming": "maybe"}, "upcoming appointment"),
    ({"channel": "fax"}, "Choose email or SMS"),
])
def test_bad_input_gets_a_clear_error_not_a_500(client, db, token, data, message):
    htmx = post_count(client, token, {"channel": "email", **data})
    assert htmx.status_code == 200  # swapped in by HTMX, so the error is seen
    assert message in htmx.get_data(as_text=True)
    assert post_count(client, token, {"channel": "email", **data}, htmx=False).status_code == 422


def test_a_preset_fills_the_builder_in(client, token):
    html = client.get("/marketing/audience/preset/did_not_arrive_last_month").get_data(as_text=True)
    assert 'value="last_month" selected' in html
    assert 'name="aud_statuses" value="did_not_arrive" checked' in html
    assert 'hx-trigger="load, change from:closest form delay:300ms"' in html  # counts again once swapped in
    lapsed = client.get("/marketing/audience/preset/lapsed_6_months").get_data(as_text=True)
    assert 'name="aud_last_appointment_months" id="aud_last_appointment_months"\n                 value="6"' in lapsed
    assert client.get("/marketing/audience/preset/everyone-ever").status_code == 404
