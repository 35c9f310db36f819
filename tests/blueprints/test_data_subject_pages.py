"""The contact page's data-subject tools (admins) and Settings > Erased people."""
from __future__ import annotations

import json

from sqlalchemy import select

from oncord.messaging import ledger
from oncord.messaging.drafts import SmsDraft
from oncord.models import Contact, Role, Suppression
from tests.factories import ContactFactory


def test_staff_see_no_data_tools_and_cannot_use_them(client, db, login_as):
    login_as(Role.STAFF)
    contact = ContactFactory()
    db.session.commit()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Export data" not in page and "Erase from oncord" not in page
    assert client.get(f"/contacts/{contact.id}/export").status_code == 403
    assert client.get(f"/contacts/{contact.id}/erase").status_code == 403
    assert client.get("/settings/erased/").status_code == 403


def test_export_downloads_the_contacts_data_as_json(client, db, login_as):
    login_as(Role.ADMIN)
    contact = ContactFactory(first_name="Pat", email="pat@mail.example")
    db.session.commit()
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert "Export data" in page and "Erase from oncord" in page
    response = client.get(f"/contacts/{contact.id}/export")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data())
    assert data["contact"]["email"] == "pat@mail.example"
    assert set(data) >= {"contact", "appointments", "activity", "messages", "consent_ledger"}


def test_erase_confirms_then_erases_and_the_suppression_can_be_lifted(client, db, login_as, csrf_token):
    admin = login_as(Role.ADMIN)
    contact = ContactFactory(first_name="Pat", last_name="Quinn", linked=True)
    db.session.commit()
    patient_id = contact.cliniko_patient_id
    ledger.claim("reminder:1", SmsDraft(to=contact.phone, body="See you"), contact=contact, kind="factual",
                 source="automation")
    confirm = client.get(f"/contacts/{contact.id}/erase").get_data(as_text=True)
    assert "The patient in Cliniko is not touched" in confirm and 'class="card confirm-card"' in confirm

    assert client.post(f"/contacts/{contact.id}/erase").status_code == 400  # CSRF
    response = client.post(f"/contacts/{contact.id}/erase", data={"csrf_token": csrf_token(f"/contacts/{contact.id}")},
                           follow_redirects=True)
    assert "was erased from oncord" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalars(select(Contact)).all() == []
    suppression = db.session.scalars(select(Suppression)).one()

    listing = client.get("/settings/erased/").get_data(as_text=True)
    assert str(patient_id) in listing and suppression.email_hash[:12] in listing
    assert admin.name in listing and "Lift" in listing
    assert "the next full sync brings the patient back" in client.get(
        f"/settings/erased/{suppression.id}/lift").get_data(as_text=True)
    response = client.post(f"/settings/erased/{suppression.id}/lift",
                           data={"csrf_token": csrf_token("/settings/erased/")}, follow_redirects=True)
    assert "Lifted." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Suppression, suppression.id).lifted_by_user_id == admin.id


def test_the_feed_shows_a_message_linking_to_it(client, db, login_as):
    login_as()
    contact = ContactFactory()
    db.session.commit()
    message = ledger.claim("reminder:1", SmsDraft(to=contact.phone, body="See you Tuesday"), contact=contact,
                           kind="factual", source="automation")
    ledger.mark_skipped(message, "Unsubscribed from SMS.")
    page = client.get(f"/contacts/{contact.id}").get_data(as_text=True)
    assert f'href="/marketing/messages/{message.id}"' in page
    assert "SMS: See you Tuesday" in page and "Skipped" in page and "Unsubscribed from SMS." in page
