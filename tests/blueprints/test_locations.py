"""Synced locations (Cliniko businesses) by name: the automation editor's filter, the template preview's
`appointment.location` and the contact's Appointments card."""
import html as html_lib
import re
from datetime import timedelta

from oncord.models import Automation, MessageTemplate, Role
from oncord.timestamps import utcnow
from tests.factories import AppointmentFactory, BusinessFactory, ContactFactory


def test_the_location_filter_offers_synced_names_and_the_list_says_where(client, db, login_as, csrf_token):
    login_as(Role.STAFF)
    north = BusinessFactory(name="Northside Clinic")
    closed = BusinessFactory(name="Old Town Clinic", archived_at=utcnow())
    template = MessageTemplate(name="sms reminder", channel="sms", kind="factual", body="See you soon.")
    db.session.add(template)
    db.session.commit()
    page = client.get("/marketing/automations/new").get_data(as_text=True)
    assert f'<option value="{north.id}">Northside Clinic</option>' in page
    assert "Old Town Clinic" not in page and "Location #" not in page  # archived: not offered for new filters
    response = client.post("/marketing/automations/new", data={
        "csrf_token": csrf_token("/marketing/automations/new"), "name": "Reminder", "trigger": "upcoming",
        "offset_amount": "24", "offset_unit": "hours", "late_booking": "send", "grace_minutes": "60",
        "no_return_days": "180", "first_appointment_only": "all", "business_ids": [str(north.id), str(closed.id)],
        "steps-0-step_type": "sms", "steps-0-template_id": str(template.id), "steps-0-kind": "factual",
        "steps-0-wait_amount": "1", "steps-0-wait_unit": "days"})
    assert response.status_code == 302
    automation = db.session.query(Automation).one()
    assert sorted(automation.business_ids) == sorted([north.id, closed.id])
    listing = client.get("/marketing/automations/").get_data(as_text=True)
    assert "24 hours before an appointment at Northside Clinic or Old Town Clinic" in listing
    edit = client.get(f"/marketing/automations/{automation.id}/").get_data(as_text=True)
    assert re.search(rf'<option (selected )?value="{closed.id}"( selected)?>Old Town Clinic</option>', edit)


def test_the_template_preview_fills_in_the_location(client, db, login_as, csrf_token):
    login_as()
    contact = ContactFactory(first_name="Mia")
    appointment = AppointmentFactory(contact=contact, business_id=BusinessFactory(name="Southbank Clinic").id)
    db.session.commit()
    response = client.post("/marketing/templates/preview", headers={"HX-Request": "true"}, data={
        "csrf_token": csrf_token("/marketing/templates/new?channel=sms"), "name": "Where", "channel": "sms",
        "kind": "factual", "body": "Hi {{ contact.first_name }}, we are at {{ appointment.location }}.",
        "contact_id": contact.id, "appointment_id": appointment.id})
    assert response.status_code == 200
    assert "Hi Mia, we are at Southbank Clinic." in html_lib.unescape(response.get_data(as_text=True))


def _card(client, contact) -> str:
    page = client.get(f"/contacts/{contact.id}/appointments").get_data(as_text=True)
    return " ".join(html_lib.unescape(page).split())


def test_the_appointments_card_names_the_location_when_the_clinic_has_several(client, db, login_as):
    login_as()
    contact = ContactFactory(linked=True)
    north = BusinessFactory(name="Northside Clinic")
    AppointmentFactory(contact=contact, business_id=north.id, starts_at=utcnow() + timedelta(days=3))
    db.session.commit()
    assert "Northside Clinic" not in _card(client, contact)  # one location: nothing to tell apart
    BusinessFactory(name="Southbank Clinic")
    db.session.commit()
    assert "at Northside Clinic" in _card(client, contact)
